"""The exported ONNX encoder's folder, and the source model it is exported from.

Shared by :mod:`credibility.embed.onnx_export` (which writes the folder) and
:mod:`credibility.embed.onnx_runtime` (which reads it): the backend names, the files of
the cached folder (``model.onnx``, ``tokenizer.json``, ``encoder.json``), the export format
version and which older exports' vectors it still reproduces (:func:`vectors_compatible_since`,
what an index checks before it takes vectors), what the sentence-transformers folder says about
how to embed with it (:func:`read_layout`), its cache key (:func:`model_key`), and
how one batch of tokenized sentences is run, pooled and normalised (:func:`embed_batch`).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from credibility.errors import ModelError

OnnxBackend = Literal["onnx", "onnx-int8"]
ONNX_BACKENDS: tuple[OnnxBackend, ...] = ("onnx", "onnx-int8")
Pooling = Literal["mean", "cls"]

#: Bumped when the cached layout or the export changes; part of the cache key, and recorded by an
#: index built with an ONNX backend. 4: ``onnx-int8`` is static int8 (calibrated activation ranges,
#: one model), so a sentence's vector no longer depends on the batch it is encoded in.
ENCODER_FORMAT_VERSION = 4
#: Per backend, the oldest export format whose vectors the current export reproduces: an index
#: holding vectors of an older export is refused (old and new vectors would not be comparable) and
#: must be re-embedded (``credibility index rebuild --backend ...``). 0: any, including an index from
#: before indexes recorded the format. The float export has not changed its vectors; ``onnx-int8``
#: changed from dynamic to static quantization in format 4.
_VECTORS_COMPATIBLE_SINCE: dict[str, int] = {"onnx": 0, "onnx-int8": 4}
MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
META_FILE = "encoder.json"
_MODEL_FILE_SUFFIXES = (".json", ".safetensors", ".bin", ".txt", ".model", ".pt")


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


def vectors_compatible_since(backend: str) -> int:
    """The oldest encoder format whose vectors ``backend`` still reproduces (0 for torch: no export)."""
    return _VECTORS_COMPATIBLE_SINCE.get(backend, 0)


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


def read_json(path: Path) -> Any:
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
    modules = read_json(modules_file)
    kinds = [_module_kind(entry) for entry in modules]
    if kinds not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
        raise ModelError(
            f"the model at {root} has modules {kinds}; the ONNX backends support only "
            "Transformer, Pooling and an optional Normalize. Use encoder_backend='torch'."
        )
    transformer_dir = root / str(modules[0].get("path", ""))
    pooling_file = root / str(modules[1].get("path", "")) / "config.json"
    pooling_config = read_json(pooling_file)
    pooling = _pooling_mode(pooling_config, pooling_file)
    if pooling_config.get("include_prompt", True) is False:
        raise ModelError(f"{pooling_file} excludes prompt tokens from pooling; the ONNX backends cannot")

    config = read_json(transformer_dir / "config.json")
    hidden = int(config.get("hidden_size") or config.get("dim") or 0)
    dimension = int(
        pooling_config.get("embedding_dimension") or pooling_config.get("word_embedding_dimension") or hidden
    )
    if hidden and dimension != hidden:
        raise ModelError(f"pooling dimension {dimension} differs from the hidden size {hidden} in {root}")

    st_config_file = transformer_dir / "sentence_bert_config.json"
    st_config: dict[str, Any] = read_json(st_config_file) if st_config_file.is_file() else {}
    max_seq_length = st_config.get("max_seq_length")
    if max_seq_length is None:
        tokenizer_config_file = transformer_dir / "tokenizer_config.json"
        tokenizer_config = read_json(tokenizer_config_file) if tokenizer_config_file.is_file() else {}
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
        ct_config = read_json(ct_file)
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


# ---------------------------------------------------------------- one batch


def token_states(session: Any, inputs: Sequence[str], encoding: Any) -> np.ndarray:
    """The last hidden state of one tokenized sentence: a ``(tokens, dimension)`` float32 array."""
    ids = np.asarray([encoding.ids], dtype=np.int64)
    feeds = {
        "input_ids": ids,
        "attention_mask": np.ones_like(ids),
        "token_type_ids": np.asarray([encoding.type_ids], dtype=np.int64),
    }
    hidden = session.run(["last_hidden_state"], {name: feeds[name] for name in inputs})[0]
    return np.asarray(hidden[0], dtype=np.float32)


def embed_batch(
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
