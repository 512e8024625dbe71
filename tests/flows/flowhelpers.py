"""Helpers for the flows tests: polling, and reading events and artifacts from the server."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx


def request(method: str, url: str, **kwargs: Any) -> httpx.Response:
    """One API call, retried while the SQLite server answers 503 (busy database, on a busy machine)."""
    for attempt in range(14):
        response = httpx.request(method, url, timeout=30, **kwargs)
        if response.status_code != 503:
            break
        time.sleep(min(0.1 * 2**attempt, 1.0))
    return response


def api(method: str, url: str, **kwargs: Any) -> Any:
    response = request(method, url, **kwargs)
    response.raise_for_status()
    return response.json()


def wait_until(predicate: Callable[[], Any], timeout: float, what: str, step: float = 0.5) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(step)


def read_events(api_url: str, name: str, since: str | None = None) -> list[dict[str, Any]]:
    body: dict[str, Any] = {"filter": {"event": {"name": [name]}}, "limit": 50}
    if since:
        body["filter"]["occurred"] = {"since": since}
    events: list[dict[str, Any]] = api("POST", f"{api_url}/events/filter", json=body)["events"]
    return events


def read_artifacts(api_url: str, flow_run_id: str) -> list[dict[str, Any]]:
    artifacts: list[dict[str, Any]] = api(
        "POST",
        f"{api_url}/artifacts/filter",
        json={"artifacts": {"flow_run_id": {"any_": [flow_run_id]}, "type": {"any_": ["markdown"]}}},
    )
    return artifacts


def read_task_runs(api_url: str, flow_run_id: str) -> list[dict[str, Any]]:
    runs: list[dict[str, Any]] = api(
        "POST", f"{api_url}/task_runs/filter", json={"flow_runs": {"id": {"any_": [flow_run_id]}}}
    )
    return runs


def subprocess_env(api_url: str, prefect_home: Path, home: Path, **extra: str) -> dict[str, str]:
    """Environment for a served process: the same server, result storage and data folder."""
    env = dict(os.environ)
    env.update(
        PREFECT_API_URL=api_url,
        PREFECT_HOME=str(prefect_home),
        PREFECT_LOCAL_STORAGE_PATH=str(prefect_home / "storage"),
        CREDIBILITY_HOME=str(home),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        DO_NOT_TRACK="1",
        **extra,
    )
    return env
