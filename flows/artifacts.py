"""Prefect artifacts (Markdown) for the reviewer, built from untrusted article text.

Article text, titles and file names come from outside: in an artifact they are
shown, never interpreted. Every untrusted string goes through :func:`md` (HTML
and Markdown escaped, one line, bounded length) before it reaches Markdown.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TypeVar, cast

from prefect.states import Completed

from credibility.app import Ledger
from credibility.model.ledger import LEDGER_LABELS
from credibility.model.records import IngestReport, LoadProblem
from flows.models import CheckOutcome, MonitorSummary

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def md(value: object, limit: int = 300) -> str:
    """Untrusted text as inert Markdown: one line, HTML entities, escaped Markdown syntax."""
    text = _CONTROL.sub(" ", str(value))
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    # HTML first (so the backslashes added next are not touched), then Markdown syntax.
    text = html.escape(text, quote=True)
    return _MD_SPECIAL.sub(r"\\\1", text)


def code(value: object, limit: int = 300) -> str:
    """Untrusted text inside a Markdown code span, where nothing is interpreted but a backtick."""
    text = " ".join(_CONTROL.sub(" ", str(value)).split()).replace("`", "'")
    return "`" + (text if len(text) <= limit else text[: limit - 1] + "…") + "`"


R = TypeVar("R")


def finish(result: R, message: str) -> R:
    """Return this from a flow: Prefect unwraps the state, so Python callers still get ``result``
    (persisted), while the run's final state carries ``message``, which REST and UI users read
    without access to the result storage."""
    return cast(R, Completed(message=message[:500], data=result))


def check_message(outcome: CheckOutcome) -> str:
    counts = Counter(s.label for s in outcome.flagged)
    labels = ", ".join(f"{label} {n}" for label, n in sorted(counts.items()))
    return (
        f"{outcome.label}: {len(outcome.flagged)} sentence(s) to review ({labels or 'none'}); "
        f"check {outcome.check_key}"
    )


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return lines


def _problems(problems: Sequence[LoadProblem], limit: int = 50) -> list[str]:
    if not problems:
        return []
    lines = ["", f"### Skipped ({len(problems)})", ""]
    lines += _table(["input", "reason"], ([md(p.origin, 200), md(p.message)] for p in problems[:limit]))
    if len(problems) > limit:
        lines.append(f"\n… and {len(problems) - limit} more (see the flow run logs)")
    return lines


def check_markdown(outcome: CheckOutcome) -> str:
    """The flagged sentences of one check, with the evidence a reviewer needs."""
    name = outcome.title or outcome.url or (outcome.input_name if outcome.input_name != "text" else "")
    name = name or "Article checked on demand"
    counts = ", ".join(f"{label} {n}" for label, n in sorted(outcome.counts.items()) if n)
    lines = [
        f"## {md(name, 200)}",
        "",
        f"**Verdict: {md(outcome.label)}** · coverage {outcome.coverage:.0%} · {md(counts)}",
        "",
        f"Stored as check {code(outcome.check_key)} (index generation {outcome.index_generation}); "
        f"reviewer CSV: {code(outcome.csv_path, 500)} (+{outcome.csv_rows_added} rows).",
        "",
    ]
    if outcome.copied_from:
        lines += [f"Copies: {md(', '.join(outcome.copied_from))}", ""]
    if not outcome.flagged:
        lines.append("No sentence needs a look.")
        return "\n".join(lines)
    rows = []
    for s in outcome.flagged:
        evidence = s.evidence_claim or s.evidence_sentence
        if evidence and s.evidence_verdict and s.evidence_verdict != "unrated":
            evidence = f"{evidence} [{s.evidence_verdict}]"
        changes = "; ".join(
            f"{c.get('kind', '')}: {c.get('evidence_text', '')} → {c.get('article_text', '')}"
            for c in s.changes
        )
        rows.append([str(s.index), md(s.label), md(s.text), md(evidence), md(changes or s.reason)])
    lines += _table(["#", "label", "sentence", "evidence", "changes / reason"], rows)
    return "\n".join(lines)


def ingest_markdown(summary: IngestReport, index_dir: str) -> str:
    lines = [
        "## Verified index update",
        "",
        f"Index {code(index_dir, 500)}, now at generation {summary.index_generation}.",
        "",
    ]
    lines += _table(
        ["added", "replaced", "unchanged", "duplicates", "failed", "sentences indexed", "sentences embedded"],
        [
            [
                str(summary.added),
                str(summary.replaced),
                str(summary.unchanged),
                str(summary.duplicates),
                str(summary.failed),
                str(summary.sentences_added),
                str(summary.sentences_embedded),
            ]
        ],
    )
    lines += _problems(summary.problems)
    return "\n".join(lines)


def monitor_markdown(summary: MonitorSummary, flagged: Sequence[CheckOutcome]) -> str:
    lines = [
        "## Monitoring run",
        "",
        f"{summary.articles_seen} articles seen, {summary.already_checked} checked before, "
        f"{summary.checked} checked now, **{summary.flagged} flagged**, {summary.failed} failed.",
        "",
        f"Reviewer CSV: {code(summary.csv_path, 500)} (+{summary.csv_rows_added} rows).",
        "",
    ]
    if summary.source_runs:
        failing = f", **{summary.sources_failed} failed**" if summary.sources_failed else ""
        lines += [f"### Sources ({len(summary.source_runs)}{failing})", ""]
        lines += _table(
            [
                "source",
                "status",
                "listed",
                "unchanged",
                "fetched",
                "new",
                "changed",
                "seen before",
                "queued",
                "why / next",
            ],
            (
                [
                    md(f"{r.type} {r.name or r.location}", 160),
                    md(r.status),
                    str(r.listed),
                    str(r.unchanged),
                    str(r.fetched),
                    str(r.new),
                    str(r.changed),
                    str(r.known),
                    str(r.queued),
                    md(
                        f"{r.error} (failure {r.failures} in a row; next try {r.next_due})"
                        if r.status == "failed"
                        else (f"due {r.next_due}" if r.next_due else "")
                    ),
                ]
                for r in summary.source_runs
            ),
        )
        lines.append("")
    if flagged:
        lines += _table(
            ["article", "verdict", "flagged sentences", "labels", "check"],
            (
                [
                    md(o.title or o.url or o.input_name or o.article_id, 120),
                    md(o.label),
                    str(len(o.flagged)),
                    md(", ".join(sorted({s.label for s in o.flagged}))),
                    code(o.check_key),
                ]
                for o in flagged
            ),
        )
    lines += _problems(summary.problems)
    return "\n".join(lines)


def _percent(value: float) -> str:
    return f"{value:.1%}"


def ledger_markdown(ledger: Ledger, limit: int = 100) -> str:
    """The credibility ledger of the monitored sites and sources as Markdown tables (names escaped)."""
    lines = ["## Credibility ledger", ""]
    if not ledger.sites and not ledger.sources:
        lines.append("No monitored article checked yet.")
        return "\n".join(lines)
    header = [
        "articles",
        "copying",
        "uncredited",
        *LEDGER_LABELS,
        "flagged",
        "flagged share",
        "first seen",
        "last seen",
    ]

    def figures(row: object) -> list[str]:
        from credibility.app import LedgerRow

        assert isinstance(row, LedgerRow)
        return [
            str(row.articles),
            str(row.copying),
            str(row.uncredited),
            *(str(row.count(label)) for label in LEDGER_LABELS),
            str(row.flagged_articles),
            _percent(row.flagged_share),
            md(row.first_seen[:10]),
            md(row.last_seen[:10]),
        ]

    if ledger.sites:
        lines += ["### Sites", ""]
        lines += _table(
            ["site", *header, "copies (uncredited)"],
            (
                [
                    md(row.name, 120),
                    *figures(row),
                    md(
                        ", ".join(
                            f"{name} {n} ({row.uncredited_publishers.get(name, 0)})"
                            for name, n in sorted(row.publishers.items())
                        )
                        or "—"
                    ),
                ]
                for row in ledger.sites[:limit]
            ),
        )
        lines.append("")
    if ledger.sources:
        lines += ["### Sources", ""]
        lines += _table(
            ["source", "kind", *header, "fetching"],
            (
                [
                    md(row.name, 160),
                    md(row.kind),
                    *figures(row),
                    md(
                        (
                            f"failing ({row.state.failures} in a row): {row.state.last_error}"
                            if row.state.failing
                            else f"ok {row.state.last_success[:16]}"
                        )
                        if row.state is not None
                        else ""
                    ),
                ]
                for row in ledger.sources[:limit]
            ),
        )
    return "\n".join(lines)
