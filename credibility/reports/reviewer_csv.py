"""The reviewer CSV: one row per sentence that needs a look, exported from checks.

- RFC 4180 quoting, UTF-8 with a byte-order mark so Excel and LibreOffice open it
  as UTF-8, one header.
- Appendable: rows whose ``row_id`` is already in the file are skipped, and the
  file is written under a lock, so concurrent runs, retries and reruns never
  duplicate or interleave rows.
- Article text is untrusted: a cell a spreadsheet would run as a formula
  (starting with ``=``, ``+``, ``-``, ``@``, tab or CR) is prefixed with ``'``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from filelock import FileLock

from credibility.engine.check import FLAGGED_LABELS
from credibility.text.normalize import normalize

CSV_COLUMNS = (
    "row_id",
    "checked_at",
    "article_id",
    "article_url",
    "article_title",
    "article_label",
    "sentence_index",
    "label",
    "flags",
    "score",
    "reason",
    "sentence",
    "evidence_article_id",
    "evidence_sentence_id",
    "evidence_kind",
    "evidence_sentence",
    "evidence_claim",
    "evidence_title",
    "evidence_url",
    "evidence_source",
    "evidence_rating",
    "evidence_verdict",
    "changes",
    "copied_from",
    "coverage",
    "reviewer_decision",
    "reviewer_note",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    """Keep a spreadsheet from evaluating untrusted text as a formula."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def row_id(article_id: str, sentence_index: int, sentence: str, evidence_sentence_id: object) -> str:
    """Stable for the same article, sentence and evidence across runs."""
    blob = "\x1f".join(
        [article_id, str(sentence_index), normalize(sentence), str(evidence_sentence_id or "")]
    )
    return hashlib.blake2b(blob.encode("utf-8"), digest_size=10).hexdigest()


def rows_for(result: dict[str, Any], *, include_all: bool = False) -> Iterator[dict[str, Any]]:
    """CSV rows (as dicts, not yet neutralised) for one check result (``ArticleCheck.as_dict()``)."""
    article, verdict = result["article"], result["verdict"]
    for sentence in result["sentences"]:
        if not include_all and sentence["label"] not in FLAGGED_LABELS:
            continue
        evidence = sentence.get("evidence") or {}
        yield {
            "row_id": row_id(article["id"], sentence["index"], sentence["text"], evidence.get("sentence_id")),
            "checked_at": article.get("checked_at", ""),
            "article_id": article["id"],
            "article_url": article.get("url", ""),
            "article_title": article.get("title", ""),
            "article_label": verdict["label"],
            "sentence_index": sentence["index"],
            "label": sentence["label"],
            "flags": ";".join(sentence.get("flags", [])),
            "score": "" if sentence.get("score") is None else f"{sentence['score']:.4f}",
            "reason": sentence.get("reason", ""),
            "sentence": sentence["text"],
            "evidence_article_id": evidence.get("article_id", ""),
            "evidence_sentence_id": evidence.get("sentence_id", ""),
            "evidence_kind": evidence.get("kind", ""),
            "evidence_sentence": evidence.get("sentence", ""),
            "evidence_claim": evidence.get("claim", ""),
            "evidence_title": evidence.get("title", ""),
            "evidence_url": evidence.get("url", ""),
            "evidence_source": evidence.get("source", ""),
            "evidence_rating": evidence.get("rating", ""),
            "evidence_verdict": evidence.get("verdict", ""),
            "changes": json.dumps(sentence.get("changes", []), ensure_ascii=False)
            if sentence.get("changes")
            else "",
            "copied_from": ";".join(verdict.get("copied_from", [])),
            "coverage": f"{verdict['coverage']:.4f}",
            "reviewer_decision": "",
            "reviewer_note": "",
        }


def _existing_ids(path: Path) -> set[str]:
    if not path.exists() or path.stat().st_size == 0:
        return set()
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or "row_id" not in reader.fieldnames:
            from credibility.errors import InputError

            raise InputError(
                f"{path} exists but is not a reviewer CSV (no row_id column); choose another file"
            )
        return {row["row_id"] for row in reader}


def append_rows(path: Path, rows: Iterable[dict[str, Any]]) -> int:
    """Append rows not yet in the file; returns how many were written. Safe across processes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(path) + ".lock", timeout=60):
        seen = _existing_ids(path)
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\r\n", extrasaction="ignore")
        new_file = not path.exists() or path.stat().st_size == 0
        if new_file:
            writer.writeheader()
        written = 0
        for row in rows:
            if row["row_id"] in seen:
                continue
            seen.add(row["row_id"])
            writer.writerow({k: neutralise(v) if isinstance(v, str) else v for k, v in row.items()})
            written += 1
        if written or new_file:
            # One write of whole rows, then fsync: a crash never leaves half a row behind.
            with open(path, "a", encoding="utf-8-sig" if new_file else "utf-8", newline="") as handle:
                handle.write(buffer.getvalue())
                handle.flush()
                os.fsync(handle.fileno())
        return written


def write_rows(path: Path, rows: Iterable[dict[str, Any]]) -> int:
    """Write a fresh CSV (atomically replacing any old one) with these rows."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.unlink(missing_ok=True)
    written = append_rows(tmp, rows)
    os.replace(tmp, path)
    return written
