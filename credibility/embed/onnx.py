"""ONNX Runtime backends (``onnx`` and ``onnx-int8``) for the sentence embedder.

The configured sentence-transformers model's transformer is exported once, offline,
with ``torch.onnx.export`` (TorchScript exporter, dynamic batch and sequence axes),
then, for BERT-family encoders, rewritten by ONNX Runtime's transformer optimizer into
fused attention, embedding and skip-layer-norm ops (kept only if it still matches torch).
For ``onnx-int8`` the weights are quantized with
``onnxruntime.quantization.quantize_dynamic``. The result is cached in
``<home>/encoders/<model key>/<backend>/`` (``model.onnx``, ``tokenizer.json``,
``encoder.json``), written to a temporary folder and renamed into place, so a
reader never sees a half-written model. After that, loading needs only
``onnxruntime``, ``tokenizers`` and numpy: no torch import, no hub.

Encoding mirrors sentence-transformers: the model's ``tokenizer.json`` (with the
``do_lower_case`` and ``max_seq_length`` of ``sentence_bert_config.json``), padding
per batch, mean or CLS pooling as ``1_Pooling/config.json`` says, L2 normalisation.
Sentences are sorted by token length and batches are cut where lengths drop, so a
batch pads little.

For ``onnx-int8`` two quantized models are written: one for every sentence, with the
feed-forward projections kept in float, and one for sentences of 17 tokens or more that
quantizes the feed-forward up-projections too (each checked against the float model and
kept only above cosine 0.98). Both ONNX backends run two batches at once, each on half the
cores (``threads`` is the total); a call of a single sentence runs on half the cores.

Measured on the 2-core build machine (AMD EPYC, AVX2, no VNNI), all-MiniLM-L6-v2, 3,000
PolitiFact sentences (106 characters on average), on a quiet machine, batch size 16;
cosine against the torch backend over 8,251 sentences including short replies ("No.",
"Not true."):

=========  ============  ========================  ===================================
backend    sentences/s   cosine vs torch min/mean  load in a fresh process
=========  ============  ========================  ===================================
torch      130-134       (reference)               9-12 s
onnx       207-217       1.000000 / 1.000000       6 s first (export), 1 s cached
onnx-int8  266-282       0.9851 / 0.996            20 s first (export), 0.3-1 s cached
=========  ============  ========================  ===================================

One article at a time (27 sentences a call): torch 82, onnx 174, onnx-int8 213 sentences/s.
Quantizing every feed-forward projection would be faster again but gives a minimum cosine
of 0.958 (0.975 on sentences over 16 tokens), below the 0.98 promised per sentence.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

import numpy as np

from credibility.errors import ModelError

OnnxBackend = Literal["onnx", "onnx-int8"]
ONNX_BACKENDS: tuple[OnnxBackend, ...] = ("onnx", "onnx-int8")
Pooling = Literal["mean", "cls"]

#: Bumped when the cached layout or the export changes; part of the cache key.
ENCODER_FORMAT_VERSION = 3
#: Encoder families whose graph ONNX Runtime's transformer optimizer fuses (BERT-style attention).
_FUSABLE_MODEL_TYPES = frozenset({"bert", "roberta", "xlm-roberta", "distilbert", "mpnet"})
ONNX_OPSET = 17
_QUANTIZATION = (
    "dynamic int8, per-channel weights; feed-forward MatMuls kept in float, except the up-projections"
    " of the model for long sentences"
)
MODEL_FILE = "model.onnx"
#: ``onnx-int8`` only: the model for sentences of ``LONG_MODEL_MIN_TOKENS`` tokens or more, with the
#: feed-forward up-projections quantized too (faster; too coarse for short sentences, see _quantize).
LONG_MODEL_FILE = "model-long.onnx"
LONG_MODEL_MIN_TOKENS = 17
TOKENIZER_FILE = "tokenizer.json"
META_FILE = "encoder.json"
_TMP_PREFIX = ".tmp-"
#: A temporary export folder older than this is debris from a killed process.
_STALE_TMP_SECONDS = 3600.0
_MODEL_FILE_SUFFIXES = (".json", ".safetensors", ".bin", ".txt", ".model", ".pt")
_VERSIONED_PACKAGES = ("onnxruntime", "onnx", "tokenizers", "torch", "transformers", "sentence-transformers")

_export_lock = threading.Lock()
_pool_lock = threading.Lock()  # guards the creation of every embedder's encode pool


@dataclass(frozen=True)
class ModelLayout:
    """What the sentence-transformers folder says about how to embed with it."""

    root: Path
    transformer_dir: Path
    pooling: Pooling
    dimension: int
    max_seq_length: int
    do_lower_case: bool
    prompt: str


# ---------------------------------------------------------------- model folder


def local_model_dir(location: str) -> Path:
    """A local folder for ``location``: the folder itself or a model already in the HF cache."""
    path = Path(location).expanduser()
    if path.is_dir():
        return path.resolve()
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(repo_id=location, local_files_only=True)).resolve()
    except Exception as exc:
        raise ModelError(
            f"the ONNX backends need the model {location!r} as a local folder or in the Hugging Face "
            f"cache, and it is neither ({exc}). Set CREDIBILITY_MODEL to a model folder, or use "
            "encoder_backend='torch'."
        ) from exc


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"could not read {path}: {exc}") from exc


def _module_kind(entry: dict[str, Any]) -> str:
    return str(entry.get("type", "")).rsplit(".", 1)[-1]


def _pooling_mode(config: dict[str, Any], path: Path) -> Pooling:
    if "pooling_mode" in config:
        raw = config["pooling_mode"]
        modes = [raw] if isinstance(raw, str) else list(raw)
    else:
        legacy = {
            "pooling_mode_cls_token": "cls",
            "pooling_mode_max_tokens": "max",
            "pooling_mode_mean_tokens": "mean",
            "pooling_mode_mean_sqrt_len_tokens": "mean_sqrt_len_tokens",
            "pooling_mode_weightedmean_tokens": "weightedmean",
            "pooling_mode_lasttoken": "lasttoken",
        }
        modes = [mode for key, mode in legacy.items() if config.get(key, False)] or ["mean"]
    if modes == ["mean"]:
        return "mean"
    if modes == ["cls"]:
        return "cls"
    raise ModelError(
        f"pooling {modes} in {path} is not supported by the ONNX backends (only mean or CLS pooling); "
        "use encoder_backend='torch' for this model"
    )


def read_layout(root: Path) -> ModelLayout:
    """Check that ``root`` is a Transformer → Pooling (→ Normalize) model and read its settings."""
    modules_file = root / "modules.json"
    if not modules_file.is_file():
        raise ModelError(
            f"{root} is not a sentence-transformers model folder (no modules.json); "
            "the ONNX backends need one, or use encoder_backend='torch'"
        )
    modules = _read_json(modules_file)
    kinds = [_module_kind(entry) for entry in modules]
    if kinds not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
        raise ModelError(
            f"the model at {root} has modules {kinds}; the ONNX backends support only "
            "Transformer, Pooling and an optional Normalize. Use encoder_backend='torch'."
        )
    transformer_dir = root / str(modules[0].get("path", ""))
    pooling_file = root / str(modules[1].get("path", "")) / "config.json"
    pooling_config = _read_json(pooling_file)
    pooling = _pooling_mode(pooling_config, pooling_file)
    if pooling_config.get("include_prompt", True) is False:
        raise ModelError(f"{pooling_file} excludes prompt tokens from pooling; the ONNX backends cannot")

    config = _read_json(transformer_dir / "config.json")
    hidden = int(config.get("hidden_size") or config.get("dim") or 0)
    dimension = int(
        pooling_config.get("embedding_dimension") or pooling_config.get("word_embedding_dimension") or hidden
    )
    if hidden and dimension != hidden:
        raise ModelError(f"pooling dimension {dimension} differs from the hidden size {hidden} in {root}")

    st_config_file = transformer_dir / "sentence_bert_config.json"
    st_config: dict[str, Any] = _read_json(st_config_file) if st_config_file.is_file() else {}
    max_seq_length = st_config.get("max_seq_length")
    if max_seq_length is None:
        tokenizer_config_file = transformer_dir / "tokenizer_config.json"
        tokenizer_config = _read_json(tokenizer_config_file) if tokenizer_config_file.is_file() else {}
        limits = [
            int(value)
            for value in (tokenizer_config.get("model_max_length"), config.get("max_position_embeddings"))
            if isinstance(value, int | float) and 0 < value < 1_000_000
        ]
        if not limits:
            raise ModelError(f"cannot tell the maximum sequence length of the model at {root}")
        max_seq_length = min(limits)

    prompt = ""
    ct_file = root / "config_sentence_transformers.json"
    if ct_file.is_file():
        ct_config = _read_json(ct_file)
        default_prompt = ct_config.get("default_prompt_name")
        if default_prompt:
            prompt = str((ct_config.get("prompts") or {}).get(default_prompt, ""))

    return ModelLayout(
        root=root,
        transformer_dir=transformer_dir,
        pooling=pooling,
        dimension=dimension,
        max_seq_length=int(max_seq_length),
        do_lower_case=bool(st_config.get("do_lower_case", False)),
        prompt=prompt,
    )


def _fingerprint(root: Path) -> str:
    """A short hash of the model folder's files (path, size, mtime) and the cache format."""
    digest = hashlib.sha256(f"{ENCODER_FORMAT_VERSION}\0{root}".encode())
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if len(relative.parts) > 3 or not path.is_file() or not path.name.endswith(_MODEL_FILE_SUFFIXES):
            continue
        stat = path.stat()
        digest.update(f"\0{relative.as_posix()}\0{stat.st_size}\0{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:12]


def model_key(model: str, root: Path) -> str:
    """A folder name for this model: its name made safe, then a hash of the folder's contents."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", model).strip("._-")[-64:] or "model"
    return f"{safe}-{_fingerprint(root)}"


# ---------------------------------------------------------------- export


def _package_versions() -> dict[str, str]:
    versions: dict[str, str] = {}
    for name in _VERSIONED_PACKAGES:
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[name] = metadata.version(name)
    return versions


def _write_tokenizer(layout: ModelLayout, target: Path) -> int:
    """Copy the tokenizer, made to match what sentence-transformers feeds the model; returns the pad id."""
    from tokenizers import Tokenizer, normalizers

    source = layout.transformer_dir / TOKENIZER_FILE
    if source.is_file():
        tokenizer = Tokenizer.from_file(str(source))
    else:  # only vocab files: let transformers build the fast tokenizer, as sentence-transformers does
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(str(layout.transformer_dir)).backend_tokenizer
    if layout.do_lower_case:  # what sentence-transformers does for do_lower_case=True
        current = tokenizer.normalizer
        members = list(current) if isinstance(current, normalizers.Sequence) else [current]  # type: ignore[call-overload]
        if not any(isinstance(member, normalizers.Lowercase) for member in members):
            parts = [normalizers.Lowercase(), *(member for member in members if member is not None)]
            tokenizer.normalizer = normalizers.Sequence(parts)
    padding = tokenizer.padding
    if padding:
        pad_id = int(padding["pad_id"])
    else:
        configured = _read_json(layout.transformer_dir / "config.json").get("pad_token_id")
        pad_id = int(configured) if isinstance(configured, int) else 0
    tokenizer.no_padding()
    tokenizer.no_truncation()
    tokenizer.save(str(target))
    return pad_id


def _export_fp32(layout: ModelLayout, target: Path) -> list[str]:
    """Export the transformer to ``target``; returns the graph's input names."""
    import inspect
    import warnings

    import torch
    from transformers import AutoModel

    try:
        model = AutoModel.from_pretrained(str(layout.transformer_dir), attn_implementation="eager")
    except Exception as exc:
        raise ModelError(f"could not load the transformer at {layout.transformer_dir}: {exc}") from exc
    model.eval()
    parameters = inspect.signature(model.forward).parameters
    names = ["input_ids", "attention_mask"] + (["token_type_ids"] if "token_type_ids" in parameters else [])

    class _LastHiddenState(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
            return self.inner(**dict(zip(names, inputs, strict=True))).last_hidden_state

    vocabulary = int(getattr(model.config, "vocab_size", 0) or 1000)
    generator = torch.Generator().manual_seed(0)

    def padded_batch(rows: int, width: int, lengths: Sequence[int]) -> tuple[torch.Tensor, ...]:
        ids = torch.randint(1, vocabulary, (rows, width), generator=generator, dtype=torch.long)
        mask = (torch.arange(width)[None, :] < torch.tensor(lengths)[:, None]).long()
        return (ids * mask, mask, torch.zeros_like(ids))[: len(names)]

    # Rows of different lengths, so the trace sees a real padding mask.
    example = padded_batch(2, 5, [5, 3])
    axes = {name: {0: "batch", 1: "sequence"} for name in [*names, "last_hidden_state"]}
    # eval() on the wrapper too: the exporter restores the wrapper's mode afterwards, recursively,
    # and a fresh module is in training mode (dropout on).
    wrapper = _LastHiddenState(model).eval()
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            wrapper,
            example,
            str(target),
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=ONNX_OPSET,
            do_constant_folding=True,
            dynamo=False,
        )
        # Check the graph against torch on a padded batch of another shape.
        check = padded_batch(3, 11, [11, 6, 2])
        expected = model(**dict(zip(names, check, strict=True))).last_hidden_state.numpy()
    import onnxruntime as ort

    session = ort.InferenceSession(str(target), providers=["CPUExecutionProvider"])
    actual = session.run(None, {name: tensor.numpy() for name, tensor in zip(names, check, strict=True)})[0]
    mask = check[1].numpy()[..., None].astype(bool)
    error = float(np.abs(np.where(mask, np.asarray(actual) - expected, 0.0)).max())
    if error > 1e-3:
        raise ModelError(f"the ONNX export of {layout.root} differs from torch by {error:.2g}; use 'torch'")
    config = model.config
    shape = (int(getattr(config, "num_attention_heads", 0) or 0), int(getattr(config, "hidden_size", 0) or 0))
    _fuse(
        target,
        str(getattr(config, "model_type", "")),
        shape,
        names,
        [t.numpy() for t in check],
        expected,
        mask,
    )
    return names


def _fuse(
    target: Path,
    model_type: str,
    heads_and_hidden: tuple[int, int],
    names: Sequence[str],
    check: Sequence[np.ndarray],
    expected: np.ndarray,
    mask: np.ndarray,
) -> bool:
    """Replace ``target`` by ONNX Runtime's fused transformer graph where it is exact.

    Fused attention, embedding and skip layer norms make the graph about 15% faster on CPU and
    give quantization whole attention blocks to work on. Only for the encoder families the
    optimizer knows, and only if the fused graph still matches torch; otherwise the plain export
    stays. True when the fused graph replaced it.
    """
    heads, hidden = heads_and_hidden
    if model_type not in _FUSABLE_MODEL_TYPES or heads <= 0 or hidden <= 0:
        return False
    import onnxruntime as ort
    from onnxruntime.transformers import optimizer

    # The optimizer logs each fusion it could not make; that is expected, not the user's concern.
    logging.getLogger("onnxruntime.transformers").setLevel(logging.ERROR)
    fused = target.with_name("fused-" + target.name)
    try:
        optimized = optimizer.optimize_model(
            str(target), model_type="bert", num_heads=heads, hidden_size=hidden, opt_level=1
        )
        optimized.save_model_to_file(str(fused))
        session = ort.InferenceSession(str(fused), providers=["CPUExecutionProvider"])
        actual = session.run(None, dict(zip(names, check, strict=True)))[0]
    except Exception:  # the plain export is correct, only slower: keep it
        fused.unlink(missing_ok=True)
        return False
    error = float(np.abs(np.where(mask, np.asarray(actual) - expected, 0.0)).max())
    if error > 1e-3:
        fused.unlink(missing_ok=True)
        return False
    os.replace(fused, target)
    return True


def _has_fused_attention(model_file: Path) -> bool:
    import onnx

    graph = onnx.load(str(model_file), load_external_data=False).graph
    return any(node.op_type in ("Attention", "QAttention") for node in graph.node)


def _feed_forward_matmuls(model_file: Path, *, up: bool = True) -> list[str]:
    """MatMul nodes with a non-square constant weight: the feed-forward down projections (wide to
    narrow) and, with ``up``, the up projections (narrow to wide)."""
    import onnx

    graph = onnx.load(str(model_file), load_external_data=False).graph
    shapes = {tensor.name: list(tensor.dims) for tensor in graph.initializer}
    return [
        node.name
        for node in graph.node
        if node.op_type == "MatMul"
        and len(shape := shapes.get(node.input[1], [])) == 2
        and (shape[0] > shape[1] or (up and shape[0] < shape[1]))
    ]


def _quantize(source: Path, target: Path, *, quantize_up_projections: bool = False) -> None:
    """Dynamic int8: weights quantized per channel, activations per batch at run time.

    The feed-forward projections stay in float: with them quantized too, the cosine to the
    float model drops to 0.958 (0.975 on sentences over 16 tokens), under the 0.98 this backend
    promises. ``quantize_up_projections`` quantizes the up projections only: 15% faster, with a
    minimum cosine of 0.988 on sentences of 17 tokens or more but 0.965 on sentences of 8 or fewer
    (measured on 4,671 PolitiFact sentences), so it is the model for long sentences only.
    """
    # quantize_dynamic advises, on the root logger, a pre-processing step meant for static
    # quantization; it does not apply here. Drop that one message, nothing else.
    advice = _DropMessage("Please consider to run pre-processing before quantization")
    logging.getLogger().addFilter(advice)
    try:
        _quantize_dynamic(source, target, _feed_forward_matmuls(source, up=not quantize_up_projections))
    finally:
        logging.getLogger().removeFilter(advice)


class _DropMessage(logging.Filter):
    def __init__(self, prefix: str) -> None:
        super().__init__()
        self.prefix = prefix

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(self.prefix)


def _quantize_dynamic(source: Path, target: Path, float_nodes: Sequence[str]) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        str(source),
        str(target),
        weight_type=QuantType.QInt8,
        per_channel=True,
        op_types_to_quantize=["MatMul", "Gather", "Attention", "EmbedLayerNormalization"],
        nodes_to_exclude=list(float_nodes),
        use_external_data_format=source.stat().st_size > 1_800_000_000,
        # Fused contrib ops (Attention, SkipLayerNormalization) defeat shape inference; their
        # outputs are float.
        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
    )


