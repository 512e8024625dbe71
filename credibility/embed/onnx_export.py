"""Export a sentence-transformers model to ONNX (``onnx``) and static int8 (``onnx-int8``), once, offline.

The configured sentence-transformers model's transformer is exported with
``torch.onnx.export`` (TorchScript exporter, dynamic batch and sequence axes),
then, for BERT-family encoders, rewritten by ONNX Runtime's transformer optimizer into
fused attention, embedding and skip-layer-norm ops (kept only if it still matches torch).
The result is cached in ``<encoder cache>/<model key>/<backend>/`` (``model.onnx``,
``tokenizer.json``, ``encoder.json``; see :mod:`credibility.embed.onnx_model`; the cache is
``<home>/encoders`` unless ``CREDIBILITY_ENCODER_CACHE`` names another folder), written to a
temporary folder and renamed into place, so a reader never sees a half-written model. After that,
loading (:mod:`credibility.embed.onnx_runtime`) needs only ``onnxruntime``, ``tokenizers`` and
numpy: no torch import, no hub.

``onnx-int8`` is *static* int8: activation ranges are calibrated once, on the fixed sentences of
``credibility/embed/data/calibration.txt`` (text shipped in the repository, every length), so a
sentence's vector depends on that sentence alone, never on the batch it is encoded in (dynamic
quantization, before format 4, took each activation's range from the whole batch). What is
quantized, on the float graph:

- the attention QKV projections: ``QAttention`` with a fixed input scale and per-column int8 weights;
- the attention output and feed-forward up- and down-projections: ``quantize_static`` in QDQ
  format, per-channel int8 weights, uint8 activations (MinMax ranges), float outputs (ONNX Runtime
  runs each as one integer MatMul scaled to float; quantizing the outputs too puts an 8-bit step on
  the residual stream: minimum cosine 0.72);
- the inputs of the QKV and feed-forward projections, whose few large channels would set the 8-bit
  step for all, are smoothed first (SmoothQuant, alpha 0.7: ``X W = (X / s) (s W)``; without it the
  down-projections alone drop the minimum cosine to 0.27);
- the embeddings, layer norms, GELU and attention scores stay float.

The model is checked against the float one on probe sentences of every length, each alone and in
one padded batch: every cosine must reach 0.98, else the next plan, quantizing less, is tried (no
down-projections, then no up-projections, then the attention output projections only), and when
none passes the export fails (use ``onnx``). Whether padding changed any bit is recorded
(``padding_exact``) for the runtime's batching.

Against the float model on 6,036 PolitiFact sentences (titles, claims and body sentences of 1 in
40 articles), each embedded alone:

=================================  ======  ======  ======  ======
cosine to the float model          min     p1      p5      median
=================================  ======  ======  ======  ======
static, every projection (used)    0.9849  0.9933  0.9957  0.9975
static, no down-projections        0.9962  0.9983  0.9989  0.9994
dynamic int8 (format 3, replaced)  0.9905  0.9956  0.9972  0.9983
=================================  ======  ======  ======  ======

The first plan encodes about 1.45x faster than the second and than the dynamic model it replaced
(see :mod:`credibility.embed.onnx_runtime`), and loses nothing on the repost benchmark (TEST flag
F1 0.989, as ``torch``).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from credibility.embed.base import resolve_model_location
from credibility.embed.onnx_model import (
    ENCODER_FORMAT_VERSION,
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
    "static int8: QDQ and QAttention, per-channel int8 weights, uint8 activations with ranges "
    "calibrated once (MinMax) on calibration.txt, SmoothQuant on the inputs of the QKV and "
    "feed-forward projections, float outputs"
)
#: The sentences the static int8 model's activation ranges are calibrated on, one per line (made
#: from text shipped in the repository by scripts/make_calibration_sentences.py).
CALIBRATION_FILE = Path(__file__).parent / "data" / "calibration.txt"
#: SmoothQuant's migration strength per role of the smoothed op (the QKV projection, the
#: feed-forward up and down projections).
SMOOTHING_ALPHA: dict[str, float] = {"attention": 0.7, "up": 0.7, "down": 0.7}
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


class _DropMessage(logging.Filter):
    def __init__(self, prefix: str) -> None:
        super().__init__()
        self.prefix = prefix

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(self.prefix)


@contextlib.contextmanager
def _quiet_quantizer() -> Iterator[None]:
    """The quantizer advises, on the root logger, a pre-processing step this export does itself
    (shape inference), and ONNX Runtime warns about the unused initializers it drops on load."""
    import onnxruntime as ort

    advice = _DropMessage("Please consider")
    logging.getLogger().addFilter(advice)
    ort.set_default_logger_severity(3)
    try:
        yield
    finally:
        ort.set_default_logger_severity(2)
        logging.getLogger().removeFilter(advice)


@dataclass(frozen=True)
class _Plan:
    """Which weights of the float graph become int8 (every plan quantizes the attention output
    projections, which cost no measurable accuracy)."""

    name: str
    #: the fused attention's QKV projection, as QAttention with a calibrated input range
    attention: bool
    #: the feed-forward up-projections (narrow to wide)
    up: bool
    #: the feed-forward down-projections (wide to narrow)
    down: bool


#: Tried in order; the first whose every check sentence stays above MIN_QUANTIZED_COSINE is kept.
_PLANS = (
    _Plan("every projection (attention QKV and output, feed-forward up and down)", True, True, True),
    _Plan("attention QKV and output projections, feed-forward up-projections", True, True, False),
    _Plan("attention QKV and output projections", True, False, False),
    _Plan("attention output projections", False, False, False),
)


@dataclass
class _Targets:
    """The float graph's weighted ops, by role."""

    attention: list[Any]
    square: list[Any]
    up: list[Any]
    down: list[Any]

    @classmethod
    def of(cls, model: Any) -> _Targets:
        import onnx

        weights = {t.name: t for t in model.graph.initializer}
        attributes = _QATTENTION_ATTRIBUTES
        attention: list[Any] = []
        square: list[Any] = []
        up: list[Any] = []
        down: list[Any] = []
        for node in model.graph.node:
            tensor = weights.get(node.input[1]) if len(node.input) > 1 else None
            if tensor is None or len(tensor.dims) != 2:
                continue  # activation x activation (the attention scores), or no weight
            rows, columns = tensor.dims
            if node.op_type == "MatMul":
                (square if rows == columns else up if rows < columns else down).append(node)
            elif (
                node.op_type == "Attention"
                and node.domain == "com.microsoft"
                and len(node.input) <= 4
                and {a.name for a in node.attribute} <= attributes
                and len(node.input) > 2
                and tensor.data_type == onnx.TensorProto.FLOAT
            ):
                attention.append(node)
        return cls(attention, square, up, down)

    def smoothed(self, plan: _Plan) -> list[tuple[Any, float]]:
        """The ops whose inputs are smoothed first, with their alpha (all quantized ones but the
        attention output projections, whose inputs have no outlier channels)."""
        chosen = [
            *(("attention", n) for n in (self.attention if plan.attention else [])),
            *(("up", n) for n in (self.up if plan.up else [])),
            *(("down", n) for n in (self.down if plan.down else [])),
        ]
        return [(node, SMOOTHING_ALPHA[role]) for role, node in chosen]

    def matmuls(self, plan: _Plan) -> list[str]:
        chosen = [*self.square, *(self.up if plan.up else []), *(self.down if plan.down else [])]
        return [node.name for node in chosen]


