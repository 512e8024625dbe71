"""The verified index: one folder holding FAISS vectors and a SQLite metadata store.

Layout of the folder::

    config.json        model, dimension, metric, backend, index type, versions, counts
    meta.sqlite        articles, sentences, the embedding cache, the committed generation
    vectors.f32        every embedding ever computed, append-only float32 rows
    faiss/<gen>.faiss  the FAISS index of generation <gen>
    write.lock         held by the one writer

Consistency: the SQLite ``meta`` table names the committed generation and the
number of committed vector rows. A writer appends vectors, writes the FAISS file
of the next generation under a new name, and only then commits SQLite, which is
atomic. A crash at any point before that commit leaves the previous generation
intact (stray files of the aborted generation are cleaned by the next writer).
Readers load the generation SQLite names and never see a half-written state.
"""

from __future__ import annotations

import bisect
import contextlib
import datetime as dt
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from filelock import FileLock, Timeout

from index.errors import IndexCorruptError, IndexLockedError, IndexMismatchError, IndexNotFoundError
from index.vectors import ConcreteIndexType, VectorIndex, VectorIndexParams

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
            raise IndexMismatchError(
                f"the index at {root} was built with {key}={config.get(key)!r}, but this run uses "
                f"{key}={value!r}; use the same setting, or build a new index in another --home"
            )
    if config.get("format_version") != FORMAT_VERSION:
        raise IndexMismatchError(
            f"the index at {root} has format version {config.get('format_version')!r}; this "
            f"version of credibility reads format {FORMAT_VERSION}. Rebuild the index."
        )


