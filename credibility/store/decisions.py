"""The decision store: reviewer decisions in SQLite, beside the checks in the results database.

A decision is keyed by what it is about, not by the CSV row: the normalized sentence hash, the
evidence (``article_id#sentence_id``, else the article id, else nothing) and the engine's label.
``reviews`` holds the current decision per key, ``review_history`` every decision ever made.
Writing is one transaction: all the decisions of an import or none.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from credibility.model.result import ReviewStatus, SentenceReview

DECISIONS: tuple[str, ...] = ("confirmed", "false_positive")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS reviews (
    norm_hash TEXT NOT NULL,
    evidence_key TEXT NOT NULL,
    label TEXT NOT NULL,
    decision TEXT NOT NULL CHECK (decision IN ('confirmed', 'false_positive')),
    note TEXT NOT NULL DEFAULT '',
    reviewer TEXT NOT NULL,
    decided_at TEXT NOT NULL,
    row_id TEXT NOT NULL,
    article_id TEXT NOT NULL,
    article_url TEXT NOT NULL DEFAULT '',
    sentence TEXT NOT NULL,
    source TEXT NOT NULL,
    PRIMARY KEY (norm_hash, evidence_key, label)
);
CREATE INDEX IF NOT EXISTS reviews_decided_at ON reviews(decided_at);
CREATE TABLE IF NOT EXISTS review_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    norm_hash TEXT NOT NULL,
    evidence_key TEXT NOT NULL,
    label TEXT NOT NULL,
    decision TEXT NOT NULL,
    note TEXT NOT NULL,
    reviewer TEXT NOT NULL,
    decided_at TEXT NOT NULL,
    row_id TEXT NOT NULL,
    article_id TEXT NOT NULL,
    source TEXT NOT NULL,
    previous_decision TEXT
);
CREATE INDEX IF NOT EXISTS review_history_key ON review_history(norm_hash, evidence_key, label);
"""
_COLUMNS = (
    "norm_hash, evidence_key, label, decision, note, reviewer, decided_at, row_id, article_id, "
    "article_url, sentence, source"
)


@dataclass(frozen=True, slots=True)
class Decision:
    """The current decision about one (sentence, evidence, label)."""

    norm_hash: str
    evidence_key: str
    label: str
    decision: str
    note: str
    reviewer: str
    decided_at: str
    row_id: str
    article_id: str
    article_url: str
    sentence: str
    source: str

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.norm_hash, self.evidence_key, self.label)

    def review(
        self, status: ReviewStatus, *, engine_label: str = "", engine_reason: str = ""
    ) -> SentenceReview:
        """What a sentence this decision applies to records about it."""
        return SentenceReview(
            status=status,
            decision=self.decision,
            label=self.label,
            reviewer=self.reviewer,
            decided_at=self.decided_at,
            note=self.note,
            row_id=self.row_id,
            article_id=self.article_id,
            article_url=self.article_url,
            source=self.source,
            engine_label=engine_label,
            engine_reason=engine_reason,
        )

    def _values(self) -> tuple[str, ...]:
        return tuple(getattr(self, name.strip()) for name in _COLUMNS.split(","))


@dataclass(frozen=True, slots=True)
class DecisionRow:
    """One current decision, as the statistics read it."""

    label: str
    decision: str
    decided_at: str
    reviewer: str


@dataclass(frozen=True, slots=True)
class WriteCounts:
    added: int = 0
    changed: int = 0
    unchanged: int = 0


class DecisionStore:
    """The ``reviews`` tables of one SQLite file (the results database by default).

    Reading a file that does not exist finds no decisions and creates nothing.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._conn: sqlite3.Connection | None = None

    def _connection(self, *, create: bool) -> sqlite3.Connection | None:
        if self._conn is None and (create or self.path.exists()):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")  # same mode as the results store sharing the file
            conn.executescript(_SCHEMA)
            self._conn = conn
        return self._conn

    def for_sentences(self, norm_hashes: Iterable[str]) -> list[Decision]:
        """Every current decision about sentences with these normalized-text hashes."""
        conn = self._connection(create=False)
        if conn is None:
            return []
        hashes = sorted(set(norm_hashes))
        found: list[Decision] = []
        for start in range(0, len(hashes), 500):
            chunk = hashes[start : start + 500]
            found.extend(
                Decision(*row)
                for row in conn.execute(
                    f"SELECT {_COLUMNS} FROM reviews WHERE norm_hash IN ({','.join('?' * len(chunk))})",
                    chunk,
                )
            )
        return found

    def get(self, key: tuple[str, str, str]) -> Decision | None:
        conn = self._connection(create=False)
        if conn is None:
            return None
        row = conn.execute(
            f"SELECT {_COLUMNS} FROM reviews WHERE norm_hash = ? AND evidence_key = ? AND label = ?", key
        ).fetchone()
        return Decision(*row) if row else None

    def record(self, decisions: Sequence[Decision]) -> WriteCounts:
        """Store these decisions in one transaction; an unchanged decision (and note) is skipped."""
        conn = self._connection(create=True)
        assert conn is not None
        added = changed = unchanged = 0
        conn.execute("BEGIN IMMEDIATE")  # one transaction: all decisions or none
        try:
            for new in decisions:
                current = self.get(new.key)
                if current is not None and (current.decision, current.note) == (new.decision, new.note):
                    unchanged += 1
                    continue
                conn.execute(
                    f"INSERT OR REPLACE INTO reviews ({_COLUMNS}) VALUES ({','.join('?' * 12)})",
                    new._values(),
                )
                conn.execute(
                    "INSERT INTO review_history (norm_hash, evidence_key, label, decision, note, reviewer, "
                    "decided_at, row_id, article_id, source, previous_decision) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        new.norm_hash,
                        new.evidence_key,
                        new.label,
                        new.decision,
                        new.note,
                        new.reviewer,
                        new.decided_at,
                        new.row_id,
                        new.article_id,
                        new.source,
                        current.decision if current else None,
                    ),
                )
                if current is None:
                    added += 1
                else:
                    changed += 1
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return WriteCounts(added, changed, unchanged)

    def current(self) -> Iterator[DecisionRow]:
        conn = self._connection(create=False)
        if conn is None:
            return
        for row in conn.execute("SELECT label, decision, decided_at, reviewer FROM reviews"):
            yield DecisionRow(*row)

    def history(self) -> list[dict[str, Any]]:
        """Every decision ever imported, oldest first."""
        conn = self._connection(create=False)
        if conn is None:
            return []
        cursor = conn.execute("SELECT * FROM review_history ORDER BY id")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    def history_counts(self) -> tuple[int, int]:
        """(decisions recorded, of which changed an earlier one)."""
        conn = self._connection(create=False)
        if conn is None:
            return 0, 0
        total = int(conn.execute("SELECT COUNT(*) FROM review_history").fetchone()[0])
        changed = int(
            conn.execute(
                "SELECT COUNT(*) FROM review_history WHERE previous_decision IS NOT NULL"
            ).fetchone()[0]
        )
        return total, changed

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> DecisionStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
