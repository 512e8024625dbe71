"""The deployment files agree with the flows and with each other (no server needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from prefect.utilities.callables import parameter_schema

from flows.deployments import DEFAULT_PREFECT_FILE, load_flow, read_specs, to_runner_deployment
from flows.events import INDEX_UPDATED, index_resource_id

DEPLOY = DEFAULT_PREFECT_FILE.parent
POOL_FILES = sorted((DEPLOY / "pools").glob("*.prefect.yaml"))
EXPECTED = {
    "ingest-verified/daily",
    "ingest-verified/bulk-dask",
    "check-article/on-demand",
    "monitor-sources/scheduled",
    "monitor-sources/bulk-dask",
    "reviewer-report/on-demand",
}


def _shape(path: Path) -> dict[str, Any]:
    return {
        spec.full_name: (spec.entrypoint, spec.schedules, spec.triggers, spec.concurrency_limit)
        for spec in read_specs(path)
    }


def test_one_deployment_per_flow_with_schedules_and_the_trigger() -> None:
    specs = {spec.full_name: spec for spec in read_specs()}
    assert set(specs) == EXPECTED
    for name in ("ingest-verified/daily", "monitor-sources/scheduled"):
        (schedule,) = specs[name].schedules
        assert schedule["cron"] and schedule["timezone"] == "Europe/Paris"
    (trigger,) = specs["monitor-sources/scheduled"].triggers
    assert trigger["expect"] == [INDEX_UPDATED]
    pattern = trigger["match"]["prefect.resource.id"]
    assert pattern.endswith("*") and index_resource_id("/any/index").startswith(pattern[:-1])


def test_every_deployment_builds_for_serving() -> None:
    for spec in read_specs():
        deployment = to_runner_deployment(spec)
        assert deployment.full_name == spec.full_name
        assert deployment.entrypoint == spec.entrypoint
        assert len(deployment.schedules or []) == len(spec.schedules)
        assert len(deployment.triggers) == len(spec.triggers)
        # Typed parameters: the server validates every trigger against the flow's schema.
        assert deployment.enforce_parameter_schema
        assert parameter_schema(load_flow(spec.entrypoint)).properties


@pytest.mark.parametrize("path", POOL_FILES, ids=lambda p: p.name)
def test_pool_variants_match_the_main_file(path: Path) -> None:
    assert _shape(path) == _shape(DEFAULT_PREFECT_FILE)
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    pools = {d["work_pool"]["name"] for d in document["deployments"]}
    assert len(pools) == 1 and document["pull"] == []
    (pool,) = {d["work_pool"]["name"]: d["work_pool"] for d in document["deployments"]}.values()
    assert pool["job_variables"]["env"]["CREDIBILITY_HOME"] == "/data"


def test_kubernetes_manifests_parse() -> None:
    kinds = [
        doc["kind"]
        for path in sorted((DEPLOY / "kubernetes").glob("*.yaml"))
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8"))
    ]
    assert {"Namespace", "PersistentVolumeClaim", "Deployment"} <= set(kinds)