def _export(layout: ModelLayout, model: str, backend: OnnxBackend, workdir: Path, fp32_cache: Path) -> None:
    """Write ``model.onnx``, ``tokenizer.json`` and ``encoder.json`` for ``backend`` into ``workdir``."""
    started = time.perf_counter()
    pad_id = _write_tokenizer(layout, workdir / TOKENIZER_FILE)
    check_cosine: float | None = None
    long_cosine: float | None = None
    if backend == "onnx":
        inputs = _export_fp32(layout, workdir / MODEL_FILE)
    elif (fp32_cache / META_FILE).is_file():  # reuse the fp32 export when it is cached already
        inputs = list(_read_json(fp32_cache / META_FILE)["inputs"])
        check_cosine, long_cosine = _export_int8(fp32_cache / MODEL_FILE, workdir, layout, inputs, pad_id)
    else:
        fp32_dir = Path(tempfile.mkdtemp(prefix="fp32-", dir=workdir))
        try:
            inputs = _export_fp32(layout, fp32_dir / MODEL_FILE)
            check_cosine, long_cosine = _export_int8(fp32_dir / MODEL_FILE, workdir, layout, inputs, pad_id)
        finally:
            shutil.rmtree(fp32_dir, ignore_errors=True)
    meta = {
        "format_version": ENCODER_FORMAT_VERSION,
        "model": model,
        "model_path": str(layout.root),
        "backend": backend,
        "dimension": layout.dimension,
        "max_seq_length": layout.max_seq_length,
        "pooling": layout.pooling,
        "normalize": True,
        "do_lower_case": layout.do_lower_case,
        "prompt": layout.prompt,
        "inputs": inputs,
        "pad_id": pad_id,
        "opset": ONNX_OPSET,
        "quantization": _QUANTIZATION if backend == "onnx-int8" else None,
        "fused_attention": _has_fused_attention(workdir / MODEL_FILE),
        "min_cosine_to_fp32": check_cosine,
        "long_model": (
            {"file": LONG_MODEL_FILE, "min_tokens": LONG_MODEL_MIN_TOKENS, "min_cosine_to_fp32": long_cosine}
            if long_cosine is not None
            else None
        ),
        "export_seconds": round(time.perf_counter() - started, 2),
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "versions": _package_versions(),
    }
    (workdir / META_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")


#: Sentences the quantized models must embed like the float one (short replies are the hardest).
_CHECK_SENTENCES = (
    "No.",
    "Not true.",
    "That's false.",
    "The governor signed the budget bill on Tuesday after a 14-hour debate.",
    "Unemployment fell to 3.9 percent in April, the lowest rate since 2000, the report said.",
    "Posts shared online claim that the vaccine contains microchips, which is not true.",
    "Click here for more on the six ratings.",
    '"We will not raise taxes on the middle class," she told reporters in Des Moines.',
    "The mailer erroneously cites as its source a bill that made no mention of abortion at all.",
    "In 2016, 62.9 million people voted for Donald Trump, while 65.8 million voted for Hillary Clinton.",
    "Matt Williams, a spokesman for the campaign, did not respond to several requests for comment.",
)
#: The bound the ``onnx-int8`` backend promises against the float model, sentence by sentence.
MIN_QUANTIZED_COSINE = 0.98


def _export_int8(
    fp32_model: Path, workdir: Path, layout: ModelLayout, inputs: Sequence[str], pad_id: int
) -> tuple[float, float | None]:
    """Write the int8 model, checked against the float one, and the long-sentence model if it
    passes the same check on long sentences. Returns both minimum cosines (None: no long model)."""
    probe = _Probe.embed(fp32_model, workdir, layout, inputs, pad_id)
    _quantize(fp32_model, workdir / MODEL_FILE)
    lowest = _check_quantized(workdir / MODEL_FILE, probe, min_tokens=0)
    if lowest < MIN_QUANTIZED_COSINE:
        raise ModelError(
            f"the int8 model of {layout.root} embeds a check sentence at cosine {lowest:.3f} to the float "
            f"model, under {MIN_QUANTIZED_COSINE}; use encoder_backend='onnx' for this model"
        )
    _quantize(fp32_model, workdir / LONG_MODEL_FILE, quantize_up_projections=True)
    lowest_long = _check_quantized(workdir / LONG_MODEL_FILE, probe, min_tokens=LONG_MODEL_MIN_TOKENS)
    if lowest_long < MIN_QUANTIZED_COSINE:  # this model is too coarse for it: every sentence takes the first
        (workdir / LONG_MODEL_FILE).unlink()
        return round(lowest, 4), None
    return round(lowest, 4), round(lowest_long, 4)


def _embed_batch(
    session: Any, inputs: Sequence[str], encodings: Sequence[Any], pad_id: int, pooling: Pooling
) -> np.ndarray:
    """Pad one batch of tokenized sentences, run the model, pool and L2-normalise as
    sentence-transformers does."""
    rows = len(encodings)
    width = max(len(encoding.ids) for encoding in encodings)
    ids = np.full((rows, width), pad_id, dtype=np.int64)
    mask = np.zeros((rows, width), dtype=np.int64)
    types = np.zeros((rows, width), dtype=np.int64)
    for row, encoding in enumerate(encodings):
        size = len(encoding.ids)
        ids[row, :size] = encoding.ids
        mask[row, :size] = 1
        types[row, :size] = encoding.type_ids
    feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
    hidden = np.asarray(
        session.run(["last_hidden_state"], {name: feeds[name] for name in inputs})[0], dtype=np.float32
    )
    if pooling == "cls":
        pooled = hidden[:, 0, :]
    else:
        weights = mask[..., None].astype(np.float32)
        counts = np.clip(weights.sum(axis=1), 1e-9, None)
        pooled = (hidden * weights).sum(axis=1) / counts
    # As torch.nn.functional.normalize: a zero vector stays zero.
    norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
    return (pooled / norms).astype(np.float32, copy=False)


@dataclass(frozen=True)
class _Probe:
    """The ``_CHECK_SENTENCES`` tokenized, and their float-model embeddings (one at a time)."""

    encodings: list[Any]
    expected: np.ndarray
    inputs: Sequence[str]
    pad_id: int
    pooling: Pooling

    @classmethod
    def embed(
        cls, fp32_model: Path, workdir: Path, layout: ModelLayout, inputs: Sequence[str], pad_id: int
    ) -> _Probe:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(workdir / TOKENIZER_FILE))
        tokenizer.enable_truncation(max_length=layout.max_seq_length)
        encodings = tokenizer.encode_batch([layout.prompt + text for text in _CHECK_SENTENCES])
        reference = ort.InferenceSession(str(fp32_model), providers=["CPUExecutionProvider"])
        expected = np.vstack(
            [_embed_batch(reference, inputs, [e], pad_id, layout.pooling) for e in encodings]
        )
        return cls(list(encodings), expected, inputs, pad_id, layout.pooling)


