"""The index: update rules, removal, persistence, refusal, crash safety, readers during writes, the lock."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from credibility.engine.ingest import ingest, open_reader, open_writer, remove
from credibility.engine.search import search_texts
from credibility.errors import IndexLockedError, IndexMismatchError, IndexNotFoundError
from credibility.model.records import ArticleRecord
from credibility.settings import Settings
from index.store import IndexIdentity, IndexReader, IndexWriter

BODY = (
    "The city council approved a new budget of 12 million dollars on Monday. "
    "The mayor said the money would go to schools and roads. "
    "Critics argued that the plan ignored public transport."
)


def record(article_id: str, text: str = BODY, **fields: str) -> ArticleRecord:
    return ArticleRecord(id=article_id, text=text, title=fields.pop("title", "Council budget"), **fields)  # type: ignore[arg-type]


def add(settings: Settings, embedder: object, *records: ArticleRecord) -> object:
    with open_writer(settings, embedder) as writer:  # type: ignore[arg-type]
        return ingest(list(records), writer, embedder)  # type: ignore[arg-type]


def test_add_persist_and_search(settings: Settings, fake_embedder: object) -> None:
    report = add(settings, fake_embedder, record("a1"))
    assert report.added == 1 and report.sentences_added == 4  # title + 3 body sentences
    reader = open_reader(settings, fake_embedder)  # type: ignore[arg-type]
    try:
        hits = search_texts(
            reader, fake_embedder, ["The mayor said the money would go to schools and roads."]
        )  # type: ignore[arg-type]
        assert hits[0][0].article_id == "a1"
        assert hits[0][0].sentence == "The mayor said the money would go to schools and roads."
        assert hits[0][0].score == pytest.approx(1.0, abs=1e-4)
        stats = reader.stats()
        assert (stats.articles, stats.sentences, stats.faiss_vectors) == (1, 4, 4)
        sentences = reader.article_sentences("a1")
        body = [s for s in sentences if s.role == "body"]
        assert BODY[body[1].start : body[1].end] == body[1].text
        # The claim ranker reads only the title and claim rows of many articles at once.
        by_role = reader.sentence_ids_by_role(["a1", "missing"], ("title",))
        assert by_role == {"a1": [(s.id, "title") for s in sentences if s.role == "title"]}
        vectors = reader.vectors([s.id for s in sentences])
        assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    finally:
        reader.close()


def test_same_id_same_content_changes_nothing(settings: Settings, fake_embedder: object) -> None:
    add(settings, fake_embedder, record("a1"))
    before = fake_embedder.encoded  # type: ignore[attr-defined]
    report = add(settings, fake_embedder, record("a1"))
    assert report.unchanged == 1 and report.added == 0
    assert fake_embedder.encoded == before  # type: ignore[attr-defined]


def test_same_id_new_content_replaces_sentences(settings: Settings, fake_embedder: object) -> None:
    add(settings, fake_embedder, record("a1"))
    report = add(settings, fake_embedder, record("a1", "Flooding closed the northern bridge on Friday."))
    assert report.replaced == 1
    reader = open_reader(settings, fake_embedder)  # type: ignore[arg-type]
    try:
        texts = [s.text for s in reader.article_sentences("a1")]
        assert texts == ["Council budget", "Flooding closed the northern bridge on Friday."]
        assert reader.stats().faiss_vectors == 2
        hits = search_texts(reader, fake_embedder, ["Critics argued that the plan ignored public transport."])  # type: ignore[arg-type]
        assert all("Critics" not in h.sentence for h in hits[0])
    finally:
        reader.close()


def test_new_id_with_known_content_is_a_duplicate(settings: Settings, fake_embedder: object) -> None:
    add(settings, fake_embedder, record("wire-1", source="Wire"))
    report = add(settings, fake_embedder, record("copy-1", source="Daily Copy"))
    assert report.duplicates == 1 and report.sentences_added == 0
    reader = open_reader(settings, fake_embedder)  # type: ignore[arg-type]
    try:
        assert reader.article("copy-1").duplicate_of == "wire-1"  # type: ignore[union-attr]
        stats = reader.stats()
        assert (stats.articles, stats.duplicates, stats.sentences) == (1, 1, 4)
    finally:
        reader.close()


def test_duplicates_in_one_batch(settings: Settings, fake_embedder: object) -> None:
    report = add(settings, fake_embedder, record("x"), record("y"))
    assert (report.added, report.duplicates) == (1, 1)


def test_remove_retracts_and_promotes_a_duplicate(settings: Settings, fake_embedder: object) -> None:
    add(
        settings,
        fake_embedder,
        record("wire-1"),
        record("copy-1"),
        record("other", "Snow fell in the hills."),
    )
    with open_writer(settings, fake_embedder) as writer:  # type: ignore[arg-type]
        removed, unknown = remove(["wire-1", "missing"], writer, fake_embedder)  # type: ignore[arg-type]
    assert removed == ["wire-1"] and unknown == ["missing"]
    reader = open_reader(settings, fake_embedder)  # type: ignore[arg-type]
    try:
        assert reader.article("wire-1") is None
        heir = reader.article("copy-1")
        assert heir is not None and heir.duplicate_of is None
        hits = search_texts(
            reader, fake_embedder, ["The mayor said the money would go to schools and roads."]
        )  # type: ignore[arg-type]
        assert hits[0][0].article_id == "copy-1"
        assert reader.stats().faiss_vectors == reader.stats().sentences == 4 + 2
    finally:
        reader.close()


def test_claim_only_factcheck_is_valid(settings: Settings, fake_embedder: object) -> None:
    fc = ArticleRecord(id="fc1", claim="Windmills cause cancer.", rating="pants-fire", kind="factcheck")
    add(settings, fake_embedder, fc)
    reader = open_reader(settings, fake_embedder)  # type: ignore[arg-type]
    try:
        row = reader.article("fc1")
        assert row is not None and row.verdict == "false" and row.kind == "factcheck"
        assert [s.role for s in reader.article_sentences("fc1")] == ["claim"]
    finally:
        reader.close()


def test_repeated_sentences_are_embedded_once(settings: Settings, fake_embedder: object) -> None:
    shared = "Click here to read more about our ratings."
    add(
        settings, fake_embedder, record("a", f"First story. {shared}"), record("b", f"Second story. {shared}")
    )
    # title (shared), 2 distinct first sentences, the shared line: 4 unique texts
    assert fake_embedder.encoded == 4  # type: ignore[attr-defined]


def test_reopen_refuses_another_model_or_dimension(settings: Settings, fake_embedder: object) -> None:
    add(settings, fake_embedder, record("a1"))
    with pytest.raises(IndexMismatchError, match="model"):
        IndexReader.open(settings.index_dir, IndexIdentity(model="other-model", dimension=64))
    with pytest.raises(IndexMismatchError, match="dimension"):
        IndexWriter.open(settings.index_dir, IndexIdentity(model="fake-model", dimension=384))
    with pytest.raises(IndexMismatchError, match="normalization_version"):
        IndexReader.open(
            settings.index_dir, IndexIdentity(model="fake-model", dimension=64, normalization_version=99)
        )


def test_missing_index_says_how_to_build_one(tmp_path: Path) -> None:
    with pytest.raises(IndexNotFoundError, match="credibility index add"):
        IndexReader.open(tmp_path / "nothing")


def test_second_writer_gets_a_clear_lock_error(settings: Settings, fake_embedder: object) -> None:
    with open_writer(settings, fake_embedder), pytest.raises(IndexLockedError, match="locked"):  # type: ignore[arg-type]
        open_writer(settings, fake_embedder)  # type: ignore[arg-type]
    open_writer(settings, fake_embedder).close()  # type: ignore[arg-type]  # released afterwards


def test_reader_during_write_sees_previous_state(settings: Settings, fake_embedder: object) -> None:
    add(settings, fake_embedder, record("a1"))
    writer = open_writer(settings, fake_embedder)  # type: ignore[arg-type]
    try:
        ingest_without_commit = [record("b1", "Storms hit the coast overnight.")]
        from credibility.engine.ingest import _apply_batch, _Tally, prepare

        list(_apply_batch([prepare(r) for r in ingest_without_commit], writer, fake_embedder, _Tally()))  # type: ignore[arg-type]
        reader = open_reader(settings, fake_embedder)  # type: ignore[arg-type]
        assert reader.article("b1") is None and reader.stats().articles == 1
        writer.commit()
        assert reader.refresh() is True
        assert reader.article("b1") is not None
        hits = search_texts(reader, fake_embedder, ["Storms hit the coast overnight."])  # type: ignore[arg-type]
        assert hits[0][0].article_id == "b1"
        reader.close()
    finally:
        writer.close()


CRASH_SCRIPT = """
import os, sys
sys.path.insert(0, {tests!r})
from conftest import FakeEmbedder
from credibility.settings import Settings
from credibility.engine.ingest import ingest, open_writer
from credibility.model.records import ArticleRecord
from index.vectors import VectorIndex

