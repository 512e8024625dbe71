"""The verified index: one folder holding FAISS vectors and a SQLite metadata store.

This module is the index's public face; the code lives in three modules, by job:

- :mod:`index.schema`, the on-disk format: the folder's files, the SQLite schema,
  ``config.json`` and the identity check, and the rows and stats readers return.
- :mod:`index.reader`, the read side: lookups shared with the writer, and ``IndexReader``,
  a view of the last committed generation.
- :mod:`index.writer`, the write side: ``IndexWriter``, its commit protocol (vectors, then
  the next generation's FAISS file, then one atomic SQLite commit), crash recovery and
  rebuilds.
- :mod:`index.reembed`, re-embedding: every stored sentence through another encoder into a
  new index written beside the old one and swapped in atomically.

They import downwards only: schema, then reader, then writer, then reembed. Import from here.
"""

from __future__ import annotations

from index.reader import IndexReader, SearchParams
from index.reembed import ReembedReport, reembed
from index.schema import (
    FORMAT_VERSION,
    METRIC,
    ArticleRow,
    IndexIdentity,
    IndexStats,
    NewSentence,
    SentenceRow,
    check_identity,
    read_config,
)
from index.writer import IndexWriter, acquire_writer_lock

__all__ = [
    "FORMAT_VERSION",
    "METRIC",
    "ArticleRow",
    "IndexIdentity",
    "IndexReader",
    "IndexStats",
    "IndexWriter",
    "NewSentence",
    "ReembedReport",
    "SearchParams",
    "SentenceRow",
    "acquire_writer_lock",
    "check_identity",
    "read_config",
    "reembed",
]
