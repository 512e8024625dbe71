"""The paraphrase dev set: the hand-written cases fit the sample articles, the pair decision and its table."""

from __future__ import annotations

import json
from collections.abc import Sequence

from benchmarks.paraphrase import HANDWRITTEN, Pair, aligned_rule, evaluate_pairs
from benchmarks.report import render_paraphrase
from credibility.app import sample_paths


def test_every_handwritten_case_replaces_a_sentence_of_its_sample_article() -> None:
    articles = {
        row["id"]: row["text"]
        for row in map(json.loads, sample_paths()["articles"].read_text(encoding="utf-8").splitlines())
    }
    cases = json.loads(HANDWRITTEN.read_text(encoding="utf-8"))["cases"]
    assert len(cases) >= 10
    for case in cases:
        assert case["source"] in articles[case["article"]]
        for kind in ("paraphrase", "fabrication", "altered"):
            assert case[kind] and all(variant != case["source"] for variant in case[kind])


def test_the_aligned_rule_is_the_engines() -> None:
    same_words = Pair(
        "pf_restatement", "dev", "The council approved the budget.", "Council approves budget.", 0.6
    )
    other_words = Pair(
        "pf_other_article", "dev", "Fires burned forests.", "The council approved a budget.", 0.6
    )
    assert aligned_rule(same_words, 0.35, 0.72)
    assert not aligned_rule(other_words, 0.35, 0.72)
    assert aligned_rule(Pair("pf_other_article", "dev", "a", "b", 0.95), 0.35, 0.72)


class _FixedAligner:
    """Token F1 = 0.9 for paraphrase pairs, 0.2 for the rest: the threshold must land between them."""

    def __init__(self, pairs: Sequence[Pair]) -> None:
        self._f1 = {(p.sentence, p.evidence): 0.9 if p.paraphrase else 0.2 for p in pairs}

    def load(self, texts: Sequence[str]) -> None:
        return None

    def f1(self, a: str, b: str) -> float:
        return self._f1[(a, b)]


def test_pair_evaluation_and_its_table() -> None:
    pairs = [
        Pair(kind, split, f"{kind} {split} sentence {n}", f"evidence {n}", 0.6)
        for kind in ("pf_restatement", "pf_other_article", "ct2a_match", "ct2a_other_claim")
        for split in ("train", "dev")
        for n in range(5)
    ] + [Pair("pf_restatement", "dev", "far apart", "unrelated", 0.3)]
    report = evaluate_pairs(pairs, _FixedAligner(pairs))  # type: ignore[arg-type]
    rows = {(r["kind"], r["split"]): r for r in report["pairs"]}
    assert rows[("pf_restatement", "dev")]["pairs"] == 5 and rows[("pf_restatement", "dev")]["all_pairs"] == 6
    assert rows[("pf_restatement", "dev")]["accepted_rule"] == 0.0
    assert rows[("pf_restatement", "dev")]["accepted_rule_or_token"] == 1.0
    assert rows[("pf_other_article", "dev")]["accepted_rule_or_token"] == 0.0
    assert 0.2 < report["token_threshold"] <= 0.9
    md = "\n".join(
        render_paraphrase({"real": report, "handwritten": {"summary": {"paraphrase": {"cases": 2, "ok": 1}}}})
    )
    assert "| paraphrase | supported | 1 of 2 |" in md
    assert "PolitiFact claim / its own restatement" in md
