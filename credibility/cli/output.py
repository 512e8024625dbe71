"""What the CLI prints: check summaries coloured by label when the terminal allows it, tables, hits."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any, TextIO

from credibility.model.ledger import LEDGER_LABELS, Ledger, LedgerRow
from credibility.model.records import Evidence, IngestReport
from credibility.model.result import ArticleCheck
from credibility.model.watch import SourceState

_COLOURS = {
    "supported": "32",  # green
    "altered": "33",  # yellow
    "unsupported": "35",  # magenta
    "injected": "31",  # red
    "debunked": "1;31",  # bold red
    "not_checked": "2",  # dim
}


def _paint(text: str, label: str, colour: bool) -> str:
    return f"\033[{_COLOURS[label]}m{text}\033[0m" if colour else text


def print_summary(result: ArticleCheck, out: TextIO) -> None:
    """One line per sentence; give the reviewed result, so dismissed flags read as dismissed."""
    colour = out.isatty() and "NO_COLOR" not in os.environ
    verdict = result.verdict
    name = result.article.input or result.article.id
    counts = ", ".join(f"{label} {n}" for label, n in verdict.counts.items() if n)
    print(f"{name}: {verdict.label.upper()} - {verdict.reason}", file=out)
    copied = ", ".join(verdict.copied_from) or "none"
    print(f"  copied from: {copied}; coverage {verdict.coverage:.0%}; {counts}", file=out)
    for s in result.sentences:
        tag = _paint(f"{s.label:<11}", s.label, colour)
        score = f"{s.score:.2f}" if s.score is not None else "    "
        text = s.text if len(s.text) <= 110 else s.text[:107] + "..."
        print(f"  {tag} {score}  {text}", file=out)
        if s.dismissed and s.review is not None:
            print(
                f"  {'':<11}       dismissed as a false positive by {s.review.reviewer} "
                f"on {s.review.decided_at[:10]}",
                file=out,
            )
        elif s.label not in ("supported", "not_checked"):
            print(f"  {'':<11}       why: {s.reason}", file=out)
            if s.evidence is not None and s.label != "injected":
                print(f"  {'':<11}  evidence: {s.evidence.sentence}", file=out)


def ingest_line(report: IngestReport) -> str:
    return (
        f"added {report.added}, replaced {report.replaced}, unchanged {report.unchanged}, "
        f"duplicates {report.duplicates}, failed {report.failed}; "
        f"{report.sentences_added} sentences indexed, {report.sentences_embedded} embedded"
    )


def print_stats(stats: dict[str, Any], out: TextIO) -> None:
    for key in ("path", "model", "encoder_backend", "dimension", "index_type", "generation"):
        value = stats[key]
        if key == "encoder_backend" and stats.get("encoder_format_version"):
            value = f"{value} (export format {stats['encoder_format_version']})"
        print(f"{key:>22}: {value}", file=out)
    for key in ("articles", "reporting", "factchecks", "duplicates", "sentences", "vectors"):
        print(f"{key:>22}: {stats[key]:,}", file=out)
    verdicts = ", ".join(f"{k} {v}" for k, v in sorted(stats["verdicts"].items())) or "-"
    print(f"{'fact-check verdicts':>22}: {verdicts}", file=out)
    print(f"{'disk':>22}: {stats['disk_bytes'] / 1e6:.1f} MB", file=out)


def print_hits(hits: Sequence[Evidence], out: TextIO) -> None:
    if not hits:
        print("no results", file=out)
    for rank, hit in enumerate(hits, start=1):
        verdict = f" [{hit.kind}: {hit.rating} -> {hit.verdict}]" if hit.kind == "factcheck" else ""
        print(f"{rank}. {hit.score:.3f}  {hit.article_id}  {hit.title or hit.claim}{verdict}", file=out)
        print(f"     {hit.sentence}", file=out)


def format_review_stats(stats: dict[str, Any]) -> str:
    """Plain-text tables of the reviewer statistics (:meth:`credibility.app.Home.review_stats`)."""

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


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], numeric: set[int]) -> list[str]:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    lines = []
    for row in (header, *rows):
        cells = [
            str(cell).rjust(width) if n in numeric else str(cell).ljust(width)
            for n, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    return lines


def _day(timestamp: str) -> str:
    return timestamp[:16].replace("T", " ") if timestamp else "-"


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} ({n})" for name, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def fetch_status(state: SourceState | None) -> str:
    """One line on how fetching a source goes."""
    if state is None:
        return "not fetched yet"
    if state.failing:
        return f"FAILING ({state.failures} in a row, next try {_day(state.next_due)}): {state.last_error}"
    if not state.last_success:
        return "not fetched yet"
    due = f"; next {_day(state.next_due)}" if state.next_due else ""
    return f"ok, fetched {_day(state.last_success)}{due}"


def _figures(row: LedgerRow, name: str) -> list[str]:
    return [
        name,
        str(row.articles),
        str(row.copying),
        str(row.uncredited),
        *(str(row.count(label)) for label in LEDGER_LABELS),
        str(row.flagged_articles),
        f"{row.flagged_share:.1%}",
        row.first_seen[:10] or "-",
        row.last_seen[:10] or "-",
    ]


_FIGURE_HEADER = [
    "articles",
    "copying",
    "uncredited",
    *LEDGER_LABELS,
    "flagged",
    "share",
    "first seen",
    "last seen",
]


def print_ledger(ledger: Ledger, out: TextIO) -> None:
    """The ledger as the terminal shows it: sites, then sources with their fetch state."""
    span = ""
    if ledger.since or ledger.until:
        span = f" (articles first seen or changed {'since ' + ledger.since[:10] if ledger.since else ''}"
        span += f"{' until ' + ledger.until[:10] if ledger.until else ''})"
    if ledger.empty:
        print(
            "no watched sources yet: list feeds, pages or sitemaps under 'monitor' in the sources file",
            file=out,
        )
        return
    print(f"Monitored sites{span}", file=out)
    if not ledger.sites:
        print("  no article checked yet", file=out)
    else:
        numeric = set(range(1, 10))
        rows = [_figures(row, row.name) for row in ledger.sites]
        for line in _table(["site", *_FIGURE_HEADER], rows, numeric):
            print(f"  {line}", file=out)
        for row in ledger.sites:
            print(f"  {row.name}:", file=out)
            if row.publishers:
                print(f"    copies {_counts(row.publishers)}", file=out)
            if row.uncredited_publishers:
                print(f"    uncredited copies of {_counts(row.uncredited_publishers)}", file=out)
            if row.weeks:
                weeks = ", ".join(f"{w.week} {w.flagged_articles}/{w.articles}" for w in row.weeks)
                print(f"    by week (flagged/articles): {weeks}", file=out)
            for article in row.flagged:
                labels = ", ".join(article.labels)
                print(f"    {article.label:<11} {article.url}  ({labels})", file=out)
    if ledger.sources:
        print("", file=out)
        print("Monitored sources", file=out)
        rows = [_figures(row, f"{row.kind} {row.name}") for row in ledger.sources]
        for line in _table(["source", *_FIGURE_HEADER], rows, set(range(1, 10))):
            print(f"  {line}", file=out)
        for row in ledger.sources:
            where = row.state.location if row.state is not None else row.key
            name = f"{row.name} ({where})" if row.name != where else where
            print(f"  {row.kind} {name}: {fetch_status(row.state)}", file=out)
    if ledger.verified:
        print("", file=out)
        print("Verified sources", file=out)
        for state in ledger.verified:
            if state.type == "path":
                continue
            name = f"{state.name} ({state.location})" if state.name else state.location
            print(f"  {state.type} {name}: {fetch_status(state)}", file=out)