class _Base:
    """Shared read-side machinery of readers and the writer."""

    def __init__(self, root: Path, conn: sqlite3.Connection, config: dict[str, Any]) -> None:
        self.root = root
        self._files = _Files(root)
        self._conn = conn
        self.config = config
        self.dimension = int(config["dimension"])
        self.params = self._stored_params()
        self._vectors: VectorIndex | None = None

    # --- meta ----------------------------------------------------------------------------
    def _stored_params(self) -> VectorIndexParams:
        """Index type and parameters: SQLite is the committed truth (config.json is for people)."""
        stored = self._conn.execute("SELECT value FROM meta WHERE key = 'index_params'").fetchone()
        values = json.loads(stored[0]) if stored else self.config.get("index_params", {})
        return VectorIndexParams(**values)

    def _meta(self, key: str, default: str = "0") -> str:
        row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else default

    def _committed(self) -> tuple[int, int]:
        """(generation, vector rows) as one consistent read."""
        rows = dict(self._conn.execute("SELECT key, value FROM meta").fetchall())
        return int(rows.get("generation", 0)), int(rows.get("vector_rows", 0))

    # --- metadata lookups ----------------------------------------------------------------
    def article(self, article_id: str) -> ArticleRow | None:
        row = self._conn.execute(
            f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE id = ?", (article_id,)
        ).fetchone()
        return _article_row(row) if row else None

    def articles(self, ids: Iterable[str]) -> dict[str, ArticleRow]:
        wanted = list(dict.fromkeys(ids))
        found: dict[str, ArticleRow] = {}
        for chunk in _chunks(wanted, 500):
            marks = ",".join("?" * len(chunk))
            for row in self._conn.execute(
                f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE id IN ({marks})", chunk
            ):
                found[row[0]] = _article_row(row)
        return found

    def article_ids(self, kind: str | None = None) -> list[str]:
        if kind is None:
            return [r[0] for r in self._conn.execute("SELECT id FROM articles ORDER BY id")]
        return [
            r[0] for r in self._conn.execute("SELECT id FROM articles WHERE kind = ? ORDER BY id", (kind,))
        ]

    def article_text(self, article_id: str) -> str:
        row = self._conn.execute("SELECT text FROM articles WHERE id = ?", (article_id,)).fetchone()
        return str(row[0]) if row else ""

    def sentences(self, ids: Iterable[int]) -> dict[int, SentenceRow]:
        wanted = [int(i) for i in dict.fromkeys(ids) if int(i) >= 0]
        found: dict[int, SentenceRow] = {}
        for chunk in _chunks(wanted, 500):
            marks = ",".join("?" * len(chunk))
            for row in self._conn.execute(
                f"SELECT {_SENTENCE_COLUMNS} FROM sentences WHERE id IN ({marks})", chunk
            ):
                found[row[0]] = SentenceRow(*row)
        return found

    def article_sentences(self, article_id: str) -> list[SentenceRow]:
        return [
            SentenceRow(*row)
            for row in self._conn.execute(
                f"SELECT {_SENTENCE_COLUMNS} FROM sentences WHERE article_id = ? ORDER BY position",
                (article_id,),
            )
        ]

    def sentences_by_hash(
        self, norm_hashes: Iterable[str], limit_per_hash: int | None = None
    ) -> dict[str, list[SentenceRow]]:
        """Stored sentences whose normalized text hash is one of these (the exact fast path).

        ``limit_per_hash`` keeps the first rows by id of each text: a stock line ("Click here
        for more on the six PolitiFact ratings") recurs in thousands of articles, and a nearest-
        neighbour search would not return more than its k either. Ordering by id lets SQLite read
        them off the ``norm_hash`` index; ranking claim rows first forced a sort of every match
        and made a verbatim check 40% slower at 2,000 articles. A debunked claim is still found:
        verbatim sentences are also searched in the claims index (``search_claims``).
        """
        wanted = list(dict.fromkeys(norm_hashes))
        found: dict[str, list[SentenceRow]] = {}
        if limit_per_hash is not None and limit_per_hash <= 0:
            return found
        if limit_per_hash is None:
            for chunk in _chunks(wanted, 500):
                marks = ",".join("?" * len(chunk))
                query = f"SELECT {_SENTENCE_COLUMNS} FROM sentences WHERE norm_hash IN ({marks}) ORDER BY id"
                for row in self._conn.execute(query, chunk):
                    found.setdefault(row[7], []).append(SentenceRow(*row))
            return found
        # One indexed range read per text, stopped after k rows: a window function over
        # ``IN (...)`` reads every match first, and a stock line matches every article.
        query = f"SELECT {_SENTENCE_COLUMNS} FROM sentences WHERE norm_hash = ? ORDER BY id LIMIT ?"
        for norm_hash in wanted:
            rows = [SentenceRow(*row) for row in self._conn.execute(query, (norm_hash, limit_per_hash))]
            if rows:
                found[norm_hash] = rows
        return found

    def cached_hashes(self, norm_hashes: Iterable[str]) -> set[str]:
        """Which of these normalized texts already have a stored embedding."""
        wanted = list(dict.fromkeys(norm_hashes))
        found: set[str] = set()
        for chunk in _chunks(wanted, 500):
            marks = ",".join("?" * len(chunk))
            found.update(
                r[0]
                for r in self._conn.execute(
                    f"SELECT norm_hash FROM vector_cache WHERE norm_hash IN ({marks})", chunk
                )
            )
        return found

    def _vector_matrix(self, rows: int) -> np.ndarray:
        if rows == 0:
            return np.zeros((0, self.dimension), dtype=np.float32)
        try:
            return np.memmap(self._files.vectors, dtype=np.float32, mode="r", shape=(rows, self.dimension))
        except (OSError, ValueError) as exc:
            raise IndexCorruptError(f"cannot read {self._files.vectors}: {exc}") from exc

    def vectors(self, sentence_ids: Sequence[int]) -> np.ndarray:
        """The stored vectors of these sentences, in order (zeros for unknown ids)."""
        _, rows = self._committed()
        matrix = self._vector_matrix(rows)
        by_id: dict[int, int] = {}
        for chunk in _chunks([int(i) for i in sentence_ids], 500):
            marks = ",".join("?" * len(chunk))
            by_id.update(
                self._conn.execute(f"SELECT id, vector_row FROM sentences WHERE id IN ({marks})", chunk)
            )
        out = np.zeros((len(sentence_ids), self.dimension), dtype=np.float32)
        for i, sid in enumerate(sentence_ids):
            row = by_id.get(int(sid))
            if row is not None and row < rows:
                out[i] = matrix[row]
        return out

    def cached_vectors(self, norm_hashes: Sequence[str]) -> dict[str, np.ndarray]:
        """Stored embeddings by normalized-text hash (the embedding cache)."""
        _, rows = self._committed()
        matrix = self._vector_matrix(rows)
        found: dict[str, np.ndarray] = {}
        for chunk in _chunks(list(dict.fromkeys(norm_hashes)), 500):
            marks = ",".join("?" * len(chunk))
            for norm_hash, row in self._conn.execute(
                f"SELECT norm_hash, vector_row FROM vector_cache WHERE norm_hash IN ({marks})", chunk
            ):
                if row < rows:
                    found[norm_hash] = np.array(matrix[row])
        return found

    def all_sentence_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        """(sentence ids, vectors) of every live sentence: what a rebuild indexes."""
        _, rows = self._committed()
        matrix = self._vector_matrix(rows)
        pairs = self._conn.execute("SELECT id, vector_row FROM sentences ORDER BY id").fetchall()
        ids = np.fromiter((p[0] for p in pairs), dtype=np.int64, count=len(pairs))
        vector_rows = np.fromiter((p[1] for p in pairs), dtype=np.int64, count=len(pairs))
        return ids, np.ascontiguousarray(matrix[vector_rows]) if len(pairs) else self._vector_matrix(0)

    def stats(self) -> IndexStats:
        generation, rows = self._committed()
        count = self._conn.execute
        verdicts = dict(
            count(
                "SELECT verdict, COUNT(*) FROM articles WHERE kind = 'factcheck' GROUP BY verdict"
            ).fetchall()
        )
        disk = sum(p.stat().st_size for p in self.root.rglob("*") if p.is_file())
        return IndexStats(
            path=str(self.root),
            model=str(self.config["model"]),
            dimension=self.dimension,
            encoder_backend=str(self.config["encoder_backend"]),
            index_type=self.params.index_type,
            metric=METRIC,
            normalization_version=int(self.config["normalization_version"]),
            format_version=int(self.config["format_version"]),
            generation=generation,
            articles=count("SELECT COUNT(*) FROM articles WHERE duplicate_of IS NULL").fetchone()[0],
            reporting=count(
                "SELECT COUNT(*) FROM articles WHERE kind = 'reporting' AND duplicate_of IS NULL"
            ).fetchone()[0],
            factchecks=count(
                "SELECT COUNT(*) FROM articles WHERE kind = 'factcheck' AND duplicate_of IS NULL"
            ).fetchone()[0],
            duplicates=count("SELECT COUNT(*) FROM articles WHERE duplicate_of IS NOT NULL").fetchone()[0],
            sentences=count("SELECT COUNT(*) FROM sentences").fetchone()[0],
            vectors=rows,
            faiss_vectors=self._faiss_total(),
            verdicts=verdicts,
            disk_bytes=disk,
        )

    def _faiss_total(self) -> int:
        return self._vectors.ntotal if self._vectors is not None else 0

    def close(self) -> None:
        self._conn.close()


