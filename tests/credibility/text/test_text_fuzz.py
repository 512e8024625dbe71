"""Property-based fuzzing of the text layer: the sentence splitter, normalization, triage and the
fact comparison, on random and adversarial text (unicode categories, RTL marks, zero-width
characters, long lines, no punctuation, only digits, only names).

Invariants, not only "no exception": offsets slice the input to the sentence text, sentences are
in order and within the sentence bound, the same input gives the same output, a sentence never
differs from itself, and work per sentence stays linear in its length.
"""

from __future__ import annotations

import time

from fuzzing import huge_texts, target, texts
from hypothesis import given, settings
from hypothesis import strategies as st

from credibility.text.facts import compare_facts, fact_signature
from credibility.text.facts.compare import MAX_FACT_CHARS, _extract
from credibility.text.normalize import clean_text, normalize, scrub_surrogates, text_hash
from credibility.text.sentences import MAX_SENTENCE_CHARS, split_paragraphs, split_sentences
from credibility.text.triage import triage_sentence

CHANGE_KINDS = {"number", "date", "name", "negation", "quantifier"}


def _check_spans(text: str) -> None:
    spans = split_sentences(text)
    previous_end = 0
    for span in spans:
        assert text[span.start : span.end] == span.text
        assert span.start >= previous_end, "sentences overlap or go backwards"
        assert 0 < len(span.text) <= MAX_SENTENCE_CHARS
        assert span.text == span.text.strip(), "a sentence keeps surrounding whitespace"
        assert any(c.isalnum() for c in span.text)
        previous_end = span.end
    assert split_sentences(text) == spans  # the same input, the same output
    for para in split_paragraphs(text):
        assert text[para.start : para.end] == para.text


@given(texts)
@target("splitter: random text")
def test_splitter_offsets_slice_the_input(text: str) -> None:
    _check_spans(text)


@settings(max_examples=10)
@given(huge_texts(250_000))
@target("splitter: long inputs")
def test_splitter_on_long_inputs_stays_linear(text: str) -> None:
    started = time.perf_counter()
    _check_spans(text)
    # 250,000 characters split in well under a second on these 2 cores; quadratic would be minutes.
    assert time.perf_counter() - started < 10


def test_a_one_line_megabyte_is_cut_at_the_sentence_bound() -> None:
    text = ("word " * 200_000) + "end."
    started = time.perf_counter()
    spans = split_sentences(text)
    assert time.perf_counter() - started < 10
    assert len(spans) >= len(text) // MAX_SENTENCE_CHARS
    assert all(len(s.text) <= MAX_SENTENCE_CHARS and text[s.start : s.end] == s.text for s in spans)


@given(texts)
@target("normalization")
def test_normalization(text: str) -> None:
    key = normalize(text)
    assert key == key.strip() and "  " not in key
    assert normalize(text) == key
    assert clean_text(text) == clean_text(text).strip()
    clean = scrub_surrogates(text)
    assert len(clean) == len(text)
    assert len(text_hash(clean)) == 32  # never UnicodeEncodeError once scrubbed


@given(texts)
@target("triage")
def test_triage_gives_a_reason_or_none(text: str) -> None:
    for span in split_sentences(text):
        result = triage_sentence(span.text)
        assert result is None or (result.reason and result.code)
        assert triage_sentence(span.text) == result


@given(texts, texts)
@target("fact comparison")
def test_fact_comparison(a: str, b: str) -> None:
    assert compare_facts(a, a) == []
    changes = compare_facts(a, b)
    assert compare_facts(a, b) == changes
    for change in changes:
        assert change.kind in CHANGE_KINDS
        assert change.article_text or change.evidence_text
    if fact_signature(a) == fact_signature(b):
        assert changes == []


NUMERIC = st.sampled_from(
    ["1,234 people", "January 6, 2021", "3 p.m.", "twenty-one", "Jane Roe", "not", "more than 5", "40%"]
)


@settings(max_examples=10)
@given(st.lists(NUMERIC, min_size=1, max_size=6), st.integers(1_000, 1_000_000), st.randoms())
@target("fact comparison: long number/date-heavy sentences")
def test_fact_comparison_is_bounded_on_long_sentences(words: list[str], size: int, rnd: object) -> None:
    a = " ".join(words * (size // (len(" ".join(words)) + 1) + 1))[:size]
    b = a.replace("1", "7").replace("January", "March")
    _extract.cache_clear()
    started = time.perf_counter()
    compare_facts(a, b)
    # Facts are read from the first MAX_FACT_CHARS characters: at most milliseconds, any length.
    assert time.perf_counter() - started < 2.0


def test_fact_work_does_not_grow_with_the_sentence() -> None:
    """The probe of the issue: 18k, 36k, 72k characters of numbers took 1.6, 6.9 and 31 s."""
    timings = []
    for size in (18_000, 72_000, 1_000_000):
        a = ("1,234 people on January 6, 2021 and " * (size // 30))[:size]
        b = a.replace("1,234", "4,321")
        _extract.cache_clear()
        started = time.perf_counter()
        compare_facts(a, b)
        timings.append(time.perf_counter() - started)
    assert max(timings) < 1.0, timings
    assert len(_extract(a).numbers) <= MAX_FACT_CHARS
