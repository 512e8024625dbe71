"""The cross-encoder probe's arithmetic and its section of RESULTS.md (no training here: that needs
the shared data and minutes of CPU; ``python -m benchmarks.cross_encoder`` runs it)."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.cross_encoder import auc, veto_rows
from benchmarks.report import render_cross_encoder


def test_auc_is_the_chance_a_positive_outscores_a_negative() -> None:
    positive = np.array([True, True, False, False])
    assert auc(np.array([0.9, 0.8, 0.2, 0.1]), positive) == 1.0
    assert auc(np.array([0.1, 0.2, 0.8, 0.9]), positive) == 0.0
    assert auc(np.array([0.5, 0.5, 0.5, 0.5]), positive) == 0.5
    assert auc(np.array([0.9, 0.3, 0.5, 0.1]), positive) == pytest.approx(0.75)


def test_the_veto_only_removes_pairs_the_rule_accepted() -> None:
    kinds = np.array(["pf_restatement", "pf_restatement", "pf_other_article", "pf_other_article"])
    rule = np.array([True, False, True, True])
    probability = np.array([0.9, 0.9, 0.05, 0.4])
    rows = veto_rows(probability, rule, kinds, thresholds=(0.1, 0.5))
    assert rows[0] == {"veto_below": None, "pf_restatement": 0.5, "pf_other_article": 1.0}
    assert rows[1] == {"veto_below": 0.1, "pf_restatement": 0.5, "pf_other_article": 0.5}
    assert rows[2] == {"veto_below": 0.5, "pf_restatement": 0.5, "pf_other_article": 0.0}


def test_the_section_counts_hand_written_variants_through_the_rule_and_the_veto() -> None:
    report = {
        "date": "2026-12-03",
        "train_pairs": 10,
        "epochs": 2,
        "dev_auc": {"cross_encoder": 0.98, "rule_line": 0.91},
        "dev_veto": [
            {"veto_below": None, "pf_restatement": 0.95},
            {"veto_below": 0.1, "pf_restatement": 0.94},
        ],
        "handwritten": [
            {"kind": "paraphrase", "text": "A rewording.", "probability": 0.8, "rule": True},
            {"kind": "paraphrase", "text": "Another rewording.", "probability": 0.02, "rule": True},
            {"kind": "paraphrase", "text": "A loose rewording.", "probability": 0.9, "rule": False},
            {"kind": "fabrication", "text": "An invention.", "probability": 0.5, "rule": True},
            {"kind": "fabrication", "text": "Another invention.", "probability": 0.01, "rule": True},
        ],
    }
    text = "\n".join(render_cross_encoder(report))
    assert "AUC 0.98, against 0.91" in text
    assert "(of 3) | hand-written inventions accepted (of 2) |" in text
    # The rule alone keeps 2 rewordings and 2 inventions; the veto at 0.1 drops one of each.
    assert "| rule alone | 95.0% | 0.0% | 0.0% | 0.0% | 2 | 2 |" in text
    assert "| 0.1 | 94.0% | 0.0% | 0.0% | 0.0% | 1 | 1 |" in text
    assert "| paraphrase | 0.900 | A loose rewording. |" in text
    assert "it stops 1 of the 2 hand-written inventions the rule accepts, and 1 of the 2 rewordings" in text