_QATTENTION_ATTRIBUTES = frozenset({"num_heads", "unidirectional", "mask_filter_value", "scale"})


def _calibration_feeds(
    workdir: Path, layout: ModelLayout, inputs: Sequence[str]
) -> list[dict[str, np.ndarray]]:
    """The calibration sentences, tokenized, one sentence per feed (no padding in the ranges)."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(workdir / TOKENIZER_FILE))
    tokenizer.enable_truncation(max_length=layout.max_seq_length)
    lines = [line.strip() for line in CALIBRATION_FILE.read_text(encoding="utf-8").splitlines()]
    feeds = []
    for encoding in tokenizer.encode_batch([layout.prompt + line for line in lines if line]):
        ids = np.array([encoding.ids], dtype=np.int64)
        every = {
            "input_ids": ids,
            "attention_mask": np.ones_like(ids),
            "token_type_ids": np.array([encoding.type_ids], dtype=np.int64),
        }
        feeds.append({name: every[name] for name in inputs})
    return feeds


def _session(path: Path) -> Any:
    import onnxruntime as ort

    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def _channel_ranges(
    model: Any, tensors: Sequence[str], feeds: Sequence[dict[str, np.ndarray]], scratch: Path
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per-channel (last axis) minimum and maximum of these float tensors over the calibration feeds."""
    import onnx
    from onnx import helper

    augmented = onnx.ModelProto()
    augmented.CopyFrom(model)
    present = {output.name for output in augmented.graph.output}
    augmented.graph.output.extend(
        helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None)
        for name in tensors
        if name not in present
    )
    onnx.save(augmented, str(scratch))
    session = _session(scratch)
    low: dict[str, np.ndarray] = {}
    high: dict[str, np.ndarray] = {}
    for feed in feeds:
        for name, value in zip(tensors, session.run(list(tensors), feed), strict=True):
            rows = np.asarray(value, dtype=np.float32).reshape(-1, value.shape[-1])
            low[name] = np.minimum(low[name], rows.min(axis=0)) if name in low else rows.min(axis=0)
            high[name] = np.maximum(high[name], rows.max(axis=0)) if name in high else rows.max(axis=0)
    del session
    scratch.unlink()
    return {name: (low[name], high[name]) for name in tensors}


