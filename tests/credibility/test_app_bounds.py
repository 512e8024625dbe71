"""The application core under bad and oversized input: bounds, bad records, the writer lock.

Regressions of the issue's probe: one bad record sank its whole batch with a traceback; a 30 MB
``.txt`` became one article of 364,412 sentences; a second ``index add`` heard "locked" only
after a 22 s model load.
"""

from __future__ import annotations

import gzip
import json
import time
from pathlib import Path

import pytest
from fakes import FakeEmbedder

from credibility.app import Home
from credibility.cli.main import main
from credibility.embed import embedder as embedder_module
from credibility.engine.ingest import BATCH_SENTENCES, ingest, open_writer
from credibility.errors import IndexLockedError
from credibility.model.records import ArticleRecord
from credibility.settings import Settings
from credibility.text.sentences import MAX_SENTENCE_CHARS
from index.store import acquire_writer_lock


def _home(tmp_path: Path, **overrides: object) -> Home:
    return Home(Settings(home=tmp_path / "home", model="fake-model", **overrides), embedder=FakeEmbedder())  # type: ignore[arg-type]


def test_one_bad_record_never_sinks_the_batch(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text(
        '{"id": "a1", "text": "The ferry resumed on Monday."}\n'
        + "[" * 100_000
        + "\n"
        + '{"id": "a2", "text": "Cut emoji \\ud83d here."}\n'
        + '{"id": "a3", "text": "The bridge reopened on Saturday."}\n',
        encoding="utf-8",
    )
    (tmp_path / "b.json").write_text('{"claimReviewed": "\\udca9", "@type": "ClaimReview"}', encoding="utf-8")
    (tmp_path / "c.txt").write_text("Another file goes in too.", encoding="utf-8")
    with _home(tmp_path) as home:
        report = home.ingest([str(tmp_path / n) for n in ("a.jsonl", "b.json", "c.txt")])
        assert report.added == 3, report
        origins = sorted(p.origin for p in report.problems)
        assert origins[:2] == [f"{tmp_path / 'a.jsonl'}:2", f"{tmp_path / 'a.jsonl'}:3"], origins
        assert any("b.json" in o for o in origins)
        assert home.stats().articles == 3


def test_article_bound_at_ingest(tmp_path: Path) -> None:
    """The 30 MB .txt of the probe, at a smaller scale: refused with the bound, the rest goes in."""
    (tmp_path / "huge.txt").write_text("A sentence about the harbour. " * 40_000, encoding="utf-8")
    (tmp_path / "fine.txt").write_text("A short article. It has two sentences.", encoding="utf-8")
    with _home(tmp_path, max_article_chars=2_000_000, max_article_sentences=5_000) as home:
        started = time.perf_counter()
        report = home.ingest([str(tmp_path / "huge.txt"), str(tmp_path / "fine.txt")])
        assert time.perf_counter() - started < 30
        assert report.added == 1
        (problem,) = report.problems
        assert "huge.txt" in problem.origin and "5,000-sentence article bound" in problem.message
    with _home(tmp_path / "2", max_article_chars=100_000) as home:
        (problem,) = home.ingest([str(tmp_path / "huge.txt")]).problems
        assert "100,000-character article bound" in problem.message


def test_batch_bound_keeps_embedding_batches_small(tmp_path: Path) -> None:
    """Articles are embedded together until their sentences reach the batch bound."""
    embedder = FakeEmbedder()
    sizes: list[int] = []
    original = embedder.encode

    def encode(sentences: object) -> object:
        sizes.append(len(sentences))  # type: ignore[arg-type]
        return original(sentences)  # type: ignore[arg-type]

    embedder.encode = encode  # type: ignore[method-assign]
    records = [
        ArticleRecord(id=f"a{n}", text=" ".join(f"Sentence {n} number {k} here." for k in range(300)))
        for n in range(40)
    ]
    settings = Settings(home=tmp_path, model="fake-model")
    with open_writer(settings, embedder) as writer:  # type: ignore[arg-type]
        report = ingest(records, writer, embedder, batch_size=64, batch_sentences=1_000)  # type: ignore[arg-type]
    assert report.added == 40 and max(sizes) <= 1_000 + 300
    assert BATCH_SENTENCES >= 1_000 and MAX_SENTENCE_CHARS == 2_000


def test_gzip_bomb_through_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bomb = tmp_path / "bomb.jsonl.gz"
    with gzip.open(bomb, "wb") as handle:
        line = (json.dumps({"id": "x", "text": "Same record again. " * 50}) + "\n").encode()
        for _ in range(60_000):
            handle.write(line)
    (tmp_path / "ok.jsonl").write_text('{"id": "ok", "text": "Fine."}\n', encoding="utf-8")
    code = main(["index", "add", "--home", str(tmp_path / "h"), str(bomb), str(tmp_path / "ok.jsonl")])
    err = capsys.readouterr().err
    assert code == 2
    assert "decompresses to more than" in err and "Traceback" not in err


def test_second_writer_is_told_before_the_model_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loads: list[float] = []

    def slow_load(settings: Settings) -> FakeEmbedder:
        loads.append(time.perf_counter())
        time.sleep(5)
        return FakeEmbedder()

    monkeypatch.setattr(embedder_module, "load_embedder", slow_load)
    settings = Settings(home=tmp_path / "home", model="fake-model")
    (tmp_path / "a.txt").write_text("Some text.", encoding="utf-8")
    held = acquire_writer_lock(settings.index_dir)
    try:
        for operation in (
            lambda home: home.ingest([str(tmp_path / "a.txt")]),
            lambda home: home.remove(["a"]),
            lambda home: home.rebuild("flat"),
        ):
            started = time.perf_counter()
            with Home(settings) as home, pytest.raises(IndexLockedError, match="locked by another writer"):
                operation(home)
            assert time.perf_counter() - started < 2 and not loads
    finally:
        held.release()
