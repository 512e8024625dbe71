"""The repost generator: deterministic, and its ground truth is true."""

from __future__ import annotations

import html
import json
import random
import re
from dataclasses import replace
from pathlib import Path

import pytest

from benchmarks.data import PolitiFactArticle
from benchmarks.lexicon import Lexicon, negation_count
from benchmarks.reposts import (
    NOISE_KINDS,
    Corpus,
    GeneratorConfig,
    _Generator,
    _Noise,
    claim_sentence,
    generate,
    hard_wrap,
    html_entities,
    light_edit,
    no_break_spaces,
    partition,
    read_reposts,
    smart_punctuation,
    soft_hyphens,
    write_benchmark,
    zero_width,
)
from benchmarks.textkit import normalize

BOILERPLATE = "Click here for more on the six PolitiFact ratings"
NO_NOISE = tuple((kind, 0.0) for kind in NOISE_KINDS)
ALL_NOISE = tuple((kind, 1.0) for kind in NOISE_KINDS)
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")


def plain(text: str) -> str:
    """The text as a reader sees it, compared loosely: entities decoded, invisible characters gone,
    quotes, dashes, spaces and line breaks folded (the generator's own normalisation)."""
    return normalize(_INVISIBLE.sub("", html.unescape(text)))


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


@pytest.mark.parametrize("noise", ["default", "none", "all"])
def test_gold_units_cover_the_right_text(
    synth_corpus: Corpus, synth_lexicon: Lexicon, small_config: GeneratorConfig, noise: str
) -> None:
    if noise != "default":
        small_config = replace(small_config, noise_rates=NO_NOISE if noise == "none" else ALL_NOISE)
    bench = generate(synth_corpus, synth_lexicon, small_config)
    indexed_ids = {a.id for a in bench.indexed}
    indexed_sentences = {normalize(s) for a in bench.indexed for s in a.sentences}
    labels = {u.label for r in bench.reposts for u in r.units}
    expected = {"supported", "altered", "injected", "debunked", "unsupported"}
    assert labels == (expected if noise == "none" else expected | {"not_checked"})
    for repost in bench.reposts:
        assert repost.split in ("dev", "test")
        previous_end = 0
        for unit in repost.units:
            piece = repost.text[unit.start : unit.end]
            assert unit.start >= previous_end and piece == piece.strip() and piece
            # only white space between units ("&nbsp;" where the page escapes it)
            assert not html.unescape(repost.text[previous_end : unit.start]).strip()
            previous_end = unit.end
            if noise == "none":
                assert not unit.noise
            if unit.kind == "verbatim":
                # web noise never changes what a sentence says: it stays gold "supported"
                assert (
                    piece == unit.source_sentence
                    if not unit.noise
                    else plain(piece) == plain(unit.source_sentence or "")
                )
            elif unit.kind == "light_edit":
                assert unit.noise or piece != unit.source_sentence
            elif unit.label == "altered":
                assert plain(piece) != normalize(unit.source_sentence or "")
                assert plain(piece) not in indexed_sentences
            elif unit.kind == "unseen_sentence" or unit.label == "unsupported":
                assert (
                    plain(piece) == normalize(unit.source_sentence or "")
                    and unit.source_id not in indexed_ids
                )
                assert plain(piece) not in indexed_sentences
            elif unit.kind == "promo":
                assert unit.source_sentence and plain(piece).endswith(normalize(unit.source_sentence))
            elif unit.label == "debunked":
                assert unit.source_id in indexed_ids
                assert plain(piece) == normalize(claim_sentence(unit.source_sentence or ""))
            elif unit.label == "not_checked":
                assert unit.kind == "boilerplate" and unit.source_id is None and "\n" not in piece
        if repost.source_id is None:
            assert {u.label for u in repost.units} <= {"unsupported", "not_checked"}
        else:
            assert repost.source_id in indexed_ids
        assert not html.unescape(repost.text[previous_end:]).strip()


