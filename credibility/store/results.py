"""The results store: every check, kept in SQLite beside the index.

A check is keyed by the article's content and the engine that checked it (engine
version, model, backend, index generation, settings hash): re-checking the same
article with the same engine and index replaces the stored result instead of
adding a second one. Reviewer CSV and HTML files are exports of this store.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from credibility.model.result import ArticleCheck

_SCHEMA = """
CREATE TABLE IF NOT EXISTS checks (
    check_key TEXT PRIMARY KEY,
    article_id TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    input TEXT NOT NULL DEFAULT '',
    url TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL DEFAULT '',
    checked_at TEXT NOT NULL,
    label TEXT NOT NULL,
    coverage REAL NOT NULL,
    copied_from TEXT NOT NULL,
    engine TEXT NOT NULL,
    result TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS checks_checked_at ON checks(checked_at);
CREATE INDEX IF NOT EXISTS checks_content ON checks(content_hash);
"""


@dataclass(frozen=True, slots=True)
class StoredCheck:
    check_key: str
    article_id: str
    checked_at: str
    label: str
    #: The check as the engine gave it (reviewer decisions are applied when it is read out).
    check: ArticleCheck


def check_key(check: ArticleCheck) -> str:
    engine = check.verdict.engine
    parts = [
        check.article.id,
        check.article.content_hash,
        engine.version,
        engine.model,
        engine.encoder_backend,
        str(engine.index_generation),
        engine.settings_hash,
    ]
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=12).hexdigest()


class ResultsStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.executescript(_SCHEMA)

    def save(self, check: ArticleCheck) -> str:
        key = check_key(check)
        # The engine's view is stored: decisions change, and are applied when results are read.
        payload = check.engine_view().as_dict(with_text=True)
        self._conn.execute(
            "INSERT OR REPLACE INTO checks (check_key, article_id, content_hash, input, url, title, checked_at, "
            "label, coverage, copied_from, engine, result) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                key,
                check.article.id,
                check.article.content_hash,
                check.article.input,
                check.article.url,
                check.article.title,
                check.article.checked_at,
                check.verdict.label,
                check.verdict.coverage,
                json.dumps(list(check.verdict.copied_from)),
                json.dumps(check.verdict.engine.as_dict()),
                json.dumps(payload, ensure_ascii=False),
            ),
        )
        return key

    def get(self, key: str) -> StoredCheck | None:
        row = self._conn.execute(
            "SELECT check_key, article_id, checked_at, label, result FROM checks WHERE check_key = ?", (key,)
        ).fetchone()
        return _stored(row) if row else None

    def has_content(self, content_hash: str) -> bool:
        return (
            self._conn.execute(
                "SELECT 1 FROM checks WHERE content_hash = ? LIMIT 1", (content_hash,)
            ).fetchone()
            is not None
        )

    def latest_for_content(self, content_hashes: Iterable[str]) -> dict[str, StoredCheck]:
        """The latest stored check of each content hash (hashes never checked are left out)."""
        hashes = sorted(set(content_hashes))
        found: dict[str, StoredCheck] = {}
        for start in range(0, len(hashes), 500):
            chunk = hashes[start : start + 500]
            for row in self._conn.execute(
                "SELECT check_key, article_id, checked_at, label, result, content_hash FROM checks "
                f"WHERE content_hash IN ({','.join('?' * len(chunk))}) ORDER BY checked_at, check_key",
                chunk,
            ):
                found[row[5]] = _stored(row[:5])
        return found

    def between(
        self, start: dt.datetime | None = None, end: dt.datetime | None = None
    ) -> Iterator[StoredCheck]:
        """Stored checks with ``start <= checked_at < end`` (UTC), oldest first."""
        lo = start.astimezone(dt.UTC).isoformat(timespec="seconds") if start else ""
        hi = end.astimezone(dt.UTC).isoformat(timespec="seconds") if end else "9999"
        for row in self._conn.execute(
            "SELECT check_key, article_id, checked_at, label, result FROM checks "
            "WHERE checked_at >= ? AND checked_at < ? ORDER BY checked_at, check_key",
            (lo, hi),
        ):
            yield _stored(row)

    def for_articles(self, article_ids: Iterable[str]) -> Iterator[StoredCheck]:
        """Every stored check of these articles, oldest first."""
        ids = sorted(set(article_ids))
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            yield from (
                _stored(row)
                for row in self._conn.execute(
                    "SELECT check_key, article_id, checked_at, label, result FROM checks "
                    f"WHERE article_id IN ({','.join('?' * len(chunk))}) ORDER BY checked_at, check_key",
                    chunk,
                )
            )

    def count(self) -> int:
        return int(self._conn.execute("SELECT COUNT(*) FROM checks").fetchone()[0])

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> ResultsStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _stored(row: tuple[Any, ...]) -> StoredCheck:
    return StoredCheck(row[0], row[1], row[2], row[3], ArticleCheck.from_json(row[4]))
