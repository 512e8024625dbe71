"""Reviewer decisions: CSV -> import -> applied to later checks, with no model.

Check results are real ``ArticleCheck`` objects built by hand (as the engine would
return them) and saved in a real results store, so row ids resolve the way they do
after ``credibility check --csv``.
"""

from __future__ import annotations

import csv
import datetime as dt
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from markupsafe import escape

from credibility.cli.output import format_review_stats as format_stats
from credibility.errors import InputError
from credibility.model.records import Evidence
from credibility.model.result import (
    CONFIRMED_FLAG,
    ArticleCheck,
    ArticleInfo,
    EngineInfo,
    SentenceCheck,
    Verdict,
)
from credibility.reports.html import render_report
from credibility.reports.reviewer_csv import write_rows
from credibility.review.apply import apply_decisions
from credibility.review.importer import DecisionsError, ImportReport
from credibility.review.importer import import_decisions as import_into
from credibility.review.stats import review_stats as stats_of
from credibility.reviewer_rows import CSV_COLUMNS, Row, rows_for
from credibility.store.decisions import DecisionStore
from credibility.store.results import ResultsStore
from credibility.text.normalize import text_hash

ENGINE = EngineInfo("0.1.0+engine1", "fake-model", "torch", 3, "abcdef123456")
WEEK10 = dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC)
WEEK11 = dt.datetime(2026, 3, 10, 12, tzinfo=dt.UTC)

SOURCE_1 = "The council approved the budget on Tuesday."
SOURCE_2 = "Schools get 38 percent of the money."
INJECTED = "Insiders say the mayor's brother owns the supplier."
PRESS = "The budget is the largest in the city's history."


def evidence(article_id: str, sentence_id: int, sentence: str, score: float) -> Evidence:
    return Evidence(article_id, sentence_id, sentence, "Budget", "", "Daily", "reporting", "", "", "", score)


def build(article_id: str, parts: list[tuple[str, str, Evidence | None]], *, url: str = "") -> ArticleCheck:
    """An ArticleCheck of these (sentence, label, evidence) parts, one paragraph each."""
    text, sentences = "", []
    for index, (sentence, label, ev) in enumerate(parts):
        if text:
            text += "\n\n"
        start = len(text)
        text += sentence
        sentences.append(
            SentenceCheck(
                index,
                sentence,
                start,
                start + len(sentence),
                label,  # type: ignore[arg-type]
                reason=f"engine says {label}",
                score=ev.score if ev else None,
                evidence=ev,
            )
        )
    counts = {name: sum(1 for s in sentences if s.label == name) for name in ("supported", "unsupported")}
    label = "injected" if any(s.label == "injected" for s in sentences) else "mixed"
    verdict = Verdict(label, ("src-1",), 0.5, counts, ENGINE, "engine verdict")  # type: ignore[arg-type]
    info = ArticleInfo(
        article_id, text_hash(text), article_id, url, f"Article {article_id}", WEEK10.isoformat()
    )
    return ArticleCheck(info, verdict, tuple(sentences), text)


def apply_reviews(check: ArticleCheck, db: Path) -> ArticleCheck:
    with DecisionStore(db) as store:
        return apply_decisions(check, store)


def import_decisions(path: Path, db: Path, **options: Any) -> ImportReport:
    with ResultsStore(db) as results, DecisionStore(db) as decisions:
        return import_into(path, results, decisions, **options)


def review_stats(db: Path) -> dict[str, Any]:
    with DecisionStore(db) as store:
        return stats_of(store)


def review_rows(check: ArticleCheck, *, show_dismissed: bool = False) -> list[Row]:
    return list(rows_for(check, show_dismissed=show_dismissed))


def site_a() -> ArticleCheck:
    return build(
        "https://a.example/budget",
        [
            (SOURCE_1, "supported", evidence("src-1", 11, SOURCE_1, 1.0)),
            (INJECTED, "injected", evidence("src-1", 12, SOURCE_2, 0.42)),
            (PRESS, "unsupported", evidence("src-9", 90, "The budget is large.", 0.61)),
        ],
        url="https://a.example/budget",
    )


