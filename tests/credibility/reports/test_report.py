"""The reviewer CSV: quoting, formula neutralisation, appending without duplicates."""

from __future__ import annotations

import csv
import threading
from pathlib import Path

import pytest

from credibility.model.result import ArticleCheck
from credibility.reports.reviewer_csv import append_rows
from credibility.reviewer_rows import CSV_COLUMNS, neutralise, rows_for

ENGINE = {
    "version": "2",
    "model": "fake-model",
    "encoder_backend": "torch",
    "index_generation": 1,
    "settings_hash": "0" * 12,
}


def result(sentence: str, label: str = "injected", index: int = 0) -> ArticleCheck:
    return ArticleCheck.from_dict(
        {
            "article": {
                "id": "art-1",
                "url": "https://x.example/a",
                "title": "T",
                "checked_at": "2026-01-01T00:00:00+00:00",
            },
            "verdict": {
                "label": "injected",
                "copied_from": ["src-1"],
                "coverage": 0.75,
                "counts": {label: 1, "supported": 1},
                "engine": ENGINE,
            },
            "sentences": [
                {
                    "index": index,
                    "text": sentence,
                    "start": 0,
                    "end": len(sentence),
                    "label": label,
                    "flags": [],
                    "reason": "r",
                    "score": 0.5,
                    "evidence": None,
                    "changes": [],
                },
                {
                    "index": index + 1,
                    "text": "Fine.",
                    "start": len(sentence) + 1,
                    "end": len(sentence) + 6,
                    "label": "supported",
                    "flags": ["exact"],
                    "reason": "",
                    "score": 1.0,
                    "evidence": {"article_id": "src-1", "sentence_id": 3, "sentence": "Fine."},
                    "changes": [],
                },
            ],
        }
    )


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_formula_cells_are_neutralised() -> None:
    for dangerous in ('=HYPERLINK("http://evil")', "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise(dangerous).startswith("'")
    assert neutralise('Plain text, "quoted"') == 'Plain text, "quoted"'


def test_csv_round_trip_quoting_and_bom(tmp_path: Path) -> None:
    path = tmp_path / "review.csv"
    tricky = "He said, \"=cmd|' /C calc'!A0\"\nand left."
    append_rows(path, rows_for(result(tricky)))
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 with a BOM
    rows = read_csv(path)
    assert list(rows[0].keys()) == list(CSV_COLUMNS)
    assert rows[0]["sentence"] == tricky  # commas, quotes and newlines survive
    append_rows(path, rows_for(result("=1+1")))
    assert read_csv(path)[1]["sentence"] == "'=1+1"


def test_appending_is_idempotent_and_has_one_header(tmp_path: Path) -> None:
    path = tmp_path / "review.csv"
    assert append_rows(path, rows_for(result("Injected line."))) == 1
    assert append_rows(path, rows_for(result("Injected line."))) == 0
    assert append_rows(path, rows_for(result("Another line.", index=5))) == 1
    text = path.read_text(encoding="utf-8-sig")
    assert text.count("row_id,") == 1
    assert len(read_csv(path)) == 2
    assert len(list(rows_for(result("x"), include_all=True))) == 2


def test_concurrent_appends_do_not_interleave(tmp_path: Path) -> None:
    path = tmp_path / "review.csv"

    def work(n: int) -> None:
        for k in range(20):
            append_rows(path, rows_for(result(f"Line {n}-{k} " + "x" * 200, index=n * 100 + k)))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rows = read_csv(path)
    assert len(rows) == 80 and len({r["row_id"] for r in rows}) == 80


def test_a_file_this_process_wrote_last_is_not_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from credibility.reports import reviewer_csv

    path = tmp_path / "review.csv"
    append_rows(path, rows_for(result("First line.")))
    reads: list[Path] = []
    original = reviewer_csv._existing_ids
    monkeypatch.setattr(reviewer_csv, "_existing_ids", lambda p: reads.append(p) or original(p))
    assert append_rows(path, rows_for(result("Second line.", index=5))) == 1
    assert append_rows(path, rows_for(result("Second line.", index=5))) == 0  # still deduplicated
    assert reads == []
    # Another process appends meanwhile (its own memory, not this one's): this one reads the file
    # again, and the other's rows count.
    ours = dict(reviewer_csv._known_ids)
    reviewer_csv._known_ids.clear()
    third = list(rows_for(result("Third line.", index=9)))
    assert append_rows(path, third) == 1
    reviewer_csv._known_ids.clear()
    reviewer_csv._known_ids.update(ours)
    reads.clear()
    assert append_rows(path, third) == 0
    assert reads == [path]
    assert len(read_csv(path)) == 3
