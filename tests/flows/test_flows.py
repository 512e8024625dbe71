"""Each flow run for real (real model, sample data) on a Prefect test server.

Checks what a user sees: the typed result, the stored check, the reviewer CSV rows,
the artifact and the events; and that bad input fails fast with a clear message
and no partial CSV rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest
from flowhelpers import read_artifacts, read_events, read_task_runs, wait_until

from credibility.app import sample_paths
from credibility.settings import Settings
from credibility.store.results import ResultsStore
from flows.measure import make_articles

pytestmark = pytest.mark.slow

REPOST = sample_paths()["repost"]


def _csv_rows(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _only_csv(folder: Path) -> Path:
    files = sorted(folder.glob("reviewer-*.csv"))
    assert len(files) == 1, files
    return files[0]


def test_ingest_verified_indexes_the_sample_and_reports(
    prefect_api: str, indexed_home: dict[str, Any]
) -> None:
    summary = indexed_home["summary"]
    assert (summary.added, summary.failed) == (10, 0)
    assert summary.sentences_embedded > 0 and summary.index_generation >= 1
    run_id = str(indexed_home["state"].state_details.flow_run_id)
    artifacts = read_artifacts(prefect_api, run_id)
    assert any(a["key"] == "ingest-verified" and "| 10 | 0 |" in a["data"] for a in artifacts)
    index_dir = str(indexed_home["home"] / "index")
    events = wait_until(
        # This index's event: other tests of the session index other homes on the same server.
        lambda: [
            e
            for e in read_events(prefect_api, "credibility.index.updated")
            if e["resource"].get("prefect.resource.name") == index_dir
        ],
        60,
        "the index.updated event",
    )
    assert events[0]["payload"]["added"] == 10
    assert events[0]["resource"]["prefect.resource.id"].startswith("credibility.index.")


def test_ingest_again_is_unchanged_and_reports_bad_lines(
    indexed_home: dict[str, Any], tmp_path: Path
) -> None:
    from flows.ingest import ingest_verified
    from flows.sources import VerifiedInput

    bad = tmp_path / "mixed.jsonl"
    good = sample_paths()["articles"].read_text(encoding="utf-8").splitlines()[0]
    bad.write_text(good + "\n{not json\n", encoding="utf-8")
    summary = ingest_verified(inputs=[VerifiedInput(path=str(bad))], home=str(indexed_home["home"]))
    assert (summary.added, summary.unchanged, summary.failed) == (0, 1, 1)
    assert "not valid JSON" in summary.problems[0].message
    assert summary.problems[0].origin.endswith("mixed.jsonl:2")


def test_check_article_stores_exports_publishes_and_emits(
    prefect_api: str, indexed_home: dict[str, Any], flow_env: Path
) -> None:
    from flows.check import check_article
    from flows.models import CheckOutcome

    since = dt.datetime.now(dt.UTC).isoformat()
    state = check_article(
        path=str(REPOST), title="Bridge <b>repost</b>", home=str(indexed_home["home"]), return_state=True
    )
    assert state.is_completed(), state.message
    outcome = state.result()
    assert isinstance(outcome, CheckOutcome)
    assert outcome.label == "debunked"
    # The verdict is in the final state's message too, for callers without the result storage.
    assert (state.message or "").startswith(
        f"debunked: {len(outcome.flagged)} sentence(s) to review (altered "
    )
    assert (state.message or "").endswith(f"; check {outcome.check_key}")
    labels = {s.label for s in outcome.flagged}
    assert {"altered", "debunked", "injected"} <= labels

    with ResultsStore(Settings(home=indexed_home["home"]).results_db) as store:
        stored = store.get(outcome.check_key)
        assert stored is not None and stored.label == "debunked"
        assert store.has_content(outcome.content_hash)

    rows = _csv_rows(_only_csv(flow_env))
    assert len(rows) == outcome.csv_rows_added == len(outcome.flagged)
    assert {r["label"] for r in rows} == labels

    run_id = str(state.state_details.flow_run_id)
    artifact = next(a for a in read_artifacts(prefect_api, run_id) if a["key"] == "check-article")
    assert "Verdict: debunked" in artifact["data"]
    assert "&lt;b&gt;repost&lt;/b&gt;" in artifact["data"] and "<b>" not in artifact["data"]
    assert "85 million euros" in artifact["data"]

    events = wait_until(
        lambda: read_events(prefect_api, "credibility.article.flagged", since), 60, "the flagged event"
    )
    assert events[0]["payload"]["check_key"] == outcome.check_key
    assert events[0]["resource"]["credibility.verdict"] == "debunked"

    # A rerun stores the same check again (same key) and adds no duplicate rows.
    again = check_article(path=str(REPOST), title="Bridge <b>repost</b>", home=str(indexed_home["home"]))
    assert again.check_key == outcome.check_key and again.csv_rows_added == 0
    assert len(_csv_rows(_only_csv(flow_env))) == len(rows)


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({}, "give the article as `text` or as `path`"),
        ({"text": "a", "path": "b"}, "exactly one of them"),
        ({"path": "/no/such/article.txt"}, "no such article file: /no/such/article.txt"),
        ({"text": "   "}, "the article is empty"),
    ],
)
def test_check_article_bad_input_fails_fast(
    indexed_home: dict[str, Any], flow_env: Path, parameters: dict[str, Any], message: str
) -> None:
    from flows.check import check_article

    state = check_article(**parameters, home=str(indexed_home["home"]), return_state=True)
    assert state.is_failed()
    assert message in (state.message or "")
    assert not flow_env.exists() or not list(flow_env.glob("*.csv"))


def test_check_article_without_index_fails_fast(prefect_api: str, tmp_path: Path, flow_env: Path) -> None:
    from flows.check import check_article

    state = check_article(text="Anything at all.", home=str(tmp_path / "empty"), return_state=True)
    assert state.is_failed()
    assert "no index at" in (state.message or "") and "ingest-verified" in (state.message or "")
    assert not flow_env.exists()


def test_ingest_on_a_locked_index_fails_fast(
    prefect_api: str, indexed_home: dict[str, Any], real_embedder: Any, sample_inputs: list[Any]
) -> None:
    from credibility.engine.ingest import open_writer
    from flows.ingest import ingest_verified

    settings = Settings(home=indexed_home["home"])
    with open_writer(settings, real_embedder):
        state = ingest_verified(inputs=sample_inputs, home=str(settings.home), return_state=True)
    assert state.is_failed()
    assert "locked by another writer" in (state.message or "")
    # Not retried: a user error fails at once (retries are for transient failures).
    run_id = str(state.state_details.flow_run_id)
    runs = wait_until(
        lambda: [r for r in read_task_runs(prefect_api, run_id) if r["name"].startswith("ingest-inputs")],
        60,
        "the task run record",
    )
    assert [r["run_count"] for r in runs] == [1]


def _monitored(tmp_path: Path, count: int) -> Path:
    folder = tmp_path / "incoming"
    make_articles(folder, count)
    shutil.copy(REPOST, folder / "repost.txt")
    sources = tmp_path / "sources.yaml"
    sources.write_text(f"monitor:\n  - {folder}\n", encoding="utf-8")
    return sources


def test_monitor_checks_new_articles_once(
    prefect_api: str, indexed_home: dict[str, Any], flow_env: Path, tmp_path: Path
) -> None:
    from flows.monitor import monitor_sources

    sources = _monitored(tmp_path, 4)
    since = dt.datetime.now(dt.UTC).isoformat()
    state = monitor_sources(sources_file=str(sources), home=str(indexed_home["home"]), return_state=True)
    assert state.is_completed(), state.message
    summary = state.result()
    assert (summary.articles_seen, summary.checked, summary.failed) == (5, 5, 0)
    assert summary.flagged >= 1
    csv_path = Path(summary.csv_path)
    assert csv_path.parent == flow_env and csv_path.name.startswith("reviewer-")
    rows = _csv_rows(csv_path)
    assert len(rows) == summary.csv_rows_added > 0
    assert any(r["label"] == "debunked" for r in rows)

    events = wait_until(
        lambda: [
            e
            for e in read_events(prefect_api, "credibility.article.flagged", since)
            if e["payload"]["flow"] == "monitor-sources"
        ],
        60,
        "the flagged events of the monitoring run",
    )
    assert {e["payload"]["check_key"] for e in events} <= set(summary.check_keys)
    assert len(events) == summary.flagged

    artifacts = read_artifacts(prefect_api, str(state.state_details.flow_run_id))
    assert any(a["key"] == "monitor-sources" for a in artifacts)

    # The next run finds nothing new and writes no row twice.
    again = monitor_sources(sources_file=str(sources), home=str(indexed_home["home"]))
    assert (again.checked, again.already_checked, again.csv_rows_added) == (0, 5, 0)
    assert len(_csv_rows(csv_path)) == len(rows)


def test_monitor_with_a_typo_fails_fast_and_the_next_run_is_fine(
    indexed_home: dict[str, Any], flow_env: Path, tmp_path: Path
) -> None:
    from flows.monitor import monitor_sources

    folder = tmp_path / "incoming"
    make_articles(folder, 1)
    sources = tmp_path / "sources.yaml"
    sources.write_text(f"monitor:\n  - pth: {folder}\n", encoding="utf-8")
    state = monitor_sources(sources_file=str(sources), home=str(indexed_home["home"]), return_state=True)
    assert state.is_failed()
    assert "unknown key 'pth'; did you mean 'path'?" in (state.message or "")
    assert not flow_env.exists()

    sources.write_text(f"monitor:\n  - {folder}\n  - {tmp_path / 'missing'}\n", encoding="utf-8")
    state = monitor_sources(sources_file=str(sources), home=str(indexed_home["home"]), return_state=True)
    assert state.is_failed() and "no such file or folder" in (state.message or "")
    assert not flow_env.exists()

    sources.write_text(f"monitor:\n  - {folder}\n", encoding="utf-8")
    state = monitor_sources(sources_file=str(sources), home=str(tmp_path / "no-index"), return_state=True)
    assert state.is_failed() and "no index at" in (state.message or "")
    assert not flow_env.exists()

    summary = monitor_sources(sources_file=str(sources), home=str(indexed_home["home"]))
    assert summary.failed == 0 and summary.articles_seen == 1


def test_reviewer_report_rebuilds_and_keeps_decisions(
    indexed_home: dict[str, Any], flow_env: Path, tmp_path: Path
) -> None:
    from flows.check import check_article
    from flows.report import reviewer_report

    outcome = check_article(path=str(REPOST), home=str(indexed_home["home"]))
    daily = Path(outcome.csv_path)
    rows = _csv_rows(daily)
    rows[0]["reviewer_decision"] = "confirmed"
    rows[0]["reviewer_note"] = "=checked by desk"
    with open(daily, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)

    today = dt.date.fromisoformat(daily.stem.removeprefix("reviewer-"))
    summary = reviewer_report(start=today, home=str(indexed_home["home"]))
    assert Path(summary.csv_path) == daily
    assert summary.rows >= len(rows) and summary.decisions_imported == 1
    rebuilt = {r["row_id"]: r for r in _csv_rows(daily)}
    assert rebuilt[rows[0]["row_id"]]["reviewer_decision"] == "confirmed"

    # A range gets its own file; an empty range an empty (header-only) file.
    ranged = reviewer_report(start=today - dt.timedelta(days=1), end=today, home=str(indexed_home["home"]))
    assert ranged.csv_path.endswith(f"--{today.isoformat()}.csv") and ranged.rows == summary.rows
    empty = reviewer_report(start=dt.date(2001, 1, 1), home=str(indexed_home["home"]))
    assert empty.rows == 0 and Path(empty.csv_path).read_text(encoding="utf-8-sig").startswith("row_id,")

    state = reviewer_report(start=today, end=today - dt.timedelta(days=2), return_state=True)
    assert state.is_failed() and "before it starts" in (state.message or "")


def _html_page(title: str, text: str) -> str:
    from html import escape

    paragraphs = "".join(f"<p>{escape(p)}</p>" for p in text.split("\n\n") if p.strip())
    return (
        f"<!doctype html><html><head><title>{escape(title)}</title></head>"
        f"<body><article><h1>{escape(title)}</h1>{paragraphs}</article></body></html>"
    )


def test_a_dismissed_flag_stays_out_of_every_view(
    prefect_api: str, indexed_home: dict[str, Any], flow_env: Path, tmp_path: Path
) -> None:
    """One decision, imported once through the CLI, hides the flag in the CLI's CSV and HTML, in
    check-article's and monitor-sources' daily CSV and in reviewer-report (which also shows that
    monitor-sources reads .html files as the CLI does)."""
    from credibility.cli.main import main
    from flows.check import check_article
    from flows.monitor import monitor_sources
    from flows.report import reviewer_report

    home = tmp_path / "home"
    shutil.copytree(indexed_home["home"] / "index", home / "index")
    first_csv = tmp_path / "first.csv"
    assert main(["check", "--home", str(home), "--csv", str(first_csv), str(REPOST)]) == 0
    rows = _csv_rows(first_csv)
    target = next(r for r in rows if r["label"] == "altered")
    dismissed = target["sentence"]
    for row in rows:
        if row["row_id"] == target["row_id"]:
            row["reviewer_decision"], row["reviewer_note"] = "false_positive", "quoted from the council"
    with open(first_csv, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)
    assert main(["review", "import", "--home", str(home), "--reviewer", "desk", str(first_csv)]) == 0

    # 1. The CLI: CSV and HTML of a fresh check of the same article.
    cli_csv, cli_html = tmp_path / "cli.csv", tmp_path / "cli.html"
    assert (
        main(["check", "--home", str(home), "--csv", str(cli_csv), "--html", str(cli_html), str(REPOST)]) == 0
    )
    cli_rows = _csv_rows(cli_csv)
    assert cli_rows and dismissed not in {r["sentence"] for r in cli_rows}
    assert "1 flag dismissed by reviewers" in cli_html.read_text(encoding="utf-8")
    shown = tmp_path / "shown.csv"
    main(["check", "--home", str(home), "--csv", str(shown), "--show-dismissed", str(REPOST)])
    assert {r["sentence"]: r["reviewer_decision"] for r in _csv_rows(shown)}[dismissed] == "false_positive"

    # 2. check-article's daily CSV.
    text = REPOST.read_text(encoding="utf-8")
    outcome = check_article(text=text + "\n\nA closing line added by the copy site.", home=str(home))
    assert dismissed not in {f.text for f in outcome.flagged}
    daily = Path(outcome.csv_path)
    assert dismissed not in {r["sentence"] for r in _csv_rows(daily)}

    # 3. monitor-sources over a saved HTML copy of the article (new content, same sentence).
    folder = tmp_path / "incoming"
    folder.mkdir()
    (folder / "copy.html").write_text(
        _html_page("Harbour bridge", text + "\n\nAnother footer line."), encoding="utf-8"
    )
    sources = tmp_path / "sources.yaml"
    sources.write_text(f"monitor:\n  - {folder}\n", encoding="utf-8")
    summary = monitor_sources(sources_file=str(sources), home=str(home))
    assert (summary.articles_seen, summary.checked, summary.failed) == (1, 1, 0), summary.problems
    monitor_rows = _csv_rows(Path(summary.csv_path))
    assert any(r["article_id"] != target["article_id"] for r in monitor_rows)
    assert dismissed not in {r["sentence"] for r in monitor_rows}

    # 4. reviewer-report rebuilds the day from the store: still out.
    report = reviewer_report(home=str(home))
    rebuilt = _csv_rows(Path(report.csv_path))
    assert report.rows == len(rebuilt) > 0 and dismissed not in {r["sentence"] for r in rebuilt}
