"""The read side of the verified index: shared lookups (``_Base``) and the ``IndexReader``.

A reader loads the generation that SQLite names as committed and never sees a writer's
half-written state; ``IndexReader.refresh()`` moves it to a newer generation.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from index.errors import IndexCorruptError
from index.schema import (
    _ARTICLE_COLUMNS,
    _SENTENCE_COLUMNS,
    METRIC,
    ArticleRow,
    IndexIdentity,
    IndexStats,
    SentenceRow,
    _article_row,
    _chunks,
    _connect,
    _Files,
    check_identity,
    read_config,
)
from index.vectors import VectorIndex, VectorIndexParams


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
        self._matrix: tuple[tuple[int, int], int, np.ndarray] | None = None
        self._opened = _file_identity(self._files.db)

    def replaced(self) -> bool:
        """Whether the index folder was swapped for another since this was opened (a re-embedding
        rebuild): this object then still reads the old one, and must be reopened."""
        return _file_identity(self._files.db) != self._opened

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

    def sentence_ids_by_role(
        self, article_ids: Iterable[str], roles: Sequence[str]
    ) -> dict[str, list[tuple[int, str]]]:
        """(sentence id, role) of these articles' sentences in ``roles``, in article order: the
        claim and title of many fact-checks in one query, without reading their bodies."""
        wanted = list(dict.fromkeys(article_ids))
        found: dict[str, list[tuple[int, str]]] = {}
        role_marks = ",".join("?" * len(roles))
        for chunk in _chunks(wanted, 500):
            marks = ",".join("?" * len(chunk))
            for article_id, sentence_id, role in self._conn.execute(
                f"SELECT article_id, id, role FROM sentences WHERE article_id IN ({marks}) "
                f"AND role IN ({role_marks}) ORDER BY article_id, position",
                [*chunk, *roles],
            ):
                found.setdefault(article_id, []).append((int(sentence_id), str(role)))
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
        # The file is append-only (a rebuild writes a new one): a map of its first ``rows`` stays
        # valid while the file is the same, and mapping it anew cost 0.1 ms a lookup.
        identity = _file_identity(self._files.vectors)
        held = self._matrix
        if held is not None and held[0] == identity and held[1] == rows:
            return held[2]
        try:
            matrix = np.memmap(self._files.vectors, dtype=np.float32, mode="r", shape=(rows, self.dimension))
        except (OSError, ValueError) as exc:
            raise IndexCorruptError(f"cannot read {self._files.vectors}: {exc}") from exc
        self._matrix = (identity, rows, matrix)
        return matrix

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

    def texts_to_embed(self) -> list[tuple[str, str]]:
        """(normalized-text hash, text) of each distinct text of the live sentences: the text of its
        first sentence by id (what was embedded first). What a re-embedding encodes."""
        return [
            (str(row[0]), str(row[1]))
            for row in self._conn.execute(
                "SELECT norm_hash, text FROM sentences WHERE id IN "
                "(SELECT MIN(id) FROM sentences GROUP BY norm_hash) ORDER BY id"
            )
        ]

    def article_payloads(self) -> Iterator[dict[str, Any]]:
        """Every stored article with all its fields (text, duplicate link, dates): origins first,
        then duplicates, each in the order they were added."""
        cursor = self._conn.execute(
            "SELECT id, url, title, source, published, kind, content_hash, claim, rating, verdict, speaker, "
            "text, duplicate_of, added_at, updated_at FROM articles "
            "ORDER BY duplicate_of IS NOT NULL, added_at, id"
        )
        names = [column[0] for column in cursor.description]
        for row in cursor:
            yield dict(zip(names, row, strict=True))

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
            encoder_format_version=int(self.config.get("encoder_format_version") or 0),
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
                if generation == 0 and not path.exists():
                    # An index created by a writer that never committed (and by versions that
                    # wrote no file for generation 0): nothing is indexed yet.
                    loaded = VectorIndex.empty(self.dimension, params)
                else:
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


def _file_identity(path: Path) -> tuple[int, int]:
    """(device, inode) of a file, or (0, 0) when it is missing."""
    try:
        stat = os.stat(path)
    except OSError:
        return (0, 0)
    return (stat.st_dev, stat.st_ino)


def _pairs(scores: np.ndarray, ids: np.ndarray) -> list[list[tuple[int, float]]]:
    return [
        [(int(i), float(s)) for i, s in zip(id_row, score_row, strict=True) if i >= 0]
        for id_row, score_row in zip(ids, scores, strict=True)
    ]
