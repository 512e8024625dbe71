"""Shared fixtures: a fast deterministic fake embedder, and the real model once per session."""

from __future__ import annotations

import os
from pathlib import Path

import fuzzing  # noqa: F401  (the hypothesis profiles: "ci" by default, "fuzz" under make fuzz)
import pytest
from fakes import FakeEmbedder

from credibility.embed.embedder import Embedder, load_embedder
from credibility.settings import Settings

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


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
