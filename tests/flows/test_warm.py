"""The warm home keeps one model and one open index, and notices a newer index by itself."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from credibility.app import Home
from credibility.embed.embedder import Embedder
from credibility.errors import IndexNotFoundError
from credibility.model.records import ArticleRecord
from credibility.settings import Settings
from flows.warm import warm_home

pytestmark = pytest.mark.slow

FERRY = "The Port Ellery ferry resumed service on Monday after a three-week strike ended with a pay rise for crews."


def _add(settings: Settings, embedder: Embedder, record: ArticleRecord, folder: Path) -> None:
    path = folder / f"{record.id}.json"
    path.write_text(
        json.dumps({"id": record.id, "text": record.text, "title": record.title}), encoding="utf-8"
    )
    with Home(settings, embedder=embedder) as writer_home:  # another process: the CLI or ingest-verified
        writer_home.ingest([str(path)])


def test_a_new_generation_is_used_by_the_next_check(tmp_path: Path, real_embedder: Embedder) -> None:
    settings = Settings(home=tmp_path / "home")
    checker = Home(settings, embedder=real_embedder)
    with pytest.raises(IndexNotFoundError):
        checker.check(FERRY)  # no index yet: a clear error, and the home stays usable

    _add(
        settings,
        real_embedder,
        ArticleRecord(id="budget", text="Riverton council approved a budget."),
        tmp_path,
    )
    first = checker.check(FERRY).check
    assert first.sentences[0].label == "unsupported"
    generation = checker.generation

    # Another writer (ingest-verified, the CLI) commits while the checker stays up.
    _add(
        settings,
        real_embedder,
        ArticleRecord(id="ferry", text=FERRY, title="Ferry resumes service"),
        tmp_path,
    )
    second = checker.check(FERRY).check
    assert checker.generation > generation
    assert second.verdict.engine.index_generation == checker.generation
    assert second.sentences[0].label == "supported"
    assert second.verdict.copied_from or second.sentences[0].evidence is not None
    checker.close()


def test_one_home_per_settings(tmp_path: Path) -> None:
    a = Settings(home=tmp_path / "a")
    assert warm_home(a) is warm_home(Settings(home=tmp_path / "a"))
    assert warm_home(a) is not warm_home(Settings(home=tmp_path / "b"))
