"""The on-disk format of the verified index: one folder, its file names, SQLite schema and config.

Layout of the folder::

    config.json        model, dimension, metric, backend and its export format, index type, versions, counts
    meta.sqlite        articles, sentences, the embedding cache, the committed generation
    vectors.f32        every embedding ever computed, append-only float32 rows
    faiss/<gen>.faiss  the FAISS index of generation <gen>
    write.lock         held by the one writer

This module also holds the rows readers return, the identity an index is built with, and
the reading, writing and checking of ``config.json``. It imports nothing else of the index
but its errors and the FAISS index types.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from index.errors import IndexCorruptError, IndexMismatchError, IndexNotFoundError
from index.vectors import ConcreteIndexType

FORMAT_VERSION = 1
METRIC = "inner_product"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    url TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT '',
    published TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    claim TEXT NOT NULL DEFAULT '',
    rating TEXT NOT NULL DEFAULT '',
    verdict TEXT NOT NULL DEFAULT 'unrated',
    speaker TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL DEFAULT '',
    duplicate_of TEXT REFERENCES articles(id),
    added_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS articles_content_hash ON articles(content_hash);
CREATE INDEX IF NOT EXISTS articles_duplicate_of ON articles(duplicate_of);
CREATE TABLE IF NOT EXISTS sentences (
    id INTEGER PRIMARY KEY,
    article_id TEXT NOT NULL REFERENCES articles(id),
    role TEXT NOT NULL,
    position INTEGER NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    text TEXT NOT NULL,
    norm_hash TEXT NOT NULL,
    vector_row INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS sentences_article ON sentences(article_id, position);
CREATE INDEX IF NOT EXISTS sentences_norm_hash ON sentences(norm_hash);
CREATE TABLE IF NOT EXISTS vector_cache (norm_hash TEXT PRIMARY KEY, vector_row INTEGER NOT NULL);
"""


@dataclass(frozen=True, slots=True)
class IndexIdentity:
    """What an index is built with; opening with anything else is refused."""

    model: str
    dimension: int
    encoder_backend: str = "torch"
    #: Version of the caller's text normalization (the exact-lookup keys depend on it).
    normalization_version: int = 1
    #: The encoder export format the vectors come from (0: none, e.g. torch); a new index records it.
    encoder_format_version: int = 0
    #: The oldest export format whose vectors the encoder still reproduces: an index that records an
    #: older one (or none, read as 0) holds vectors this encoder would not reproduce, and is refused.
    encoder_compatible_since: int = 0


@dataclass(frozen=True, slots=True)
class ArticleRow:
    id: str
    url: str
    title: str
    source: str
    published: str
    kind: str
    content_hash: str
    claim: str
    rating: str
    verdict: str
    speaker: str
    duplicate_of: str | None
    added_at: str
    updated_at: str


@dataclass(frozen=True, slots=True)
class SentenceRow:
    id: int
    article_id: str
    role: str
    position: int
    start: int
    end: int
    text: str
    norm_hash: str


@dataclass(frozen=True, slots=True)
class NewSentence:
    """A sentence to store; its vector is found by ``norm_hash`` in the embedding cache."""

    role: str
    position: int
    start: int
    end: int
    text: str
    norm_hash: str


@dataclass(frozen=True, slots=True)
class IndexStats:
    path: str
    model: str
    dimension: int
    encoder_backend: str
    encoder_format_version: int
    index_type: str
    metric: str
    normalization_version: int
    format_version: int
    generation: int
    articles: int
    reporting: int
    factchecks: int
    duplicates: int
    sentences: int
    vectors: int
    faiss_vectors: int
    verdicts: dict[str, int]
    disk_bytes: int

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    return conn


def _article_row(row: Sequence[Any]) -> ArticleRow:
    return ArticleRow(*row)


_ARTICLE_COLUMNS = (
    "id, url, title, source, published, kind, content_hash, claim, rating, verdict, speaker, "
    "duplicate_of, added_at, updated_at"
)
_SENTENCE_COLUMNS = 'id, article_id, role, position, start, "end", text, norm_hash'


class _Files:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.config = root / "config.json"
        self.db = root / "meta.sqlite"
        self.vectors = root / "vectors.f32"
        self.faiss_dir = root / "faiss"
        self.lock = root / "write.lock"

    def faiss_file(self, generation: int) -> Path:
        return self.faiss_dir / f"{generation:08d}.faiss"


def read_config(root: Path) -> dict[str, Any]:
    files = _Files(root)
    if not files.config.exists() or not files.db.exists():
        raise IndexNotFoundError(
            f"no index at {root}; build one with `credibility index add --home {root.parent} FILE...`"
        )
    try:
        config: dict[str, Any] = json.loads(files.config.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexCorruptError(f"cannot read {files.config}: {exc}") from exc
    return config


def check_identity(root: Path, config: dict[str, Any], identity: IndexIdentity) -> None:
    """Refuse an index built with another model, dimension, backend or normalization."""
    wanted = {
        "model": identity.model,
        "dimension": identity.dimension,
        "encoder_backend": identity.encoder_backend,
        "normalization_version": identity.normalization_version,
    }
    for key, value in wanted.items():
        if config.get(key) != value:
            what_to_do = "use the same setting, or build a new index in another --home"
            if key == "encoder_backend":
                what_to_do = (
                    "unset CREDIBILITY_ENCODER_BACKEND (the index's backend is then used), or re-embed "
                    f"the index: `credibility index rebuild --backend {value} --home {root.parent}`"
                )
            raise IndexMismatchError(
                f"the index at {root} was built with {key}={config.get(key)!r}, but this run uses "
                f"{key}={value!r}; {what_to_do}"
            )
    recorded = int(config.get("encoder_format_version") or 0)
    backend = identity.encoder_backend
    if recorded < identity.encoder_compatible_since:
        raise IndexMismatchError(
            f"the index at {root} holds {backend} vectors of an older encoder export (format "
            f"{recorded or 'unrecorded'}); this version's {backend} encoder (format "
            f"{identity.encoder_format_version}) gives other vectors, and the two would not match. "
            "Re-embed the index from its stored texts with "
            f"`credibility index rebuild --backend {backend} --home {root.parent}`"
        )
    if recorded > identity.encoder_format_version:
        raise IndexMismatchError(
            f"the index at {root} holds vectors of encoder format {recorded}, newer than this version of "
            f"credibility makes ({identity.encoder_format_version}); upgrade credibility, or re-embed it "
            f"with `credibility index rebuild --backend {backend} --home {root.parent}`"
        )
    if config.get("format_version") != FORMAT_VERSION:
        raise IndexMismatchError(
            f"the index at {root} has format version {config.get('format_version')!r}; this "
            f"version of credibility reads format {FORMAT_VERSION}. Rebuild the index."
        )


def _new_config(identity: IndexIdentity, index_type: ConcreteIndexType) -> dict[str, Any]:
    now = _now()
    return {
        "format_version": FORMAT_VERSION,
        "model": identity.model,
        "dimension": identity.dimension,
        "metric": METRIC,
        "encoder_backend": identity.encoder_backend,
        "encoder_format_version": identity.encoder_format_version,
        "index_type": index_type,
        "index_params": {"index_type": index_type},
        "normalization_version": identity.normalization_version,
        "generation": 0,
        "counts": {"articles": 0, "duplicates": 0, "sentences": 0, "vectors": 0},
        "created_at": now,
        "updated_at": now,
    }


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _generation_of(path: Path) -> int:
    try:
        return int(path.name.split(".")[0])
    except ValueError:
        return -1


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
