"""The warm checker keeps one model and one open index, and notices a newer index by itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from credibility.embed.embedder import Embedder
from credibility.engine.ingest import ingest, open_writer
from credibility.errors import IndexNotFoundError
from credibility.model.records import ArticleRecord
from credibility.settings import Settings
from flows.warm import WarmChecker, warm_checker

pytestmark = pytest.mark.slow

FERRY = "The Port Ellery ferry resumed service on Monday after a three-week strike ended with a pay rise for crews."


def _add(settings: Settings, embedder: Embedder, record: ArticleRecord) -> None:
    with open_writer(settings, embedder) as writer:
        ingest([record], writer, embedder)


def test_a_new_generation_is_used_by_the_next_check(tmp_path: Path, real_embedder: Embedder) -> None:
    settings = Settings(home=tmp_path / "home")
    checker = WarmChecker(settings)
    with pytest.raises(IndexNotFoundError):
        checker.check(FERRY)  # no index yet: a clear error, and the checker stays usable

    _add(settings, real_embedder, ArticleRecord(id="budget", text="Riverton council approved a budget."))
    first = checker.check(FERRY)
    assert first.sentences[0].label == "unsupported"
    generation = checker.generation

    # Another writer (ingest-verified, the CLI) commits while the checker stays up.
    _add(settings, real_embedder, ArticleRecord(id="ferry", text=FERRY, title="Ferry resumes service"))
    second = checker.check(FERRY)
    assert checker.generation > generation
    assert second.verdict.engine.index_generation == checker.generation
    assert second.sentences[0].label == "supported"
    assert second.verdict.copied_from or second.sentences[0].evidence is not None
    checker.close()


def test_one_checker_per_settings(tmp_path: Path) -> None:
    a = Settings(home=tmp_path / "a")
    assert warm_checker(a) is warm_checker(Settings(home=tmp_path / "a"))
    assert warm_checker(a) is not warm_checker(Settings(home=tmp_path / "b"))
