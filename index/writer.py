"""The write side of the verified index: the one ``IndexWriter`` and its commit protocol.

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
import json
import os
import sqlite3
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
from filelock import FileLock, Timeout

from index.errors import IndexLockedError, IndexMismatchError
from index.reader import _Base
from index.schema import (
    _SCHEMA,
    IndexIdentity,
    NewSentence,
    _chunks,
    _connect,
    _Files,
    _generation_of,
    _new_config,
    _now,
    _write_json,
    check_identity,
    read_config,
)
from index.vectors import ConcreteIndexType, VectorIndex, VectorIndexParams


def acquire_writer_lock(root: Path, timeout: float = 0.0) -> FileLock:
    """Take the one-writer lock of the index at ``root`` (created if missing), or raise
    IndexLockedError after ``timeout`` seconds."""
    root.mkdir(parents=True, exist_ok=True)
    files = _Files(root)
    lock = FileLock(str(files.lock))
    try:
        lock.acquire(timeout=timeout)
    except Timeout as exc:
        raise IndexLockedError(
            f"the index at {root} is locked by another writer (lock file {files.lock}); "
            "wait for it to finish and retry"
        ) from exc
    return lock


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
        lock: FileLock | None = None,
    ) -> IndexWriter:
        """Open (or create) the index for writing; raises IndexLockedError if another writer holds it.

        ``lock``: the writer lock, already taken with :func:`acquire_writer_lock` (a caller that
        has slow work to do before writing takes it first, so a second writer is told at once).
        The writer owns it from here and releases it on close."""
        files = _Files(root)
        lock = lock or acquire_writer_lock(root, lock_timeout)
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
                generation = int(
                    conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0]
                )
                empty = files.faiss_file(0)
                if generation == 0 and not empty.exists():
                    # Generation 0 gets its (empty) FAISS file before config.json makes the index
                    # visible: a writer killed before its first commit leaves a loadable index.
                    dimension = int(config["dimension"])
                    VectorIndex.empty(dimension, VectorIndexParams(config["index_type"])).save(empty)
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

    def put_article(
        self,
        article: dict[str, Any],
        sentences: Sequence[NewSentence],
        *,
        sentence_ids: Sequence[int] | None = None,
    ) -> None:
        """Insert an article (replacing any with its id) with its sentences; vectors must be stored.

        ``sentence_ids``: the ids its sentences keep (a re-embedding copies an index: reviewer
        decisions name sentences by id); by default the next free ones."""
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
        if sentence_ids is not None:
            if len(sentence_ids) != len(sentences):
                raise ValueError("one id per sentence")
            ids = np.asarray(sentence_ids, dtype=np.int64)
        else:
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

    @property
    def pending_vectors(self) -> int:
        """Vectors stored since the last commit (held in memory until it)."""
        return self._pending_rows

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