def site_b() -> ArticleCheck:
    """Another site: the confirmed line again (the engine only says unsupported), the dismissed one."""
    return build(
        "https://b.example/news",
        [
            (SOURCE_2, "supported", evidence("src-1", 12, SOURCE_2, 1.0)),
            (
                "  insiders say the Mayor's brother owns the supplier ",
                "unsupported",
                evidence("x-7", 70, "Other.", 0.3),
            ),
            (PRESS, "unsupported", evidence("src-9", 90, "The budget is large.", 0.61)),
            ("Something else entirely unproven.", "unsupported", None),
        ],
        url="https://b.example/news",
    )


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def write_csv(
    path: Path, rows: list[dict[str, str]], *, delimiter: str = ",", header: list[str] | None = None
) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header or list(CSV_COLUMNS), delimiter=delimiter)
        writer.writeheader()
        writer.writerows(rows)


def decide(rows: list[dict[str, str]], decisions: dict[str, tuple[str, str]]) -> list[dict[str, str]]:
    """Fill reviewer_decision / reviewer_note on the rows whose sentence starts with a key."""
    for row in rows:
        for start, (decision, note) in decisions.items():
            if row["sentence"].startswith(start):
                row["reviewer_decision"], row["reviewer_note"] = decision, note
    return rows


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """The results database, holding site A's check (as after `credibility check --csv`)."""
    path = tmp_path / "home" / "results.sqlite"
    with ResultsStore(path) as store:
        store.save(site_a())
    return path


@pytest.fixture
def reviewed_csv(tmp_path: Path, db: Path) -> Path:
    path = tmp_path / "review.csv"
    write_rows(path, review_rows(apply_reviews(site_a(), db)))
    rows = decide(
        read_csv(path),
        {
            "Insiders": ("confirmed", "planted in every repost of this story"),
            "The budget is the largest": ("False_Positive", "quoted from the council's press release"),
        },
    )
    write_csv(path, rows)
    return path


def test_round_trip_dismisses_and_remembers(tmp_path: Path, db: Path, reviewed_csv: Path) -> None:
    report = import_decisions(reviewed_csv, db, reviewer="alice", now=WEEK10)
    assert (report.rows, report.decisions, report.added, report.changed, report.blank) == (2, 2, 2, 0, 0)

    b = apply_reviews(site_b(), db)
    bd = b.as_dict()
    by_text = {s["text"].strip().lower()[:20]: s for s in bd["sentences"]}
    # A confirmed injected line, same normalized text on another site: flagged at once, citing the decision.
    line = by_text["insiders say the may"]
    assert line["label"] == "injected"
    assert CONFIRMED_FLAG in line["flags"]
    assert line["review"]["status"] == "confirmed_elsewhere"
    assert line["review"]["reviewer"] == "alice"
    assert line["review"]["article_id"] == "https://a.example/budget"
    assert line["review"]["engine_label"] == "unsupported"
    assert "confirmed injected by reviewer alice" in line["reason"]
    assert "planted in every repost" in line["reason"]
    assert bd["verdict"]["label"] == "injected" and bd["verdict"]["review"]["relabelled"] == 1
    assert bd["verdict"]["counts"]["injected"] == 1
    assert bd["verdict"]["engine_view"]["label"] == "mixed"
    assert ArticleCheck.from_dict(b.as_dict(with_text=True)) == b  # the JSON form loads back
    # The false positive: same sentence, same evidence, same label -> dismissed, label kept.
    press = by_text["the budget is the la"]
    assert press["label"] == "unsupported"
    assert press["review"]["status"] == "dismissed"
    assert press["review"]["note"] == "quoted from the council's press release"
    assert press["review"]["decided_at"] == WEEK10.isoformat()
    assert "review" not in by_text["something else entir"]

    # The default CSV leaves the dismissed row out; the switch shows it, already decided.
    sentences = [r["sentence"] for r in review_rows(b)]
    assert PRESS not in sentences and "Something else entirely unproven." in sentences
    shown = {r["sentence"]: r for r in review_rows(b, show_dismissed=True)}
    assert shown[PRESS]["reviewer_decision"] == "false_positive"
    assert len(review_rows(b)) == len(review_rows(b, show_dismissed=True)) - 1

    # ... and so does the HTML report.
    html = render_report([b])
    assert f'<span class="s dismissed" id="a1-s2">{escape(PRESS)}</span>' in html  # plain text
    assert 'class="s s-unsupported dismissed"' not in html
    assert "1 flag dismissed by reviewers" in html
    assert "confirmed injected by reviewer alice" in html
    shown_html = render_report([b], show_dismissed=True)
    assert 'class="s s-unsupported dismissed"' in shown_html

    # Applying twice gives the same result.
    assert apply_reviews(b, db) == b


