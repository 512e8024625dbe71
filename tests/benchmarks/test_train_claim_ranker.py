"""The claim ranker's training script on a tiny synthetic CheckThat!-like data set (no shared data)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import benchmarks.baselines
from benchmarks import train_claim_ranker
from benchmarks.report import render_claim_ranker
from credibility.engine.rerank import FEATURES, ClaimRanker


def _args(tmp_path: Path, data: Path, name: str, *extra: str) -> list[str]:
    return [
        "--data",
        str(data),
        "--cache",
        str(tmp_path / "cache"),
        "--model",
        str(tmp_path / f"{name}.json"),
        "--report",
        str(tmp_path / f"{name}-report.json"),
        *extra,
    ]


def test_training_runs_on_a_tiny_synthetic_dataset(
    tmp_path: Path, synth_data_dir: Path, word_hash_encoder: type, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(benchmarks.baselines, "MiniLMEncoder", word_hash_encoder)
    assert train_claim_ranker.main(_args(tmp_path, synth_data_dir, "first")) == 0
    raw = json.loads((tmp_path / "first.json").read_text(encoding="utf-8"))
    ranker = ClaimRanker.from_dict(raw)
    assert ranker.features == FEATURES and 0.05 <= ranker.threshold <= 0.95
    assert raw["meta"]["seed"] == 13 and raw["meta"]["C"] in train_claim_ranker.C_GRID
    report = json.loads((tmp_path / "first-report.json").read_text(encoding="utf-8"))
    assert set(report["retrieval"]) == {"2a", "2b"}
    for task in ("2a", "2b"):
        assert set(report["retrieval"][task]) == {"train", "dev"}
        for rows in report["retrieval"][task]["dev"].values():
            assert {"bm25", "dense", "ranker"} <= set(rows) and 0 <= rows["ranker"]["map@5"] <= 1
    # 2B queries are seen with their transcript context (speaker, date, lines before) and without
    assert set(report["retrieval"]["2b"]["dev"]) == {"context", "text"}
    # reproducible: the same data and seed give the same model
    assert train_claim_ranker.main(_args(tmp_path, synth_data_dir, "second")) == 0
    again = ClaimRanker.from_dict(json.loads((tmp_path / "second.json").read_text(encoding="utf-8")))
    assert np.allclose(again.coef, ranker.coef) and again.threshold == ranker.threshold
    # --check scores a model without writing one
    extra = ("--check",)
    assert train_claim_ranker.main([*_args(tmp_path, synth_data_dir, "first", *extra)]) == 0
    md = "\n".join(render_claim_ranker(report))
    assert "## Claim ranker" in md and "| 2B | dev | + speaker, date, 2 lines |" in md


def test_missing_data_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert train_claim_ranker.main(_args(tmp_path, tmp_path / "nowhere", "none")) == 2
    assert "checkthat2021-2a" in capsys.readouterr().err
    assert not (tmp_path / "none.json").exists()
