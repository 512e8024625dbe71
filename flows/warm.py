"""The warm model: checks run where the model and the open index already live.

A served flow deployment starts every flow run in a fresh process, so a flow that
loaded the model itself would pay the load (~4 s) on every on-demand check.
Instead the checks are Prefect *background tasks* served by a long-lived task
worker (``python -m flows.worker``, or inside ``python -m flows.serve``), which
loads the model once at start and keeps one open :class:`IndexReader` per data
folder. Before every check the reader is refreshed: a generation committed by
``ingest-verified`` (or the CLI) since the last check is loaded then, without a
restart. Flows hand work to the worker with ``task.delay()`` and wait for it in
short steps; with no worker connected they run the same tasks in their own
process.

Only the task bodies import the library's heavy parts (numpy, FAISS, torch), so a
thin flow process that merely delegates starts fast.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import TaskRun
from prefect.logging import get_logger
from prefect.states import State

from credibility.app import Home
from credibility.errors import CredibilityError, InputError
from credibility.model.records import LoadProblem
from credibility.settings import Settings
from flows.config import Execution, FlowSettings, daily_csv, library_settings, local_day, reports_dir
from flows.models import CheckOutcome, CheckRequest

if TYPE_CHECKING:
    from prefect.futures import PrefectDistributedFuture
    from prefect.tasks import Task


R = TypeVar("R")
logger = get_logger("credibility.warm")

_homes: dict[Settings, Home] = {}
_homes_lock = threading.Lock()
_warm: set[Settings] = set()


def warm_home(settings: Settings) -> Home:
    """The process-wide :class:`Home` for these settings: one loaded model and one open index
    reader, kept for the life of the process (created on first use)."""
    with _homes_lock:
        home = _homes.get(settings)
        if home is None:
            home = _homes[settings] = Home(settings)
        return home


def warm_up(settings: Settings) -> Home:
    """Load the model (and the index, if one exists yet) before the first request, and everything a
    first check loads besides (:meth:`Home.warm_up`): the first request is as fast as the next."""
    home = warm_home(settings)
    home.warm_up()
    _warm.add(settings)
    if home.has_index():
        logger.info("opened index %s at generation %d", settings.index_dir, home.generation)
    else:
        logger.warning("no index at %s yet; checks will open it once it exists", settings.index_dir)
    return home


def close_homes() -> None:
    with _homes_lock:
        for home in _homes.values():
            home.close()
        _homes.clear()
        _warm.clear()


def retry_unless_user_error(task: Task[..., Any], task_run: TaskRun, state: State[Any]) -> bool:
    """Retry transient failures (I/O, a busy database); never a bad input or a missing index."""
    return not isinstance(state.data, CredibilityError)


@task(
    name="check-and-store",
    retries=2,
    retry_delay_seconds=1,
    retry_condition_fn=retry_unless_user_error,
    cache_policy=NO_CACHE,
)
def check_and_store(request: CheckRequest) -> CheckOutcome:
    """Check one article against the current index and save the result: the task's one side effect."""
    checked = warm_home(library_settings(request.home)).check(
        request.text, title=request.title, url=request.url, input_name=request.input_name
    )
    outcome = CheckOutcome.from_check(checked.key, checked.check)
    return outcome.model_copy(update={"checked_by": f"{socket.gethostname()}-{os.getpid()}"})


@task(
    name="export-reviewer-rows",
    retries=2,
    retry_delay_seconds=1,
    retry_condition_fn=retry_unless_user_error,
    cache_policy=NO_CACHE,
)
def export_rows(check_keys: list[str], csv_path: str, home: str) -> int:
    """Append the flagged sentences of stored checks to a reviewer CSV, reviewer decisions applied
    (idempotent, under a lock)."""
    app = warm_home(library_settings(home))
    return app.export_csv([c.check for c in app.stored(check_keys)], Path(csv_path))