def _smooth(
    model: Any, nodes: Sequence[tuple[Any, float]], ranges: dict[str, tuple[np.ndarray, np.ndarray]]
) -> dict[str, tuple[float, float]]:
    """SmoothQuant, in place: ``X W = (X / s) (s W)`` with ``s = max|X|^a / max|W|^(1-a)`` per input
    channel, so the few LayerNorm channels with large values no longer set the 8-bit step of all the
    others (a Mul by ``1/s`` before the op, the weight rows scaled by ``s``). Returns each new input's
    range, for a static input scale."""
    from onnx import helper, numpy_helper

    graph = model.graph
    weights = {t.name: t for t in graph.initializer}
    by_input: dict[str, list[Any]] = {}
    alphas: dict[str, float] = {}
    for node, alpha in nodes:
        by_input.setdefault(node.input[0], []).append(node)
        alphas[node.input[0]] = alpha
    smoothed: dict[str, tuple[float, float]] = {}
    inserted: dict[int, Any] = {}
    for name, group in by_input.items():
        low, high = ranges[name]
        activation = np.maximum(np.maximum(np.abs(low), np.abs(high)), 1e-5)
        matrices = [numpy_helper.to_array(weights[node.input[1]]) for node in group]
        weight = np.maximum(np.max([np.abs(m).max(axis=1) for m in matrices], axis=0), 1e-5)
        alpha = alphas[name]
        scale = (activation**alpha / weight ** (1.0 - alpha)).astype(np.float32)
        for node, matrix in zip(group, matrices, strict=True):
            scaled = numpy_helper.from_array(
                (matrix * scale[:, None]).astype(np.float32), f"{node.name}_smoothed_w"
            )
            graph.initializer.append(scaled)
            node.input[1] = scaled.name
        output = f"{name}_smoothed"
        divisor = numpy_helper.from_array((1.0 / scale).astype(np.float32), f"{name}_smoothing")
        graph.initializer.append(divisor)
        inserted[id(group[0])] = helper.make_node("Mul", [name, divisor.name], [output], name=output)
        for node in group:
            node.input[0] = output
        smoothed[output] = (float(min(0.0, (low / scale).min())), float(max(0.0, (high / scale).max())))
    ordered = []
    for node in graph.node:  # each Mul just before the first op it feeds: still topological
        mul = inserted.get(id(node))
        if mul is not None:
            ordered.append(mul)
        ordered.append(node)
    del graph.node[:]
    graph.node.extend(ordered)
    _drop_unused_initializers(model)
    return smoothed


