"""The fake embedder: bag-of-words hashing vectors, fast and deterministic.

In a module of its own (not only ``conftest.py``) so that modules and helper processes can import
it: each test folder has a ``conftest``, and ``from conftest import ...`` finds whichever came first.
``tests/conftest.py`` re-exports it and gives it as the ``fake_embedder`` fixture.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np

from credibility.text.normalize import normalize


class FakeEmbedder:
    """Bag-of-words hashing vectors: shared words make sentences similar, like a real model, fast."""

    model_name = "fake-model"
    backend = "torch"
    dimension = 64

    def __init__(self) -> None:
        self.calls = 0
        self.encoded = 0

    def encode(self, sentences: Sequence[str]) -> np.ndarray:
        self.calls += 1
        self.encoded += len(sentences)
        out = np.zeros((len(sentences), self.dimension), dtype=np.float32)
        for i, sentence in enumerate(sentences):
            for word in re.findall(r"\w+", normalize(sentence)):
                h = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=4).digest(), "little")
                out[i, h % self.dimension] += 1.0 if (h >> 16) & 1 else -1.0
            norm = np.linalg.norm(out[i])
            out[i] = out[i] / norm if norm else out[i]
            if not norm:
                out[i, 0] = 1.0
        return out
