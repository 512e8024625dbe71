"""Re-embedding an index with another encoder, and the encoder format an index records."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from fakes import FakeEmbedder

from credibility.app import Home, index_settings
from credibility.engine.ingest import ingest, open_reader, open_writer, reembed_index
from credibility.errors import IndexLockedError, IndexMismatchError
from credibility.model.records import ArticleRecord
from credibility.settings import Settings
from index import reembed as reembed_module
from index.store import IndexReader

BODY = (
    "The city council approved a new budget of 12 million dollars on Monday. "
    "The mayor said the money would go to schools and roads. "
    "Critics argued that the plan ignored public transport."
)


class OtherEncoder(FakeEmbedder):
    """Another backend: the fake's vectors, rotated (so they differ), with an export format."""

    backend = "onnx-int8"

    def __init__(self, format_version: int = 4) -> None:
        super().__init__()
        self.format_version = format_version
        self.calls_sizes: list[int] = []

    def encode(self, sentences: Sequence[str]) -> np.ndarray:
        self.calls_sizes.append(len(sentences))
        return np.ascontiguousarray(np.roll(super().encode(sentences), 1, axis=1))


def records() -> list[ArticleRecord]:
    return [
        ArticleRecord(id="a1", text=BODY, title="Council budget"),
        ArticleRecord(id="a2", text=BODY.replace("12", "14"), title="Council budget, again"),
        ArticleRecord(id="copy", text=BODY, title="Council budget"),  # a duplicate of a1
        ArticleRecord(
            id="f1",
            kind="factcheck",
            text="We rated the claim false.",
            claim="The council cut the school budget.",
            rating="False",
        ),
    ]


def build(settings: Settings, embedder: object) -> None:
    with open_writer(settings, embedder) as writer:  # type: ignore[arg-type]
        ingest(records(), writer, embedder)  # type: ignore[arg-type]
    with open_writer(settings, embedder) as writer:  # type: ignore[arg-type]
        writer.delete_article("a2")  # leaves a gap in the sentence ids, and unused vectors


def snapshot(settings: Settings) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    reader = IndexReader.open(settings.index_dir)
    try:
        articles = [tuple(sorted(row.items())) for row in reader.article_payloads()]
        sentences = [
            (s.id, s.article_id, s.role, s.position, s.start, s.end, s.text, s.norm_hash)
            for article_id in reader.article_ids()
            for s in reader.article_sentences(article_id)
        ]
        return articles, sentences
    finally:
        reader.close()


def test_reembed_keeps_every_article_and_sentence_id_and_swaps_the_vectors(
    settings: Settings, fake_embedder: FakeEmbedder
) -> None:
    build(settings, fake_embedder)
    before = snapshot(settings)
    other = OtherEncoder()
    progress: list[tuple[int, int]] = []
    report = reembed_index(settings, other, on_progress=lambda done, total: progress.append((done, total)))

    assert snapshot(settings) == before  # ids, fields, dates, duplicate links, offsets
    assert (report.articles, report.duplicates, report.encoder_backend) == (2, 1, "onnx-int8")
    assert report.sentences == len(before[1])
    assert report.embedded == len({s[7] for s in before[1]}) == sum(other.calls_sizes)
    assert progress[0] == (0, report.embedded) and progress[-1] == (report.embedded, report.embedded)
    config = json.loads((settings.index_dir / "config.json").read_text())
    assert (config["encoder_backend"], config["encoder_format_version"]) == ("onnx-int8", 4)
    assert not list(settings.home.glob(".index*"))  # the staging folder is gone (it held the old index)

    reader = open_reader(settings, other)  # type: ignore[arg-type]
    try:
        ids = [s[0] for s in before[1]]
        texts = [str(s[6]) for s in before[1]]
        np.testing.assert_array_equal(reader.vectors(ids), other.encode(texts))
        # A search finds the sentence through the new vectors.
        hits = reader.search(other.encode(["The mayor said the money would go to schools and roads."]), 1)
        assert reader.sentences([hits[0][0][0]])[hits[0][0][0]].article_id == "a1"
        assert reader.stats().vectors == report.embedded  # unused vectors were not carried over
    finally:
        reader.close()
    with pytest.raises(IndexMismatchError, match="onnx-int8"):
        open_reader(settings, fake_embedder)  # type: ignore[arg-type]


