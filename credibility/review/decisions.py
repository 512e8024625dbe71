"""Reviewer decisions: what people decided about flagged sentences, kept and reused.

A reviewer fills two columns of the reviewer CSV (:mod:`credibility.reports.reviewer_csv`):
``reviewer_decision`` (``confirmed``, ``false_positive`` or blank) and ``reviewer_note``.
:func:`import_decisions` stores them in SQLite (``reviews`` and ``review_history``
tables, by default in the results database beside the ``checks`` table), and
:func:`apply_reviews` / :class:`ReviewStore` annotate later check results:

- A decision is keyed by what it is about, not by the CSV row: the normalized
  sentence hash, the evidence (``article_id#sentence_id``, else the article id,
  else nothing) and the engine's label. The same flag on the same text against the
  same evidence gets the same decision in every later run, on every site.
- ``false_positive`` *dismisses* the flag: the engine's label stays, the sentence
  gets a ``review`` field (who, when, note), and the row leaves the default CSV and
  HTML views (:func:`drop_dismissed`, :func:`review_rows`; a switch shows them).
- ``confirmed`` on an ``injected`` or ``debunked`` line is remembered by its text
  alone: the same line found anywhere else is flagged at once. Where the engine
  saw nothing wrong with it (``unsupported``, ``not_checked``) it takes the
  confirmed label with the flag ``confirmed_by_reviewer`` and a reason citing the
  decision; a ``supported`` sentence is left alone (verified reporting outranks a
  remembered decision, as in the engine's own precedence).

Decisions are never lost: an import is one transaction (a bad file changes nothing),
re-importing the same file changes nothing, and a conflicting later decision
replaces the current one while ``review_history`` keeps every decision ever made.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import getpass
import io
import json
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from credibility.engine.check import FLAGGED_LABELS, LABELS
from credibility.errors import InputError
from credibility.reports.reviewer_csv import row_id, rows_for
from credibility.text.normalize import text_hash

DECISIONS: tuple[str, ...] = ("confirmed", "false_positive")
#: Confirmed lines of these labels are flagged wherever the same text shows up again.
REMEMBERED_LABELS: frozenset[str] = frozenset({"injected", "debunked"})
#: Engine labels that a remembered confirmed decision overrides (nothing flagged them).
_PROMOTABLE_LABELS: frozenset[str] = frozenset({"unsupported", "not_checked"})
CONFIRMED_FLAG = "confirmed_by_reviewer"
_ALIASES = {
    "confirmed": "confirmed",
    "confirm": "confirmed",
    "false_positive": "false_positive",
    "falsepositive": "false_positive",
    "fp": "false_positive",
}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_MAX_PROBLEMS_SHOWN = 20

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


class DecisionsError(InputError):
    """A reviewer CSV that cannot be imported; ``problems`` lists each one as ``file:line: what``."""

    def __init__(self, path: Path, problems: Sequence[str]) -> None:
        self.path = path
        self.problems = tuple(problems)
        shown = "\n  ".join(self.problems[:_MAX_PROBLEMS_SHOWN])
        more = len(self.problems) - _MAX_PROBLEMS_SHOWN
        tail = f"\n  ... and {more} more" if more > 0 else ""
        super().__init__(
            f"{path}: {len(self.problems)} problem(s), nothing was imported; fix the file and import it again:"
            f"\n  {shown}{tail}"
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

    def citation(self) -> dict[str, str]:
        """What a reviewed sentence records about the decision (its ``review`` field, less status)."""
        return {
            "decision": self.decision,
            "label": self.label,
            "reviewer": self.reviewer,
            "decided_at": self.decided_at,
            "note": self.note,
            "row_id": self.row_id,
            "article_id": self.article_id,
            "article_url": self.article_url,
            "source": self.source,
        }


@dataclass(frozen=True, slots=True)
class ImportReport:
    path: Path
    rows: int = 0
    decisions: int = 0
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    blank: int = 0
    warnings: tuple[str, ...] = field(default_factory=tuple)

    def summary(self) -> str:
        return (
            f"{self.path}: {self.rows} row(s), {self.decisions} decision(s): {self.added} new, "
            f"{self.changed} changed, {self.unchanged} unchanged; {self.blank} row(s) without a decision"
        )


def evidence_key(evidence: dict[str, Any] | None) -> str:
    """The evidence part of a decision's key: ``article#sentence``, else the article, else ''."""
    if not evidence:
        return ""
    article_id = str(evidence.get("article_id") or "")
    sentence_id = evidence.get("sentence_id")
    if sentence_id not in (None, ""):
        return f"{article_id}#{sentence_id}"
    return article_id