def _drop_unused_initializers(model: Any) -> None:
    graph = model.graph
    used = {name for node in graph.node for name in node.input}
    kept = [t for t in graph.initializer if t.name in used]
    del graph.initializer[:]
    graph.initializer.extend(kept)


def _static_attention(model: Any, nodes: Sequence[Any], ranges: dict[str, tuple[float, float]]) -> None:
    """Each fused Attention becomes ``QuantizeLinear`` (a fixed uint8 scale from the calibrated input
    range) and ``QAttention`` (int8 weights, one scale per output column), in place. Static: the
    scale never depends on the batch, unlike the DynamicQuantizeLinear quantize_dynamic inserts."""
    from onnx import helper, numpy_helper

    graph = model.graph
    weights = {t.name: t for t in graph.initializer}
    replaced: dict[int, list[Any]] = {}
    for node in nodes:
        low, high = ranges[node.input[0]]
        scale = np.float32(max(high - low, 1e-8) / 255.0)
        zero_point = np.uint8(np.clip(round(-low / float(scale)), 0, 255))
        matrix = numpy_helper.to_array(weights[node.input[1]])
        columns = (np.abs(matrix).max(axis=0) / 127.0).astype(np.float32)
        columns[columns == 0] = 1.0
        quantized = np.clip(np.round(matrix / columns), -127, 127).astype(np.int8)
        prefix = node.name
        graph.initializer.extend(
            [
                numpy_helper.from_array(np.array(scale, dtype=np.float32), f"{prefix}_input_scale"),
                numpy_helper.from_array(np.array(zero_point, dtype=np.uint8), f"{prefix}_input_zero_point"),
                numpy_helper.from_array(quantized, f"{prefix}_weight_int8"),
                numpy_helper.from_array(columns, f"{prefix}_weight_scale"),
                numpy_helper.from_array(
                    np.zeros(columns.shape, dtype=np.int8), f"{prefix}_weight_zero_point"
                ),
            ]
        )
        quantize = helper.make_node(
            "QuantizeLinear",
            [node.input[0], f"{prefix}_input_scale", f"{prefix}_input_zero_point"],
            [f"{prefix}_input_uint8"],
            name=f"{prefix}_quantize",
        )
        mask = node.input[3] if len(node.input) > 3 else ""
        attention = helper.make_node(
            "QAttention",
            [
                f"{prefix}_input_uint8",
                f"{prefix}_weight_int8",
                node.input[2],
                f"{prefix}_input_scale",
                f"{prefix}_weight_scale",
                mask,
                f"{prefix}_input_zero_point",
                f"{prefix}_weight_zero_point",
            ],
            list(node.output),
            name=f"{prefix}_int8",
            domain="com.microsoft",
        )
        attention.attribute.extend(node.attribute)
        replaced[id(node)] = [quantize, attention]
    ordered = [new for node in graph.node for new in replaced.get(id(node), [node])]
    del graph.node[:]
    graph.node.extend(ordered)
    _drop_unused_initializers(model)


