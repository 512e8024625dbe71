"""Crash safety of a new index: a writer that dies before its first commit leaves a readable index.

The kill -9 harness (tests/reliability/test_kill.py) kills real processes at every step of the
commit protocol; these are the in-process regressions for what it and the issue's probe found.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from index.store import IndexIdentity, IndexReader, IndexWriter

IDENTITY = IndexIdentity(model="m", dimension=8)


def test_a_new_index_is_readable_before_its_first_commit(tmp_path: Path) -> None:
    writer = IndexWriter.open(tmp_path / "index", IDENTITY)
    # The process dies here: no commit, no close (the lock file dies with it).
    writer._conn.close()
    writer._lock.release()
    reader = IndexReader.open(tmp_path / "index", IDENTITY)
    assert reader.generation == 0 and reader.stats().sentences == 0
    assert reader.search(np.ones((1, 8), np.float32), 3) == [[]]


def test_an_index_left_without_its_generation_zero_file_still_loads(tmp_path: Path) -> None:
    """What an interrupted first ``index add`` left before the fix: config.json and SQLite at
    generation 0, no FAISS file. Readers were locked out until a writer ran again."""
    with IndexWriter.open(tmp_path / "index", IDENTITY):
        pass
    for path in (tmp_path / "index" / "faiss").glob("*.faiss"):
        path.unlink()
    reader = IndexReader.open(tmp_path / "index", IDENTITY)
    assert reader.generation == 0 and reader.stats().faiss_vectors == 0
    with IndexWriter.open(tmp_path / "index", IDENTITY) as writer:
        assert writer.generation == 0
