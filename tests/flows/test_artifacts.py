"""Artifacts show untrusted article text; they never let it act as HTML or Markdown."""

from __future__ import annotations

from credibility.model.records import LoadProblem
from flows.artifacts import check_markdown, code, md, monitor_markdown
from flows.models import CheckOutcome, FlaggedSentence, MonitorSummary

HOSTILE = (
    "<script>alert(1)</script> [click](javascript:alert(1)) ![x](http://evil.example/x.png) "
    "| a | table | **bold** `code`\n# heading\r\n<img src=x onerror=alert(1)>"
)


def _outcome(text: str) -> CheckOutcome:
    return CheckOutcome(
        check_key="k1",
        article_id="a1",
        content_hash="h1",
        title=text,
        input_name="text",
        checked_at="2026-03-14T10:00:00+00:00",
        label="injected",
        coverage=0.5,
        counts={"supported": 1, "injected": 1},
        copied_from=["sample-harbour-bridge"],
        index_generation=3,
        flagged=[
            FlaggedSentence(
                index=1,
                label="injected",
                text=text,
                evidence_sentence=text,
                changes=[{"kind": "number", "evidence_text": "45", "article_text": text}],
            )
        ],
        csv_path="/tmp/reports/reviewer-`2026`.csv",
        csv_rows_added=1,
    )


def _inert(markdown: str) -> None:
    assert "<script" not in markdown and "<img" not in markdown
    assert "](javascript:" not in markdown and "![x](" not in markdown
    assert "\r" not in markdown
    # The only line breaks are the artifact's own: no untrusted line starts a heading.
    assert not any(line.startswith("# ") for line in markdown.splitlines())


def test_md_escapes_html_markdown_and_newlines() -> None:
    out = md(HOSTILE)
    _inert(out)
    assert "&lt;script&gt;" in out
    assert "\\|" in out and "\\*\\*bold\\*\\*" in out
    assert "\n" not in out
    assert len(md("x" * 1000, limit=50)) <= 60


def test_code_span_keeps_text_but_not_backticks() -> None:
    assert code("/tmp/a`b`.csv") == "`/tmp/a'b'.csv`"


def test_check_artifact_is_inert() -> None:
    markdown = check_markdown(_outcome(HOSTILE))
    _inert(markdown)
    # One table row per flagged sentence: an escaped pipe cannot add columns.
    row = next(line for line in markdown.splitlines() if line.startswith("| 1 |"))
    assert row.count(" | ") == 4


def test_monitor_artifact_is_inert() -> None:
    summary = MonitorSummary(articles_seen=2, checked=1, flagged=1, problems=[LoadProblem(HOSTILE, HOSTILE)])
    _inert(monitor_markdown(summary, [_outcome(HOSTILE)]))


def test_ledger_and_source_tables_are_inert() -> None:
    from credibility.app import Ledger, LedgerRow, SourceRun, SourceState
    from flows.artifacts import ledger_markdown

    state = SourceState("monitor:feed:x", "monitor", "feed", HOSTILE, failures=2, last_error=HOSTILE)
    ledger = Ledger(
        generated_at="now",
        sites=(
            LedgerRow("site", HOSTILE, HOSTILE, articles=3, copying=2, uncredited=1, publishers={HOSTILE: 2}),
        ),
        sources=(LedgerRow("source", "monitor:feed:x", HOSTILE, kind="feed", state=state),),
    )
    markdown = ledger_markdown(ledger)
    _inert(markdown)
    site_row = next(line for line in markdown.splitlines() if line.startswith("| &lt;script"))
    assert site_row.count(" | ") == 12  # 13 cells (site, 11 figures, copies): escaped pipes add none
    run = SourceRun("monitor:feed:x", "monitor", "feed", HOSTILE, "failed", error=HOSTILE, failures=2)
    summary = MonitorSummary(sources=1, sources_failed=1, source_runs=[run])
    _inert(monitor_markdown(summary, []))
    assert "1 failed" in monitor_markdown(summary, [])
    assert ledger_markdown(Ledger(generated_at="now")).endswith("No monitored article checked yet.")