def default_reviewer() -> str:
    try:
        return getpass.getuser() or "unknown"
    except (OSError, KeyError):  # no login name in some containers
        return "unknown"


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")  # same mode as the results store sharing the file
    conn.executescript(_SCHEMA)
    return conn


# --- reading the CSV -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Target:
    """The sentence and evidence a CSV row is about."""

    row_id: str
    article_id: str
    article_url: str
    sentence: str
    label: str
    evidence_key: str


@dataclass(frozen=True, slots=True)
class _Row:
    line: int
    values: dict[str, str]


def _unneutralise(value: str) -> str:
    """Undo :func:`credibility.reports.reviewer_csv.neutralise` (the ``'`` put before formula-like cells)."""
    return value[1:] if value.startswith("'") and value[1:].startswith(_FORMULA_START) else value


def _parse_decision(raw: str) -> str | None:
    word = raw.strip().casefold().replace("-", "_").replace(" ", "_")
    if not word:
        return None
    return _ALIASES.get(word, "?")


def _decode(path: Path, data: bytes) -> tuple[str, list[str]]:
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    try:
        # Excel's plain "CSV" format on Windows; the row ids are ASCII either way.
        return data.decode("cp1252"), [f"{path}: not UTF-8, read as Windows-1252 (save as 'CSV UTF-8')"]
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not a UTF-8 text file ({exc.reason} at byte {exc.start})") from exc


def _read_rows(path: Path) -> tuple[list[_Row], list[str]]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from exc
    text, warnings = _decode(path, data)
    if not text.strip():
        raise InputError(f"{path}: the file is empty; expected a reviewer CSV with a row_id column")
    # A spreadsheet saved in a European locale writes ';' (or tab) instead of ','.
    header_line = text.splitlines()[0]
    delimiter = max(",;\t", key=lambda d: ("row_id" in header_line.split(d), header_line.count(d)))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [name.strip() for name in next(reader)]
    except csv.Error as exc:
        raise InputError(f"{path}:1: unreadable CSV header ({exc})") from exc
    for needed in ("row_id", "reviewer_decision"):
        if needed not in header:
            raise InputError(
                f"{path}:1: no {needed} column; expected the reviewer CSV written by "
                "`credibility check --csv`, with the reviewer_decision column filled in"
            )
    rows: list[_Row] = []
    line = reader.line_num + 1
    try:
        for record in reader:
            start, line = line, reader.line_num + 1
            if not any(cell.strip() for cell in record):
                continue
            values = {name: (record[i] if i < len(record) else "") for i, name in enumerate(header)}
            rows.append(_Row(start, values))
    except csv.Error as exc:
        raise InputError(f"{path}:{line}: unreadable CSV ({exc})") from exc
    return rows, warnings


def _stored_targets(conn: sqlite3.Connection, article_ids: set[str]) -> dict[str, dict[str, _Target]]:
    """Row ids of the stored checks of these articles (the results store, when it shares the file).

    One row id can come from several checks of the same article (another engine or index
    generation); they are kept per label, the latest check last.
    """
    has_checks = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'checks'"
    ).fetchone()
    targets: dict[str, dict[str, _Target]] = {}
    if not has_checks or not article_ids:
        return targets
    ids = sorted(article_ids)
    for chunk_start in range(0, len(ids), 500):
        chunk = ids[chunk_start : chunk_start + 500]
        marks = ",".join("?" * len(chunk))
        query = f"SELECT result FROM checks WHERE article_id IN ({marks}) ORDER BY checked_at, check_key"
        for (payload,) in conn.execute(query, chunk):
            result = json.loads(payload)
            by_index = {s["index"]: s for s in result["sentences"]}
            for row in rows_for(result, include_all=True):
                sentence = by_index[row["sentence_index"]]
                per_label = targets.setdefault(row["row_id"], {})
                per_label.pop(sentence["label"], None)  # re-insert: the latest check ends up last
                per_label[sentence["label"]] = _Target(
                    row["row_id"],
                    row["article_id"],
                    row["article_url"],
                    sentence["text"],
                    sentence["label"],
                    evidence_key(sentence.get("evidence")),
                )
    return targets


def _pick(candidates: dict[str, _Target] | None, csv_label: str) -> _Target | None:
    """The stored target with the label the reviewer saw, else the latest check's."""
    if not candidates:
        return None
    return candidates.get(csv_label) or list(candidates.values())[-1]


