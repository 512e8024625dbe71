"""The served deployment under a burst, a restart in the middle of it, and SIGTERM.

A Prefect server of its own (``python -m flows.server``, its own PREFECT_HOME, so it can be
killed) and ``python -m flows.serve`` with the warm worker:

- a burst of on-demand ``check-article`` triggers through REST at a desk's pace (2 a second):
  every accepted run reaches COMPLETED and its result is stored once; 503s are retried as the
  client helpers do; p50/p95 latency from the run's creation to its end (server timestamps);
- ``flows.serve`` is restarted (SIGTERM, then started again) in the middle: no accepted run
  is lost;
- SIGTERM stops ``flows.serve`` and ``flows.worker`` within 10 s, with the server answering and
  after it is gone.

CI runs 20 triggers; ``make fuzz`` 200. The figures go to ``benchmarks/RELIABILITY.md``.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from flowhelpers import wait_until
from fuzzing import note, peak_rss_mb, record, scale

from credibility.app import Home, sample_paths
from credibility.embed.embedder import Embedder
from credibility.settings import Settings
from credibility.store.results import ResultsStore
from credibility.text.normalize import text_hash

pytestmark = pytest.mark.slow

STOP_WITHIN = 10.0
FINAL = ("COMPLETED", "FAILED", "CRASHED", "CANCELLED")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Stack:
    """A Prefect server, flows.serve and flows.worker, each a process with its own log."""

    def __init__(self, root: Path, home: Path) -> None:
        self.root = root
        self.port = _free_port()
        self.api = f"http://127.0.0.1:{self.port}/api"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "CREDIBILITY_"))},
            # The session's encoder export (tests/conftest.py), not one more per home.
            **{k: v for k, v in os.environ.items() if k == "CREDIBILITY_ENCODER_CACHE"},
            "PREFECT_HOME": str(root / "prefect-home"),
            "PREFECT_API_URL": self.api,
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "DO_NOT_TRACK": "1",
            "HF_HUB_OFFLINE": "1",
            "TOKENIZERS_PARALLELISM": "false",
            "CREDIBILITY_HOME": str(home),
            "CREDIBILITY_REPORTS_DIR": str(root / "reports"),
            "CREDIBILITY_SOURCES_FILE": str(root / "sources.yaml"),
        }
        (root / "sources.yaml").write_text("monitor: []\n", encoding="utf-8")
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self._logs: list[Any] = []
        self._offsets: dict[str, int] = {}
        self.peak_mb: dict[str, float] = {}

    def start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        path = self.root / f"{name}.log"
        self._offsets[name] = path.stat().st_size if path.exists() else 0
        log = open(path, "ab")  # noqa: SIM115  (closed in stop_all)
        self._logs.append(log)
        process = subprocess.Popen(
            [sys.executable, "-m", *args], env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        self.processes[name] = process
        return process

    def log(self, name: str, *, whole: bool = False) -> str:
        """The log of the process now running under ``name`` (its last 4,000 characters)."""
        with open(self.root / f"{name}.log", "rb") as handle:
            handle.seek(self._offsets.get(name, 0))
            text = handle.read().decode(errors="replace")
        return text if whole else text[-4000:]

    def server_up(self) -> bool:
        try:
            return httpx.get(f"{self.api}/health", timeout=5).status_code == 200
        except httpx.HTTPError:
            return False

    def serve_ready(self, name: str = "serve") -> bool:
        assert self.processes[name].poll() is None, self.log(name)
        text = self.log(name, whole=True)
        return text.count("serving ") >= 2 and "deployments" in text

    def stop(self, name: str, sig: int = signal.SIGTERM) -> float:
        """Send ``sig`` and wait: the seconds until the process exited (capped at 60). Its peak
        memory goes to ``self.peak_mb[name]``."""
        process = self.processes[name]
        started = time.perf_counter()
        if process.returncode is not None:
            return 0.0
        # VmHWM: the process's own peak (ru_maxrss from wait4 would count this test process too).
        self.peak_mb[name] = max(self.peak_mb.get(name, 0.0), peak_rss_mb(process.pid))
        os.kill(process.pid, sig)  # not Popen.send_signal: it would reap an exited child itself
        while time.perf_counter() - started < 60:
            pid, status = os.waitpid(process.pid, os.WNOHANG)
            if pid:
                process.returncode = os.waitstatus_to_exitcode(status)
                return time.perf_counter() - started
            time.sleep(0.02)
        process.kill()
        process.wait()
        return time.perf_counter() - started

    def stop_all(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.kill()
                process.wait()
        for log in self._logs:
            log.close()


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory, real_embedder: Embedder) -> Path:
    folder = tmp_path_factory.mktemp("served-home")
    with Home(Settings(home=folder), embedder=real_embedder) as app:
        app.ingest([str(sample_paths()["articles"])])
        app.ingest([str(sample_paths()["factchecks"])], kind="factcheck")
    return folder


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, home: Path) -> Iterator[Stack]:
    s = Stack(tmp_path_factory.mktemp("stack"), home)
    try:
        s.start("server", "flows.server", "--port", str(s.port))
        wait_until(s.server_up, 180, "the Prefect server", step=1)
        yield s
    finally:
        s.stop_all()


class Client:
    """REST calls as ``flows.client.check_by_rest`` makes them: a 503 is retried with backoff."""

    def __init__(self, api: str) -> None:
        self.http = httpx.Client(base_url=api, timeout=30)
        self.retried_503 = 0

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        for attempt in range(14):
            response = self.http.request(method, path, **kwargs)
            if response.status_code != 503:
                break
            self.retried_503 += 1
            time.sleep(min(0.1 * 2**attempt, 1.0))
        response.raise_for_status()
        return response.json()


def _when(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def _burst(
    stack: Stack, home: Path, embedder: Embedder, triggers: int, *, restarts: dict[int, str]
) -> dict[str, Any]:
    client = Client(stack.api)
    deployment = client.call("GET", "/deployments/name/check-article/on-demand")["id"]
    repost = sample_paths()["repost"].read_text(encoding="utf-8")
    texts: dict[str, str] = {}
    timings: dict[str, float] = {"restart_stop_s": 0.0, "restart_ready_s": 0.0}
    extra = home.parent / "burst-extra.jsonl"
    extra.write_text(
        "".join(
            json.dumps(
                {"id": f"extra-{n}", "text": f"The ferry line {n} opened on Monday with {n + 3} boats."}
            )
            + "\n"
            for n in range(10)
        ),
        encoding="utf-8",
    )

    orphans: list[Path] = []

    def restart(how: str) -> None:
        # The warm process restarted while triggers keep coming: stopped by SIGTERM (a deploy) or
        # killed (-9: a crash, runs in flight cut short), then started again.
        if how == "term":
            timings["restart_stop_s"] = stack.stop("serve")
        else:
            # Killed while it checks: a run it claimed is in flight (its claim is noted on disk).
            claims = stack.root / "prefect-home" / "credibility-claims"
            wait_until(lambda: any(claims.glob("*.claim")), 60, "a run in flight", step=0.05)
            stack.stop("serve", signal.SIGKILL)
            orphans.extend(claims.glob("*.claim"))
            timings["killed_in_flight"] = len(orphans)
        again = time.perf_counter()
        stack.start("serve", "flows.serve")
        wait_until(lambda: stack.serve_ready(), 300, "flows.serve after the restart", step=1)
        timings["restart_ready_s"] = time.perf_counter() - again

    def change_index(step: str) -> None:
        # Generations committed under the warm worker's feet: it refreshes before each check.
        with Home(Settings(home=home), embedder=embedder) as app:
            if step == "add":
                app.ingest([str(extra)])
            else:
                app.remove(["extra-0", "extra-1"])
                app.rebuild("ivf")
                app.rebuild("flat")

    background: dict[int, threading.Thread] = {
        n: threading.Thread(target=restart, args=(how,)) for n, how in restarts.items()
    }
    background[triggers // 4] = threading.Thread(target=change_index, args=("add",))
    background[(3 * triggers) // 4 + 1] = threading.Thread(target=change_index, args=("remove",))
    started = time.perf_counter()
    for n in range(triggers):
        text = f"{repost}\n\nBurst trigger {n} at {time.time():.3f}."
        run = client.call(
            "POST", f"/deployments/{deployment}/create_flow_run", json={"parameters": {"text": text}}
        )
        texts[run["id"]] = text
        if n in background:
            background[n].start()
        time.sleep(max(0.0, started + (n + 1) * 0.5 - time.perf_counter()))  # 2 triggers a second
        if n + 1 in restarts:
            # A second restart waits for the first to be serving again (triggers pause meanwhile).
            for started_at in restarts:
                if started_at <= n:
                    background[started_at].join()
    for thread in background.values():
        thread.join()
    assert timings["restart_stop_s"] < STOP_WITHIN, stack.log("serve")
    # The runs the killed process was checking (their claims left on disk) were put back by the
    # next one before it said it was serving (or, if the server was busy then, by its serve loop
    # soon after): their claims are gone, and every run completes (asserted below).
    deadline = time.monotonic() + 30
    while [note for note in orphans if note.exists()] and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not [note.name for note in orphans if note.exists()], stack.log("serve", whole=True)

    def all_final() -> list[dict[str, Any]] | None:
        runs: list[dict[str, Any]] = []
        ids = list(texts)
        for start in range(0, len(ids), 100):
            runs += client.call(
                "POST",
                "/flow_runs/filter",
                json={"flow_runs": {"id": {"any_": ids[start : start + 100]}}, "limit": 100},
            )
        return runs if len(runs) == len(ids) and all(r["state"]["type"] in FINAL for r in runs) else None

    runs = wait_until(all_final, 900, "every triggered run to finish", step=2)
    states = {r["id"]: r["state"] for r in runs}
    assert all(s["type"] == "COMPLETED" for s in states.values()), [
        s for s in states.values() if s["type"] != "COMPLETED"
    ][:3]
    generations: set[int] = set()
    with ResultsStore(Settings(home=home).results_db) as store:
        for text in texts.values():
            rows = store._conn.execute(
                "SELECT engine FROM checks WHERE content_hash = ?", (text_hash(text),)
            ).fetchall()
            assert len(rows) == 1, "a result stored more than once, or not at all"
            generations.add(int(json.loads(rows[0][0])["index_generation"]))
    # The warm worker checked against the generations committed during the burst, no restart needed.
    assert len(generations) >= 2, generations
    latencies = sorted(_when(r["end_time"]) - _when(r["created"]) for r in runs)
    return {
        "triggers": triggers,
        "completed": sum(1 for s in states.values() if s["type"] == "COMPLETED"),
        "p50_s": statistics.median(latencies),
        "p95_s": latencies[min(len(latencies) - 1, round(0.95 * (len(latencies) - 1)))],
        "max_s": latencies[-1],
        "latencies": latencies,
        "retried_503": client.retried_503,
        "wall_s": time.perf_counter() - started,
        **timings,
        "generations": sorted(generations),
    }


def test_burst_with_a_restart_in_the_middle(stack: Stack, home: Path, real_embedder: Embedder) -> None:
    stack.start("serve", "flows.serve")
    stack.start("worker", "flows.worker")  # a second warm worker, as a process work pool would run one
    wait_until(lambda: stack.serve_ready(), 300, "flows.serve to register and warm up", step=1)
    wait_until(
        lambda: "warm check worker ready" in stack.log("worker", whole=True), 300, "flows.worker", step=1
    )
    triggers = scale(20, 200)
    # CI: a crash (kill -9) half-way; make fuzz: a SIGTERM restart at a third and a crash at two thirds.
    restarts = (
        {triggers // 2: "kill"} if triggers <= 20 else {triggers // 3: "term", (2 * triggers) // 3: "kill"}
    )
    figures = _burst(stack, home, real_embedder, triggers, restarts=restarts)
    figures["restarts"] = {str(n): how for n, how in restarts.items()}
    latencies = figures.pop("latencies")
    print(json.dumps(figures, indent=1))
    out = os.environ.get("CREDIBILITY_FUZZ_STATS")
    if out:
        Path(out).mkdir(parents=True, exist_ok=True)
        (Path(out) / "burst.json").write_text(json.dumps(figures, indent=1), encoding="utf-8")
    figures["serve_peak_mb"] = stack.peak_mb.get("serve", 0.0)
    for latency in latencies:  # one case per trigger: its time from creation to the end of its run
        record("served burst: REST triggers, restarts mid-burst", latency, peak_mb=figures["serve_peak_mb"])
    note("served burst: REST triggers, restarts mid-burst", f"{figures['completed']}/{triggers} completed")
    assert figures["completed"] == triggers
    # SIGTERM with the server answering: flows.serve was measured by the restart, now the worker.
    if "term" in restarts.values():
        record(
            "SIGTERM (serve, server up)", figures["restart_stop_s"], peak_mb=stack.peak_mb.get("serve", 0.0)
        )
    seconds = stack.stop("worker")
    record("SIGTERM (worker, server up)", seconds, peak_mb=stack.peak_mb.get("worker", 0.0))
    assert seconds < STOP_WITHIN, stack.log("worker")


def test_a_server_restart_then_sigterm_once_the_server_is_gone(stack: Stack) -> None:
    """The warm processes outlive a restart of the Prefect server (they reconnect and serve again);
    once the server is gone for good, SIGTERM still stops them within 10 s."""
    if stack.processes.get("serve") is None or stack.processes["serve"].poll() is not None:
        stack.start("serve", "flows.serve")
    stack.start("worker", "flows.worker")
    wait_until(lambda: stack.serve_ready(), 300, "flows.serve", step=1)
    wait_until(
        lambda: "warm check worker ready" in stack.log("worker", whole=True), 300, "flows.worker", step=1
    )
    stack.stop("server", signal.SIGKILL)
    time.sleep(8)  # long enough for every client to notice and retry
    for name in ("serve", "worker"):
        assert stack.processes[name].poll() is None, f"{name} ended with the server: {stack.log(name)}"
    stack.start("server", "flows.server", "--port", str(stack.port))
    wait_until(stack.server_up, 180, "the Prefect server, restarted", step=1)
    client = Client(stack.api)
    deployment = client.call("GET", "/deployments/name/check-article/on-demand")["id"]
    text = sample_paths()["repost"].read_text(encoding="utf-8") + "\n\nAfter the server restart."
    run = client.call(
        "POST", f"/deployments/{deployment}/create_flow_run", json={"parameters": {"text": text}}
    )

    def final() -> dict[str, Any] | None:
        state: dict[str, Any] = client.call("GET", f"/flow_runs/{run['id']}")["state"]
        return state if state["type"] in FINAL else None

    state = wait_until(final, 180, "a check after the server restart", step=1)
    assert state["type"] == "COMPLETED", state

    stack.stop("server", signal.SIGKILL)
    time.sleep(3)
    for name in ("serve", "worker"):
        assert stack.processes[name].poll() is None, f"{name} ended with the server: {stack.log(name)}"
        seconds = stack.stop(name)
        record(f"SIGTERM ({name}, server gone)", seconds, peak_mb=stack.peak_mb.get(name, 0.0))
        assert seconds < STOP_WITHIN, (name, seconds, stack.log(name))