@task(name="check-article-warm", cache_policy=NO_CACHE)
def check_article_job(request: CheckRequest, csv_dir: str = "", timezone: str = "UTC") -> CheckOutcome:
    """Check, store, and export the reviewer rows of one article: what the warm worker serves.

    Two nested tasks, each with its own retries; only the key and the CSV path pass between them.
    """
    outcome = check_and_store(request)
    folder = Path(csv_dir) if csv_dir else reports_dir(library_settings(request.home))
    csv = daily_csv(folder, local_day(outcome.checked_at, timezone))
    added = export_rows([outcome.check_key], str(csv), request.home)
    return outcome.model_copy(update={"csv_path": str(csv), "csv_rows_added": added})


@task(name="check-batch", cache_policy=NO_CACHE)
def check_batch(requests: list[CheckRequest]) -> list[CheckOutcome | LoadProblem]:
    """Check and store several articles in one background task (a bulk run hands over chunks:
    one task run per article would swamp a SQLite-backed server). A bad article becomes a
    LoadProblem; anything else fails the batch."""
    results: list[CheckOutcome | LoadProblem] = []
    for request in requests:
        try:
            results.append(check_and_store(request))
        except InputError as exc:
            results.append(LoadProblem(request.input_name, str(exc)))
    return results


#: What the warm worker serves.
WORKER_TASKS = (check_article_job, check_and_store, check_batch)


def worker_connected(served: Task[..., Any]) -> bool:
    """Whether a task worker serving this task is connected to the Prefect server right now."""
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        response = client.request(
            "POST", "/task_workers/filter", json={"task_worker_filter": {"task_keys": [served.task_key]}}
        )
        response.raise_for_status()
        return bool(response.json())


def warm_here(settings: Settings) -> bool:
    """Whether this process already keeps the model warm for these settings (the worker's own)."""
    return settings in _warm


def use_worker(execution: Execution, served: Task[..., Any], settings: Settings) -> bool:
    """Hand the check to the warm worker? "auto": not when this process is warm itself, yes when
    a worker is connected, else check here (loading the model), with a warning."""
    if execution == "local":
        return False
    if execution == "worker":
        return True
    if warm_here(settings):
        return False
    connected = worker_connected(served)
    if not connected:
        logger.warning(
            "no warm worker is connected; checking in this process (loads the model here). "
            "Start one with `python -m flows.serve` or `python -m flows.worker`."
        )
    return connected


def start_waiter() -> None:
    """Open the event subscription early so the completion event is not missed."""
    from prefect.task_runs import TaskRunWaiter

    TaskRunWaiter.instance()


def wait_for_result(future: PrefectDistributedFuture[R], timeout: float) -> R:
    """The result of a background task run, waiting in short steps.

    A fresh process can miss the completion event (its subscription opens after
    the event went by), and then ``future.result()`` would wait forever: each
    step re-reads the run's state from the API.
    """
    started = time.monotonic()
    while True:
        elapsed = time.monotonic() - started
        if elapsed >= timeout:
            raise TimeoutError(
                f"no warm worker finished task run {future.task_run_id} within {timeout:.0f} s; "
                "is `python -m flows.worker` (or `python -m flows.serve`) running against this server?"
            )
        step = min(0.2 if elapsed < 5 else 1.0, timeout - elapsed)
        try:
            future.wait(timeout=step)
        except RuntimeError:
            # Prefect raises when the run exists but its first state is not recorded yet (a busy
            # server records it a moment later): look again.
            time.sleep(step)
            continue
        if future.state.is_final():
            return future.result(raise_on_failure=True)


def run_check(
    request: CheckRequest,
    *,
    execution: Execution = "auto",
    csv_dir: str = "",
    timezone: str = "UTC",
    flow_settings: FlowSettings | None = None,
) -> CheckOutcome:
    """Check, store and export one article on the warm worker, or here when there is none."""
    flow_settings = flow_settings or FlowSettings()
    if use_worker(execution, check_article_job, library_settings(request.home)):
        start_waiter()
        future = check_article_job.delay(request, csv_dir=csv_dir, timezone=timezone)
        return wait_for_result(future, flow_settings.check_timeout)
    return check_article_job(request, csv_dir=csv_dir, timezone=timezone)


def require_index(settings: Settings) -> None:
    """Fail fast when there is no index, without importing FAISS (a thin flow must start fast)."""
    Home(settings).require_index()
