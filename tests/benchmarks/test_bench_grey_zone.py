"""The grey-zone measurement: token-level pair statistics, the constrained fit and the veto threshold."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from benchmarks.grey_zone import (
    FEATURES,
    STATS,
    content_rows,
    feature_rows,
    fit_logistic,
    pair_stats,
    precision_line,
    rule_rates,
    veto_threshold,
)
from benchmarks.paraphrase import Pair


class OneHotTokens:
    """Word pieces as one-hot rows over a shared vocabulary: pieces match only themselves."""

    def __init__(self) -> None:
        self.vocabulary: dict[str, int] = {}

    def token_vectors(self, sentences: Sequence[str]) -> list[tuple[list[str], np.ndarray]]:
        out = []
        for text in sentences:
            tokens = ["[CLS]", *text.lower().rstrip(".").split(), "[SEP]"]
            for token in tokens:
                self.vocabulary.setdefault(token, len(self.vocabulary))
            rows = np.zeros((len(tokens), 64), dtype=np.float32)
            for i, token in enumerate(tokens):
                rows[i, self.vocabulary[token] % 64] = 1.0
            out.append((tokens, rows))
        return out


def test_content_rows_drop_special_pieces_and_stop_words() -> None:
    tokens = ["[CLS]", "the", "bridge", "reopened", ",", "[SEP]"]
    rows = np.eye(6, dtype=np.float32)
    assert content_rows(tokens, rows).tolist() == rows[[2, 3]].tolist()
    assert content_rows(["[CLS]", "the", "[SEP]"], rows[:3]).shape == (3, 6)  # nothing left: all rows


def test_pair_stats_measure_what_each_side_keeps() -> None:
    embedder = OneHotTokens()
    (ta, a), (tb, b) = embedder.token_vectors(
        ["bridge reopened saturday", "bridge reopened saturday after repairs"]
    )
    stats = dict(
        zip(
            STATS,
            pair_stats(
                "Bridge reopened Saturday.",
                "Bridge reopened Saturday after repairs.",
                0.8,
                content_rows(ta, a),
                content_rows(tb, b),
            ),
            strict=True,
        )
    )
    assert stats["cosine"] == 0.8
    assert stats["precision"] == pytest.approx(1.0)  # every piece of the sentence is in the evidence
    assert stats["recall"] == pytest.approx(3 / 4)  # "repairs" was dropped ("after" is a stop word)
    assert stats["weakest_in_sentence"] == pytest.approx(1.0)
    assert stats["weakest_in_evidence"] == pytest.approx(0.0)
    assert stats["unmatched_in_sentence"] == 0.0 and stats["unmatched_in_evidence"] == pytest.approx(1 / 4)
    assert 0 < stats["dice"] < 1
    features = dict(zip(FEATURES, feature_rows(np.array(list(stats.values())))[0], strict=True))
    assert features["token_f1"] == pytest.approx(2 * 0.75 / 1.75)
    assert features["weakest_piece"] == pytest.approx(0.0)


def test_the_features_do_not_depend_on_which_sentence_is_which() -> None:
    stats = np.array([0.7, 0.5, 0.9, 0.6, 0.3, 0.1, 0.2, 0.4])
    swapped = stats[[0, 1, 3, 2, 5, 4, 7, 6]]
    assert np.allclose(feature_rows(stats), feature_rows(swapped))


def test_the_non_negative_fit_gives_an_opposed_feature_no_weight() -> None:
    rng = np.random.default_rng(3)
    helpful, opposed = rng.normal(size=400), rng.normal(size=400)
    y = (helpful - opposed + rng.normal(scale=0.5, size=400) > 0).astype(float)
    x = np.stack([helpful, opposed], axis=1)
    free, _ = fit_logistic(x, y, non_negative=False)
    bounded, _ = fit_logistic(x, y, non_negative=True)
    assert free[0] > 0 > free[1]
    assert bounded[0] > 0 and bounded[1] == pytest.approx(0.0, abs=1e-6)


def test_the_veto_threshold_trades_in_topic_rejections_against_lost_paraphrases() -> None:
    kinds = np.array(["pf_restatement"] * 4 + ["pf_other_article"] * 4)
    rule = np.ones(8, dtype=bool)
    # Paraphrases score 0.6-0.9, in-topic pairs 0.1-0.5: a veto between them costs nothing.
    probability = np.array([0.6, 0.7, 0.8, 0.9, 0.1, 0.2, 0.3, 0.5])
    threshold, gain = veto_threshold(probability, rule, kinds, np.ones(8, dtype=bool))
    assert 0.5 < threshold <= 0.6 and gain == pytest.approx(1.0)
    kept = rule & (probability >= threshold)
    assert kept[:4].all() and not kept[4:].any()


def test_a_stricter_line_is_chosen_when_accepted_inventions_weigh_more() -> None:
    # One line keeps every paraphrase and half the in-topic pairs; a stricter one loses 60% of the
    # paraphrases and rejects every in-topic pair.
    rates = {
        0.7: {"pf_restatement": 1.0, "pf_other_article": 0.5},
        0.8: {"pf_restatement": 0.4, "pf_other_article": 0.0},
    }
    assert precision_line(rates, 1.0) == 0.7
    assert precision_line(rates, 2.0) == 0.8
    # Equal value: the milder line.
    assert precision_line({0.7: {"pf_restatement": 1.0}, 0.8: {"pf_restatement": 1.0}}, 1.0) == 0.7


def test_rule_rates_count_each_kind_among_the_chosen_rows() -> None:
    def pair(kind: str, cosine: float, split: str = "dev") -> Pair:
        return Pair(
            kind=kind, split=split, sentence="The bridge reopened.", evidence="A ferry sank.", cosine=cosine
        )

    pairs = [
        pair("pf_restatement", 0.95),
        pair("pf_restatement", 0.6),
        pair("pf_other_article", 0.75),
        pair("pf_other_article", 0.75, "train"),
    ]
    kinds = np.array([p.kind for p in pairs])
    dev = np.array([p.split == "dev" for p in pairs])
    # No shared content words: the line is cosine alone (and cosine >= 0.9 always passes).
    assert rule_rates(pairs, kinds, dev, 0.35, 0.72) == {"pf_restatement": 0.5, "pf_other_article": 1.0}
    assert rule_rates(pairs, kinds, dev, 0.35, 0.8) == {"pf_restatement": 0.5, "pf_other_article": 0.0}