original_save = VectorIndex.save
def save_then_die(self, path):
    original_save(self, path)
    os._exit(17)  # power cut: vectors appended, FAISS file written, SQLite not committed
VectorIndex.save = save_then_die
settings = Settings(home={home!r}, model="fake-model")
embedder = FakeEmbedder()
writer = open_writer(settings, embedder)
ingest([ArticleRecord(id="crash", text="This write never commits. It has two sentences.")], writer, embedder)
"""


def test_crash_mid_write_leaves_previous_state_loadable(settings: Settings, fake_embedder: object) -> None:
    add(settings, fake_embedder, record("a1"))
    script = CRASH_SCRIPT.format(tests=str(Path(__file__).parents[1]), home=str(settings.home))
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(script)], capture_output=True, text=True)
    assert result.returncode == 17, result.stderr
    reader = open_reader(settings, fake_embedder)  # type: ignore[arg-type]
    try:
        assert reader.article("crash") is None
        assert reader.stats().articles == 1 and reader.stats().faiss_vectors == 4
    finally:
        reader.close()
    # The next writer cleans up and works.
    report = add(settings, fake_embedder, record("b1", "Fresh news arrived today."))
    assert report.added == 1  # type: ignore[attr-defined]
    reader = open_reader(settings, fake_embedder)  # type: ignore[arg-type]
    try:
        ids, _vectors = reader.all_sentence_vectors()
        assert len(ids) == reader.stats().sentences == 6
        hits = search_texts(reader, fake_embedder, ["Fresh news arrived today."])  # type: ignore[arg-type]
        assert hits[0][0].article_id == "b1" and hits[0][0].score == pytest.approx(1.0, abs=1e-4)
    finally:
        reader.close()


def test_error_inside_writer_rolls_back(settings: Settings, fake_embedder: object) -> None:
    add(settings, fake_embedder, record("a1"))

    class BrokenEmbedder(type(fake_embedder)):  # type: ignore[misc]
        def encode(self, sentences: object) -> object:
            raise RuntimeError("encoder died")

    broken = BrokenEmbedder()
    with pytest.raises(RuntimeError, match="encoder died"), open_writer(settings, broken) as writer:
        ingest([record("b1", "Never kept.")], writer, broken)
    reader = open_reader(settings, fake_embedder)  # type: ignore[arg-type]
    try:
        assert reader.article("b1") is None and reader.article("a1") is not None
    finally:
        reader.close()
    assert add(settings, fake_embedder, record("b1", "Kept this time.")).added == 1  # type: ignore[attr-defined]


@pytest.mark.parametrize("index_type", ["ivf", "hnsw"])
def test_other_index_types_support_removal(tmp_path: Path, fake_embedder: object, index_type: str) -> None:
    settings = Settings(home=tmp_path, model="fake-model", index_type=index_type)  # type: ignore[arg-type]
    words = [f"w{i}" for i in range(400)]
    records = [
        ArticleRecord(
            id=f"n{i}", text=f"Story {words[i]} and {words[(i * 7) % 400]} met {words[(i * 13) % 400]}."
        )
        for i in range(400)
    ]
    add(settings, fake_embedder, *records)
    with open_writer(settings, fake_embedder) as writer:  # type: ignore[arg-type]
        remove(["n5"], writer, fake_embedder)  # type: ignore[arg-type]
    reader = open_reader(settings, fake_embedder)  # type: ignore[arg-type]
    try:
        assert reader.stats().index_type == index_type
        assert reader.stats().faiss_vectors == reader.stats().sentences == 399
        hits = search_texts(reader, fake_embedder, [records[5].text], k=3)  # type: ignore[arg-type]
        assert all(h.article_id != "n5" for h in hits[0])
        hits = search_texts(reader, fake_embedder, [records[9].text], k=1)  # type: ignore[arg-type]
        assert hits[0][0].article_id == "n9"
    finally:
        reader.close()


def test_switching_index_types_keeps_results(tmp_path: Path, fake_embedder: object) -> None:
    settings = Settings(home=tmp_path, model="fake-model")
    records = [
        ArticleRecord(id=f"s{i}", text=f"Item {i} of the list had word{i} and word{i * 3}.")
        for i in range(300)
    ]
    add(settings, fake_embedder, *records)
    probe = [records[7].text, records[123].text]
    reader = open_reader(settings, fake_embedder)  # type: ignore[arg-type]
    expected = [h[0].article_id for h in search_texts(reader, fake_embedder, probe)]  # type: ignore[arg-type]
    for index_type in ("hnsw", "ivf", "flat"):
        with open_writer(settings, fake_embedder) as writer:  # type: ignore[arg-type]
            writer.rebuild(index_type)  # type: ignore[arg-type]
        assert reader.refresh() is True
        assert reader.stats().index_type == index_type and reader.stats().faiss_vectors == 300
        assert [h[0].article_id for h in search_texts(reader, fake_embedder, probe)] == expected  # type: ignore[arg-type]
    reader.close()


def test_auto_index_type_switches_to_ivf_past_the_threshold(tmp_path: Path, fake_embedder: object) -> None:
    settings = Settings(home=tmp_path, model="fake-model", index_type="auto", auto_ivf_threshold=700)
    add(
        settings,
        fake_embedder,
        *[ArticleRecord(id=f"a{i}", text=f"First batch story number {i}.") for i in range(300)],
    )
    reader = open_reader(settings, fake_embedder)  # type: ignore[arg-type]
    assert reader.stats().index_type == "flat"
    add(
        settings,
        fake_embedder,
        *[
            ArticleRecord(id=f"b{i}", text=f"Second story {i} on topic{i} and theme{i * 7}.")
            for i in range(700)
        ],
    )
    reader.refresh()
    assert reader.stats().index_type == "ivf" and reader.stats().faiss_vectors == 1000
    hits = search_texts(reader, fake_embedder, ["Second story 12 on topic12 and theme84."])  # type: ignore[arg-type]
    assert hits[0][0].article_id == "b12"
    reader.close()

    # nprobe is a search-time setting: a reader sets it without a rebuild.
    tuned = open_reader(settings.model_copy(update={"ivf_nprobe": 3}), fake_embedder)  # type: ignore[arg-type]
    assert tuned.params.ivf_nprobe == 3 and tuned.params.index_type == "ivf"
    assert open_reader(settings, fake_embedder).params.ivf_nprobe == 32  # type: ignore[arg-type]
    tuned.close()


def test_exact_lookup_keeps_the_first_rows_of_a_stock_line(settings: Settings, fake_embedder: object) -> None:
    stock = "Click here for more on the six ratings."
    add(
        settings,
        fake_embedder,
        *[record(f"a{n}", f"Story number {n} opens here. {stock}") for n in range(5)],
    )
    from credibility.text.normalize import text_hash

    reader = open_reader(settings, fake_embedder)  # type: ignore[arg-type]
    every = reader.sentences_by_hash([text_hash(stock), text_hash("Story number 3 opens here.")])
    assert len(every[text_hash(stock)]) == 5
    limited = reader.sentences_by_hash([text_hash(stock), text_hash("Story number 3 opens here.")], 2)
    assert [r.id for r in limited[text_hash(stock)]] == [r.id for r in every[text_hash(stock)][:2]]
    assert [r.article_id for r in limited[text_hash("Story number 3 opens here.")]] == ["a3"]
    assert reader.sentences_by_hash([text_hash(stock)], 0) == {}