def test_a_failed_reembed_leaves_the_index_as_it_was(
    settings: Settings, fake_embedder: FakeEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    build(settings, fake_embedder)
    before = snapshot(settings)
    config_before = (settings.index_dir / "config.json").read_text()

    class Broken(OtherEncoder):
        def encode(self, sentences: Sequence[str]) -> np.ndarray:
            raise RuntimeError("encoder died")

    with pytest.raises(RuntimeError, match="encoder died"):
        reembed_index(settings, Broken())
    assert snapshot(settings) == before
    assert (settings.index_dir / "config.json").read_text() == config_before
    assert not reembed_module.staging_dir(settings.index_dir).exists()
    open_reader(settings, fake_embedder).close()  # type: ignore[arg-type]


def test_reembed_waits_for_no_one_holding_the_lock(settings: Settings, fake_embedder: FakeEmbedder) -> None:
    build(settings, fake_embedder)
    with open_writer(settings, fake_embedder), pytest.raises(IndexLockedError):  # type: ignore[arg-type]
        reembed_index(settings, OtherEncoder())


def test_reembed_without_an_atomic_exchange_swaps_by_two_renames(
    settings: Settings, fake_embedder: FakeEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    build(settings, fake_embedder)
    before = snapshot(settings)
    monkeypatch.setattr(reembed_module, "_rename_exchange", lambda first, second: False)
    reembed_index(settings, OtherEncoder())
    assert snapshot(settings) == before
    assert json.loads((settings.index_dir / "config.json").read_text())["encoder_backend"] == "onnx-int8"
    assert not list(settings.home.glob(".index*"))


def test_an_index_of_an_older_export_is_refused_with_what_to_do(
    settings: Settings, fake_embedder: FakeEmbedder
) -> None:
    old = OtherEncoder(format_version=3)  # dynamic int8: its vectors depend on the batch
    with open_writer(settings, old) as writer:  # type: ignore[arg-type]
        ingest(records()[:1], writer, old)  # type: ignore[arg-type]
    # Written by format 3 (recorded), opened by format 4, which does not reproduce its vectors.
    with pytest.raises(IndexMismatchError, match=r"credibility index rebuild --backend onnx-int8"):
        open_reader(settings, OtherEncoder())  # type: ignore[arg-type]
    # An index from before indexes recorded the format reads as format 0: refused the same way.
    config_file = settings.index_dir / "config.json"
    config = json.loads(config_file.read_text())
    del config["encoder_format_version"]
    config_file.write_text(json.dumps(config))
    with pytest.raises(IndexMismatchError, match="older encoder export"):
        open_writer(settings, OtherEncoder())  # type: ignore[arg-type]
    # A newer export than this version makes: refused too.
    config["encoder_format_version"] = 99
    config_file.write_text(json.dumps(config))
    with pytest.raises(IndexMismatchError, match="upgrade credibility"):
        open_reader(settings, OtherEncoder())  # type: ignore[arg-type]


def test_float_onnx_vectors_of_any_export_are_accepted(settings: Settings) -> None:
    class Float(OtherEncoder):
        backend = "onnx"

    with open_writer(settings, Float()) as writer:  # type: ignore[arg-type]
        ingest(records()[:1], writer, Float())  # type: ignore[arg-type]
    config_file = settings.index_dir / "config.json"
    config = json.loads(config_file.read_text())
    assert config["encoder_format_version"] == 4
    del config["encoder_format_version"]  # an index from before indexes recorded the format
    config_file.write_text(json.dumps(config))
    open_reader(settings, Float()).close()  # type: ignore[arg-type]


def test_a_wrapper_that_does_not_pass_the_format_on_gets_this_versions_export(
    settings: Settings,
) -> None:
    class Wrapper(FakeEmbedder):  # a fan-out or primed embedder: backend, no format_version
        backend = "onnx-int8"

    with open_writer(settings, OtherEncoder()) as writer:  # type: ignore[arg-type]
        ingest(records()[:1], writer, OtherEncoder())  # type: ignore[arg-type]
    open_reader(settings, Wrapper()).close()  # type: ignore[arg-type]


def test_an_existing_index_keeps_its_backend_unless_one_is_chosen(
    tmp_path: Path, fake_embedder: FakeEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CREDIBILITY_ENCODER_BACKEND", raising=False)
    settings = Settings(home=tmp_path / "home", model="fake-model")
    assert settings.encoder_backend == "onnx-int8" and not settings.encoder_backend_is_set
    assert index_settings(settings) is settings  # no index yet: the default, for a new one
    build(settings, fake_embedder)  # the fake is a torch embedder
    assert index_settings(settings).encoder_backend == "torch"
    assert Home(settings, embedder=fake_embedder).settings.encoder_backend == "torch"
    chosen = Settings(home=tmp_path / "home", model="fake-model", encoder_backend="onnx")
    assert index_settings(chosen) is chosen  # chosen: kept (and refused by the index if it differs)
    monkeypatch.setenv("CREDIBILITY_ENCODER_BACKEND", "onnx")
    assert index_settings(Settings(home=tmp_path / "home", model="fake-model")).encoder_backend == "onnx"


def test_a_home_reopens_an_index_that_was_reembedded_meanwhile(
    settings: Settings, fake_embedder: FakeEmbedder
) -> None:
    build(settings, fake_embedder)
    home = Home(settings, embedder=fake_embedder)
    try:
        first = home.reader()
        assert not first.replaced()
        # Another process re-embeds with the same backend (the fake's vectors): the Home notices.
        reembed_index(settings, FakeEmbedder())
        assert first.replaced()
        second = home.reader()
        assert second is not first and not second.replaced()
        assert second.stats().articles == 2
    finally:
        home.close()