def test_reimport_is_idempotent_and_a_later_decision_wins_with_history(
    tmp_path: Path, db: Path, reviewed_csv: Path
) -> None:
    import_decisions(reviewed_csv, db, reviewer="alice", now=WEEK10)
    again = import_decisions(reviewed_csv, db, reviewer="bob", now=WEEK11)
    assert (again.added, again.changed, again.unchanged) == (0, 0, 2)
    with DecisionStore(db) as store:
        assert len(store.history()) == 2

    rows = read_csv(reviewed_csv)
    for row in rows:
        if row["sentence"] == PRESS:
            row["reviewer_decision"], row["reviewer_note"] = "confirmed", "not in the release after all"
    write_csv(reviewed_csv, rows)
    later = import_decisions(reviewed_csv, db, reviewer="bob", now=WEEK11)
    assert (later.added, later.changed, later.unchanged) == (0, 1, 1)

    b = apply_reviews(site_b(), db)
    press = next(s for s in b.sentences if s.text == PRESS)
    assert press.review is not None and (press.review.status, press.review.reviewer) == ("confirmed", "bob")
    assert PRESS in [r["sentence"] for r in review_rows(b)]
    with DecisionStore(db) as store:
        history = [h for h in store.history() if h["norm_hash"] == text_hash(PRESS)]
    assert [(h["decision"], h["previous_decision"], h["reviewer"]) for h in history] == [
        ("false_positive", None, "alice"),
        ("confirmed", "false_positive", "bob"),
    ]


def test_stats_per_label_and_week(db: Path, reviewed_csv: Path, tmp_path: Path) -> None:
    assert review_stats(tmp_path / "nothing.sqlite")["decisions"] == 0
    import_decisions(reviewed_csv, db, reviewer="alice", now=WEEK10)
    # A second article reviewed a week later: its unsupported line is a false positive too.
    c = build("c-1", [("Another unproven claim here.", "unsupported", None)])
    with ResultsStore(db) as store:
        store.save(c)
    path = tmp_path / "c.csv"
    write_rows(path, rows_for(c))
    write_csv(path, decide(read_csv(path), {"Another": ("false_positive", "")}))
    import_decisions(path, db, reviewer="carol", now=WEEK11)

    stats = review_stats(db)
    assert (stats["decisions"], stats["confirmed"], stats["false_positive"]) == (3, 1, 2)
    assert stats["by_label"]["unsupported"] == {
        "decisions": 2,
        "confirmed": 0,
        "false_positive": 2,
        "false_positive_rate": 1.0,
    }
    assert stats["by_label"]["injected"]["false_positive_rate"] == 0.0
    assert list(stats["by_week"]) == ["2026-W10", "2026-W11"]
    assert stats["by_week"]["2026-W10"]["false_positive_rate"] == 0.5
    assert stats["by_week"]["2026-W11"]["by_label"]["unsupported"]["decisions"] == 1
    assert stats["reviewers"] == {"alice": 2, "carol": 1}
    text = format_stats(stats)
    assert "2026-W11" in text and "unsupported" in text and "66.7%" in text


def _problems(excinfo: pytest.ExceptionInfo[DecisionsError]) -> list[str]:
    return list(excinfo.value.problems)


def test_bad_rows_are_reported_by_line_and_nothing_is_imported(tmp_path: Path, db: Path) -> None:
    path = tmp_path / "bad.csv"
    write_rows(path, rows_for(site_a(), include_all=True))
    rows = read_csv(path)
    rows[0]["reviewer_decision"] = "confirmed"  # fine on its own
    rows[1]["reviewer_decision"] = "yes"
    rows[2]["reviewer_decision"] = "false_positive"
    rows[2]["row_id"] = "0123456789abcdef0123"
    write_csv(path, rows)
    with pytest.raises(DecisionsError) as excinfo:
        import_decisions(path, db, reviewer="alice")
    problems = _problems(excinfo)
    assert (
        problems[0] == f"{path}:3: unknown decision 'yes' (use confirmed, false_positive, or leave it blank)"
    )
    assert problems[1].startswith(f"{path}:4: unknown row_id '0123456789abcdef0123'")
    assert "nothing was imported" in str(excinfo.value)
    assert isinstance(excinfo.value, InputError)
    assert review_stats(db)["decisions"] == 0  # the good row was not stored either


