"""Determinism of the default encoder (static int8): a sentence's vector, and so an article's labels
and scores, do not depend on what else is encoded beside it.

Real model, the default settings' backend. An article is checked alone (its own sentences are all
the encoder sees) and inside a batch of 50 articles whose sentences were encoded together first,
in one call, as a bulk check does: the same labels, scores and evidence, to the last bit.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from credibility.app import Home, sample_paths
from credibility.embed.base import EmbedderBase
from credibility.embed.embedder import Embedder
from credibility.settings import DEFAULT_ENCODER_BACKEND, Settings

pytestmark = pytest.mark.slow

GOLD = Path(__file__).parent / "text" / "data" / "sentence_gold.json"


class Alone(EmbedderBase):
    """The real encoder, fresh per check (its own embedding memo), encoding only what it is given."""

    def __init__(self, base: Embedder) -> None:
        super().__init__(base.model_name, base.backend, base.dimension, base.format_version)  # type: ignore[attr-defined]
        self._base = base

    def _encode(self, sentences: Sequence[str]) -> np.ndarray:
        return self._base.encode(sentences)


class Primed(Alone):
    """Serves vectors encoded ahead, all sentences of all articles in one call (a bulk check)."""

    def __init__(self, base: Embedder, texts: Sequence[str]) -> None:
        super().__init__(base)
        unique = list(dict.fromkeys(texts))
        self._vectors = dict(zip(unique, base.encode(unique), strict=True))

    def _encode(self, sentences: Sequence[str]) -> np.ndarray:
        return np.stack([self._vectors[s] for s in sentences])


def _articles() -> list[str]:
    """50 articles: the sample repost, sample articles with a number changed and a promo added, and
    invented news paragraphs (the sentence-splitting gold set): verbatim, altered and unknown text."""
    paths = sample_paths()
    texts = [paths["repost"].read_text(encoding="utf-8")]
    for line in paths["articles"].read_text(encoding="utf-8").splitlines():
        body = json.loads(line)["text"]
        texts.append(body.replace("2", "7", 1) + "\n\nREAD ALSO: Vaccines contain microchips, insiders say.")
    cases = json.loads(GOLD.read_text(encoding="utf-8"))["cases"]
    texts.extend(case["text"] for case in cases if len(case["sentences"]) >= 2)
    return texts[:50]


def _view(result: Any) -> list[dict[str, Any]]:
    return [sentence.as_dict() for sentence in result.check.sentences] + [
        {"label": result.check.verdict.label}
    ]


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory, real_embedder: Embedder) -> Home:
    assert real_embedder.backend == DEFAULT_ENCODER_BACKEND == "onnx-int8"
    settings = Settings(home=tmp_path_factory.mktemp("determinism"))
    core = Home(settings, embedder=real_embedder)
    paths = sample_paths()
    core.ingest([str(paths["articles"])])
    core.ingest([str(paths["factchecks"])], kind="factcheck")
    return core


def test_a_sentence_gets_the_same_vector_alone_and_in_any_batch(home: Home, real_embedder: Embedder) -> None:
    sentences = list(dict.fromkeys(home.sentences_of(_articles())))
    assert len(sentences) > 120
    together = real_embedder.encode(sentences)
    alone = np.vstack([real_embedder.encode([s]) for s in sentences])
    np.testing.assert_array_equal(together, alone)
    shuffled = np.random.default_rng(0).permutation(len(sentences))
    again = real_embedder.encode([sentences[i] for i in shuffled])
    np.testing.assert_array_equal(again, together[shuffled])


def test_an_article_checked_alone_and_in_a_batch_of_50_gets_identical_labels_and_scores(
    home: Home, real_embedder: Embedder
) -> None:
    articles = _articles()
    assert len(articles) == 50
    alone = []
    for text in articles:
        with home.using_embedder(Alone(real_embedder)):
            alone.append(_view(home.check(text)))
    primed = Primed(real_embedder, home.sentences_of(articles))
    with home.using_embedder(primed):
        batch = [_view(home.check(text)) for text in articles]
    for one, other in zip(alone, batch, strict=True):
        assert one == other
    labels = {s["label"] for view in alone for s in view[:-1]}
    assert {"supported", "unsupported"} <= labels  # the articles exercise the encoder's matches
    scores = [s["score"] for view in alone for s in view[:-1] if s.get("score") is not None]
    assert any(0.0 < score < 0.999 for score in scores)  # not only verbatim matches