def _check_quantized(quantized_model: Path, probe: _Probe, *, min_tokens: int) -> float:
    """The lowest cosine between the float and the quantized model over the probe sentences of at
    least ``min_tokens`` tokens, embedded one at a time and as one batch."""
    import onnxruntime as ort

    rows = [k for k, encoding in enumerate(probe.encodings) if len(encoding.ids) >= min_tokens]
    if not rows:
        raise ModelError(f"no check sentence has {min_tokens} tokens; the check cannot run")
    encodings = [probe.encodings[k] for k in rows]
    expected = probe.expected[rows]
    quantized = ort.InferenceSession(str(quantized_model), providers=["CPUExecutionProvider"])

    def embed(batch: Sequence[Any]) -> np.ndarray:
        return _embed_batch(quantized, probe.inputs, batch, probe.pad_id, probe.pooling)

    # Activations are quantized per batch: check alone and among other sentences.
    lowest = 1.0
    for actual in (np.vstack([embed([e]) for e in encodings]), embed(encodings)):
        lowest = min(lowest, float((actual * expected).sum(axis=1).min()))
    return lowest


def _clean_stale_temporaries(parent: Path) -> None:
    now = time.time()
    for entry in parent.glob(f"{_TMP_PREFIX}*"):
        with contextlib.suppress(OSError):
            if now - entry.stat().st_mtime > _STALE_TMP_SECONDS:
                shutil.rmtree(entry, ignore_errors=True)


