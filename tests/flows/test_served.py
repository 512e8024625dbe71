"""``python -m flows.serve`` for real: deployments served from one process with the warm worker.

On-demand checks are triggered the three documented ways (``run_deployment``, the REST
call, the ``prefect deployment run`` CLI) plus a long-lived Python caller; then an
ingest changes the index, the deployment trigger starts ``monitor-sources``, and the
same worker, never restarted, checks against the new index.
"""

from __future__ import annotations

import csv
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
from flowhelpers import api, request, subprocess_env, wait_until

from credibility.app import sample_paths
from credibility.settings import Settings
from credibility.store.results import ResultsStore
from credibility.text.normalize import text_hash
from flows.measure import make_articles
from flows.models import CheckOutcome

pytestmark = pytest.mark.slow

FERRY = "The Port Ellery ferry resumed service on Monday after a three-week strike ended with a pay rise for crews."


def _repost(marker: str) -> str:
    return sample_paths()["repost"].read_text(encoding="utf-8") + f"\n\nChecked via {marker}."


@pytest.fixture(scope="module")
def served(
    prefect_api: str,
    prefect_home: Path,
    indexed_home: dict[str, Any],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, Any]]:
    from flows.warm import check_article_job

    root = tmp_path_factory.mktemp("served")
    home = root / "home"
    shutil.copytree(indexed_home["home"], home)  # its own index: this module changes it
    incoming = root / "incoming"
    make_articles(incoming, 2)
    sources = root / "sources.yaml"
    sources.write_text(f"monitor:\n  - {incoming}\n", encoding="utf-8")
    reports = root / "reports"
    env = subprocess_env(
        prefect_api,
        prefect_home,
        home,
        CREDIBILITY_SOURCES_FILE=str(sources),
        CREDIBILITY_REPORTS_DIR=str(reports),
    )
    log = open(root / "serve.log", "w")  # noqa: SIM115  (closed at teardown)
    process = subprocess.Popen(
        [sys.executable, "-m", "flows.serve"], env=env, stdout=log, stderr=subprocess.STDOUT
    )

    def ready() -> bool:
        assert process.poll() is None, (root / "serve.log").read_text()
        deployment = httpx.get(f"{prefect_api}/deployments/name/check-article/on-demand", timeout=10)
        workers = httpx.post(
            f"{prefect_api}/task_workers/filter",
            json={"task_worker_filter": {"task_keys": [check_article_job.task_key]}},
            timeout=10,
        )
        return deployment.status_code == 200 and workers.status_code == 200 and bool(workers.json())

    try:
        wait_until(ready, 300, "flows.serve to register the deployments and the warm worker", step=1)
        # Every check must run in the warm process: a run that loaded the model itself would
        # pass unnoticed otherwise. Outcomes name the host-pid that checked them.
        yield {
            "home": home,
            "reports": reports,
            "env": env,
            "log": root / "serve.log",
            "warm": f"-{process.pid}",
        }
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _stored(home: Path, content_hash: str) -> bool:
    with ResultsStore(Settings(home=home).results_db) as store:
        return store.has_content(content_hash)


def _result(flow_run_id: str) -> CheckOutcome:
    """A finished run's persisted result (caller and server share the result storage)."""
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        state = client.read_flow_run(UUID(flow_run_id)).state
    assert state is not None
    result = state.result()
    assert isinstance(result, CheckOutcome)
    return result


def _csv_rows(folder: Path) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for path in sorted(folder.glob("reviewer-*.csv")):
        with open(path, encoding="utf-8-sig", newline="") as handle:
            rows.extend(csv.DictReader(handle))
    return rows


def test_run_deployment(served: dict[str, Any]) -> None:
    from flows.client import check_by_deployment

    started = time.perf_counter()
    outcome = check_by_deployment({"text": _repost("run_deployment"), "title": "Bridge repost"})
    print(f"run_deployment: {time.perf_counter() - started:.2f} s")
    assert outcome.label == "debunked" and outcome.csv_rows_added == len(outcome.flagged) > 0
    assert outcome.checked_by.endswith(served["warm"])
    assert _stored(served["home"], outcome.content_hash)
    assert {r["article_title"] for r in _csv_rows(served["reports"])} == {"Bridge repost"}


def test_rest_call_and_a_bad_trigger(prefect_api: str, served: dict[str, Any]) -> None:
    from flows.client import check_by_rest

    bad = check_by_rest(prefect_api, {})
    assert bad["state"]["type"] == "FAILED"
    assert "give the article as `text` or as `path`" in bad["state"]["message"]

    started = time.perf_counter()
    text = _repost("REST")
    run = check_by_rest(prefect_api, {"text": text})
    print(f"REST: {time.perf_counter() - started:.2f} s")
    assert run["state"]["type"] == "COMPLETED"  # the failed run left nothing behind
    # REST callers read the verdict from the final state's message.
    assert run["state"]["message"].startswith("debunked: ")
    assert _stored(served["home"], text_hash(text))
    assert _result(run["id"]).checked_by.endswith(served["warm"])

    # The server validates parameters against the flow's schema before a run exists.
    deployment = api("GET", f"{prefect_api}/deployments/name/check-article/on-demand")
    refused = request(
        "POST",
        f"{prefect_api}/deployments/{deployment['id']}/create_flow_run",
        json={"parameters": {"text": 42}},
    )
    assert refused.status_code == 409 and "text" in refused.text