@dataclass(frozen=True, slots=True)
class SearchParams:
    """Search-time knobs a reader may set without rebuilding; ``None`` keeps the stored value."""

    ivf_nprobe: int | None = None
    hnsw_ef_search: int | None = None


class IndexReader(_Base):
    """A read-only view of the last committed generation; ``refresh()`` moves to a newer one."""

    def __init__(
        self,
        root: Path,
        conn: sqlite3.Connection,
        config: dict[str, Any],
        search: SearchParams | None = None,
    ) -> None:
        self._search = search or SearchParams()
        super().__init__(root, conn, config)
        self.generation = -1
        self._claims: tuple[tuple[str, ...], VectorIndex] | None = None
        self.refresh()

    @classmethod
    def open(
        cls, root: Path, identity: IndexIdentity | None = None, search: SearchParams | None = None
    ) -> IndexReader:
        """``search`` overrides the search-time knobs (IVF nprobe, HNSW efSearch) the index was built
        with; the build-time ones (lists, M) stay as stored."""
        config = read_config(root)
        if identity is not None:
            check_identity(root, config, identity)
        conn = _connect(_Files(root).db)
        conn.execute("PRAGMA query_only=ON")
        return cls(root, conn, config, search)

    def _stored_params(self) -> VectorIndexParams:
        params = super()._stored_params()
        search = self._search
        return replace(
            params,
            ivf_nprobe=params.ivf_nprobe if search.ivf_nprobe is None else search.ivf_nprobe,
            hnsw_ef_search=params.hnsw_ef_search if search.hnsw_ef_search is None else search.hnsw_ef_search,
        )

    def refresh(self) -> bool:
        """Load the committed generation if it changed since the last load. True if it did."""
        for _ in range(5):
            generation, _rows = self._committed()
            if generation == self.generation:
                return False
            path = self._files.faiss_file(generation)
            params = self._stored_params()
            try:
                # Read-only memory map: FAISS maps IVF lists in place (no copy, pages shared
                # between reader processes); flat and HNSW it still copies. Safe against the
                # writer, which never rewrites a generation's file in place.
                loaded = VectorIndex.load(path, params, self.dimension, mmap=True)
            except IndexCorruptError:
                # A writer may have committed again and pruned this file: read the newer one.
                if not path.exists():
                    continue
                raise
            self._vectors = loaded
            self.params = params
            self._claims = None  # rebuilt on first use for this generation
            self.generation = generation
            self.config = read_config(self.root)
            return True
        raise IndexCorruptError(f"the FAISS file of the committed generation is missing in {self.root}")

    def search(self, queries: np.ndarray, k: int) -> list[list[tuple[int, float]]]:
        """Top-k (sentence id, score) per query row, best first."""
        assert self._vectors is not None
        return _pairs(*self._vectors.search(queries, k))

    def search_claims(
        self, queries: np.ndarray, k: int, verdicts: Sequence[str]
    ) -> list[list[tuple[int, float]]]:
        """Top-k claim sentences of fact-checks with these verdicts (a small exact index, built lazily)."""
        key = tuple(sorted(verdicts))
        if self._claims is None or self._claims[0] != key:
            marks = ",".join("?" * len(key))
            ids = [
                r[0]
                for r in self._conn.execute(
                    "SELECT s.id FROM sentences s JOIN articles a ON a.id = s.article_id "
                    f"WHERE s.role = 'claim' AND a.verdict IN ({marks}) ORDER BY s.id",
                    key,
                )
            ]
            claims = VectorIndex.build(
                self.dimension, VectorIndexParams("flat"), np.array(ids, dtype=np.int64), self.vectors(ids)
            )
            self._claims = (key, claims)
        return _pairs(*self._claims[1].search(queries, k))