def ensure_exported(model: str, backend: OnnxBackend, cache_root: Path) -> Path:
    """The cached encoder folder for ``model`` and ``backend``, exporting it first if needed."""
    from filelock import FileLock, Timeout

    from credibility.embed.embedder import resolve_model_location

    if backend not in ONNX_BACKENDS:
        raise ModelError(f"unknown ONNX backend {backend!r}; use one of {', '.join(ONNX_BACKENDS)}")
    root = local_model_dir(resolve_model_location(model))
    layout = read_layout(root)
    parent = cache_root / model_key(model, root)
    final = parent / backend
    if (final / META_FILE).is_file():
        return final
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ModelError(f"cannot create the encoder cache {parent}: {exc}") from exc
    # The file lock keeps two processes from exporting at once; the rename alone keeps readers safe.
    try:
        with _export_lock, FileLock(str(parent / f".{backend}.lock"), timeout=900):
            if (final / META_FILE).is_file():
                return final
            _clean_stale_temporaries(parent)
            workdir = parent / f"{_TMP_PREFIX}{backend}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
            workdir.mkdir()
            try:
                _export(layout, model, backend, workdir, parent / "onnx")
                os.replace(workdir, final)
            except OSError as exc:
                if not (final / META_FILE).is_file():
                    raise ModelError(
                        f"could not write the ONNX encoder to {final}: {exc}. "
                        "If that folder exists without an encoder.json, delete it and retry."
                    ) from exc
            finally:
                shutil.rmtree(workdir, ignore_errors=True)
    except Timeout as exc:
        raise ModelError(f"another process holds {parent / f'.{backend}.lock'} for over 15 minutes") from exc
    return final


