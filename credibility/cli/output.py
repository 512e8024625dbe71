"""What the CLI prints: check summaries coloured by label when the terminal allows it, tables, hits."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any, TextIO

from credibility.model.records import Evidence, IngestReport
from credibility.model.result import ArticleCheck

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
        print(f"{key:>22}: {stats[key]}", file=out)
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