def _pairs(scores: np.ndarray, ids: np.ndarray) -> list[list[tuple[int, float]]]:
    return [
        [(int(i), float(s)) for i, s in zip(id_row, score_row, strict=True) if i >= 0]
        for id_row, score_row in zip(ids, scores, strict=True)
    ]


class IndexWriter(_Base):
    """The one writer. Use as a context manager: commits on success, rolls back on error."""

    def __init__(self, root: Path, conn: sqlite3.Connection, config: dict[str, Any], lock: FileLock) -> None:
        super().__init__(root, conn, config)
        self._lock = lock
        self.generation, self._rows = self._committed()
        self._recover()
        path = self._files.faiss_file(self.generation)
        if path.exists():
            self._vectors = VectorIndex.load(path, self.params, self.dimension)
        else:
            ids, vectors = self.all_sentence_vectors()
            self._vectors = VectorIndex.build(self.dimension, self.params, ids, vectors)
        self._pending_vectors: list[np.ndarray] = []
        self._pending_starts: list[int] = []
        self._pending_rows = 0
        self._dirty = False
        self._conn.execute("BEGIN IMMEDIATE")

    @classmethod
    def open(
        cls,
        root: Path,
        identity: IndexIdentity,
        *,
        index_type: ConcreteIndexType = "flat",
        auto_ivf_threshold: int | None = None,
        lock_timeout: float = 0.0,
    ) -> IndexWriter:
        """Open (or create) the index for writing; raises IndexLockedError if another writer holds it."""
        root.mkdir(parents=True, exist_ok=True)
        files = _Files(root)
        lock = FileLock(str(files.lock))
        try:
            lock.acquire(timeout=lock_timeout)
        except Timeout as exc:
            raise IndexLockedError(
                f"the index at {root} is locked by another writer (lock file {files.lock}); "
                "wait for it to finish and retry"
            ) from exc
        try:
            if files.config.exists():
                config = read_config(root)
                check_identity(root, config, identity)
            else:
                config = _new_config(identity, index_type)
                if auto_ivf_threshold is not None:
                    config["auto_ivf_threshold"] = auto_ivf_threshold
            files.faiss_dir.mkdir(exist_ok=True)
            conn = _connect(files.db)
            conn.executescript(_SCHEMA)
            if not files.config.exists():
                conn.execute("INSERT OR IGNORE INTO meta VALUES ('generation', '0'), ('vector_rows', '0')")
                _write_json(files.config, config)
            return cls(root, conn, config, lock)
        except BaseException:
            lock.release()
            raise

    def _recover(self) -> None:
        """Drop what an interrupted writer left: vector rows past the committed count, stray files."""
        expected = self._rows * self.dimension * 4
        if self._files.vectors.exists() and self._files.vectors.stat().st_size > expected:
            with open(self._files.vectors, "r+b") as handle:
                handle.truncate(expected)
        keep = {self._files.faiss_file(self.generation).name}
        for path in self._files.faiss_dir.glob("*"):
            if path.name not in keep and (path.suffix == ".tmp" or _generation_of(path) > self.generation):
                path.unlink(missing_ok=True)

    @property
    def _faiss(self) -> VectorIndex:
        assert self._vectors is not None  # set in __init__, never cleared
        return self._vectors

    # --- writes --------------------------------------------------------------------------
    def store_vectors(self, norm_hashes: Sequence[str], vectors: np.ndarray) -> None:
        """Add embeddings to the cache (rows are appended to vectors.f32 at commit)."""
        if len(norm_hashes) != len(vectors):
            raise ValueError("one vector per hash")
        existing = self.cached_hashes(norm_hashes)
        fresh = [i for i, h in enumerate(norm_hashes) if h not in existing]
        seen: set[str] = set()
        keep: list[int] = []
        for i in fresh:
            if norm_hashes[i] not in seen:
                seen.add(norm_hashes[i])
                keep.append(i)
        if not keep:
            return
        block = np.ascontiguousarray(vectors[keep], dtype=np.float32)
        if block.shape[1] != self.dimension:
            raise IndexMismatchError(
                f"vectors of dimension {block.shape[1]} given to a {self.dimension}-d index"
            )
        first = self._rows + self._pending_rows
        self._pending_starts.append(first)
        self._conn.executemany(
            "INSERT INTO vector_cache (norm_hash, vector_row) VALUES (?, ?)",
            [(norm_hashes[i], first + n) for n, i in enumerate(keep)],
        )
        self._pending_vectors.append(block)
        self._pending_rows += len(keep)
        self._dirty = True

    def _pending_lookup(self, norm_hashes: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(vector rows, vectors) for hashes already in the cache, committed or pending."""
        rows_by_hash: dict[str, int] = {}
        for chunk in _chunks(list(dict.fromkeys(norm_hashes)), 500):
            marks = ",".join("?" * len(chunk))
            rows_by_hash.update(
                self._conn.execute(
                    f"SELECT norm_hash, vector_row FROM vector_cache WHERE norm_hash IN ({marks})", chunk
                )
            )
        missing = [h for h in norm_hashes if h not in rows_by_hash]
        if missing:
            raise ValueError(f"no stored vector for {len(missing)} sentence(s); call store_vectors first")
        rows = np.array([rows_by_hash[h] for h in norm_hashes], dtype=np.int64)
        committed = self._vector_matrix(self._rows)
        out = np.empty((len(rows), self.dimension), dtype=np.float32)
        for i, row in enumerate(rows):
            if row < self._rows:
                out[i] = committed[row]
            else:
                # Pending rows live in the blocks appended since the last commit.
                block = bisect.bisect_right(self._pending_starts, int(row)) - 1
                out[i] = self._pending_vectors[block][row - self._pending_starts[block]]
        return rows, out

    def put_article(self, article: dict[str, Any], sentences: Sequence[NewSentence]) -> None:
        """Insert an article (replacing any with its id) with its sentences; vectors must be stored."""
        self.delete_article(article["id"], promote_duplicates=False)
        now = _now()
        self._conn.execute(
            "INSERT INTO articles (id, url, title, source, published, kind, content_hash, claim, rating, "
            "verdict, speaker, text, duplicate_of, added_at, updated_at) "
            "VALUES (:id, :url, :title, :source, :published, :kind, :content_hash, :claim, :rating, "
            ":verdict, :speaker, :text, :duplicate_of, :added_at, :updated_at)",
            {"duplicate_of": None, "added_at": now, "updated_at": now, **article},
        )
        if article.get("duplicate_of") or not sentences:
            self._dirty = True
            return
        rows, vectors = self._pending_lookup([s.norm_hash for s in sentences])
        next_id = int(self._conn.execute("SELECT COALESCE(MAX(id), 0) FROM sentences").fetchone()[0]) + 1
        ids = np.arange(next_id, next_id + len(sentences), dtype=np.int64)
        self._conn.executemany(
            'INSERT INTO sentences (id, article_id, role, position, start, "end", text, norm_hash, vector_row) '
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (int(sid), article["id"], s.role, s.position, s.start, s.end, s.text, s.norm_hash, int(row))
                for sid, s, row in zip(ids, sentences, rows, strict=True)
            ],
        )
        self._faiss.add(ids, vectors)
        self._dirty = True

    def delete_article(self, article_id: str, *, promote_duplicates: bool = True) -> list[str]:
        """Remove an article and its sentences. Returns ids of duplicates that pointed to it.

        With ``promote_duplicates`` the first duplicate becomes the origin (the caller
        re-indexes it) and the others point to it; without, they are left for the caller.
        """
        existing = self.article(article_id)
        if existing is None:
            return []
        ids = np.array(
            [
                r[0]
                for r in self._conn.execute("SELECT id FROM sentences WHERE article_id = ?", (article_id,))
            ],
            dtype=np.int64,
        )
        self._conn.execute("DELETE FROM sentences WHERE article_id = ?", (article_id,))
        orphans = [
            r[0]
            for r in self._conn.execute(
                "SELECT id FROM articles WHERE duplicate_of = ? ORDER BY added_at, id", (article_id,)
            )
        ]
        self._conn.execute("UPDATE articles SET duplicate_of = NULL WHERE duplicate_of = ?", (article_id,))
        self._conn.execute("DELETE FROM articles WHERE id = ?", (article_id,))
        if len(ids):
            self._faiss.remove(ids, self._live_vectors)
        if orphans and promote_duplicates:
            heir = orphans[0]
            for other in orphans[1:]:
                self._conn.execute("UPDATE articles SET duplicate_of = ? WHERE id = ?", (heir, other))
        self._dirty = True
        return orphans

    def set_duplicate_of(self, article_id: str, origin_id: str) -> None:
        self._conn.execute("UPDATE articles SET duplicate_of = ? WHERE id = ?", (origin_id, article_id))
        self._dirty = True

    def find_origin_by_content(self, content_hash: str, exclude_id: str) -> str | None:
        row = self._conn.execute(
            "SELECT id FROM articles WHERE content_hash = ? AND duplicate_of IS NULL AND id != ? "
            "ORDER BY added_at, id LIMIT 1",
            (content_hash, exclude_id),
        ).fetchone()
        return str(row[0]) if row else None

    def article_payload(self, article_id: str) -> dict[str, Any] | None:
        """The stored fields of an article, including its text (to re-index a promoted duplicate)."""
        cursor = self._conn.execute(
            "SELECT id, url, title, source, published, kind, content_hash, claim, rating, verdict, speaker, "
            "text FROM articles WHERE id = ?",
            (article_id,),
        )
        row = cursor.fetchone()
        if row is None:
            return None
        return dict(zip([c[0] for c in cursor.description], row, strict=True))

    def _live_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        pairs = self._conn.execute("SELECT id, norm_hash FROM sentences ORDER BY id").fetchall()
        if not pairs:
            return np.zeros(0, np.int64), np.zeros((0, self.dimension), np.float32)
        _, vectors = self._pending_lookup([p[1] for p in pairs])
        return np.array([p[0] for p in pairs], dtype=np.int64), vectors

    # --- commit --------------------------------------------------------------------------
    def rebuild(self, index_type: ConcreteIndexType) -> None:
        """Rebuild the FAISS index as this type from the stored vectors (visible at commit)."""
        self.params = VectorIndexParams(index_type)
        ids, vectors = self._live_vectors()
        self._vectors = VectorIndex.build(self.dimension, self.params, ids, vectors)
        self._conn.execute(
            "INSERT OR REPLACE INTO meta VALUES ('index_params', ?)", (json.dumps(asdict(self.params)),)
        )
        self.config = {**self.config, "index_type": index_type, "index_params": asdict(self.params)}
        self._dirty = True

    def commit(self) -> None:
        """Make everything written so far visible to readers, atomically."""
        if not self._dirty:
            return
        threshold = self.config.get("auto_ivf_threshold")
        if threshold and self.params.index_type == "flat" and self._faiss.ntotal >= int(threshold):
            # index_type=auto: exact search until the corpus is large enough for IVF to pay off.
            self.rebuild("ivf")
        self._faiss.maybe_train(self._live_vectors)
        if self._pending_vectors:
            with open(self._files.vectors, "ab") as handle:
                for block in self._pending_vectors:
                    handle.write(block.tobytes())
                handle.flush()
                os.fsync(handle.fileno())
        new_generation = self.generation + 1
        self._faiss.save(self._files.faiss_file(new_generation))
        new_rows = self._rows + self._pending_rows
        self._conn.execute("UPDATE meta SET value = ? WHERE key = 'generation'", (str(new_generation),))
        self._conn.execute("UPDATE meta SET value = ? WHERE key = 'vector_rows'", (str(new_rows),))
        self._conn.execute("COMMIT")
        # Committed. What follows is bookkeeping that a crash may skip without harm.
        self.generation, self._rows = new_generation, new_rows
        self._pending_vectors, self._pending_starts, self._pending_rows, self._dirty = [], [], 0, False
        self.config = {**self.config, **self._counts(), "updated_at": _now()}
        _write_json(self._files.config, self.config)
        for path in self._files.faiss_dir.glob("*.faiss"):
            # Keep the previous generation for readers that are loading it right now.
            if _generation_of(path) < new_generation - 1:
                path.unlink(missing_ok=True)
        self._conn.execute("BEGIN IMMEDIATE")

    def rollback(self) -> None:
        self._conn.execute("ROLLBACK")
        self._pending_vectors, self._pending_starts, self._pending_rows, self._dirty = [], [], 0, False

    def _counts(self) -> dict[str, Any]:
        q = self._conn.execute
        return {
            "counts": {
                "articles": q("SELECT COUNT(*) FROM articles WHERE duplicate_of IS NULL").fetchone()[0],
                "duplicates": q("SELECT COUNT(*) FROM articles WHERE duplicate_of IS NOT NULL").fetchone()[0],
                "sentences": q("SELECT COUNT(*) FROM sentences").fetchone()[0],
                "vectors": self._rows,
            },
            "generation": self.generation,
        }

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
        super().close()
        self._lock.release()

    def __enter__(self) -> IndexWriter:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        try:
            if exc_type is None:
                self.commit()
        finally:
            self.close()


def _new_config(identity: IndexIdentity, index_type: ConcreteIndexType) -> dict[str, Any]:
    now = _now()
    return {
        "format_version": FORMAT_VERSION,
        "model": identity.model,
        "dimension": identity.dimension,
        "metric": METRIC,
        "encoder_backend": identity.encoder_backend,
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
