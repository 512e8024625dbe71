"""Shared fixtures: a fast deterministic fake embedder, and the real model once per session.

The default encoder (``onnx-int8``) is exported from the packaged model on first use (about 20 s).
Every test home shares one export: ``CREDIBILITY_ENCODER_CACHE`` is set once per session (to a
folder of the session's temporary directory, unless it is set already; set it to a lasting folder
to keep the export between runs), and the processes tests start inherit it.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import fuzzing  # noqa: F401  (the hypothesis profiles: "ci" by default, "fuzz" under make fuzz)
import pytest
from fakes import FakeEmbedder

from credibility.embed.embedder import Embedder, load_embedder
from credibility.settings import Settings

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def pytest_sessionstart(session: pytest.Session) -> None:
    """One encoder cache for the whole run, set before any test (or fixture) builds settings."""
    if os.environ.get("CREDIBILITY_ENCODER_CACHE"):
        return
    factory: pytest.TempPathFactory | None = getattr(session.config, "_tmp_path_factory", None)
    base = factory.getbasetemp() if factory is not None else Path(tempfile.mkdtemp(prefix="credibility-"))
    os.environ["CREDIBILITY_ENCODER_CACHE"] = str(base / "encoders")


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
