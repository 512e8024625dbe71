"""Metrics against hand-computed values."""

from __future__ import annotations

import pytest

from benchmarks.metrics import (
    ArticlePrediction,
    PredSentence,
    average_precision_at_k,
    best_unit,
    copied_from_correct,
    evaluate_reposts,
    map_at_k,
    mrr,
    prf,
    reciprocal_rank,
)
from benchmarks.reposts import GoldUnit, Repost


def _repost(units: list[tuple[int, int, str, str]], source: str | None = "a1", rid: str = "r1") -> Repost:
    gold = [GoldUnit(s, e, label, kind) for s, e, label, kind in units]
    return Repost(rid, "dev", source, source or "u1", "x" * max(e for _, e, _, _ in units), gold)


def test_prf_by_hand() -> None:
    assert prf(3, 1, 2) == pytest.approx({"precision": 0.75, "recall": 0.6, "f1": 2 * 0.75 * 0.6 / 1.35})
    assert prf(0, 0, 0) == {"precision": 0.0, "recall": 0.0, "f1": 0.0}


def test_best_unit_takes_the_largest_overlap() -> None:
    units = [GoldUnit(0, 10, "supported", "verbatim"), GoldUnit(11, 30, "altered", "number")]
    assert best_unit(0, 10, units) == 0
    assert best_unit(5, 25, units) == 1  # 5 chars vs 14 chars
    assert best_unit(8, 14, units) == 1  # 2 vs 3
    assert best_unit(10, 11, units) is None  # the space between


def test_a_sentence_holding_a_whole_insertion_is_judged_against_it() -> None:
    units = [GoldUnit(0, 60, "supported", "verbatim"), GoldUnit(61, 80, "debunked", "debunked")]
    assert best_unit(0, 80, units) == 1  # the claim glued to the copied sentence
    assert best_unit(0, 70, units) == 0  # only part of it: the larger overlap
    assert best_unit(61, 80, units) == 1


def test_sentence_labels_flags_and_kinds_by_hand() -> None:
    repost = _repost(
        [
            (0, 10, "supported", "verbatim"),
            (11, 20, "supported", "verbatim"),
            (21, 30, "supported", "light_edit"),
            (31, 40, "altered", "number"),
            (41, 50, "altered", "negation"),
            (51, 60, "injected", "promo"),
            (61, 70, "debunked", "false_claim"),
        ]
    )
    sentences = [
        PredSentence(0, 10, "supported"),
        PredSentence(11, 20, "unsupported"),  # false flag on verbatim
        PredSentence(21, 30, "supported"),
        PredSentence(31, 40, "altered"),
        PredSentence(41, 50, "supported"),  # missed alteration
        PredSentence(51, 55, "injected"),  # the promo line split in two by the system
        PredSentence(56, 60, "unsupported"),
        PredSentence(61, 70, "not_checked"),
    ]
    report = evaluate_reposts([repost], {"r1": ArticlePrediction(sentences, ["a1"])})
    assert report["sentences"] == 8
    # flagged gold: altered x2, injected x2 pieces, debunked = 5; predicted flags: 4 (1 false)
    assert report["flag"]["precision"] == pytest.approx(3 / 4)
    assert report["flag"]["recall"] == pytest.approx(3 / 5)
    assert report["false_flag_rate"]["verbatim"] == {"rate": 0.5, "n": 2}
    assert report["false_flag_rate"]["light_edit"] == {"rate": 0.0, "n": 1}
    supported = report["per_label"]["supported"]
    assert supported["precision"] == pytest.approx(2 / 3) and supported["recall"] == pytest.approx(2 / 3)
    assert report["per_label"]["altered"] == pytest.approx(
        {"precision": 1.0, "recall": 0.5, "f1": 2 / 3, "support": 2}
    )
    assert report["per_label"]["injected"]["recall"] == pytest.approx(0.5)
    assert report["altered_by_kind"]["number"] == {"n": 1, "altered_recall": 1.0, "flag_recall": 1.0}
    assert report["altered_by_kind"]["negation"] == {"n": 1, "altered_recall": 0.0, "flag_recall": 0.0}
    assert report["confusion"]["debunked"] == {"not_checked": 1}
    assert report["copied_from"]["accuracy"] == 1.0
    assert report["gold_units_unmapped"] == 0


