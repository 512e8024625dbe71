"""Importing reviewer decisions from a filled-in reviewer CSV.

A reviewer fills two columns of the reviewer CSV (:mod:`credibility.reports.reviewer_csv`):
``reviewer_decision`` (``confirmed``, ``false_positive`` or blank) and ``reviewer_note``.
:func:`import_decisions` stores them in the decision store (:mod:`credibility.store.decisions`),
matching each row to the stored check it came from by its ``row_id``.

Decisions are never lost: an import is one transaction (a bad file changes nothing),
re-importing the same file changes nothing, and a conflicting later decision replaces the
current one while the history keeps every decision ever made.
"""

from __future__ import annotations

import csv
import datetime as dt
import getpass
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from credibility.errors import InputError
from credibility.model.result import FLAGGED_LABELS, LABELS
from credibility.review.apply import evidence_key, evidence_key_of
from credibility.reviewer_rows import row_id, rows_for, unneutralise
from credibility.store.decisions import Decision, DecisionStore
from credibility.store.results import ResultsStore
from credibility.text.normalize import text_hash

_ALIASES = {
    "confirmed": "confirmed",
    "confirm": "confirmed",
    "false_positive": "false_positive",
    "falsepositive": "false_positive",
    "fp": "false_positive",
}
_MAX_PROBLEMS_SHOWN = 20


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


def has_decisions(path: Path) -> bool:
    """Whether a reviewer CSV has any decision typed in (a file that is not one is an error)."""
    rows, _ = _read_rows(Path(path))
    return any(_parse_decision(row.values.get("reviewer_decision", "")) is not None for row in rows)


def default_reviewer() -> str:
    try:
        return getpass.getuser() or "unknown"
    except (OSError, KeyError):  # no login name in some containers
        return "unknown"


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


def _stored_targets(results: ResultsStore, article_ids: set[str]) -> dict[str, dict[str, _Target]]:
    """Row ids of the stored checks of these articles.

    One row id can come from several checks of the same article (another engine or index
    generation); they are kept per label, the latest check last.
    """
    targets: dict[str, dict[str, _Target]] = {}
    for stored in results.for_articles(article_ids):
        check = stored.check
        by_index = {s.index: s for s in check.sentences}
        for row in rows_for(check, include_all=True, show_dismissed=True):
            sentence = by_index[int(str(row["sentence_index"]))]
            per_label = targets.setdefault(str(row["row_id"]), {})
            per_label.pop(sentence.label, None)  # re-insert: the latest check ends up last
            per_label[sentence.label] = _Target(
                str(row["row_id"]),
                check.article.id,
                check.article.url,
                sentence.text,
                sentence.label,
                evidence_key(sentence.evidence),
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
    article_id = unneutralise(values.get("article_id", ""))
    evidence_sentence_id = values.get("evidence_sentence_id", "").strip()
    raw = values.get("sentence", "")
    for sentence in dict.fromkeys((unneutralise(raw), raw)):
        if row_id(article_id, index, sentence, evidence_sentence_id) == values["row_id"].strip():
            evidence_article_id = unneutralise(values.get("evidence_article_id", ""))
            return _Target(
                values["row_id"].strip(),
                article_id,
                unneutralise(values.get("article_url", "")),
                sentence,
                values.get("label", "").strip(),
                evidence_key_of(evidence_article_id, evidence_sentence_id),
            )
    return None


# --- importing -------------------------------------------------------------------------------------


def import_decisions(
    csv_path: Path,
    results: ResultsStore,
    decisions: DecisionStore,
    *,
    reviewer: str = "",
    now: dt.datetime | None = None,
) -> ImportReport:
    """Store the decisions of a filled-in reviewer CSV; all or nothing.

    Row ids are matched against the stored checks in ``results``. Raises
    :class:`DecisionsError` (an :class:`InputError`) naming each bad line: an unknown
    decision word, an unknown row id, two rows deciding the same sentence differently. ``now`` fixes the decision time (tests).
    """
    csv_path = Path(csv_path)
    reviewer = reviewer.strip() or default_reviewer()
    decided_at = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).isoformat(timespec="seconds")
    rows, warnings = _read_rows(csv_path)
    problems: list[str] = []
    stored = _stored_targets(
        results, {unneutralise(r.values.get("article_id", "")) for r in rows if r.values.get("article_id")}
    )
    wanted: dict[tuple[str, str, str], tuple[int, Decision]] = {}
    blank = 0
    for row in rows:
        where = f"{csv_path}:{row.line}"
        decision = _parse_decision(row.values.get("reviewer_decision", ""))
        note = unneutralise(row.values.get("reviewer_note", "").strip())
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
        csv_label = unneutralise(row.values.get("label", "").strip())
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
            warnings.append(f"{where}: same decision as line {earlier[0]}, with another note; kept this one")
        wanted[key] = (row.line, new)
    if problems:
        raise DecisionsError(csv_path, problems)
    counts = decisions.record([new for _, new in wanted.values()])
    return ImportReport(
        csv_path,
        rows=len(rows),
        decisions=len(wanted),
        added=counts.added,
        changed=counts.changed,
        unchanged=counts.unchanged,
        blank=blank,
        warnings=tuple(warnings),
    )
