"""The application core: each operation as the CLI and the flows call it (fake embedder, fast)."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest
from fakes import FakeEmbedder

from credibility.app import Home, read_queries, sample_paths
from credibility.errors import IndexNotFoundError, InputError
from credibility.model.records import ClaimQuery, LoadProblem
from credibility.model.result import ArticleCheck
from credibility.settings import Settings


@pytest.fixture
def home(settings: Settings, fake_embedder: FakeEmbedder) -> Home:
    core = Home(settings, embedder=fake_embedder)
    paths = sample_paths()
    assert core.ingest([str(paths["articles"])]).added == 5
    assert core.ingest([str(paths["factchecks"])], kind="factcheck").added == 5
    return core


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_no_index_is_a_clear_error_without_loading_anything(settings: Settings) -> None:
    core = Home(settings)
    assert not core.has_index()
    with pytest.raises(IndexNotFoundError, match="no index at"):
        core.require_index()


def test_check_stores_the_engine_view_and_returns_the_reviewed_one(home: Home) -> None:
    text = sample_paths()["repost"].read_text(encoding="utf-8")
    checked = home.check(text, input_name="repost.txt")
    assert checked.check.reviewed and checked.check.verdict.review is not None
    stored = home.stored([checked.key])[0]
    assert stored.check == checked.check
    # The JSON form loads back to the same typed result.
    assert ArticleCheck.from_json(checked.check.to_json(with_text=True)) == checked.check
    with pytest.raises(InputError, match="empty"):
        home.check("   ")
    with pytest.raises(InputError, match="no stored check"):
        home.stored(["nope"])


def test_a_rebuilt_report_imports_the_decisions_typed_into_it_first(home: Home, tmp_path: Path) -> None:
    text = sample_paths()["repost"].read_text(encoding="utf-8")
    checked = home.check(text, input_name="repost.txt")
    daily = tmp_path / "daily.csv"
    assert home.export_csv([checked.check], daily) == len(checked.check.flagged) > 0
    rows = _rows(daily)
    rows[0]["reviewer_decision"] = "false_positive"
    _write(daily, rows)

    # Rebuilding the same file: the typed decision is stored, and then hides the row.
    result = home.report_csv(daily)
    assert (result.decisions_imported, result.checks) == (1, 1)
    rebuilt = _rows(daily)
    assert rows[0]["row_id"] not in {r["row_id"] for r in rebuilt}
    assert len(rebuilt) == len(rows) - 1 == result.rows
    # ... and shown again, decided, on request; rebuilding twice changes nothing.
    shown = home.report_csv(tmp_path / "shown.csv", show_dismissed=True)
    assert shown.rows == len(rows)
    assert home.report_csv(daily).decisions_imported == 0
    assert home.review_stats()["false_positive"] == 1


def test_check_inputs_reads_files_and_html_and_keeps_going(home: Home, tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(
        "<html><head><title>Budget</title></head><body><article><h1>Budget</h1><p>"
        + "The Riverton council approved a budget of 12 million euros on Tuesday after a long debate. " * 3
        + "</p></article></body></html>",
        encoding="utf-8",
    )
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff\xfe\x00broken")
    results = list(home.check_inputs([str(page), str(bad), str(tmp_path / "missing.txt")]))
    assert [type(r).__name__ for r in results] == ["Checked", "LoadProblem", "LoadProblem"]
    problems = [r for r in results if isinstance(r, LoadProblem)]
    assert all(p.origin in p.message for p in problems)


def test_monitored_folders_read_html_like_index_add(home: Home, tmp_path: Path) -> None:
    folder = tmp_path / "incoming"
    folder.mkdir()
    (folder / "a.txt").write_text("A short article about the harbour bridge reopening.", encoding="utf-8")
    (folder / "b.html").write_text(
        "<html><body><article><p>"
        + "The harbour bridge reopened to traffic on Saturday after two years of repairs. " * 3
        + "</p></article></body></html>",
        encoding="utf-8",
    )
    (folder / "c.txt").write_text("A short article about the harbour bridge reopening.", encoding="utf-8")
    read = home.read_articles([str(folder)])
    assert read.seen == 3 and len(read.articles) == 2 and not read.problems  # c.txt repeats a.txt


def test_search_and_query_files(home: Home, tmp_path: Path) -> None:
    hits = home.search(["5G phone masts spread the flu virus"], k=3)[0]
    assert hits and hits[0].article_id == "sample-fc-5g"
    queries = tmp_path / "q.tsv"
    queries.write_text("q1\tbridge repair cost\n\nq2\tflu\n", encoding="utf-8")
    assert read_queries(queries) == [("q1", "bridge repair cost"), ("q2", "flu")]
    queries.write_text("no tab here\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"q\.tsv:1: expected id<TAB>text"):
        read_queries(queries)


def test_jsonl_query_files_carry_speaker_date_and_context(home: Home, tmp_path: Path) -> None:
    queries = tmp_path / "q.jsonl"
    queries.write_text(
        '{"id": "q1", "text": "hot water cures flu", "speaker": "A. Person", "date": "2026-02-11"}\n'
        '{"id": 2, "text": "bridge cables", "context": "Kestrel Harbour"}\n',
        encoding="utf-8",
    )
    assert read_queries(queries) == [
        ("q1", ClaimQuery("hot water cures flu", speaker="A. Person", date="2026-02-11")),
        ("2", ClaimQuery("bridge cables", context="Kestrel Harbour")),
    ]
    hits = home.search([query for _, query in read_queries(queries)], k=2)
    assert hits[0][0].article_id == "sample-fc-hot-water"
    for bad in ('{"id": "q1"}', "[1, 2]", "{not json"):
        queries.write_text(bad + "\n", encoding="utf-8")
        with pytest.raises(InputError, match=r"q\.jsonl:1: "):
            read_queries(queries)


def test_stored_between_is_reviewed_and_ordered(home: Home) -> None:
    first = home.check("The Riverton council approved a budget.", input_name="one")
    second = home.check("A completely different sentence about weather.", input_name="two")
    found = home.stored_between(dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    assert {c.key for c in found} == {first.key, second.key}
    # Oldest first (checks within one second in key order).
    assert [(c.check.article.checked_at, c.key) for c in found] == sorted(
        (c.check.article.checked_at, c.key) for c in found
    )
    assert all(c.check.reviewed for c in found)
    assert {json.loads(c.check.to_json())["article"]["input"] for c in found} == {"one", "two"}
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    assert home.stored_between(later) == []


def test_warm_up_loads_the_check_path_and_stores_nothing(home: Home, fake_embedder: FakeEmbedder) -> None:
    from credibility.engine.memo import memo_for
    from credibility.text import triage

    home.warm_up()
    assert triage._detector is not None, "the language identifier is loaded"
    assert home.generation >= 0, "the index is open"
    assert home.stored_between() == [], "nothing stored"
    assert len(memo_for(fake_embedder)._vectors) == 0, "no sentence vector remembered"
    # Without an index: the model only, no error.
    Home(
        home.settings.model_copy(update={"home": home.settings.home / "empty"}), embedder=fake_embedder
    ).warm_up()