def test_missing_columns_and_empty_files(tmp_path: Path, db: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("sentence,reviewer_decision\nHello,confirmed\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"x\.csv:1: no row_id column"):
        import_decisions(path, db)
    path.write_text("row_id,sentence\nabc,Hello\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"x\.csv:1: no reviewer_decision column"):
        import_decisions(path, db)
    path.write_text("", encoding="utf-8")
    with pytest.raises(InputError, match="empty"):
        import_decisions(path, db)
    with pytest.raises(InputError, match="cannot read"):
        import_decisions(tmp_path / "missing.csv", db)


def test_line_numbers_count_multiline_cells(tmp_path: Path, db: Path) -> None:
    check = build(
        "m-1", [("A first line\nbroken in two.", "unsupported", None), ("Second one.", "unsupported", None)]
    )
    path = tmp_path / "m.csv"
    write_rows(path, rows_for(check))
    rows = read_csv(path)
    rows[1]["reviewer_decision"] = "maybe"
    write_csv(path, rows)
    with pytest.raises(DecisionsError) as excinfo:
        import_decisions(path, db)
    assert _problems(excinfo) == [
        f"{path}:4: unknown decision 'maybe' (use confirmed, false_positive, or leave it blank)"
    ]


def test_contradictions_within_one_file_are_refused(tmp_path: Path, db: Path) -> None:
    a, b = site_a(), site_b()
    with ResultsStore(db) as store:
        store.save(b)
    path = tmp_path / "both.csv"
    write_rows(path, [*rows_for(a), *rows_for(b)])
    rows = read_csv(path)
    press = [r for r in rows if r["sentence"] == PRESS]
    assert len(press) == 2  # same sentence, same evidence, same label on two sites
    press[0]["reviewer_decision"], press[1]["reviewer_decision"] = "confirmed", "false_positive"
    write_csv(path, rows)
    with pytest.raises(DecisionsError, match="contradicts confirmed on line"):
        import_decisions(path, db)


def test_without_the_results_store_rows_check_themselves(tmp_path: Path) -> None:
    """A separate reviews file (no checks table): a row is known when its columns give its row_id."""
    check = build("f-1", [("=1+1 is what the mayor said.", "unsupported", None)])
    path = tmp_path / "f.csv"
    write_rows(path, rows_for(check))
    rows = read_csv(path)
    assert rows[0]["sentence"].startswith("'=")  # the CSV neutralised the formula
    rows[0]["reviewer_decision"] = "false_positive"
    write_csv(path, rows, delimiter=";")  # as a spreadsheet in a European locale saves it
    store = tmp_path / "reviews.sqlite"
    assert import_decisions(path, store, reviewer="dora").added == 1
    applied = apply_reviews(check, store)
    assert applied.sentences[0].dismissed
    rows[0]["sentence"] = "An edited sentence."  # the row_id no longer matches its columns
    write_csv(path, rows)
    with pytest.raises(DecisionsError, match="unknown row_id"):
        import_decisions(path, store)


def test_supported_sentences_are_not_relabelled_and_missing_store_is_harmless(
    tmp_path: Path, db: Path, reviewed_csv: Path
) -> None:
    untouched = apply_reviews(site_b(), tmp_path / "no-such.sqlite")
    assert not (tmp_path / "no-such.sqlite").exists()
    assert all(s.review is None for s in untouched.sentences)
    import_decisions(reviewed_csv, db, reviewer="alice", now=WEEK10)
    quoted = build("q-1", [(INJECTED, "supported", evidence("src-5", 55, INJECTED, 1.0))])
    applied = apply_reviews(quoted, db)
    assert applied.sentences[0].label == "supported"
    assert applied.sentences[0].review is None


def test_reviews_live_beside_the_checks(db: Path, reviewed_csv: Path) -> None:
    import_decisions(reviewed_csv, db, reviewer="alice", now=WEEK10)
    with sqlite3.connect(db) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"checks", "reviews", "review_history"} <= tables
    with ResultsStore(db) as store:  # the results store still opens and reads
        assert store.count() == 1
