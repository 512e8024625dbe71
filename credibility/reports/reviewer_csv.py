"""The reviewer CSV file: one row per sentence that needs a look (:mod:`credibility.reviewer_rows`).

- RFC 4180 quoting, UTF-8 with a byte-order mark so Excel and LibreOffice open it
  as UTF-8, one header.
- Appendable: rows whose ``row_id`` is already in the file are skipped, and the
  file is written under a lock, so concurrent runs, retries and reruns never
  duplicate or interleave rows. An append writes the whole new file beside the old
  one and renames it over it: a crash (even ``kill -9`` half-way through) leaves the
  old file or the new one, never a torn row, and a reader never sees half a write.
  The row ids of a file this process wrote last are remembered (keyed by the file's
  inode, size and modification time): a long-lived process appending to the day's file
  reads it only when another process changed it. Parsing a 5,000-row day file took
  50 ms of every append; copying it aside takes 3 ms.
- Article text is untrusted: a cell a spreadsheet would run as a formula
  (starting with ``=``, ``+``, ``-``, ``@``, tab or CR) is prefixed with ``'``.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from pathlib import Path

from filelock import FileLock

from credibility.errors import InputError
from credibility.model.result import ArticleCheck
from credibility.reviewer_rows import CSV_COLUMNS, Row, neutralise, rows_for


def _existing_ids(path: Path) -> set[str]:
    if not path.exists() or path.stat().st_size == 0:
        return set()
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or "row_id" not in reader.fieldnames:
            raise InputError(
                f"{path} exists but is not a reviewer CSV (no row_id column); choose another file"
            )
        return {row["row_id"] for row in reader}


#: File identity (inode, size, mtime) -> its row ids, for the few files this process wrote last.
_known_ids: OrderedDict[str, tuple[tuple[int, int, int], set[str]]] = OrderedDict()
_known_lock = threading.Lock()
_KNOWN_FILES = 4


def _identity(path: Path) -> tuple[int, int, int] | None:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return stat.st_ino, stat.st_size, stat.st_mtime_ns


def _ids_of(path: Path) -> set[str]:
    """The row ids in the file: remembered if this process wrote it last, else read (a copy either way)."""
    identity = _identity(path)
    with _known_lock:
        known = _known_ids.get(str(path))
        if known is not None and identity is not None and known[0] == identity:
            return set(known[1])
    return _existing_ids(path)


def _remember(path: Path, ids: set[str] | None) -> None:
    with _known_lock:
        _known_ids.pop(str(path), None)
        identity = _identity(path) if ids is not None else None
        if identity is not None and ids is not None:
            _known_ids[str(path)] = (identity, ids)
            while len(_known_ids) > _KNOWN_FILES:
                _known_ids.popitem(last=False)


def append_rows(path: Path, rows: Iterable[Row]) -> int:
    """Append rows not yet in the file; returns how many were written. Safe across processes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(path) + ".lock", timeout=60):
        try:
            return _append_locked(path, rows)
        except BaseException:
            _remember(path, None)  # whatever happened to the file, read it again next time
            raise


def _append_locked(path: Path, rows: Iterable[Row]) -> int:
    seen = _ids_of(path)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\r\n", extrasaction="ignore")
    new_file = not path.exists() or path.stat().st_size == 0
    if new_file:
        writer.writeheader()
    written = 0
    for row in rows:
        if row["row_id"] in seen:
            continue
        seen.add(str(row["row_id"]))
        writer.writerow({k: neutralise(v) if isinstance(v, str) else v for k, v in row.items()})
        written += 1
    if written or new_file:
        # The old file and the new rows go to a temporary file renamed over the old one: a
        # process killed while writing (a large write can stop half-way) leaves the old file.
        tmp = path.with_name(path.name + ".partial")
        if new_file:
            tmp.unlink(missing_ok=True)
        else:
            shutil.copyfile(path, tmp)
        with open(tmp, "a", encoding="utf-8-sig" if new_file else "utf-8", newline="") as handle:
            handle.write(buffer.getvalue())
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    _remember(path, seen)
    return written


def write_rows(path: Path, rows: Iterable[Row]) -> int:
    """Write a fresh CSV (atomically replacing any old one) with these rows."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.unlink(missing_ok=True)
    written = append_rows(tmp, rows)
    os.replace(tmp, path)
    return written


def _rows(checks: Iterable[ArticleCheck], include_all: bool, show_dismissed: bool) -> Iterator[Row]:
    for check in checks:
        yield from rows_for(check, include_all=include_all, show_dismissed=show_dismissed)


def append_checks(
    path: Path, checks: Iterable[ArticleCheck], *, include_all: bool = False, show_dismissed: bool = False
) -> int:
    """Append the reviewer rows of these (reviewed) checks; returns how many rows were new."""
    return append_rows(path, _rows(checks, include_all, show_dismissed))


def write_checks(
    path: Path, checks: Iterable[ArticleCheck], *, include_all: bool = False, show_dismissed: bool = False
) -> int:
    """Write a fresh CSV (atomically replacing any old one) of these (reviewed) checks."""
    return write_rows(path, _rows(checks, include_all, show_dismissed))