def _quantize_static(
    fp32_model: Path,
    target: Path,
    plan: _Plan,
    feeds: Sequence[dict[str, np.ndarray]],
    ranges: dict[str, tuple[np.ndarray, np.ndarray]],
    scratch: Path,
) -> None:
    """Static int8 for ``plan``: smoothing, shape inference, ``quantize_static`` (QDQ, per-channel
    int8 weights, uint8 activations with MinMax ranges from the calibration sentences) on the chosen
    MatMuls, then the attention blocks as static QAttention."""
    import onnx
    from onnxruntime.quantization import (
        CalibrationDataReader,
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_static,
    )
    from onnxruntime.tools.symbolic_shape_infer import SymbolicShapeInference

    class Feeds(CalibrationDataReader):
        def __init__(self) -> None:
            self._next = iter(feeds)

        def get_next(self) -> dict[str, np.ndarray] | None:
            return next(self._next, None)

        def rewind(self) -> None:
            self._next = iter(feeds)

    model = onnx.load(str(fp32_model))
    targets = _Targets.of(model)
    smoothed = _smooth(model, targets.smoothed(plan), ranges)
    # The fused contrib ops defeat ONNX's own shape inference; ONNX Runtime's symbolic one knows
    # them, and the quantizer needs every tensor's type to place its QuantizeLinear nodes.
    try:
        model = SymbolicShapeInference.infer_shapes(model, auto_merge=True, guess_output_rank=True)
    except Exception as exc:
        raise ModelError(
            f"shape inference failed on {fp32_model} ({exc}); use encoder_backend='onnx'"
        ) from exc
    inferred = scratch / "inferred.onnx"
    onnx.save(model, str(inferred))
    quantize_static(
        str(inferred),
        str(target),
        Feeds(),
        quant_format=QuantFormat.QDQ,
        op_types_to_quantize=["MatMul"],
        nodes_to_quantize=targets.matmuls(plan),
        per_channel=True,
        activation_type=QuantType.QUInt8,
        weight_type=QuantType.QInt8,
        calibrate_method=CalibrationMethod.MinMax,
        use_external_data_format=fp32_model.stat().st_size > 1_800_000_000,
        extra_options={
            "DefaultTensorType": onnx.TensorProto.FLOAT,
            "ActivationSymmetric": False,
            "WeightSymmetric": True,
            # Float outputs: ONNX Runtime then runs each as one integer MatMul scaled to float
            # (MatMulIntegerToFloat), with no second rounding to 8 bits on the way out.
            "OpTypesToExcludeOutputQuantization": ["MatMul"],
        },
    )
    inferred.unlink()
    if plan.attention and targets.attention:
        quantized = onnx.load(str(target))
        names = {node.name for node in targets.attention}
        _static_attention(quantized, [n for n in quantized.graph.node if n.name in names], smoothed)
        onnx.save(quantized, str(target))