def test_prefect_cli(prefect_api: str, served: dict[str, Any]) -> None:
    text = (
        "The Kestrel Harbour Bridge in Port Ellery reopened to traffic on Saturday after a two-year "
        "repair that cost 95 million euros."
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "prefect",
            "deployment",
            "run",
            "check-article/on-demand",
            "--param",
            f"text={text}",
        ],
        env=served["env"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    run_id = re.search(r"UUID: ([0-9a-f-]{36})", done.stdout)
    assert run_id, done.stdout

    def finished() -> dict[str, Any] | None:
        state: dict[str, Any] = api("GET", f"{prefect_api}/flow_runs/{run_id[1]}")["state"]
        return state if state["type"] in ("COMPLETED", "FAILED", "CRASHED") else None

    state = wait_until(finished, 180, "the CLI-triggered run", step=0.2)
    assert state["type"] == "COMPLETED", state
    assert _result(run_id[1]).checked_by.endswith(served["warm"])
    assert any(
        r["label"] == "altered" and "95 million" in r["sentence"] for r in _csv_rows(served["reports"])
    )


def test_ingest_triggers_monitor_and_the_worker_sees_the_new_index(
    prefect_api: str, served: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.client import check_now
    from flows.ingest import ingest_verified
    from flows.sources import VerifiedInput

    home = str(served["home"])
    monkeypatch.setenv("CREDIBILITY_REPORTS_DIR", str(served["reports"]))
    started = time.perf_counter()
    before = check_now(FERRY, home=home)
    print(f"long-lived caller: {time.perf_counter() - started:.2f} s")
    assert before.label == "unsupported" and before.checked_by.endswith(served["warm"])

    ferry = tmp_path / "ferry.txt"
    ferry.write_text(f"Port Ellery ferry resumes service\n\n{FERRY}\n", encoding="utf-8")
    summary = ingest_verified(inputs=[VerifiedInput(path=str(ferry))], home=home)
    assert summary.added == 1

    # The same worker process, not restarted, checks against the new generation.
    after = check_now(FERRY, home=home)
    assert after.index_generation > before.index_generation
    assert after.label == "clean" and not after.flagged

    # ingest-verified's event started monitor-sources through the deployment trigger.
    deployment = api("GET", f"{prefect_api}/deployments/name/monitor-sources/scheduled")

    def monitor_run() -> dict[str, Any] | None:
        runs = api(
            "POST",
            f"{prefect_api}/flow_runs/filter",
            json={"flow_runs": {"deployment_id": {"any_": [deployment["id"]]}}},
        )
        done = [r for r in runs if r["state"]["type"] in ("COMPLETED", "FAILED", "CRASHED")]
        return done[0] if done else None

    run = wait_until(monitor_run, 240, "the triggered monitor-sources run", step=1)
    assert run["state"]["type"] == "COMPLETED", (run["state"], served["log"].read_text()[-3000:])


def test_monitor_hands_batches_to_the_warm_worker(served: dict[str, Any], tmp_path: Path) -> None:
    from prefect.client.schemas.objects import FlowRun
    from prefect.deployments import run_deployment

    from flows.models import MonitorSummary

    for path in make_articles(tmp_path / "incoming", 3):
        # Other datelines than the fixture's articles: new content, not "checked before".
        path.write_text(path.read_text(encoding="utf-8").replace(" March ", " April "), encoding="utf-8")
    (tmp_path / "incoming" / "empty.txt").write_text("\n", encoding="utf-8")
    sources = tmp_path / "sources.toml"
    sources.write_text(f'[[monitor]]\npath = "{tmp_path / "incoming"}"\n', encoding="utf-8")
    run = run_deployment(
        "monitor-sources/scheduled",
        parameters={"sources_file": str(sources), "execution": "worker"},
        poll_interval=0.2,
        timeout=300,
    )
    assert isinstance(run, FlowRun) and run.state is not None and run.state.is_completed(), run.state
    summary = run.state.result()
    assert isinstance(summary, MonitorSummary)
    assert (summary.checked, summary.failed) == (3, 1)
    assert "empty" in summary.problems[0].origin
    with ResultsStore(Settings(home=served["home"]).results_db) as store:
        assert all(store.get(key) is not None for key in summary.check_keys)
