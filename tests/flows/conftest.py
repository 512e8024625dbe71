"""One Prefect test server and one sample index for the whole flows test session.

The server is ``prefect_test_harness`` (a real server in a subprocess, SQLite in a
temporary folder): flows, background tasks, events and Dask all need a started
server. The index is built once, by the ingest-verified flow itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import flows  # noqa: F401  (quiet environment first)
from credibility.app import sample_paths
from credibility.embed.embedder import Embedder
from flows.sources import VerifiedInput


@pytest.fixture(scope="session")
def prefect_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("prefect-home")


@pytest.fixture(scope="session")
def prefect_api(prefect_home: Path) -> Iterator[str]:
    """A started Prefect server for the session; result storage in a temporary PREFECT_HOME."""
    from prefect.settings import (
        PREFECT_HOME,
        PREFECT_LOCAL_STORAGE_PATH,
        get_current_settings,
        temporary_settings,
    )
    from prefect.testing.utilities import prefect_test_harness

    storage = prefect_home / "storage"
    with (
        temporary_settings(updates={PREFECT_HOME: prefect_home, PREFECT_LOCAL_STORAGE_PATH: storage}),
        prefect_test_harness(server_startup_timeout=180),
    ):
        url = get_current_settings().api.url
        assert url
        yield url


@pytest.fixture(scope="session")
def sample_inputs() -> list[VerifiedInput]:
    paths = sample_paths()
    return [
        VerifiedInput(path=str(paths["articles"]), kind="reporting"),
        VerifiedInput(path=str(paths["factchecks"]), kind="factcheck"),
    ]


@pytest.fixture(scope="session")
def indexed_home(
    prefect_api: str,
    real_embedder: Embedder,
    sample_inputs: list[VerifiedInput],
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, Any]:
    """A data folder with the sample reporting and fact-checks indexed by the ingest-verified flow."""
    from flows.ingest import ingest_verified

    home = tmp_path_factory.mktemp("flows-home")
    state = ingest_verified(inputs=sample_inputs, home=str(home), return_state=True)
    assert state.is_completed(), state.message
    return {"home": home, "state": state, "summary": state.result()}


@pytest.fixture
def flow_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Per-test reports folder (and the flows' own settings read from the environment)."""
    reports = tmp_path / "reports"
    monkeypatch.setenv("CREDIBILITY_REPORTS_DIR", str(reports))
    monkeypatch.setenv("CREDIBILITY_EXECUTION", "local")
    return reports
