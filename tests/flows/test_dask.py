"""Bulk ingest and bulk checks through Dask (prefect-dask) give the serial results.

One local Dask cluster (two worker processes) serves both tests, as a long-lived
cluster at CREDIBILITY_DASK_ADDRESS would: each worker loads the model once.
"""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from flowhelpers import read_task_runs, wait_until

from credibility.app import sample_paths
from credibility.embed.embedder import Embedder
from flows.measure import make_articles
from flows.sources import VerifiedInput
from index.store import IndexReader

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def dask_address() -> Iterator[str]:
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        yield cluster.scheduler_address


@pytest.fixture
def on_dask(dask_address: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The flows' own Dask runner factory, pointed at the test cluster."""
    from flows.config import FlowSettings
    from flows.dask import dask_task_runner

    monkeypatch.setenv("CREDIBILITY_DASK_ADDRESS", dask_address)
    # Small chunks, so the sample's few dozen sentences fan out over both workers.
    monkeypatch.setenv("CREDIBILITY_DASK_CHUNK", "8")
    return dask_task_runner(FlowSettings())


def _snapshot(home: Path) -> dict[str, Any]:
    reader = IndexReader.open(home / "index")
    try:
        ids, vectors = reader.all_sentence_vectors()
        sentences = reader.sentences(ids.tolist())
        return {
            "articles": reader.article_ids(),
            "sentences": [
                (i, s.article_id, s.role, s.position, s.text) for i, s in sorted(sentences.items())
            ],
            "ids": ids,
            "vectors": vectors,
            "config": {k: reader.config.get(k) for k in ("model", "dimension", "encoder_backend", "counts")},
        }
    finally:
        reader.close()


def test_dask_ingest_equals_serial(
    prefect_api: str,
    real_embedder: Embedder,
    sample_inputs: list[VerifiedInput],
    tmp_path: Path,
    on_dask: Any,
) -> None:
    from flows.ingest import ingest_verified

    serial = ingest_verified(inputs=sample_inputs, home=str(tmp_path / "serial"))
    state = ingest_verified.with_options(task_runner=on_dask)(
        inputs=sample_inputs, home=str(tmp_path / "dask"), return_state=True
    )
    assert state.is_completed(), state.message
    fanned = state.result()
    assert dataclasses.replace(fanned, problems=()) == dataclasses.replace(serial, problems=())

    a, b = _snapshot(tmp_path / "serial"), _snapshot(tmp_path / "dask")
    assert a["articles"] == b["articles"] and a["sentences"] == b["sentences"] and a["config"] == b["config"]
    assert np.array_equal(a["ids"], b["ids"])
    np.testing.assert_allclose(a["vectors"], b["vectors"], rtol=0, atol=1e-5)

    run_id = str(state.state_details.flow_run_id)
    chunks = wait_until(
        lambda: [r for r in read_task_runs(prefect_api, run_id) if r["name"].startswith("embed-chunk")],
        60,
        "the embed-chunk task runs",
    )
    assert len(chunks) >= 2


def test_dask_monitor_labels_like_a_local_one(
    indexed_home: dict[str, Any], tmp_path: Path, on_dask: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.monitor import monitor_sources

    folder = tmp_path / "incoming"
    make_articles(folder, 3)
    shutil.copy(sample_paths()["repost"], folder / "repost.txt")
    sources = tmp_path / "sources.yaml"
    sources.write_text(f"monitor:\n  - {folder}\n", encoding="utf-8")
    monkeypatch.setenv("CREDIBILITY_REPORTS_DIR", str(tmp_path / "reports"))
    homes = {}
    for name in ("local", "dask"):  # the same index, each with an empty results store
        homes[name] = tmp_path / name
        shutil.copytree(indexed_home["home"] / "index", homes[name] / "index")

    local = monitor_sources(sources_file=str(sources), home=str(homes["local"]), execution="local")
    fanned = monitor_sources.with_options(task_runner=on_dask)(
        sources_file=str(sources), home=str(homes["dask"])
    )
    assert local.checked == 4 and (fanned.checked, fanned.flagged) == (local.checked, local.flagged)

    def labels(home: Path) -> dict[str, tuple[str, ...]]:
        from credibility.settings import Settings
        from credibility.store.results import ResultsStore

        with ResultsStore(Settings(home=home).results_db) as store:
            return {
                s.check.article.content_hash: tuple(x.label for x in s.check.sentences)
                for s in store.between()
            }

    assert labels(homes["dask"]) == labels(homes["local"])
