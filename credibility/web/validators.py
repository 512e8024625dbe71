"""The conditional-GET cache: the ``ETag`` and ``Last-Modified`` validators of each URL."""

from __future__ import annotations

import logging
import sqlite3
import time
from pathlib import Path

__all__ = ["ValidatorStore"]

log = logging.getLogger(__name__)


class ValidatorStore:
    """ETag / Last-Modified per URL in a small SQLite file, opened on first use.

    A cache that cannot be opened only disables conditional requests: fetching goes on.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None
        self._broken = False

    def _db(self) -> sqlite3.Connection | None:
        if self._conn is None and not self._broken:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(self.path, timeout=5.0, check_same_thread=False)
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS validators ("
                    "url TEXT PRIMARY KEY, etag TEXT NOT NULL, last_modified TEXT NOT NULL, stored_at REAL)"
                )
                conn.commit()
                self._conn = conn
            except (OSError, sqlite3.Error) as exc:
                log.warning("fetch cache %s unusable, conditional requests disabled: %s", self.path, exc)
                self._broken = True
        return self._conn

    def get(self, url: str) -> tuple[str, str] | None:
        db = self._db()
        if db is None:
            return None
        row = db.execute("SELECT etag, last_modified FROM validators WHERE url = ?", (url,)).fetchone()
        return (str(row[0]), str(row[1])) if row else None

    def put(self, url: str, etag: str, last_modified: str) -> None:
        db = self._db()
        if db is None or not (etag or last_modified):
            return
        with db:
            db.execute(
                "INSERT OR REPLACE INTO validators (url, etag, last_modified, stored_at) VALUES (?, ?, ?, ?)",
                (url, etag, last_modified, time.time()),
            )

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
