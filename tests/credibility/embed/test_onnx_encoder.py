"""The ONNX backends against the torch reference, on the real packaged model.

The exports here go to this module's own cache folder (not the session's shared one), so the
export itself is tested.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import cast

import numpy as np
import pytest

from credibility.embed import onnx_export
from credibility.embed.embedder import SentenceTransformerEmbedder, _build, packaged_model_path
from credibility.embed.onnx_model import (
    ENCODER_FORMAT_VERSION,
    META_FILE,
    MODEL_FILE,
    OnnxBackend,
    read_layout,
)
from credibility.embed.onnx_runtime import OnnxEmbedder
from credibility.errors import ModelError
from credibility.settings import DEFAULT_MODEL, Settings

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

LONG = (
    "The state legislature passed the budget after a marathon session that ran past midnight, "
    "with lawmakers trading accusations over school funding, pension obligations, and a proposed "
    "gas tax increase that the governor had promised to veto. "
) * 8  # well over 256 tokens

SENTENCES = [
    "The unemployment rate fell to 3.5% in September, the lowest level since 1969.",
    "Says Joe Biden wants to ban fracking.",
    "Donald Trump said the wall is being built.",
    "Crime in Chicago rose 20 percent last year, according to police data.",
    "The senator voted against the bill 14 times.",
    "Wisconsin added 70,000 manufacturing jobs between 2011 and 2018.",
    "Medicare for All would cost $32 trillion over 10 years.",
    "Says the vaccine contains microchips that track your location.",
    "Under the new law, teachers can be fired for discussing politics in class.",
    "Immigrants commit crimes at lower rates than native-born Americans.",
    "The governor cut education funding by $1.2 billion.",
    "Nearly half of all Americans don't pay federal income taxes.",
    "The Affordable Care Act created 20 new taxes.",
    "Texas has more wind power than any other state.",
    "Florida's population grew by 2.5 million people in the last decade.",
    "We fact-checked this statement and rated it Mostly False.",
    "The mailer erroneously cites as its source a bill that made no mention of abortion.",
    "Matt Williams, a spokesman for the campaign, did not respond to requests for comment.",
    "In 2016, 62.9 million people voted for Trump, while 65.8 million voted for Clinton.",
    "The bill never came up for a vote and died in committee.",
    "Gun deaths outnumber traffic fatalities in 21 states.",
    "Our ruling: the claim is False.",
    "The minimum wage hasn't been raised since July 24, 2009.",
    "China holds about $1.1 trillion of U.S. debt.",
    "“It’s the largest tax cut in American history,” the president said.",
    "Ce projet de loi augmenterait les impôts de la classe moyenne.",
    "El gobernador firmó la ley el martes por la tarde.",
    "Der Bundestag hat das Gesetz mit großer Mehrheit verabschiedet.",
    "東京の人口は約1400万人です。",
    "Президент подписал указ в понедельник.",
    "قال الرئيس إن الاقتصاد ينمو بسرعة.",
    "🚀🔥 Stocks are going to the moon!!! 📈",
    "Naïve café owners in Zürich façade coöperate — résumé attached…",
    "ÀÉÎÕÜ ñ ß ø å æ œ",
    "3.14159 2.71828 1.41421",
    "123 456 7890",
    "1,000,000",
    "$5.99",
    "50%",
    "2024-01-15T10:30:00Z",
    "https://www.politifact.com/factchecks/2019/oct/30/",
    "user@example.com",
    "#FakeNews @realDonaldTrump RT",
    "ALL CAPS HEADLINE ABOUT THE ELECTION RESULTS",
    "tabs\tand\nnewlines\r\nin   odd    spacing",
    "a",
    "No.",
    "Yes!",
    "Hi",
    "?",
    "!!!",
    ".",
    "...",
    "-",
    "",
    "   ",
    LONG,
    LONG + " This trailing clause lies past the truncation point.",
    "Short one.",
    "Budget deficits and the national debt are not the same thing, economists say, "
    "though politicians often use the terms interchangeably in speeches and ads.",
]


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("home") / "encoders"


@pytest.fixture(scope="module")
def reference() -> np.ndarray:
    return SentenceTransformerEmbedder(DEFAULT_MODEL).encode(SENTENCES)


@pytest.fixture(scope="module")
def fp32(cache_dir: Path) -> OnnxEmbedder:
    embedder = _build(Settings(home=cache_dir.parent, encoder_backend="onnx", encoder_cache=cache_dir))
    assert isinstance(embedder, OnnxEmbedder)
    return embedder


@pytest.fixture(scope="module")
def int8(cache_dir: Path) -> OnnxEmbedder:
    embedder = _build(Settings(home=cache_dir.parent, encoder_backend="onnx-int8", encoder_cache=cache_dir))
    assert isinstance(embedder, OnnxEmbedder)
    return embedder


@pytest.fixture(scope="module")
def fp32_vectors(fp32: OnnxEmbedder) -> np.ndarray:
    return fp32.encode(SENTENCES)


@pytest.fixture(scope="module")
def int8_vectors(int8: OnnxEmbedder) -> np.ndarray:
    return int8.encode(SENTENCES)


def _cosines(vectors: np.ndarray, reference: np.ndarray) -> np.ndarray:
    return np.asarray((vectors.astype(np.float64) * reference.astype(np.float64)).sum(axis=1))


@pytest.mark.slow
def test_the_sentences_cover_truncation_and_oddities(fp32: OnnxEmbedder) -> None:
    assert len(SENTENCES) >= 60
    assert len(fp32._loaded().tokenizer.encode(LONG).ids) == 256  # truncated to max_seq_length


@pytest.mark.slow
def test_onnx_matches_torch_on_every_sentence(fp32_vectors: np.ndarray, reference: np.ndarray) -> None:
    cosines = _cosines(fp32_vectors, reference)
    worst = int(cosines.argmin())
    assert cosines.min() >= 0.999, (SENTENCES[worst], cosines[worst])


@pytest.mark.slow
def test_onnx_int8_is_close_to_torch_on_every_sentence(
    int8_vectors: np.ndarray, reference: np.ndarray
) -> None:
    cosines = _cosines(int8_vectors, reference)
    worst = int(cosines.argmin())
    assert cosines.min() >= 0.98, (SENTENCES[worst], cosines[worst])
    assert cosines.mean() >= 0.99


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["onnx", "onnx-int8"])
def test_output_contract(
    backend: str,
    fp32: OnnxEmbedder,
    int8: OnnxEmbedder,
    fp32_vectors: np.ndarray,
    int8_vectors: np.ndarray,
) -> None:
    embedder, vectors = (fp32, fp32_vectors) if backend == "onnx" else (int8, int8_vectors)
    assert embedder.backend == backend
    assert embedder.model_name == DEFAULT_MODEL
    assert embedder.dimension == 384
    assert vectors.shape == (len(SENTENCES), 384)
    assert vectors.dtype == np.float32
    assert vectors.flags.c_contiguous
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    empty = embedder.encode([])
    assert empty.shape == (0, 384)
    assert empty.dtype == np.float32


@pytest.mark.slow
def test_truncation_at_max_seq_length(fp32: OnnxEmbedder) -> None:
    long, longer = fp32.encode([LONG, LONG + " And yet more words that the model never sees."])
    np.testing.assert_allclose(long, longer, atol=1e-6)


@pytest.mark.slow
def test_length_sorting_preserves_order(
    cache_dir: Path, fp32: OnnxEmbedder, fp32_vectors: np.ndarray
) -> None:
    one_by_one = np.vstack([fp32.encode([sentence]) for sentence in SENTENCES])
    np.testing.assert_allclose(fp32_vectors, one_by_one, atol=1e-4)
    small_batches = OnnxEmbedder(DEFAULT_MODEL, "onnx", cache_dir=cache_dir, batch_size=4)
    np.testing.assert_allclose(small_batches.encode(SENTENCES), one_by_one, atol=1e-4)
    reversed_rows = fp32.encode(SENTENCES[::-1])
    np.testing.assert_allclose(reversed_rows[::-1], one_by_one, atol=1e-4)


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["onnx", "onnx-int8"])
def test_cache_is_reused(
    backend: str,
    cache_dir: Path,
    fp32: OnnxEmbedder,
    int8: OnnxEmbedder,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = fp32 if backend == "onnx" else int8
    model_file = first.folder / MODEL_FILE
    before = model_file.stat().st_mtime_ns

    def no_export(*args: object, **kwargs: object) -> None:
        raise AssertionError("the cached export should have been reused")

    monkeypatch.setattr(onnx_export, "_export", no_export)
    second = OnnxEmbedder(DEFAULT_MODEL, cast(OnnxBackend, backend), cache_dir=cache_dir)
    assert second.folder == first.folder
    assert model_file.stat().st_mtime_ns == before
    np.testing.assert_array_equal(second.encode(SENTENCES[:5]), first.encode(SENTENCES[:5]))


@pytest.mark.slow
def test_cache_layout_and_metadata(cache_dir: Path, fp32: OnnxEmbedder, int8: OnnxEmbedder) -> None:
    assert fp32.folder.parent == int8.folder.parent
    assert fp32.folder.parent.parent == cache_dir
    assert fp32.folder.parent.name.startswith("sentence-transformers_all-MiniLM-L6-v2-")
    assert not list(fp32.folder.parent.glob(".tmp-*"))  # no half-written exports left behind
    for embedder in (fp32, int8):
        meta = json.loads((embedder.folder / META_FILE).read_text())
        assert meta["model"] == DEFAULT_MODEL
        assert meta["backend"] == embedder.backend
        assert meta["dimension"] == 384
        assert meta["max_seq_length"] == 256
        assert meta["pooling"] == "mean"
        assert meta["normalize"] is True
        assert {"onnxruntime", "onnx", "tokenizers", "torch"} <= set(meta["versions"])
    # The int8 weights are a quarter of the float ones; the word embeddings (half the float model)
    # stay float.
    assert (int8.folder / MODEL_FILE).stat().st_size < 0.8 * (fp32.folder / MODEL_FILE).stat().st_size
    meta = json.loads((int8.folder / META_FILE).read_text())
    assert meta["format_version"] == ENCODER_FORMAT_VERSION == int8.format_version
    assert meta["quantization"].startswith("static int8")
    assert meta["min_cosine_to_fp32"] >= onnx_export.MIN_QUANTIZED_COSINE
    assert meta["calibration"]["sentences"] > 400
    assert isinstance(meta["padding_exact"], bool)
    assert fp32.format_version == ENCODER_FORMAT_VERSION


@pytest.mark.slow
def test_int8_vectors_do_not_depend_on_the_batch(
    cache_dir: Path, int8: OnnxEmbedder, int8_vectors: np.ndarray
) -> None:
    # Static quantization: alone, in small batches, reversed, among other sentences: the same bits.
    one_by_one = np.vstack([int8.encode([sentence]) for sentence in SENTENCES])
    np.testing.assert_array_equal(int8_vectors, one_by_one)
    small_batches = OnnxEmbedder(DEFAULT_MODEL, "onnx-int8", cache_dir=cache_dir, batch_size=3)
    np.testing.assert_array_equal(small_batches.encode(SENTENCES), one_by_one)
    np.testing.assert_array_equal(int8.encode(SENTENCES[::-1])[::-1], one_by_one)
    mixed = int8.encode([*SENTENCES[::2], *SENTENCES, *SENTENCES[1::3]])
    np.testing.assert_array_equal(
        mixed[len(SENTENCES[::2]) : len(SENTENCES[::2]) + len(SENTENCES)], one_by_one
    )


def test_int8_export_plans_quantize_less_in_turn() -> None:
    plans = onnx_export._PLANS
    assert plans[0].attention and plans[0].up and plans[0].down  # every projection first
    assert not any(plan.down for plan in plans[1:])
    assert not plans[-1].attention and not plans[-1].up


@pytest.mark.slow
def test_a_plan_that_fails_the_check_gives_way_to_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fp32: OnnxEmbedder
) -> None:
    for cache in ("encoders", "other"):  # the float export is reused, not made again
        (tmp_path / cache / fp32.folder.parent.name).mkdir(parents=True)
        (tmp_path / cache / fp32.folder.parent.name / "onnx").symlink_to(fp32.folder)
    # A short calibration: this tests the fallback, not the accuracy (the module's export does).
    lines = onnx_export.CALIBRATION_FILE.read_text(encoding="utf-8").splitlines()
    (tmp_path / "calibration.txt").write_text("\n".join(lines[::10]), encoding="utf-8")
    monkeypatch.setattr(onnx_export, "CALIBRATION_FILE", tmp_path / "calibration.txt")
    real_check = onnx_export._check_quantized
    calls: list[float] = []

    def first_plan_fails(*args: object) -> tuple[float, bool]:
        lowest, exact = real_check(*args)  # type: ignore[arg-type]
        calls.append(lowest)
        return (0.5 if len(calls) == 1 else lowest), exact

    monkeypatch.setattr(onnx_export, "_check_quantized", first_plan_fails)
    embedder = OnnxEmbedder(DEFAULT_MODEL, "onnx-int8", cache_dir=tmp_path / "encoders")
    meta = json.loads((embedder.folder / META_FILE).read_text())
    assert len(calls) == 2
    assert meta["quantization"].endswith(onnx_export._PLANS[1].name)
    assert meta["min_cosine_to_fp32"] == round(calls[1], 4)
    vectors = embedder.encode(SENTENCES[:10])
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)

    monkeypatch.setattr(onnx_export, "_check_quantized", lambda *args: (0.5, True))
    monkeypatch.setattr(onnx_export, "_PLANS", onnx_export._PLANS[-1:])  # one failing plan is enough
    with pytest.raises(ModelError, match="use encoder_backend='onnx'"):
        OnnxEmbedder(DEFAULT_MODEL, "onnx-int8", cache_dir=tmp_path / "other")
    assert not list((tmp_path / "other").glob("*/onnx-int8"))  # nothing half-written kept
    assert not list((tmp_path / "other").glob("*/.tmp-*"))


def test_batches_are_cut_by_length_and_split_between_workers() -> None:
    embedder = object.__new__(OnnxEmbedder)
    embedder._batch_size, embedder._workers = 16, 2
    embedder._one_length_per_batch = False
    lengths = np.array([30, 29, 28, 27, 18, 17, 16, 15, 14, 13])
    order = np.argsort(-lengths, kind="stable")
    batches = [lengths[b].tolist() for b in embedder._batches(order, lengths)]
    assert batches == [[30, 29, 28, 27], [18, 17, 16, 15, 14], [13]]  # cut where under 3/4 of the first
    few = np.array([20, 20, 20])
    assert [len(b) for b in embedder._batches(np.arange(3), few)] == [2, 1]  # both workers get one
    # Where the export saw padding change bits, no batch mixes lengths (nothing is padded).
    embedder._one_length_per_batch = True
    batches = [lengths[b].tolist() for b in embedder._batches(order, lengths)]
    assert all(len(set(batch)) == 1 for batch in batches)
    assert sum(len(b) for b in batches) == len(lengths)


@pytest.mark.slow
def test_concurrent_calls_give_the_same_vectors(int8: OnnxEmbedder, int8_vectors: np.ndarray) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(int8.encode, [SENTENCES] * 4))
    for vectors in results:
        np.testing.assert_array_equal(vectors, int8_vectors)


def _model_copy(
    tmp_path: Path, pooling: dict[str, object], modules: list[dict[str, str]] | None = None
) -> Path:
    """A copy of the packaged model folder (weights linked) with another pooling or module list."""
    source = packaged_model_path()
    target = tmp_path / "model"
    target.mkdir()
    for path in source.iterdir():
        if path.is_file():
            (target / path.name).symlink_to(path)
    (target / "1_Pooling").mkdir()
    (target / "1_Pooling" / "config.json").write_text(json.dumps(pooling))
    if modules is not None:
        (target / "modules.json").unlink()
        (target / "modules.json").write_text(json.dumps(modules))
    return target


@pytest.mark.slow
def test_cls_pooling_matches_torch(tmp_path: Path) -> None:
    folder = _model_copy(
        tmp_path,
        {"word_embedding_dimension": 384, "pooling_mode_cls_token": True, "pooling_mode_mean_tokens": False},
    )
    sentences = [*SENTENCES[:20], "", ".", LONG]
    expected = SentenceTransformerEmbedder(str(folder)).encode(sentences)
    embedder = OnnxEmbedder(str(folder), "onnx", cache_dir=tmp_path / "encoders")
    assert json.loads((embedder.folder / META_FILE).read_text())["pooling"] == "cls"
    cosines = _cosines(embedder.encode(sentences), expected)
    assert cosines.min() >= 0.999


def test_max_pooling_is_refused(tmp_path: Path) -> None:
    folder = _model_copy(tmp_path, {"word_embedding_dimension": 384, "pooling_mode_max_tokens": True})
    with pytest.raises(ModelError, match="only mean or CLS pooling"):
        read_layout(folder)


def test_extra_modules_are_refused(tmp_path: Path) -> None:
    modules = [
        {"idx": "0", "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": "1", "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": "2", "name": "2", "path": "2_Dense", "type": "sentence_transformers.models.Dense"},
    ]
    folder = _model_copy(tmp_path, {"pooling_mode": "mean"}, modules)
    with pytest.raises(ModelError, match="Dense"):
        read_layout(folder)


def test_folder_without_modules_json_is_refused(tmp_path: Path) -> None:
    folder = _model_copy(tmp_path, {"pooling_mode": "mean"})
    (folder / "modules.json").unlink()
    with pytest.raises(ModelError, match=r"modules\.json"):
        read_layout(folder)


def test_packaged_model_layout() -> None:
    layout = read_layout(packaged_model_path())
    assert (layout.pooling, layout.dimension, layout.max_seq_length) == ("mean", 384, 256)
    assert layout.do_lower_case is False
    assert layout.prompt == ""


def test_unknown_model_is_a_model_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="local folder"):
        OnnxEmbedder("no-such-org/no-such-model", "onnx", cache_dir=tmp_path)
