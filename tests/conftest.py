"""Shared fixtures: a fast deterministic fake embedder, and the real model once per session."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from credibility.embed.embedder import Embedder, load_embedder
from credibility.settings import Settings
from credibility.text.normalize import normalize

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


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


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home", model="fake-model")


@pytest.fixture(scope="session")
def real_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(home=tmp_path_factory.mktemp("real-home"))


@pytest.fixture(scope="session")
def real_embedder(real_settings: Settings) -> Embedder:
    return load_embedder(real_settings)
