"""The crawl state of watched sources, in SQLite beside the check results (``results.sqlite``).

- ``watch_sources``: one row per source (``list:type:location``): last attempt and success,
  failures in a row, the next time it is due, the last error, and what the crawler keeps between
  runs (the children of a sitemap index);
- ``watch_items``: one row per (source, item URL): what the listing said about it (feed entry
  fingerprint, sitemap lastmod), its content hash, first and last seen, its status (``queued``,
  ``pending`` with the record to check, ``done``, ``failed``), and the page's credits;
- ``watch_changes``: every content change of an item (old and new hash, when).

A source's new state, its items and its changes are written in one transaction
(:meth:`WatchStore.save_source`), so a run that stops half way keeps every source it finished.
ETag and Last-Modified stay in the fetcher's validator store (``fetch-cache.sqlite``).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from credibility.model.watch import (
    ContentChange,
    ListName,
    PageCredits,
    SourceState,
    WatchItem,
)

__all__ = ["WatchStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS watch_sources (
    source_id TEXT PRIMARY KEY,
    list TEXT NOT NULL,
    type TEXT NOT NULL,
    location TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    site TEXT NOT NULL DEFAULT '',
    last_attempt TEXT NOT NULL DEFAULT '',
    last_success TEXT NOT NULL DEFAULT '',
    last_status TEXT NOT NULL DEFAULT '',
    failures INTEGER NOT NULL DEFAULT 0,
    next_due TEXT NOT NULL DEFAULT '',
    last_error TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT '[]',
    runs INTEGER NOT NULL DEFAULT 0,
    total_failures INTEGER NOT NULL DEFAULT 0,
    extra TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS watch_items (
    source_id TEXT NOT NULL,
    url TEXT NOT NULL,
    list TEXT NOT NULL,
    status TEXT NOT NULL,
    hint TEXT NOT NULL DEFAULT '',
    hint_time TEXT NOT NULL DEFAULT '',
    content_hash TEXT NOT NULL DEFAULT '',
    site TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL DEFAULT '',
    first_seen TEXT NOT NULL DEFAULT '',
    last_seen TEXT NOT NULL DEFAULT '',
    fetched_at TEXT NOT NULL DEFAULT '',
    changed_at TEXT NOT NULL DEFAULT '',
    versions INTEGER NOT NULL DEFAULT 0,
    record TEXT NOT NULL DEFAULT '',
    credits TEXT NOT NULL DEFAULT '',
    error TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (source_id, url)
);
CREATE INDEX IF NOT EXISTS watch_items_url ON watch_items(list, url);
CREATE INDEX IF NOT EXISTS watch_items_hash ON watch_items(list, content_hash);
CREATE INDEX IF NOT EXISTS watch_items_status ON watch_items(list, status);
CREATE TABLE IF NOT EXISTS watch_changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    source_id TEXT NOT NULL,
    url TEXT NOT NULL,
    old_hash TEXT NOT NULL,
    new_hash TEXT NOT NULL,
    changed_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS watch_changes_item ON watch_changes(source_id, url);
"""

_SOURCE_COLUMNS = (
    "source_id",
    "list",
    "type",
    "location",
    "name",
    "site",
    "last_attempt",
    "last_success",
    "last_status",
    "failures",
    "next_due",
    "last_error",
    "notes",
    "runs",
    "total_failures",
)
_ITEM_COLUMNS = (
    "source_id",
    "url",
    "list",
    "status",
    "hint",
    "hint_time",
    "content_hash",
    "site",
    "title",
    "first_seen",
    "last_seen",
    "fetched_at",
    "changed_at",
    "versions",
    "record",
    "credits",
    "error",
)


def _state(row: Sequence[Any]) -> SourceState:
    data = dict(zip(_SOURCE_COLUMNS, row, strict=True))
    data["notes"] = json.loads(data["notes"] or "[]")
    return SourceState.from_dict(data)


def _item(row: Sequence[Any]) -> WatchItem:
    data = dict(zip(_ITEM_COLUMNS, row, strict=True))
    credits = data.pop("credits")
    item = WatchItem.from_dict(data)
    if credits:
        from dataclasses import replace

        item = replace(item, credits=PageCredits.from_dict(json.loads(credits)))
    return item


def _item_values(item: WatchItem) -> tuple[Any, ...]:
    data = item.as_dict()
    data["credits"] = json.dumps(item.credits.as_dict(), ensure_ascii=False) if item.credits else ""
    return tuple(data[name] for name in _ITEM_COLUMNS)