def _target_from_row(values: dict[str, str]) -> _Target | None:
    """The row's own columns, when they hash to its row_id (the file was not edited there)."""
    try:
        index = int(values.get("sentence_index", "").strip())
    except ValueError:
        return None
    article_id = _unneutralise(values.get("article_id", ""))
    evidence_sentence_id = values.get("evidence_sentence_id", "").strip()
    raw = values.get("sentence", "")
    for sentence in dict.fromkeys((_unneutralise(raw), raw)):
        if row_id(article_id, index, sentence, evidence_sentence_id) == values["row_id"].strip():
            evidence = {
                "article_id": _unneutralise(values.get("evidence_article_id", "")),
                "sentence_id": evidence_sentence_id,
            }
            return _Target(
                values["row_id"].strip(),
                article_id,
                _unneutralise(values.get("article_url", "")),
                sentence,
                values.get("label", "").strip(),
                evidence_key(evidence if evidence["article_id"] or evidence_sentence_id else None),
            )
    return None


# --- importing -------------------------------------------------------------------------------------


def import_decisions(
    csv_path: Path,
    store_path: Path,
    *,
    reviewer: str = "",
    now: dt.datetime | None = None,
) -> ImportReport:
    """Store the decisions of a filled-in reviewer CSV; all or nothing.

    ``store_path`` is the SQLite file holding the ``reviews`` tables; pass the results
    database (``settings.results_db``) so that row ids are matched against the stored
    checks. Raises :class:`DecisionsError` (an :class:`InputError`) naming each bad
    line: an unknown decision word, an unknown row id, two rows deciding the same
    sentence differently. ``now`` fixes the decision time (tests).
    """
    csv_path = Path(csv_path)
    reviewer = reviewer.strip() or default_reviewer()
    decided_at = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).isoformat(timespec="seconds")
    rows, warnings = _read_rows(csv_path)
    problems: list[str] = []
    conn = _connect(Path(store_path))
    try:
        stored = _stored_targets(
            conn, {_unneutralise(r.values.get("article_id", "")) for r in rows if r.values.get("article_id")}
        )
        wanted: dict[tuple[str, str, str], tuple[int, Decision]] = {}
        blank = 0
        for row in rows:
            where = f"{csv_path}:{row.line}"
            decision = _parse_decision(row.values.get("reviewer_decision", ""))
            note = _unneutralise(row.values.get("reviewer_note", "").strip())
            rid = row.values["row_id"].strip()
            if decision is None:
                blank += 1
                if note:
                    warnings.append(f"{where}: a note without a decision is not stored")
                continue
            if decision == "?":
                problems.append(
                    f"{where}: unknown decision {row.values['reviewer_decision'].strip()!r} "
                    "(use confirmed, false_positive, or leave it blank)"
                )
                continue
            if not rid:
                problems.append(f"{where}: empty row_id")
                continue
            csv_label = _unneutralise(row.values.get("label", "").strip())
            target = _pick(stored.get(rid), csv_label) or _target_from_row(row.values)
            if target is None:
                problems.append(
                    f"{where}: unknown row_id {rid!r} (not in the stored checks, and the row's "
                    "article, sentence and evidence columns do not give this id)"
                )
                continue
            if target.label not in LABELS:
                problems.append(f"{where}: unknown label {target.label!r}")
                continue
            if decision == "false_positive" and target.label not in FLAGGED_LABELS:
                warnings.append(
                    f"{where}: false_positive on a {target.label} sentence has no effect "
                    "(only flagged labels are dismissed)"
                )
            key = (text_hash(target.sentence), target.evidence_key, target.label)
            new = Decision(
                *key,
                decision=decision,
                note=note,
                reviewer=reviewer,
                decided_at=decided_at,
                row_id=target.row_id,
                article_id=target.article_id,
                article_url=target.article_url,
                sentence=target.sentence,
                source=f"{csv_path.name}:{row.line}",
            )
            earlier = wanted.get(key)
            if earlier is not None and (earlier[1].decision, earlier[1].note) != (decision, note):
                if earlier[1].decision != decision:
                    problems.append(
                        f"{where}: {decision} contradicts {earlier[1].decision} on line {earlier[0]} "
                        "for the same sentence, evidence and label"
                    )
                    continue
                warnings.append(
                    f"{where}: same decision as line {earlier[0]}, with another note; kept this one"
                )
            wanted[key] = (row.line, new)
        if problems:
            raise DecisionsError(csv_path, problems)
        added = changed = unchanged = 0
        conn.execute("BEGIN IMMEDIATE")  # one transaction: all decisions or none
        try:
            for _, new in wanted.values():
                current = _get(conn, new.norm_hash, new.evidence_key, new.label)
                if current is not None and (current.decision, current.note) == (new.decision, new.note):
                    unchanged += 1
                    continue
                conn.execute(
                    f"INSERT OR REPLACE INTO reviews ({_COLUMNS}) VALUES ({','.join('?' * 12)})", _values(new)
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
    finally:
        conn.close()
    return ImportReport(
        csv_path,
        rows=len(rows),
        decisions=len(wanted),
        added=added,
        changed=changed,
        unchanged=unchanged,
        blank=blank,
        warnings=tuple(warnings),
    )


def _values(d: Decision) -> tuple[str, ...]:
    return (
        d.norm_hash,
        d.evidence_key,
        d.label,
        d.decision,
        d.note,
        d.reviewer,
        d.decided_at,
        d.row_id,
        d.article_id,
        d.article_url,
        d.sentence,
        d.source,
    )


def _get(conn: sqlite3.Connection, norm_hash: str, ev_key: str, label: str) -> Decision | None:
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM reviews WHERE norm_hash = ? AND evidence_key = ? AND label = ?",
        (norm_hash, ev_key, label),
    ).fetchone()
    return Decision(*row) if row else None


