"""The Prefect lines of README.md and deploy/README.md, run as written (placeholders filled).

- ``served``: against the session's Prefect test server (``prefect_api``) and the index the
  ingest flow built (``indexed_home``), with ``python -m flows.serve`` started by its README line:
  the on-demand triggers (``prefect deployment run``, ``python -c ...``, the ``curl``/``jq`` REST
  lines), the Python example of deploy/README.md and ``python -m flows.measure``.
- ``pool``: ``python -m flows.server`` itself (on a free port, its own PREFECT_HOME, so the
  deployments ``prefect deploy`` registers never meet the session server's served ones), then the
  "Scaling out" lines: ``prefect config set``, ``prefect work-pool create``, ``prefect deploy``,
  ``prefect worker start`` and ``python -m flows.worker``, and a check run through that pool.

Which lines these are, and their placeholders, is in ``tests/readme_commands.py``.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from flowhelpers import api, request, wait_until
from readme_commands import (
    CLAIM,
    RUNS,
    SAMPLE_DATA,
    Result,
    Shell,
    collect,
    fill,
    make_workspace,
    python_blocks,
    runner_blocks,
)

pytestmark = pytest.mark.slow

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
FINAL = ("COMPLETED", "FAILED", "CRASHED", "CANCELLED")
#: The state message of a finished check-article run, as deploy/README.md shows it.
MESSAGE = re.compile(r"^debunked: \d+ sentence\(s\) to review \(.*\); check [0-9a-f]+$")

Promise = Callable[[Result, Shell], None]


def _environment(home: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CREDIBILITY_", "PREFECT_API_URL", "PREFECT_PROFILES_PATH", "PREFECT_HOME"))
    }
    # The session's encoder export (tests/conftest.py), not one more per home.
    env.update({k: v for k, v in os.environ.items() if k == "CREDIBILITY_ENCODER_CACHE"})
    env.update(
        HOME=str(home),
        HF_HUB_OFFLINE="1",
        TOKENIZERS_PARALLELISM="false",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        DO_NOT_TRACK="1",
        **extra,
    )
    return env


def _workspace(tmp_path: Path, indexed_home: dict[str, Any]) -> tuple[dict[str, Path], Path]:
    paths = make_workspace(tmp_path)
    data = paths["home"] / "credibility-data"
    # What the README's "Using it" lines leave in CREDIBILITY_HOME: the index of the sample data.
    shutil.copytree(indexed_home["home"], data)
    return paths, data


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _background() -> Iterator[dict[str, subprocess.Popen[bytes]]]:
    """Long-running README lines (servers, workers), stopped like a person would: Ctrl-C."""
    processes: dict[str, subprocess.Popen[bytes]] = {}
    try:
        yield processes
    finally:
        for process in reversed(processes.values()):
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in reversed(processes.values()):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _final_state(api_url: str, run_id: str, timeout: float = 240) -> dict[str, Any]:
    def finished() -> dict[str, Any] | None:
        state: dict[str, Any] = api("GET", f"{api_url}/flow_runs/{run_id}")["state"]
        return state if state["type"] in FINAL else None

    state: dict[str, Any] = wait_until(finished, timeout, f"flow run {run_id}", step=0.2)
    return state


def _retried(shell: Shell, result: Result, ok: Callable[[Result], bool]) -> Result:
    """``result``, or the line run again while it is not ``ok``: "retry a 503" (deploy/README.md), the
    busy SQLite server's answer under load, which the README's ``curl ... | jq`` lines show as null."""
    for attempt in range(10):
        if ok(result):
            break
        time.sleep(min(0.2 * 2**attempt, 2.0))
        result = shell.run(result.line)
    return result


def _alive(process: subprocess.Popen[bytes], log: Path) -> None:
    assert process.poll() is None, log.read_text(errors="replace")[-4000:]


# --- against the served deployments -----------------------------------------------------------


def _served_promises(api_url: str, data: Path) -> dict[str, Promise]:
    def completed_run(result: Result, shell: Shell) -> None:
        found = re.search(r"UUID: ([0-9a-f-]{36})", result.stdout)
        assert found, result
        state = _final_state(api_url, found[1])
        assert state["type"] == "COMPLETED" and MESSAGE.match(state["message"]), state

    def sources_copied(result: Result, shell: Shell) -> None:
        from flows.sources import load_sources

        copied = data / "sources.yaml"
        assert copied.is_file()
        # "then edit the paths": once the paths it lists exist, the example is a valid sources file.
        (data / "verified" / "reporting").mkdir(parents=True, exist_ok=True)
        shutil.copy(SAMPLE_DATA / "verified" / "articles.jsonl", data / "verified" / "reporting")
        shutil.copy(SAMPLE_DATA / "verified" / "factchecks.jsonl", data / "verified")
        (data / "incoming").mkdir(exist_ok=True)
        (data / "reposts").mkdir(exist_ok=True)
        shutil.copy(SAMPLE_DATA / "reposts" / "harbour-bridge-repost.txt", data / "reposts")
        sources = load_sources(copied)
        assert (len(sources.verified), len(sources.monitor)) == (5, 3)
        assert {e.type for e in sources.monitor} == {"path", "feed"}

    def label(result: Result, shell: Shell) -> None:
        assert result.stdout.strip() == "debunked", result

    def uuid_variable(name: str) -> Promise:
        def check(result: Result, shell: Shell) -> None:
            # "retry a 503: the server sheds load with it" (deploy/README.md): the line gives "null"
            # when the busy SQLite server answered 503, so it is run again, as the README says.
            for attempt in range(10):
                if UUID.match(shell.env.get(name, "")):
                    return
                time.sleep(min(0.2 * 2**attempt, 2.0))
                shell.setup(result.line)
            raise AssertionError(f"{result.line}\n{name}={shell.env.get(name)!r} after 10 tries")

        return check

    def created(result: Result, shell: Shell) -> None:
        import json

        def has_id(r: Result) -> bool:
            try:
                return "id" in json.loads(r.stdout)
            except ValueError:
                return False

        result = _retried(shell, result, has_id)
        run = json.loads(result.stdout)
        assert UUID.match(run["id"]), result
        state = _final_state(api_url, run["id"])
        assert state["type"] == "COMPLETED" and MESSAGE.match(state["message"]), state

    def polled(result: Result, shell: Shell) -> None:
        import json

        # "poll it": the same line until the run is finished.
        def done() -> dict[str, Any] | None:
            again = shell.run(result.line)
            assert again.returncode == 0, again
            state: dict[str, Any] = json.loads(again.stdout)
            return state if state["type"] in FINAL else None

        state = wait_until(done, 240, "the REST-created run", step=0.2)
        assert set(state) == {"type", "message"} and state["type"] == "COMPLETED", state
        assert MESSAGE.match(state["message"]), state

    def artifact(result: Result, shell: Shell) -> None:
        result = _retried(shell, result, lambda r: r.stdout.strip() not in ("", "null"))
        assert result.stdout.strip() not in ("", "null") and "debunked" in result.stdout.lower(), result
        assert "5G" in result.stdout, result

    def measured(result: Result, shell: Shell) -> None:
        assert "monitor-sources over 2 articles" in result.stdout, result

    return {
        "cp deploy/sources.example.yaml $CREDIBILITY_HOME/sources.yaml": sources_copied,
        "prefect deployment run 'check-article/on-demand' --param text=\"$(jq -Rs . article.txt)\"": completed_run,
        "prefect deployment run 'check-article/on-demand' --param text=\"$(jq -Rs . article.txt)\" "
        '--param title="..."': completed_run,
        "prefect deployment run 'check-article/on-demand' --param path={work}/a.txt": completed_run,
        "python -c 'from flows.client import check_by_deployment; "
        'print(check_by_deployment({"text": "{claim}"}).label)\'': label,
        "ID=$(curl -s {prefect_api}/deployments/name/check-article/on-demand | jq -r .id)": uuid_variable(
            "ID"
        ),
        "ID=$(curl -s $API/deployments/name/check-article/on-demand | jq -r .id)": uuid_variable("ID"),
        "curl -X POST {prefect_api}/deployments/$ID/create_flow_run "
        '-H \'Content-Type: application/json\' -d \'{"parameters": {"text": "{claim}"}}\'': created,
        "RUN=$(curl -s -X POST $API/deployments/$ID/create_flow_run "
        '-H \'Content-Type: application/json\' -d \'{"parameters": {"text": "{claim}"}}\' | jq -r .id)': (
            uuid_variable("RUN")
        ),
        "curl -s $API/flow_runs/$RUN | jq '.state | {type, message}'": polled,
        "curl -s -X POST $API/artifacts/filter -H 'Content-Type: application/json' "
        '-d "{\\"artifacts\\": {\\"flow_run_id\\": {\\"any_\\": [\\"$RUN\\"]}, '
        '\\"key\\": {\\"any_\\": [\\"check-article\\"]}}}" | jq -r \'.[0].data\'': artifact,
        "python -m flows.measure --runs 1 --articles 2": measured,
    }


def _finished_runs(api_url: str, deployment: str) -> set[str]:
    response = request("GET", f"{api_url}/deployments/name/{deployment}")
    if response.status_code == 404:
        return set()
    runs = api(
        "POST",
        f"{api_url}/flow_runs/filter",
        json={
            "flow_runs": {
                "deployment_id": {"any_": [response.json()["id"]]},
                "state": {"type": {"any_": list(FINAL)}},
            }
        },
    )
    return {run["id"] for run in runs}


@contextmanager
def _no_trace_of_monitor_runs(api_url: str) -> Iterator[None]:
    """``flows.measure`` runs monitor-sources/scheduled on the shared test server: delete those runs
    afterwards, or test_served.py would take one of them for the run its ingest event triggers."""
    before = _finished_runs(api_url, "monitor-sources/scheduled")
    try:
        yield
    finally:
        for run_id in _finished_runs(api_url, "monitor-sources/scheduled") - before:
            request("DELETE", f"{api_url}/flow_runs/{run_id}")


def _start_serve(shell: Shell, api_url: str, log: Path) -> subprocess.Popen[bytes]:
    from flows.warm import check_article_job

    process = shell.popen("python -m flows.serve", log)

    def ready() -> bool:
        _alive(process, log)
        deployment = httpx.get(f"{api_url}/deployments/name/check-article/on-demand", timeout=10)
        workers = httpx.post(
            f"{api_url}/task_workers/filter",
            json={"task_worker_filter": {"task_keys": [check_article_job.task_key]}},
            timeout=10,
        )
        return deployment.status_code == 200 and workers.status_code == 200 and bool(workers.json())

    wait_until(ready, 300, "flows.serve to register the deployments and the warm worker", step=1)
    return process


def test_readme_prefect_lines_against_served_deployments(
    prefect_api: str,
    prefect_home: Path,
    indexed_home: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    paths, data = _workspace(tmp_path, indexed_home)
    work = paths["work"]
    api_url = prefect_api.rstrip("/")
    shell = Shell(
        work,
        _environment(
            paths["home"],
            PREFECT_API_URL=api_url,
            PREFECT_HOME=str(prefect_home),  # the result storage the tests' own process reads
            PREFECT_LOCAL_STORAGE_PATH=str(prefect_home / "storage"),
            PREFECT_PROFILES_PATH=str(tmp_path / "profiles.toml"),
        ),
    )
    context = {"prefect_api": api_url, "work": work, "claim": CLAIM}
    promises = {fill(line, context): check for line, check in _served_promises(api_url, data).items()}
    ran: list[str] = []
    with _no_trace_of_monitor_runs(api_url), _background() as processes:
        for block in runner_blocks(collect(), "served"):
            for command in block:
                run = RUNS[command.text]
                for line in run.lines(command.text):
                    line = fill(line, context)
                    if line == "python -m flows.serve":
                        if line not in processes:  # README.md and deploy/README.md start the same one
                            processes[line] = _start_serve(shell, api_url, tmp_path / "serve.log")
                        ran.append(line)
                        continue
                    if command.is_setup:
                        shell.setup(line)
                        result = Result(line, 0, "", "")
                    else:
                        result = shell.run(line, timeout=600)
                        assert result.returncode == run.rc, f"{command}\n{result}"
                        assert "Traceback" not in result.stderr, f"{command}\n{result}"
                    if line in promises:
                        promises[line](result, shell)
                    ran.append(line)
        assert set(promises) <= set(ran), set(promises) - set(ran)

        # The Python example of deploy/README.md, with its `text` and `title` filled in.
        monkeypatch.setenv("CREDIBILITY_HOME", str(data))
        blocks = python_blocks()
        assert blocks
        for file, line_no, code in blocks:
            namespace: dict[str, Any] = {
                "text": (SAMPLE_DATA / "reposts" / "harbour-bridge-repost.txt").read_text(encoding="utf-8"),
                "title": "README example",
            }
            exec(compile(code, f"{file}:{line_no}", "exec"), namespace)
            assert namespace["outcome"].label == "debunked", (file, line_no)


# --- python -m flows.server and a process work pool -------------------------------------------


def _pool_promises(api_url: str, profiles: Path) -> dict[str, Promise]:
    def configured(result: Result, shell: Shell) -> None:
        assert api_url in profiles.read_text(encoding="utf-8")
        # From here on the prefect CLI finds the server through the profile, as the README says.
        shell.env.pop("PREFECT_API_URL", None)

    def pool(result: Result, shell: Shell) -> None:
        assert api("GET", f"{api_url}/work_pools/credibility-process")["type"] == "process"

    def deployed(result: Result, shell: Shell) -> None:
        deployments = api("POST", f"{api_url}/deployments/filter", json={})
        assert len(deployments) == 6, [d["name"] for d in deployments]
        assert {d["work_pool_name"] for d in deployments} == {"credibility-process"}

    return {
        f"prefect config set PREFECT_API_URL={api_url}": configured,
        "prefect work-pool create credibility-process --type process": pool,
        "prefect deploy --prefect-file deploy/prefect.yaml --all": deployed,
    }


def test_readme_prefect_lines_on_a_process_pool(indexed_home: dict[str, Any], tmp_path: Path) -> None:
    paths, _ = _workspace(tmp_path, indexed_home)
    port = _free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    profiles = tmp_path / "profiles.toml"
    shell = Shell(
        paths["work"],
        _environment(
            paths["home"],
            PREFECT_HOME=str(tmp_path / "prefect-home"),  # the server's database and the result storage
            PREFECT_PROFILES_PATH=str(profiles),
            # Test speed only: the process worker looks for runs every second, not every 10 s.
            PREFECT_WORKER_QUERY_SECONDS="1",
        ),
    )
    context = {"server_port": port}
    promises = _pool_promises(api_url, profiles)
    logs = tmp_path / "logs"
    logs.mkdir()
    with _background() as processes:

        def start(line: str, ready: Callable[[], Any], what: str) -> None:
            log = logs / f"{len(processes)}.log"
            process = shell.popen(line, log)
            processes[line] = process

            def up() -> Any:
                _alive(process, log)
                return ready()

            wait_until(up, 300, what, step=1)

        def server_up() -> bool:
            try:
                return httpx.get(f"{api_url}/health", timeout=5).status_code == 200
            except httpx.HTTPError:
                return False

        def worker_up() -> bool:
            workers = api("POST", f"{api_url}/work_pools/credibility-process/workers/filter", json={})
            return bool(workers)

        def warm_up() -> bool:
            return any(
                "warm check worker ready" in log.read_text(errors="replace") for log in logs.glob("*.log")
            )

        background = {
            "python -m flows.server": (server_up, "python -m flows.server to answer"),
            "prefect worker start": (worker_up, "the process worker to join the pool"),
            "python -m flows.worker": (warm_up, "the warm check worker"),
        }
        for block in runner_blocks(collect(), "pool"):
            for command in block:
                run = RUNS[command.text]
                for line in run.lines(command.text):
                    line = fill(line, context)
                    if command.is_setup:
                        shell.setup(line)
                        continue
                    waits = [v for k, v in background.items() if line.startswith(k)]
                    if waits:
                        if line not in processes:  # both READMEs start the same server
                            start(line, *waits[0])
                        continue
                    result = shell.run(line, timeout=300)
                    assert result.returncode == run.rc, f"{command}\n{result}"
                    if line in promises:
                        promises[line](result, shell)
        assert len(processes) == 3, list(processes)

        # The pool runs an on-demand check: the process worker starts the flow run, which hands the
        # check to the warm worker beside it.
        deployment = api("GET", f"{api_url}/deployments/name/check-article/on-demand")
        run = api(
            "POST",
            f"{api_url}/deployments/{deployment['id']}/create_flow_run",
            json={"parameters": {"text": CLAIM}},
        )
        state = _final_state(api_url, run["id"], timeout=300)
        assert state["type"] == "COMPLETED" and MESSAGE.match(state["message"]), state