def _export_int8(
    fp32_model: Path, workdir: Path, layout: ModelLayout, inputs: Sequence[str], pad_id: int
) -> dict[str, Any]:
    """Write the static int8 model of the first plan whose check passes; its entries for encoder.json."""
    import onnx

    probe = _Probe.embed(fp32_model, workdir, layout, inputs, pad_id)
    feeds = _calibration_feeds(workdir, layout, inputs)
    scratch = Path(tempfile.mkdtemp(prefix="int8-", dir=workdir))
    tried: list[str] = []
    try:
        with _quiet_quantizer():
            model = onnx.load(str(fp32_model))
            targets = _Targets.of(model)
            smoothed = [*targets.attention, *targets.up, *targets.down]
            wanted = list(dict.fromkeys(node.input[0] for node in smoothed))
            ranges = _channel_ranges(model, wanted, feeds, scratch / "ranges.onnx")
            del model
            for plan in _PLANS:
                _quantize_static(fp32_model, workdir / MODEL_FILE, plan, feeds, ranges, scratch)
                lowest, padding_exact = _check_quantized(workdir / MODEL_FILE, probe)
                if lowest >= MIN_QUANTIZED_COSINE:
                    return {
                        "quantization": f"{_QUANTIZATION}; int8: {plan.name}",
                        "min_cosine_to_fp32": round(lowest, 4),
                        "padding_exact": padding_exact,
                        "calibration": {
                            "file": CALIBRATION_FILE.name,
                            "sentences": len(feeds),
                            "sha256": hashlib.sha256(CALIBRATION_FILE.read_bytes()).hexdigest()[:16],
                            "smoothing_alpha": SMOOTHING_ALPHA,
                        },
                    }
                tried.append(f"{plan.name}: {lowest:.3f}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    (workdir / MODEL_FILE).unlink(missing_ok=True)
    raise ModelError(
        f"every int8 model of {layout.root} embeds a check sentence under cosine {MIN_QUANTIZED_COSINE} "
        f"to the float model ({'; '.join(tried)}); use encoder_backend='onnx' for this model"
    )


def _export(layout: ModelLayout, model: str, backend: OnnxBackend, workdir: Path, fp32_cache: Path) -> None:
    """Write ``model.onnx``, ``tokenizer.json`` and ``encoder.json`` for ``backend`` into ``workdir``."""
    started = time.perf_counter()
    pad_id = _write_tokenizer(layout, workdir / TOKENIZER_FILE)
    int8: dict[str, Any] = {"quantization": None, "min_cosine_to_fp32": None, "padding_exact": None}
    if backend == "onnx":
        inputs = _export_fp32(layout, workdir / MODEL_FILE)
    elif (fp32_cache / META_FILE).is_file():  # reuse the fp32 export when it is cached already
        inputs = list(read_json(fp32_cache / META_FILE)["inputs"])
        int8 = _export_int8(fp32_cache / MODEL_FILE, workdir, layout, inputs, pad_id)
    else:
        fp32_dir = Path(tempfile.mkdtemp(prefix="fp32-", dir=workdir))
        try:
            inputs = _export_fp32(layout, fp32_dir / MODEL_FILE)
            int8 = _export_int8(fp32_dir / MODEL_FILE, workdir, layout, inputs, pad_id)
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
        "fused_attention": _has_fused_attention(workdir / MODEL_FILE),
        **int8,
        "export_seconds": round(time.perf_counter() - started, 2),
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "versions": _package_versions(),
    }
    (workdir / META_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")


#: Sentences the quantized model must embed like the float one, of every length (short replies are
#: the hardest; the last two run past the model's 256 tokens).
_CHECK_SENTENCES = (
    "No.",
    "Not true.",
    "That's false.",
    "?",
    "The governor signed the budget bill on Tuesday after a 14-hour debate.",
    "Unemployment fell to 3.9 percent in April, the lowest rate since 2000, the report said.",
    "Posts shared online claim that the vaccine contains microchips, which is not true.",
    "Click here for more on the six ratings.",
    '"We will not raise taxes on the middle class," she told reporters in Des Moines.',
    "The mailer erroneously cites as its source a bill that made no mention of abortion at all.",
    "In 2016, 62.9 million people voted for Donald Trump, while 65.8 million voted for Hillary Clinton.",
    "Matt Williams, a spokesman for the campaign, did not respond to several requests for comment.",
    "The state legislature passed the budget after a marathon session that ran past midnight, with "
    "lawmakers trading accusations over school funding, pension obligations and a proposed gas tax "
    "increase that the governor had promised to veto, while protesters outside the capitol chanted "
    "slogans about teacher pay and the rising cost of health insurance for state employees.",
    "Officials said the new rules would take effect in January. " * 12,
    "READ ALSO: Scientists say the moon landing was staged, and the footage proves it " * 20,
)
#: The bound the ``onnx-int8`` backend promises against the float model, sentence by sentence.
MIN_QUANTIZED_COSINE = 0.98


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
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(workdir / TOKENIZER_FILE))
        tokenizer.enable_truncation(max_length=layout.max_seq_length)
        encodings = tokenizer.encode_batch([layout.prompt + text for text in _CHECK_SENTENCES])
        reference = _session(fp32_model)
        expected = np.vstack([embed_batch(reference, inputs, [e], pad_id, layout.pooling) for e in encodings])
        return cls(list(encodings), expected, inputs, pad_id, layout.pooling)


def _check_quantized(quantized_model: Path, probe: _Probe) -> tuple[float, bool]:
    """The lowest cosine between the float and the quantized model over the probe sentences, each
    embedded alone and within one padded batch; and whether both ways gave identical bits (padding
    and batch mates change nothing: the runtime may then batch sentences of different lengths)."""
    quantized = _session(quantized_model)

    def embed(batch: Sequence[Any]) -> np.ndarray:
        return embed_batch(quantized, probe.inputs, batch, probe.pad_id, probe.pooling)

    alone = np.vstack([embed([e]) for e in probe.encodings])
    together = embed(probe.encodings)
    lowest = min(float((vectors * probe.expected).sum(axis=1).min()) for vectors in (alone, together))
    return lowest, bool(np.array_equal(alone, together))


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