def test_altered_recall_is_per_unit() -> None:
    repost = _repost([(0, 40, "altered", "number"), (41, 60, "altered", "date")])
    sentences = [
        PredSentence(0, 15, "altered"),  # the system cut the unit in two; one half carries the change
        PredSentence(16, 40, "supported"),
        PredSentence(41, 60, "unsupported"),
    ]
    report = evaluate_reposts([repost], {"r1": ArticlePrediction(sentences, ["a1"])})
    assert report["altered_by_kind"]["number"] == {"n": 1, "altered_recall": 1.0, "flag_recall": 1.0}
    assert report["altered_by_kind"]["date"] == {"n": 1, "altered_recall": 0.0, "flag_recall": 1.0}
    assert report["per_label"]["altered"]["recall"] == pytest.approx(1 / 3)  # per sentence


def test_ambiguous_units_are_not_scored() -> None:
    repost = _repost([(0, 10, "supported", "verbatim")])
    repost.units[0] = GoldUnit(0, 10, "supported", "verbatim", ambiguous=True)
    report = evaluate_reposts([repost], {"r1": ArticlePrediction([PredSentence(0, 10, "debunked")], [])})
    assert report["sentences"] == 0 and report["sentences_ambiguous_skipped"] == 1


def test_copied_from_accuracy() -> None:
    assert copied_from_correct("a1", ["a2", "a1"])
    assert not copied_from_correct("a1", [])
    assert copied_from_correct(None, [])
    assert not copied_from_correct(None, ["a1"])
    indexed = _repost([(0, 5, "supported", "verbatim")], "a1", "r1")
    unseen = _repost([(0, 5, "unsupported", "unseen_article")], None, "r2")
    preds = {
        "r1": ArticlePrediction([PredSentence(0, 5, "supported")], ["a1"]),
        "r2": ArticlePrediction([PredSentence(0, 5, "unsupported")], ["a9"]),
    }
    report = evaluate_reposts([indexed, unseen], preds)
    assert report["copied_from"] == {
        "accuracy": 0.5,
        "indexed_accuracy": 1.0,
        "unseen_accuracy": 0.0,
        "articles": 2,
    }


def test_average_precision_at_k_checkthat_definition() -> None:
    ranked = ["d3", "d1", "d7", "d2"]
    relevant = {"d1", "d2"}
    # hits at ranks 2 and 4: (1/2 + 2/4) / 2 relevant
    assert average_precision_at_k(ranked, relevant, 10) == pytest.approx(0.5)
    # at k=3 only the first hit counts, still divided by both relevant claims
    assert average_precision_at_k(ranked, relevant, 3) == pytest.approx(0.25)
    assert average_precision_at_k(ranked, relevant, 1) == 0.0
    assert average_precision_at_k(["d1"], {"d1"}, 1) == 1.0


def test_map_and_mrr_by_hand() -> None:
    runs = {"q1": ["a", "b", "c"], "q2": ["x", "y", "z"], "q3": ["m"]}
    qrels = {"q1": {"a"}, "q2": {"z"}, "q3": {"n"}, "q4": {"k"}}  # q4 has no run: scores 0
    assert map_at_k(runs, qrels, 1) == pytest.approx(1 / 4)
    assert map_at_k(runs, qrels, 5) == pytest.approx((1 + 1 / 3) / 4)
    assert mrr(runs, qrels) == pytest.approx((1 + 1 / 3) / 4)
    assert reciprocal_rank(["x", "y"], {"y"}) == 0.5


def test_flagged_page_furniture_is_a_false_flag() -> None:
    repost = _repost(
        [
            (0, 10, "supported", "verbatim"),
            (11, 20, "not_checked", "boilerplate"),
            (21, 30, "not_checked", "boilerplate"),
            (31, 40, "injected", "promo"),
        ]
    )
    sentences = [
        PredSentence(0, 10, "supported"),
        PredSentence(11, 20, "not_checked"),
        PredSentence(21, 30, "injected"),
        PredSentence(31, 40, "injected"),
    ]
    report = evaluate_reposts([repost], {"r1": ArticlePrediction(sentences, ["a1"])})
    assert report["false_flag_rate"]["boilerplate"] == {"rate": 0.5, "n": 2}
    assert report["flag"]["precision"] == 0.5 and report["flag"]["recall"] == 1.0
    assert report["per_label"]["not_checked"]["f1"] == pytest.approx(2 / 3)
