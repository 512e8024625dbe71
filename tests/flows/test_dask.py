"""A bulk ingest through Dask (prefect-dask) builds the same index as a serial one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from flowhelpers import read_task_runs, wait_until

from credibility.embedding import Embedder
from flows.sources import VerifiedInput
from index.store import IndexReader

pytestmark = pytest.mark.slow


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
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from flows.ingest import ingest_verified, ingest_verified_dask

    # Small chunks, so the sample's few dozen sentences fan out over both workers.
    monkeypatch.setenv("CREDIBILITY_DASK_CHUNK", "8")
    serial = ingest_verified(inputs=sample_inputs, home=str(tmp_path / "serial"))
    state = ingest_verified_dask(inputs=sample_inputs, home=str(tmp_path / "dask"), return_state=True)
    assert state.is_completed(), state.message
    fanned = state.result()
    assert fanned.model_dump(exclude={"problems"}) == serial.model_dump(exclude={"problems"})

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
