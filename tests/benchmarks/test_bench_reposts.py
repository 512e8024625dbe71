"""The repost generator: deterministic, and its ground truth is true."""

from __future__ import annotations

import json
import random
import re
from dataclasses import replace
from pathlib import Path

from benchmarks.data import PolitiFactArticle
from benchmarks.lexicon import Lexicon, negation_count
from benchmarks.reposts import (
    Corpus,
    GeneratorConfig,
    _Generator,
    claim_sentence,
    generate,
    light_edit,
    partition,
    read_reposts,
    write_benchmark,
)
from benchmarks.textkit import normalize

BOILERPLATE = "Click here for more on the six PolitiFact ratings"


def _dump(corpus: Corpus, lexicon: Lexicon, config: GeneratorConfig) -> list[dict]:
    return [r.to_dict() for r in generate(corpus, lexicon, config).reposts]


def test_same_seed_same_output(
    synth_articles: list[PolitiFactArticle], synth_lexicon: Lexicon, small_config: GeneratorConfig
) -> None:
    first = _dump(Corpus(synth_articles, 5), synth_lexicon, small_config)
    second = _dump(Corpus(synth_articles, 5), synth_lexicon, small_config)
    assert first == second
    other = _dump(Corpus(synth_articles, 5), synth_lexicon, replace(small_config, seed=8))
    assert other != first


def test_boilerplate_and_sidebar_are_stripped(synth_corpus: Corpus) -> None:
    article = synth_corpus.article(synth_corpus.ids[3])
    assert BOILERPLATE not in article.text
    assert "sidebar claim" not in article.text and "Featured Fact-check" not in article.text
    assert len(article.sentences) == 9


def test_partition_is_stable_across_sizes(synth_corpus: Corpus, small_config: GeneratorConfig) -> None:
    small, unseen_small = partition(synth_corpus, replace(small_config, n_indexed=5))
    large, unseen_large = partition(synth_corpus, small_config)
    assert small == large[:5]
    assert unseen_small == unseen_large and not set(large) & set(unseen_large)


def test_gold_units_cover_the_right_text(
    synth_corpus: Corpus, synth_lexicon: Lexicon, small_config: GeneratorConfig
) -> None:
    bench = generate(synth_corpus, synth_lexicon, small_config)
    indexed_ids = {a.id for a in bench.indexed}
    indexed_sentences = {normalize(s) for a in bench.indexed for s in a.sentences}
    labels = {u.label for r in bench.reposts for u in r.units}
    assert labels == {"supported", "altered", "injected", "debunked", "unsupported"}
    for repost in bench.reposts:
        assert repost.split in ("dev", "test")
        previous_end = 0
        for unit in repost.units:
            piece = repost.text[unit.start : unit.end]
            assert unit.start >= previous_end and piece == piece.strip() and piece
            assert not repost.text[previous_end : unit.start].strip()  # only whitespace between units
            previous_end = unit.end
            if unit.kind == "verbatim":
                assert piece == unit.source_sentence
            elif unit.kind == "light_edit":
                assert piece != unit.source_sentence
            elif unit.label == "altered":
                assert normalize(piece) != normalize(unit.source_sentence or "")
                assert normalize(piece) not in indexed_sentences
            elif unit.kind == "unseen_sentence" or unit.label == "unsupported":
                assert piece == unit.source_sentence and unit.source_id not in indexed_ids
                assert normalize(piece) not in indexed_sentences
            elif unit.kind == "promo":
                assert unit.source_sentence and piece.endswith(unit.source_sentence)
            elif unit.label == "debunked":
                assert unit.source_id in indexed_ids and piece == claim_sentence(unit.source_sentence or "")
        if repost.source_id is None:
            assert {u.label for u in repost.units} == {"unsupported"}
        else:
            assert repost.source_id in indexed_ids
        assert not repost.text[previous_end:].strip()


def test_altered_sentences_differ_in_the_declared_way(
    synth_corpus: Corpus, synth_lexicon: Lexicon, small_config: GeneratorConfig
) -> None:
    bench = generate(synth_corpus, synth_lexicon, replace(small_config, altered_rate=0.5))
    altered = [(r.text[u.start : u.end], u) for r in bench.reposts for u in r.units if u.label == "altered"]
    kinds = {u.kind for _, u in altered}
    assert {"number", "date", "person", "place", "organisation", "negation"} <= kinds
    for text, unit in altered:
        source = unit.source_sentence or ""
        if unit.kind == "negation":
            assert negation_count(text) != negation_count(source)
            continue
        old, new = unit.detail.split(" -> ")
        assert old != new and new in text
        if unit.kind == "person":
            assert old in source and old not in text
        else:
            # exactly one occurrence of the old value became the new one, nothing else moved
            starts = [m.start() for m in re.finditer(re.escape(old), source)]
            assert any(text == source[:i] + new + source[i + len(old) :] for i in starts)


