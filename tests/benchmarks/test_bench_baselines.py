"""Baselines with a fake encoder: labels, threshold tuning, retrieval runs, the embedding cache."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from benchmarks.baselines import (
    CachedEncoder,
    NaiveRepostBaseline,
    PysbdSplitter,
    bm25_runs,
    dense_runs,
    naive_predictions,
    tune_threshold,
)
from benchmarks.data import ClaimDoc
from benchmarks.reposts import CleanArticle, GoldUnit, Repost


def _article(aid: str, sentences: list[str], claim: str = "", rating: str = "") -> CleanArticle:
    return CleanArticle(aid, f"title {aid}", "", "", claim, rating, "", (tuple(sentences),))


def test_pysbd_spans_map_back_to_the_text() -> None:
    text = "First sentence here. Second one follows.\n\nA new paragraph starts. It ends!"
    spans = PysbdSplitter().spans(text)
    assert [text[s:e] for s, e in spans] == [
        "First sentence here.",
        "Second one follows.",
        "A new paragraph starts.",
        "It ends!",
    ]


def test_naive_baseline_labels_and_threshold(word_hash_encoder: type) -> None:
    indexed = [
        _article(
            "a1", ["The city council approved the new budget on Tuesday.", "Taxes will rise by two percent."]
        ),
        _article("a2", ["Farmers expect a record harvest this autumn."], "Vaccines cause autism.", "false"),
    ]
    pieces = [
        ("The city council approved the new budget on Tuesday.", "supported", "verbatim"),
        ("Penguins were seen skiing in Ohio.", "injected", "unseen_sentence"),
        ("Vaccines cause autism.", "debunked", "false_claim"),
    ]
    text = " ".join(p for p, _, _ in pieces)
    units = [GoldUnit(text.index(p), text.index(p) + len(p), label, kind) for p, label, kind in pieces]
    repost = Repost("r1", "dev", "a1", "a1", text, units)
    baseline = NaiveRepostBaseline(word_hash_encoder(), PysbdSplitter())
    baseline.index(indexed)
    assert baseline.indexed_sentences == 4  # three body sentences and the one claim
    scored = baseline.score([repost])
    preds = naive_predictions(scored, 0.9)["r1"]
    assert [p.label for p in preds.sentences] == ["supported", "unsupported", "debunked"]
    assert preds.copied_from == []  # one matching sentence is below the share needed
    threshold, f1 = tune_threshold([repost], scored)
    assert f1 == 1.0 and 0.3 <= threshold <= 0.999


def test_retrieval_baselines_rank_the_matching_claim_first(word_hash_encoder: type) -> None:
    corpus = [
        ClaimDoc("c1", "Wombats", "Wombats shelter other animals from bushfires."),
        ClaimDoc("c2", "Draft texts", "The US Army is sending draft notices by text message."),
        ClaimDoc("c3", "Fries", "McDonald's sells any size fries for one dollar."),
    ]
    queries = {"q1": "Army draft text message received today", "q2": "wombats bushfires shelter"}
    bm25 = bm25_runs(corpus, queries, 10)
    assert bm25["q1"][0] == "c2" and bm25["q2"][0] == "c1"
    assert "c3" not in bm25["q1"]  # no shared term: not a result
    dense = dense_runs(corpus, queries, 2, word_hash_encoder())
    assert dense["q1"][0] == "c2" and len(dense["q2"]) == 2


def test_cached_encoder_reuses_vectors_per_text(tmp_path: Path, word_hash_encoder: type) -> None:
    inner = word_hash_encoder()
    first = CachedEncoder(inner, tmp_path)
    a = first.encode(["one text", "two text", "one text"])
    assert inner.encoded == 2 and first.misses == 2
    second = CachedEncoder(inner, tmp_path)  # a later run
    b = second.encode(["two text", "three text"])
    assert inner.encoded == 3 and second.hits == 1
    np.testing.assert_array_equal(a[1], b[0])


def test_cached_encoder_keys_survive_reloads(tmp_path: Path, word_hash_encoder: type) -> None:
    # many texts, so some keys end in a zero byte (numpy byte strings would lose it)
    texts = [f"sentence number {i}" for i in range(600)]
    inner = word_hash_encoder()
    CachedEncoder(inner, tmp_path).encode(texts)
    again = CachedEncoder(inner, tmp_path)
    again.encode([*texts, "one more"])
    assert again.misses == 1 and inner.encoded == 601
    third = CachedEncoder(inner, tmp_path)
    third.encode(texts)
    assert third.misses == 0