# ---------------------------------------------------------------- runtime


def available_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


class OnnxEmbedder:
    """Sentence embeddings from the exported model on ONNX Runtime (CPU)."""

    def __init__(
        self,
        model: str,
        backend: OnnxBackend = "onnx",
        *,
        cache_dir: Path,
        batch_size: int = 64,
        threads: int = 0,
    ) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import onnxruntime as ort
        from tokenizers import Tokenizer

        folder = ensure_exported(model, backend, Path(cache_dir))
        meta = _read_json(folder / META_FILE)
        if meta.get("format_version") != ENCODER_FORMAT_VERSION or meta.get("backend") != backend:
            raise ModelError(f"the cached encoder at {folder} is from another version; delete that folder")
        self._name = model
        self._backend: OnnxBackend = backend
        self._folder = folder
        self._dimension = int(meta["dimension"])
        self._pooling: Pooling = "cls" if meta["pooling"] == "cls" else "mean"
        self._prompt = str(meta.get("prompt", ""))
        self._batch_size = max(1, int(batch_size))
        self._inputs: list[str] = list(meta["inputs"])

        self._tokenizer = Tokenizer.from_file(str(folder / TOKENIZER_FILE))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_length=int(meta["max_seq_length"]))
        self._pad_id = int(meta.get("pad_id", 0))

        cores = threads if threads > 0 else available_cores()
        # Two batches in flight, the cores split between them: on 2 cores, two single-threaded runs
        # encode 10-20% more sentences/s than one run on both (a BERT layer on a 16-sentence batch
        # is too small to keep two threads busy; measured 236 against 210 sentences/s).
        self._workers = min(2, cores)
        self._pool: ThreadPoolExecutor | None = None
        self._pool_pid = 0
        options = ort.SessionOptions()
        options.intra_op_num_threads = max(1, cores // self._workers)
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        # No busy-waiting between runs: on 2 cores a spinning ORT thread starves the FAISS search
        # and SQLite work that follow each batch in a check (measured: FAISS 3x slower).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL

        def load(path: Path) -> Any:
            try:
                return ort.InferenceSession(
                    str(path), sess_options=options, providers=["CPUExecutionProvider"]
                )
            except Exception as exc:
                raise ModelError(f"could not load the ONNX model {path}: {exc}; delete {folder}") from exc

        self._session = load(folder / MODEL_FILE)
        long_model = meta.get("long_model")
        self._long_session = load(folder / str(long_model["file"])) if long_model else None
        self._long_min_tokens = int(long_model["min_tokens"]) if long_model else 0
        graph_inputs = {node.name for node in self._session.get_inputs()}
        if not graph_inputs <= set(self._inputs):
            raise ModelError(
                f"the ONNX model at {folder} takes inputs {sorted(graph_inputs)}; delete the folder"
            )
        self._inputs = [name for name in self._inputs if name in graph_inputs]

    @property
    def model_name(self) -> str:
        return self._name

    @property
    def backend(self) -> str:
        return self._backend

    @property
    def dimension(self) -> int:
        return self._dimension

    @property
    def folder(self) -> Path:
        """The cache folder the model was loaded from."""
        return self._folder

    def encode(self, sentences: Sequence[str]) -> np.ndarray:
        if not sentences:
            return np.zeros((0, self._dimension), dtype=np.float32)
        texts = [self._prompt + str(text) for text in sentences]
        encodings = self._tokenizer.encode_batch(texts)
        lengths = np.fromiter((len(encoding.ids) for encoding in encodings), dtype=np.int64, count=len(texts))
        # Longest first: stable, so equal lengths keep their input order.
        order = np.argsort(-lengths, kind="stable")
        output = np.empty((len(texts), self._dimension), dtype=np.float32)
        batches = list(self._batches(order, lengths))

        def run(batch: np.ndarray) -> np.ndarray:
            session = self._session
            if self._long_session is not None and lengths[batch].min() >= self._long_min_tokens:
                session = self._long_session
            return _embed_batch(
                session, self._inputs, [encodings[i] for i in batch], self._pad_id, self._pooling
            )

        if len(batches) == 1 or self._workers == 1:
            for batch in batches:
                output[batch] = run(batch)
        else:  # ONNX Runtime releases the GIL while it runs, and a session may be run concurrently
            for batch, vectors in zip(batches, self._executor().map(run, batches), strict=True):
                output[batch] = vectors
        return output

    def _executor(self) -> ThreadPoolExecutor:
        # Keyed by process: a forked child inherits the pool object but not its threads.
        with _pool_lock:
            if self._pool is None or self._pool_pid != os.getpid():
                self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix="onnx-encode")
                self._pool_pid = os.getpid()
            return self._pool

    def _batches(self, order: np.ndarray, lengths: np.ndarray) -> Iterator[np.ndarray]:
        """Batches of at most ``batch_size`` along the longest-first order, cut early where a
        sentence is under 3/4 of its batch's longest: one article's sentences vary in length, and
        padding them to one width cost a third of the time (a call costs ~1 ms; padding more).
        A call with fewer sentences than a batch is still split between the workers, and a batch
        never mixes sentences for the long-sentence model with shorter ones."""
        size = min(self._batch_size, max(1, -(-len(order) // self._workers)))
        cut = self._long_min_tokens if self._long_session is not None else 0
        start = 0
        for end in range(1, len(order) + 1):
            if (
                end == len(order)
                or end - start == size
                or lengths[order[end]] * 4 < lengths[order[start]] * 3
                or lengths[order[end]] < cut <= lengths[order[start]]
            ):
                yield order[start:end]
                start = end