def test_injected_sentence_found_in_index_is_dropped(
    synth_corpus: Corpus, synth_lexicon: Lexicon, small_config: GeneratorConfig
) -> None:
    indexed = [synth_corpus.article(i) for i in partition(synth_corpus, small_config)[0]]
    source = indexed[0]
    copied = indexed[1].sentences[0]
    near = copied[:-1] + " !"  # punctuation aside, the same sentence
    fake = replace(indexed[2], id="vclaim-pol-99999", paragraphs=((copied, near),))
    generator = _Generator(small_config, indexed, [fake], synth_lexicon)
    assert generator._insertion("unseen_sentence", source, set(), random.Random(0)) is None
    assert generator.stats["insertion_in_index:unseen_sentence"] > 0
    fresh = "A genuinely new sentence about a lighthouse keeper on the coast of Maine."
    generator = _Generator(small_config, indexed, [replace(fake, paragraphs=((fresh,),))], synth_lexicon)
    piece = generator._insertion("unseen_sentence", source, set(), random.Random(0))
    assert piece is not None and piece.text == fresh and piece.label == "injected"


def test_unseen_repost_drops_sentences_that_are_indexed(
    synth_corpus: Corpus, synth_lexicon: Lexicon, small_config: GeneratorConfig
) -> None:
    indexed = [synth_corpus.article(i) for i in partition(synth_corpus, small_config)[0]]
    fresh = [
        f"Fresh sentence number {n} about the county fair and its prize-winning pumpkins." for n in range(5)
    ]
    unseen = replace(indexed[2], id="vclaim-pol-88888", paragraphs=((indexed[0].sentences[1], *fresh),))
    generator = _Generator(small_config, indexed, [], synth_lexicon)
    repost = generator.unseen_repost(unseen, "dev")
    assert repost is not None and repost.source_id is None
    assert [repost.text[u.start : u.end] for u in repost.units] == fresh
    assert generator.stats["unseen_sentence_in_index"] == 1


def test_light_edits_preserve_meaning() -> None:
    sentence = 'Vandergriff said the bill, which "never came up", would have cost about $5 million.'
    rng = random.Random(0)
    for kind in ("punctuation", "quotes", "whitespace", "line_break", "typo", "function_word"):
        edited = light_edit(sentence, kind, rng)
        assert edited is not None, kind
        assert edited[0] != sentence
        if kind in ("quotes", "whitespace", "line_break", "punctuation"):
            assert normalize(edited[0]) == normalize(sentence)
        assert "\n\n" not in edited[0]


def test_files_round_trip_with_offsets(
    tmp_path: Path, synth_corpus: Corpus, synth_lexicon: Lexicon, small_config: GeneratorConfig
) -> None:
    bench = generate(synth_corpus, synth_lexicon, small_config)
    paths = write_benchmark(bench, tmp_path / "out")
    loaded = read_reposts(paths["dev"]) + read_reposts(paths["test"])
    assert sorted(r.id for r in loaded) == sorted(r.id for r in bench.reposts)
    for repost in loaded:
        with (paths["texts"] / f"{repost.id}.txt").open(encoding="utf-8", newline="") as handle:
            assert handle.read() == repost.text
    records = [json.loads(line) for line in paths["indexed"].read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in records] == [a.id for a in bench.indexed]
    assert set(records[0]) >= {"id", "title", "url", "source", "published", "text", "claim", "rating"}
    assert BOILERPLATE not in records[0]["text"]


def test_editorial_notes_are_stripped() -> None:
    note = "This post was flagged as part of Facebook’s efforts to combat false news and misinformation."
    article = PolitiFactArticle(
        "x1", "", "t", "S", "c", "false", "", f"A real sentence here. {note}\nAnother one."
    )
    corpus = Corpus([article], min_articles=5)
    assert corpus.article("x1").sentences == ["A real sentence here.", "Another one."]


def test_claim_sentence() -> None:
    assert (
        claim_sentence("Says Joe Biden stayed silent about violence")
        == "Joe Biden stayed silent about violence."
    )
    assert claim_sentence('"We put $330 million in school aid."') == "We put $330 million in school aid."