def test_noise_leaves_the_rest_of_the_repost_alone(
    synth_corpus: Corpus, synth_lexicon: Lexicon, small_config: GeneratorConfig
) -> None:
    clean = generate(synth_corpus, synth_lexicon, replace(small_config, noise_rates=NO_NOISE))
    noisy = generate(synth_corpus, synth_lexicon, replace(small_config, noise_rates=ALL_NOISE))
    assert [r.id for r in clean.reposts] == [r.id for r in noisy.reposts]
    for before, after in zip(clean.reposts, noisy.reposts, strict=True):
        kept = [(u.label, u.kind, u.source_sentence) for u in after.units if u.label != "not_checked"]
        every = [(u.label, u.kind, u.source_sentence) for u in before.units]
        # the same units in the same order, less one or two dropped source sentences
        assert 1 <= len(every) - len(kept) <= 2
        it = iter(every)
        assert all(unit in it for unit in kept)
        assert 1 <= sum(u.label == "not_checked" for u in after.units) <= 3
        assert after.text != before.text


def test_most_reposts_carry_some_noise(small_config: GeneratorConfig) -> None:
    profiles = [_Noise(small_config, f"rp-{n}").kinds for n in range(400)]
    assert sum(bool(kinds) for kinds in profiles) >= 0.95 * len(profiles)
    rates = dict(small_config.noise_rates)
    for kind in NOISE_KINDS:
        share = sum(kind in kinds for kinds in profiles) / len(profiles)
        assert abs(share - rates[kind]) < 0.1, kind
    assert _Noise(small_config, "rp-1").kinds == _Noise(small_config, "rp-1").kinds
    assert not _Noise(replace(small_config, noise_rates=NO_NOISE), "rp-1").kinds


def test_character_noise() -> None:
    sentence = 'He said "it\'s over" -- and left... The 5 million cost rose.'
    curly = smart_punctuation(sentence)
    assert curly == "He said “it’s over” — and left… The 5 million cost rose."
    assert html_entities(curly, "numeric") == (
        "He said &#8220;it&#8217;s over&#8221; &#8212; and left&#8230; The 5 million cost rose."
    )
    assert html_entities(sentence + " AT&T", "basic").endswith("rose. AT&amp;T")
    assert html.unescape(html_entities(curly, "named")) == curly
    rng = random.Random(3)
    spaced = no_break_spaces(sentence, 0.0, rng)
    assert spaced == sentence.replace("5 million", "5\u00a0million")
    long_words = "Administration officials acknowledged extraordinary circumstances yesterday."
    for noisy in (soft_hyphens(long_words, 1.0, rng), zero_width(long_words, 1.0, rng)):
        assert noisy != long_words and _INVISIBLE.sub("", noisy) == long_words


def test_hard_wrap_keeps_offsets() -> None:
    text = ("The quick brown fox jumps over the lazy dog near the river bank today. " * 6).strip()
    text += "\n\nShort one.\n\nhttps://example.com/" + "x" * 90 + " end"
    wrapped = hard_wrap(text, 70)
    assert len(wrapped) == len(text)
    assert all(a == b or (a == " " and b == "\n") for a, b in zip(text, wrapped, strict=True))
    lines = wrapped.split("\n")
    assert all(len(line) <= 70 or " " not in line for line in lines)
    assert max(len(line) for line in lines[:5]) >= 60  # filled, as greedy wrapping does
    assert "\u00a0" in hard_wrap("a" * 50 + " b\u00a0" + "c" * 30, 60)  # no-break spaces do not break


def test_altered_sentences_differ_in_the_declared_way(
    synth_corpus: Corpus, synth_lexicon: Lexicon, small_config: GeneratorConfig
) -> None:
    bench = generate(
        synth_corpus, synth_lexicon, replace(small_config, altered_rate=0.5, noise_rates=NO_NOISE)
    )
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
    generator = _Generator(replace(small_config, noise_rates=NO_NOISE), indexed, [], synth_lexicon)
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