# --- applying decisions to results -----------------------------------------------------------------


class ReviewStore:
    """Read side of the decisions; open once to annotate many results."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._conn: sqlite3.Connection | None = _connect(self.path) if self.path.exists() else None

    def decisions_for(self, norm_hashes: Iterable[str]) -> list[Decision]:
        if self._conn is None:
            return []
        hashes = sorted(set(norm_hashes))
        found: list[Decision] = []
        for start in range(0, len(hashes), 500):
            chunk = hashes[start : start + 500]
            found.extend(
                Decision(*row)
                for row in self._conn.execute(
                    f"SELECT {_COLUMNS} FROM reviews WHERE norm_hash IN ({','.join('?' * len(chunk))})",
                    chunk,
                )
            )
        return found

    def history(self) -> list[dict[str, Any]]:
        """Every decision ever imported, oldest first."""
        if self._conn is None:
            return []
        cursor = self._conn.execute("SELECT * FROM review_history ORDER BY id")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    def apply(self, result: dict[str, Any]) -> dict[str, Any]:
        """A copy of a check result (``ArticleCheck.as_dict()``) with the decisions applied."""
        out = copy.deepcopy(result)
        sentences: list[dict[str, Any]] = out.get("sentences", [])
        for sentence in sentences:
            _restore_engine_view(sentence)
        hashes = {id(s): text_hash(s["text"]) for s in sentences}
        exact: dict[tuple[str, str, str], Decision] = {}
        remembered: dict[str, Decision] = {}
        for d in self.decisions_for(hashes.values()):
            exact[(d.norm_hash, d.evidence_key, d.label)] = d
            if d.decision == "confirmed" and d.label in REMEMBERED_LABELS:
                best = remembered.get(d.norm_hash)
                # debunked outranks injected (the engine's precedence), then the latest decision
                if best is None or (d.label == "debunked", d.decided_at) > (
                    best.label == "debunked",
                    best.decided_at,
                ):
                    remembered[d.norm_hash] = d
        dismissed = confirmed = relabelled = 0
        for sentence in sentences:
            norm, label = hashes[id(sentence)], sentence["label"]
            ev_key = evidence_key(sentence.get("evidence"))
            other = remembered.get(norm) if label != "supported" else None
            promote = other is not None and label in _PROMOTABLE_LABELS
            # The decision made on this very flag; on a relabelled row it may be keyed by the new label.
            own = exact.get((norm, ev_key, label))
            if own is None and promote and other is not None:
                own = exact.get((norm, ev_key, other.label))
            if own is not None and own.decision == "false_positive":
                if label in FLAGGED_LABELS:
                    sentence["review"] = {"status": "dismissed", **own.citation()}
                    dismissed += 1
                continue
            if promote and other is not None:
                mine = own is not None and own.label == other.label  # confirmed on this very row
                cited = own if mine and own is not None else other
                sentence["review"] = {
                    "status": "confirmed" if mine else "confirmed_elsewhere",
                    **cited.citation(),
                    "engine_label": label,
                    "engine_reason": sentence.get("reason", ""),
                }
                sentence["label"] = other.label
                sentence["flags"] = [*sentence.get("flags", []), CONFIRMED_FLAG]
                engine_reason = sentence["review"]["engine_reason"]
                sentence["reason"] = _citation_reason(cited) + (
                    f"; the engine said {label}: {engine_reason}" if engine_reason else ""
                )
                relabelled += 1
            elif own is not None:
                sentence["review"] = {"status": "confirmed", **own.citation()}
            elif other is not None:
                sentence["review"] = {"status": "confirmed_elsewhere", **other.citation()}
            else:
                continue
            confirmed += 1
        verdict = out.get("verdict")
        if isinstance(verdict, dict):
            _restore_verdict(verdict)
            if relabelled:
                _relabel_verdict(verdict, sentences)
            verdict["review"] = {"dismissed": dismissed, "confirmed": confirmed, "relabelled": relabelled}
        return out

    def apply_all(self, results: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        return [self.apply(r) for r in results]

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> ReviewStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _citation_reason(d: Decision) -> str:
    url = f" ({d.article_url})" if d.article_url and d.article_url != d.article_id else ""
    where = f"article {d.article_id}{url}"
    note = f": {d.note}" if d.note else ""
    return f"confirmed {d.label} by reviewer {d.reviewer} on {d.decided_at[:10]} in {where}{note}"


def _restore_engine_view(sentence: dict[str, Any]) -> None:
    """Undo an earlier application, so applying twice gives the same result."""
    review = sentence.pop("review", None)
    if isinstance(review, dict) and "engine_label" in review:
        sentence["label"] = review["engine_label"]
        sentence["reason"] = review.get("engine_reason", "")
        sentence["flags"] = [f for f in sentence.get("flags", []) if f != CONFIRMED_FLAG]


def _restore_verdict(verdict: dict[str, Any]) -> None:
    verdict.pop("review", None)
    engine = verdict.pop("engine_view", None)
    if isinstance(engine, dict):
        verdict.update(engine)


def _relabel_verdict(verdict: dict[str, Any], sentences: Sequence[dict[str, Any]]) -> None:
    """Recount after relabelling, with the precedence of ``CheckEngine._verdict``."""
    counts = Counter(s["label"] for s in sentences)
    checkable = len(sentences) - counts["not_checked"]
    if counts["debunked"]:
        label = "debunked"
    elif counts["injected"]:
        label = "injected"
    elif counts["altered"]:
        label = "altered"
    elif checkable and counts["supported"] == checkable:
        label = "clean"
    elif counts["supported"] == 0:
        label = "unsupported"
    else:
        label = "mixed"
    verdict["engine_view"] = {
        "label": verdict.get("label"),
        "counts": verdict.get("counts"),
        "coverage": verdict.get("coverage"),
        "reason": verdict.get("reason", ""),
    }
    verdict["counts"] = {name: counts.get(name, 0) for name in LABELS}
    verdict["coverage"] = round(counts["supported"] / checkable, 4) if checkable else 0.0
    if label != verdict.get("label"):
        verdict["reason"] = f"{label} after reviewer decisions (the engine said {verdict.get('label')})"
        verdict["label"] = label


def apply_reviews(result: dict[str, Any], store_path: Path) -> dict[str, Any]:
    """A copy of one check result with the stored decisions applied (see the module docstring)."""
    with ReviewStore(store_path) as store:
        return store.apply(result)


def is_dismissed(sentence: dict[str, Any]) -> bool:
    review = sentence.get("review")
    return isinstance(review, dict) and review.get("status") == "dismissed"


def drop_dismissed(
    rows: Iterable[dict[str, Any]], result: dict[str, Any], *, show_dismissed: bool = False
) -> Iterator[dict[str, Any]]:
    """Filter ``rows_for(result)`` output: dismissed sentences leave it unless ``show_dismissed``.

    Shown rows of reviewed sentences carry their decision and note, so the CSV reads back
    (and re-imports) as decided.
    """
    by_index = {s["index"]: s for s in result.get("sentences", [])}
    for row in rows:
        sentence = by_index.get(row.get("sentence_index"))
        review = sentence.get("review") if sentence else None
        if not isinstance(review, dict):
            yield row
            continue
        if review.get("status") == "dismissed" and not show_dismissed:
            continue
        if review.get("status") in ("dismissed", "confirmed") and not row.get("reviewer_decision"):
            row = {**row, "reviewer_decision": review["decision"], "reviewer_note": review.get("note", "")}
        yield row


def review_rows(
    result: dict[str, Any], *, include_all: bool = False, show_dismissed: bool = False
) -> Iterator[dict[str, Any]]:
    """``rows_for`` of a result that went through :func:`apply_reviews`, dismissed rows dropped."""
    return drop_dismissed(rows_for(result, include_all=include_all), result, show_dismissed=show_dismissed)


# --- statistics ------------------------------------------------------------------------------------


def _iso_week(timestamp: str) -> str:
    year, week, _ = dt.datetime.fromisoformat(timestamp).isocalendar()
    return f"{year}-W{week:02d}"


def _tally(counter: Counter[str]) -> dict[str, Any]:
    total = counter["confirmed"] + counter["false_positive"]
    return {
        "decisions": total,
        "confirmed": counter["confirmed"],
        "false_positive": counter["false_positive"],
        "false_positive_rate": round(counter["false_positive"] / total, 4) if total else None,
    }


def review_stats(store_path: Path) -> dict[str, Any]:
    """Current decisions per label, and the false-positive rate per label overall and per ISO week.

    A decision counts once, in the week it was last made (a changed decision moves).
    """
    overall: Counter[str] = Counter()
    by_label: defaultdict[str, Counter[str]] = defaultdict(Counter)
    by_week: defaultdict[str, Counter[str]] = defaultdict(Counter)
    by_week_label: defaultdict[str, defaultdict[str, Counter[str]]] = defaultdict(
        lambda: defaultdict(Counter)
    )
    reviewers: Counter[str] = Counter()
    history = changed = 0
    path = Path(store_path)
    if path.exists():
        conn = _connect(path)
        try:
            for label, decision, decided_at, reviewer in conn.execute(
                "SELECT label, decision, decided_at, reviewer FROM reviews"
            ):
                week = _iso_week(decided_at)
                overall[decision] += 1
                by_label[label][decision] += 1
                by_week[week][decision] += 1
                by_week_label[week][label][decision] += 1
                reviewers[reviewer] += 1
            history = int(conn.execute("SELECT COUNT(*) FROM review_history").fetchone()[0])
            changed = int(
                conn.execute(
                    "SELECT COUNT(*) FROM review_history WHERE previous_decision IS NOT NULL"
                ).fetchone()[0]
            )
        finally:
            conn.close()
    label_order = [label for label in LABELS if label in by_label] + sorted(set(by_label) - set(LABELS))
    return {
        **_tally(overall),
        "by_label": {label: _tally(by_label[label]) for label in label_order},
        "by_week": {
            week: {
                **_tally(by_week[week]),
                "by_label": {
                    label: _tally(by_week_label[week][label])
                    for label in label_order
                    if label in by_week_label[week]
                },
            }
            for week in sorted(by_week)
        },
        "reviewers": dict(reviewers.most_common()),
        "history_entries": history,
        "changed_decisions": changed,
    }


def format_stats(stats: dict[str, Any]) -> str:
    """Plain-text tables of :func:`review_stats` for the terminal."""

    def rate(value: float | None) -> str:
        return "-" if value is None else f"{value:.1%}"

    lines = [
        f"decisions: {stats['decisions']} ({stats['confirmed']} confirmed, "
        f"{stats['false_positive']} false positive; false-positive rate {rate(stats['false_positive_rate'])})",
        f"history: {stats['history_entries']} decision(s) recorded, {stats['changed_decisions']} changed later",
        "",
        f"{'label':<12} {'decisions':>9} {'confirmed':>9} {'false pos.':>10} {'FP rate':>8}",
    ]
    for label, t in stats["by_label"].items():
        lines.append(
            f"{label:<12} {t['decisions']:>9} {t['confirmed']:>9} {t['false_positive']:>10} "
            f"{rate(t['false_positive_rate']):>8}"
        )
    if stats["by_week"]:
        lines += ["", f"{'week':<10} {'decisions':>9} {'FP rate':>8}  per label"]
        for week, t in stats["by_week"].items():
            per_label = ", ".join(
                f"{label} {rate(v['false_positive_rate'])} of {v['decisions']}"
                for label, v in t["by_label"].items()
            )
            lines.append(f"{week:<10} {t['decisions']:>9} {rate(t['false_positive_rate']):>8}  {per_label}")
    return "\n".join(lines)
