"""The speed benchmark's newcomer table: whole processes with default settings against the plain script."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import speed
from benchmarks.report import render_speed, write_results_md

ROWS = {
    "ingest": {"label": "ingest 40 articles", "credibility_s": 3.6, "credibility_best_s": 3.6, "plain_s": 20.4,
               "plain_best_s": 20.4, "runs": 1, "ratio": 5.67, "first_run_s": 23.3, "sentences": 1900},
    "check_10": {"label": "check 10 verbatim reposts in one process", "credibility_s": 1.9,
                 "credibility_best_s": 1.9, "plain_s": 15.7, "plain_best_s": 15.7, "runs": 1, "ratio": 8.26},
    "check_big": {"label": "one-shot check of a new 40-sentence article, 100,000-sentence flat index",
                  "credibility_s": 0.9, "credibility_best_s": 0.88, "plain_s": 4.4, "plain_best_s": 4.38,
                  "runs": 3, "ratio": 4.89},
    "help": {"label": "`--help`", "credibility_s": 0.04, "credibility_best_s": 0.04, "plain_s": 3.9,
             "plain_best_s": 3.86, "runs": 3, "ratio": 97.5},
}  # fmt: skip
NEWCOMER = {
    "encoder_backend": "onnx-int8",
    "index_type": "flat",
    "articles": 40,
    "big_index_sentences": 100_000,
    "load_average": {"min": 2.8, "max": 3.2},
    "rows": ROWS,
}


def test_newcomer_only_run_renders_its_table_with_targets(tmp_path: Path) -> None:
    lines = "\n".join(render_speed({"date": "today", "command": "x --newcomer-only", "newcomer": NEWCOMER}))
    assert "encoder `onnx-int8`, index `flat`" in lines and "Load average during the runs 2.8-3.2" in lines
    assert (
        "| ingest 40 articles; first run in a fresh home 23.3 s (encoder export) | 3.6 (3.6) | 20.4 (20.4) |"
        in lines
    )
    assert "| 1 | 5.67x | >= 3x met |" in lines
    assert "| 8.26x | >= 10x **not met** |" in lines
    assert "| 0.9 (0.88) | 4.4 (4.38) | 3 | 4.89x | <= 1.5 s met |" in lines
    assert "| `--help` | 0.04 (0.04) | 3.9 (3.86) | 3 | 97.50x | <= 0.3 s met |" in lines


def test_a_full_speed_section_shows_the_newcomer_table_beside_the_in_process_ones(tmp_path: Path) -> None:
    ingest = {"articles": 4, "sentences": 100, "embedded": 80, "seconds": 1.0, "peak_rss_mb": 500.0}
    section = {
        "backend": "onnx-int8",
        "articles": 4,
        "ingest_pipeline": {**ingest, "sentences_per_s": 300.0},
        "ingest_baseline": {**ingest, "embedded": 100, "sentences_per_s": 100.0},
        "ingest_ratio": 3.0,
        "check_pipeline": {"verbatim": {"articles": 2, "seconds": 0.1, "articles_per_s": 20.0}},
        "check_baseline": {"verbatim": {"articles": 2, "seconds": 2.0, "articles_per_s": 1.0}},
        "check_ratio": {"verbatim": 20.0},
        "scale": {"rows": [{"sentences": 1000, "index_type": "flat", "build_s": 0.1, "mb_per_million": 1544.0,
                            "search_30_ms_median": 1.0, "recall_at_5": 1.0}]},
        "newcomer": NEWCOMER,
    }  # fmt: skip
    results = tmp_path / "results"
    results.mkdir()
    (results / "full.json").write_text(json.dumps({"name": "full", "speed": section}), encoding="utf-8")
    write_results_md(results, tmp_path / "RESULTS.md")
    md = (tmp_path / "RESULTS.md").read_text(encoding="utf-8")
    assert md.index("What a newcomer sees") < md.index("Ingest of 4 PolitiFact articles")
    assert "| whole process | credibility s | plain script s | runs | ratio | target |" in md


def test_the_plain_script_compiles_and_the_newcomer_gets_default_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    compile(speed.PLAIN_SCRIPT, "plain.py", "exec")
    monkeypatch.setenv("CREDIBILITY_ENCODER_BACKEND", "torch")
    env = speed._clean_env(Path("/tmp/cache"))
    assert env["CREDIBILITY_CACHE_DIR"] == "/tmp/cache" and env["HF_HUB_OFFLINE"] == "1"
    assert not [k for k in env if k.startswith("CREDIBILITY_") and k != "CREDIBILITY_CACHE_DIR"]