class WatchStore:
    """The ``watch_*`` tables of one SQLite file (the results database). Safe to share between threads."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode=WAL")  # the results store shares the file
        self._conn.executescript(_SCHEMA)

    # --- reading ------------------------------------------------------------------------------

    def source(self, source_id: str) -> SourceState | None:
        with self._lock:
            row = self._conn.execute(
                f"SELECT {', '.join(_SOURCE_COLUMNS)} FROM watch_sources WHERE source_id = ?", (source_id,)
            ).fetchone()
        return _state(row) if row else None

    def sources(self, list_name: ListName | None = None) -> list[SourceState]:
        query = f"SELECT {', '.join(_SOURCE_COLUMNS)} FROM watch_sources"
        params: tuple[str, ...] = ()
        if list_name:
            query, params = query + " WHERE list = ?", (list_name,)
        with self._lock:
            rows = self._conn.execute(query + " ORDER BY source_id", params).fetchall()
        return [_state(row) for row in rows]

    def extra(self, source_id: str) -> dict[str, Any]:
        """What the crawler kept for this source between runs (a JSON object)."""
        with self._lock:
            row = self._conn.execute(
                "SELECT extra FROM watch_sources WHERE source_id = ?", (source_id,)
            ).fetchone()
        data = json.loads(row[0]) if row and row[0] else {}
        return data if isinstance(data, dict) else {}

    def items(self, source_id: str) -> dict[str, WatchItem]:
        """Every item of a source, by URL."""
        with self._lock:
            rows = self._conn.execute(
                f"SELECT {', '.join(_ITEM_COLUMNS)} FROM watch_items WHERE source_id = ?", (source_id,)
            ).fetchall()
        return {row[1]: _item(row) for row in rows}

    def seen_url(self, list_name: ListName, url: str, *, besides: str = "") -> WatchItem | None:
        """The most recently fetched item with this URL and known content, in another source of the list."""
        with self._lock:
            row = self._conn.execute(
                f"SELECT {', '.join(_ITEM_COLUMNS)} FROM watch_items WHERE list = ? AND url = ? "
                "AND source_id != ? AND content_hash != '' AND status IN ('done', 'pending') "
                "ORDER BY fetched_at DESC LIMIT 1",
                (list_name, url, besides),
            ).fetchone()
        return _item(row) if row else None

    def seen_content(self, list_name: ListName, content_hash: str) -> bool:
        """Whether an item of the list was fetched with this content (under any URL)."""
        with self._lock:
            row = self._conn.execute(
                "SELECT 1 FROM watch_items WHERE list = ? AND content_hash = ? AND status IN ('done', 'pending') "
                "LIMIT 1",
                (list_name, content_hash),
            ).fetchone()
        return row is not None

    def pending(self, list_name: ListName, source_ids: Sequence[str] | None = None) -> list[WatchItem]:
        """Items fetched and waiting to be checked or indexed (oldest first)."""
        with self._lock:
            rows = self._conn.execute(
                f"SELECT {', '.join(_ITEM_COLUMNS)} FROM watch_items WHERE list = ? AND status = 'pending' "
                "ORDER BY fetched_at, source_id, url",
                (list_name,),
            ).fetchall()
        items = [_item(row) for row in rows]
        if source_ids is not None:
            wanted = set(source_ids)
            items = [i for i in items if i.source_id in wanted]
        return items

    def done_items(self, list_name: ListName = "monitor") -> Iterator[WatchItem]:
        """Every item of the list with known content that is done (what the ledger counts)."""
        with self._lock:
            rows = self._conn.execute(
                f"SELECT {', '.join(_ITEM_COLUMNS)} FROM watch_items WHERE list = ? AND status = 'done' "
                "AND content_hash != '' ORDER BY first_seen, source_id, url",
                (list_name,),
            ).fetchall()
        yield from (_item(row) for row in rows)

    def changes(self, source_id: str | None = None) -> list[ContentChange]:
        query = "SELECT source_id, url, old_hash, new_hash, changed_at FROM watch_changes"
        params: tuple[str, ...] = ()
        if source_id:
            query, params = query + " WHERE source_id = ?", (source_id,)
        with self._lock:
            rows = self._conn.execute(query + " ORDER BY id", params).fetchall()
        return [ContentChange(*row) for row in rows]

    # --- writing ------------------------------------------------------------------------------

    def save_source(
        self,
        state: SourceState,
        *,
        extra: dict[str, Any] | None = None,
        items: Sequence[WatchItem] = (),
        changes: Sequence[ContentChange] = (),
    ) -> None:
        """A source's new state, its new or updated items and its content changes, in one transaction."""
        values = state.as_dict()
        values["notes"] = json.dumps(list(state.notes), ensure_ascii=False)
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                columns = ", ".join(_SOURCE_COLUMNS)
                marks = ", ".join("?" * len(_SOURCE_COLUMNS))
                updates = ", ".join(f"{c} = excluded.{c}" for c in _SOURCE_COLUMNS[1:])
                self._conn.execute(
                    f"INSERT INTO watch_sources ({columns}) VALUES ({marks}) "
                    f"ON CONFLICT(source_id) DO UPDATE SET {updates}",
                    tuple(values[c] for c in _SOURCE_COLUMNS),
                )
                if extra is not None:
                    self._conn.execute(
                        "UPDATE watch_sources SET extra = ? WHERE source_id = ?",
                        (json.dumps(extra, ensure_ascii=False), state.source_id),
                    )
                self._write_items(items)
                self._conn.executemany(
                    "INSERT INTO watch_changes (source_id, url, old_hash, new_hash, changed_at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    [(c.source_id, c.url, c.old_hash, c.new_hash, c.changed_at) for c in changes],
                )
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    def save_items(self, items: Sequence[WatchItem]) -> None:
        """Items (checked, indexed, failed ...) in one transaction."""
        if not items:
            return
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._write_items(items)
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    def _write_items(self, items: Sequence[WatchItem]) -> None:
        columns = ", ".join(_ITEM_COLUMNS)
        marks = ", ".join("?" * len(_ITEM_COLUMNS))
        self._conn.executemany(
            f"INSERT OR REPLACE INTO watch_items ({columns}) VALUES ({marks})",
            [_item_values(item) for item in items],
        )

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> WatchStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
