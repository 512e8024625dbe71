"""Export a sentence-transformers model to ONNX (``onnx``) and int8 (``onnx-int8``), once, offline.

The configured sentence-transformers model's transformer is exported with
``torch.onnx.export`` (TorchScript exporter, dynamic batch and sequence axes),
then, for BERT-family encoders, rewritten by ONNX Runtime's transformer optimizer into
fused attention, embedding and skip-layer-norm ops (kept only if it still matches torch).
For ``onnx-int8`` the weights are quantized with
``onnxruntime.quantization.quantize_dynamic``. The result is cached in
``<home>/encoders/<model key>/<backend>/`` (``model.onnx``, ``tokenizer.json``,
``encoder.json``; see :mod:`credibility.embed.onnx_model`), written to a temporary folder
and renamed into place, so a reader never sees a half-written model. After that, loading
(:mod:`credibility.embed.onnx_runtime`) needs only ``onnxruntime``, ``tokenizers`` and
numpy: no torch import, no hub.

For ``onnx-int8`` two quantized models are written: one for every sentence, with the
feed-forward projections kept in float, and one for sentences of 17 tokens or more that
quantizes the feed-forward up-projections too (each checked against the float model and
kept only above cosine 0.98). Quantizing every feed-forward projection would be faster
again but gives a minimum cosine of 0.958 (0.975 on sentences over 16 tokens), below the
0.98 promised per sentence.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from credibility.embed.base import resolve_model_location
from credibility.embed.onnx_model import (
    ENCODER_FORMAT_VERSION,
    LONG_MODEL_FILE,
    META_FILE,
    MODEL_FILE,
    ONNX_BACKENDS,
    TOKENIZER_FILE,
    ModelLayout,
    OnnxBackend,
    Pooling,
    embed_batch,
    local_model_dir,
    model_key,
    read_json,
    read_layout,
)
from credibility.errors import ModelError

#: Encoder families whose graph ONNX Runtime's transformer optimizer fuses (BERT-style attention).
_FUSABLE_MODEL_TYPES = frozenset({"bert", "roberta", "xlm-roberta", "distilbert", "mpnet"})
ONNX_OPSET = 17
_QUANTIZATION = (
    "dynamic int8, per-channel weights; feed-forward MatMuls kept in float, except the up-projections"
    " of the model for long sentences"
)
#: ``onnx-int8``: sentences of this many tokens or more go to the long-sentence model.
LONG_MODEL_MIN_TOKENS = 17
_TMP_PREFIX = ".tmp-"
#: A temporary export folder older than this is debris from a killed process.
_STALE_TMP_SECONDS = 3600.0
_VERSIONED_PACKAGES = ("onnxruntime", "onnx", "tokenizers", "torch", "transformers", "sentence-transformers")

_export_lock = threading.Lock()


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
        configured = read_json(layout.transformer_dir / "config.json").get("pad_token_id")
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
        inputs = list(read_json(fp32_cache / META_FILE)["inputs"])
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
        expected = np.vstack([embed_batch(reference, inputs, [e], pad_id, layout.pooling) for e in encodings])
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
        return embed_batch(quantized, probe.inputs, batch, probe.pad_id, probe.pooling)

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
