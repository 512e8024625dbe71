"""Re-embedding: every stored sentence through another encoder, into a new index swapped in whole.

:func:`reembed` holds the writer lock of the index for its whole run (a second writer is told
"locked"; readers go on reading the old index), writes the new index beside it
(``<parent>/.<name>.rebuild``), checks that it holds the same articles and sentences, and swaps
the two folders with one atomic rename exchange (Linux ``renameat2``; elsewhere two renames, the
old index put back if the second fails). A process killed before the swap leaves the old index
untouched, and the next re-embedding removes what it left. Articles keep their ids, fields, dates
and duplicate links; sentences keep their ids (reviewer decisions name them). Each distinct text
is embedded once; vectors that no live sentence uses are not carried over.

A reader opened before the swap still reads the old index; :meth:`IndexReader.replaced` tells it.
"""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
import sys
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.errors import IndexCorruptError, IndexMismatchError
from index.reader import IndexReader
from index.schema import IndexIdentity, NewSentence
from index.vectors import ConcreteIndexType
from index.writer import IndexWriter, acquire_writer_lock

#: Distinct texts handed to the encoder per call (and per progress report).
ENCODE_CHUNK = 2048
#: Vectors held in memory before they are committed to the new index's vector file.
COMMIT_VECTORS = 50_000
#: Articles copied per commit.
COMMIT_ARTICLES = 20_000


@dataclass(frozen=True, slots=True)
class ReembedReport:
    articles: int
    duplicates: int
    sentences: int
    #: Distinct texts embedded.
    embedded: int
    index_type: str
    encoder_backend: str


def staging_dir(root: Path) -> Path:
    """Where the new index is written before the swap."""
    return root.parent / f".{root.name}.rebuild"


def reembed(
    root: Path,
    identity: IndexIdentity,
    encode: Callable[[Sequence[str]], np.ndarray],
    *,
    index_type: ConcreteIndexType | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    lock_timeout: float = 0.0,
) -> ReembedReport:
    """Re-embed the index at ``root`` with ``encode`` (which makes vectors of ``identity``) and swap
    the result in. ``on_progress(done, total)`` after each chunk of distinct texts."""
    lock = acquire_writer_lock(root, lock_timeout)
    staging = staging_dir(root)
    try:
        source = IndexReader.open(root)  # no identity check: only the texts are read
        try:
            report = _copy(source, staging, identity, encode, index_type, on_progress)
        finally:
            source.close()
        _exchange(staging, root)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        lock.release()
    shutil.rmtree(staging, ignore_errors=True)  # the old index, after the swap
    return report


def _copy(
    source: IndexReader,
    staging: Path,
    identity: IndexIdentity,
    encode: Callable[[Sequence[str]], np.ndarray],
    index_type: ConcreteIndexType | None,
    on_progress: Callable[[int, int], None] | None,
) -> ReembedReport:
    shutil.rmtree(staging, ignore_errors=True)  # what a killed re-embedding left
    threshold = source.config.get("auto_ivf_threshold")
    writer = IndexWriter.open(
        staging,
        identity,
        index_type=index_type or source.params.index_type,
        auto_ivf_threshold=int(threshold) if threshold and index_type is None else None,
    )
    with writer:
        texts = source.texts_to_embed()
        if on_progress is not None:
            on_progress(0, len(texts))
        for start in range(0, len(texts), ENCODE_CHUNK):
            chunk = texts[start : start + ENCODE_CHUNK]
            vectors = np.asarray(encode([text for _, text in chunk]), dtype=np.float32)
            if vectors.shape != (len(chunk), identity.dimension):
                raise IndexMismatchError(
                    f"the encoder gave vectors of shape {vectors.shape} for {len(chunk)} texts; "
                    f"expected {identity.dimension} dimensions"
                )
            writer.store_vectors([norm_hash for norm_hash, _ in chunk], vectors)
            if writer.pending_vectors >= COMMIT_VECTORS:
                writer.commit()
            if on_progress is not None:
                on_progress(start + len(chunk), len(texts))
        for copied, article in enumerate(source.article_payloads(), start=1):
            rows = [] if article["duplicate_of"] else source.article_sentences(str(article["id"]))
            writer.put_article(
                article,
                [NewSentence(r.role, r.position, r.start, r.end, r.text, r.norm_hash) for r in rows],
                sentence_ids=[r.id for r in rows],
            )
            if copied % COMMIT_ARTICLES == 0:
                writer.commit()
        writer.commit()
        before, after = source.stats(), writer.stats()
        for field in ("articles", "duplicates", "sentences"):
            if getattr(before, field) != getattr(after, field):
                raise IndexCorruptError(
                    f"the re-embedded index holds {getattr(after, field)} {field}, the index "
                    f"{getattr(before, field)}; nothing was swapped (the index at {source.root} is unchanged)"
                )
        return ReembedReport(
            articles=after.articles,
            duplicates=after.duplicates,
            sentences=after.sentences,
            embedded=len(texts),
            index_type=writer.params.index_type,
            encoder_backend=identity.encoder_backend,
        )


def _exchange(new: Path, current: Path) -> None:
    """Swap two folders: atomically where the OS can; ``new`` then holds what ``current`` held."""
    if _rename_exchange(new, current):
        return
    old = current.with_name(f".{current.name}.old-{uuid.uuid4().hex[:8]}")
    os.rename(current, old)
    try:
        os.rename(new, current)
    except BaseException:
        os.rename(old, current)
        raise
    os.rename(old, new)


def _rename_exchange(first: Path, second: Path) -> bool:
    """``renameat2(RENAME_EXCHANGE)``: True when done, False where the system cannot do it."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        function = libc.renameat2
    except (OSError, AttributeError):
        return False
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    function.restype = ctypes.c_int
    at_fdcwd, rename_exchange = -100, 2
    if function(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False  # a kernel or file system without the exchange
    raise OSError(code, os.strerror(code), str(second))
