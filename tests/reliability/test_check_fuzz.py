"""The whole check on random and adversarial text, through ``credibility.app.Home``.

With the fake embedder (fast) on many cases, and the real model on a few (``slow``). Invariants:
labels come from the documented set, offsets slice the input to the sentence text, every flagged
or unchecked sentence has a reason, the same input gives the same output, the JSON form reads
back the same, and bad input is one clear :class:`InputError` (never a traceback).
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fakes import FakeEmbedder
from fuzzing import huge_texts, target, texts
from hypothesis import given, settings
from hypothesis import strategies as st

from credibility.app import Home, sample_paths
from credibility.embed.embedder import Embedder
from credibility.errors import InputError
from credibility.model.result import ARTICLE_LABELS, LABELS, ArticleCheck
from credibility.settings import Settings

REPOST = sample_paths()["repost"].read_text(encoding="utf-8")


def _home(folder: Path, embedder: Embedder, **overrides: object) -> Home:
    home = Home(
        Settings(home=folder, model=getattr(embedder, "model_name", "fake-model"), **overrides),
        embedder=embedder,
    )  # type: ignore[arg-type]
    return home


@pytest.fixture(scope="module")
def fake_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Home]:
    home = _home(tmp_path_factory.mktemp("fuzz-home"), FakeEmbedder())
    paths = sample_paths()
    home.ingest([str(paths["articles"])])
    home.ingest([str(paths["factchecks"])], kind="factcheck")
    yield home
    home.close()


def assert_valid(check: ArticleCheck, text: str) -> None:
    assert check.verdict.label in ARTICLE_LABELS
    previous = 0
    for n, sentence in enumerate(check.sentences):
        assert sentence.index == n
        assert sentence.label in LABELS
        assert check.text[sentence.start : sentence.end] == sentence.text
        assert len(check.text) == len(text)  # lone surrogates become U+FFFD, one for one
        assert sentence.start >= previous
        previous = sentence.end
        if sentence.label != "supported":
            assert sentence.reason, sentence
        if sentence.label in ("altered",):
            assert sentence.changes and sentence.evidence is not None
        if sentence.label in ("supported", "debunked", "altered"):
            assert sentence.evidence is not None
    assert ArticleCheck.from_json(check.to_json(with_text=True)).to_json(with_text=True) == check.to_json(
        with_text=True
    )


def _signature(check: ArticleCheck) -> list[tuple[object, ...]]:
    return [(s.text, s.label, s.flags, s.reason, s.changes, s.start, s.end) for s in check.sentences]


def _check_or_clear_error(home: Home, text: str) -> ArticleCheck | None:
    try:
        return home.check(text).check
    except InputError as exc:
        message = str(exc)
        assert message and "\n" not in message
        assert any(w in message for w in ("empty", "no sentences", "bound", "cap")), message
        return None


@given(texts)
@target("whole check (fake embedder): random text")
def test_check_random_text(fake_home: Home, text: str) -> None:
    check = _check_or_clear_error(fake_home, text)
    if check is not None:
        assert_valid(check, text)
        again = fake_home.check(text).check
        assert _signature(again) == _signature(check)


@given(st.lists(st.tuples(st.integers(0, 10_000), texts), max_size=4), st.integers(0, 2**32))
@target("whole check (fake embedder): mutated repost")
def test_check_mutated_repost(fake_home: Home, edits: list[tuple[int, str]], seed: int) -> None:
    text = REPOST
    rnd = random.Random(seed)
    for position, insert in edits:
        cut = position % (len(text) + 1)
        drop = rnd.randrange(0, 40)
        text = text[:cut] + insert + text[cut + drop :]
    check = _check_or_clear_error(fake_home, text)
    if check is not None:
        assert_valid(check, text)


@settings(max_examples=8)
@given(huge_texts(120_000))
@target("whole check (fake embedder): long inputs")
def test_check_long_inputs(fake_home: Home, text: str) -> None:
    started = time.perf_counter()
    check = _check_or_clear_error(fake_home, text)
    if check is not None:
        assert_valid(check, text)
    assert time.perf_counter() - started < 120


def test_lone_surrogate_in_a_check_is_not_an_error(fake_home: Home) -> None:
    """Library and flow callers once got UnicodeEncodeError; a content farm could dodge checks so."""
    text = REPOST.replace("Kestrel", "Kestrel \ud83d", 1)
    check = fake_home.check(text, title="t\udca9", url="https://x.example/\ud83d").check
    assert_valid(check, text)
    assert "\ufffd" in check.text and check.article.title == "t\ufffd"


def test_article_over_the_bounds_is_refused_with_the_bound(tmp_path: Path) -> None:
    home = _home(tmp_path, FakeEmbedder(), max_article_chars=1_000, max_article_sentences=5)
    with home:
        home.ingest([str(sample_paths()["articles"])])
        with pytest.raises(InputError, match="1,000-character article bound"):
            home.check("word " * 300)
        with pytest.raises(InputError, match="5-sentence article bound"):
            home.check("One. Two. Three. Four. Five. Six. Seven.")


@pytest.mark.slow
@pytest.mark.parametrize(
    "text",
    [
        REPOST,
        REPOST.replace(".", "\u200f.\u200b"),
        "\u202e" + REPOST[:2000][::-1],
        "7" * 50_000,
        ("Jane Roe " * 3000).strip(),
        REPOST.replace(" ", "\u00a0").replace("\n", "\u2028"),
        "1,200 people on January 6, 2021. " * 400,
        REPOST.replace("Kestrel", "Kestrel\ud83d"),
    ],
    ids=["repost", "rtl-zw", "reversed", "digits", "names", "nbsp", "numbers", "surrogate"],
)
def test_whole_check_with_the_real_model(
    tmp_path_factory: pytest.TempPathFactory, real_embedder: Embedder, text: str
) -> None:
    from fuzzing import record

    folder = tmp_path_factory.mktemp("real")
    with Home(Settings(home=folder), embedder=real_embedder) as home:
        paths = sample_paths()
        home.ingest([str(paths["articles"])])
        home.ingest([str(paths["factchecks"])], kind="factcheck")
        started = time.perf_counter()
        first = home.check(text).check
        record("whole check (real model): adversarial texts", time.perf_counter() - started)
        assert_valid(first, text)
        assert _signature(home.check(text).check) == _signature(first)
