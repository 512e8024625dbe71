"""The on-demand fast path: run a thin deployment's flow runs inside the warm process.

A Prefect runner starts every flow run in a fresh Python process. Starting the
interpreter and importing Prefect and the flow costs about a second on an idle
machine, and several on a busy one: more than the check itself. ``check-article``
is a thin flow, so ``python -m flows.serve`` registers its deployment itself,
claims its scheduled runs (the same Pending proposal a runner makes, so a run is
never started twice) and executes them in threads next to the loaded model. The
flow then finds the warm home (the model and index) in its own process and checks without a round
trip through the server.

Trade-offs, why only thin, short flows belong here: no process isolation (a flow
that crashed the interpreter would take the warm worker with it), no run
heartbeats, no suspension watch (Prefect starts a thread with its own event
subscription per deployment run to notice a suspend request, 60-80 ms before the
run may start), and a cancellation or suspension from the UI is recorded but does
not interrupt a run already in progress. A run cut short by a crash (kill -9, out of memory) is
not lost: every claim is noted in ``$PREFECT_HOME/credibility-claims/`` until the
run ends, and the next ``flows.serve`` on the machine puts the runs of a process
that is gone back to Scheduled, and runs them.
Everything else (``monitor-sources``, ingests, Dask) keeps the runner's process
per run.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import os
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

from prefect.client.orchestration import get_client
from prefect.exceptions import Abort
from prefect.logging import get_logger
from prefect.states import Pending
from prefect.types._datetime import now
from prefect.utilities.engine import propose_state

if TYPE_CHECKING:
    from prefect.client.orchestration import PrefectClient
    from prefect.client.schemas.objects import FlowRun
    from prefect.deployments.runner import RunnerDeployment
    from prefect.flows import Flow

logger = get_logger("credibility.inprocess")


def _claims_dir() -> Path:
    """Where claimed, unfinished in-process runs are noted (one file per run, holding the pid)."""
    from prefect.settings import PREFECT_HOME

    folder = Path(PREFECT_HOME.value()) / "credibility-claims"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


#: Set while a flow runs in this process: Prefect's per-run suspension watch is skipped then.
_in_process_run: contextvars.ContextVar[bool] = contextvars.ContextVar("in_process_run", default=False)
_watch_patch_lock = threading.Lock()


def _skip_suspension_watch_in_process() -> None:
    """Make Prefect's flow engine skip its suspension watch for the runs executed here (only those:
    a run in this process's context; every other run keeps it). A thin check cannot be suspended
    half-way in any case, and starting the watch's thread and event subscription cost 60-80 ms of
    every on-demand check. Prefect versions without the hook are left as they are."""
    import prefect.flow_engine as engine

    with _watch_patch_lock:
        original = getattr(engine, "observe_flow_run_suspension", None)
        if original is None or getattr(original, "_credibility_in_process", False):
            return

        def observe_unless_in_process(*args: Any, **kwargs: Any) -> Any:
            if _in_process_run.get():
                return contextlib.nullcontext()
            return original(*args, **kwargs)

        observe_unless_in_process._credibility_in_process = True  # type: ignore[attr-defined]
        engine.observe_flow_run_suspension = observe_unless_in_process


#: Registers one deployment: (name, apply) -> its id.
Register = Callable[[str, Callable[[], Awaitable[UUID]]], Awaitable[UUID]]


class InProcessRunner:
    """Claims the scheduled runs of some deployments and runs them in this process's threads.

    New runs are noticed by event: the server's ``prefect.flow-run.Scheduled`` event wakes the
    claim loop at once. A poll every ``fallback_seconds`` catches anything an event missed (a
    reconnect, a run scheduled for later). Polling fast instead would cost the server a write per
    poll (it records each poll as the deployment being ready), and on SQLite concurrent writes
    make it answer 503.
    """

    def __init__(
        self,
        deployments: list[tuple[RunnerDeployment, Flow[..., Any]]],
        *,
        fallback_seconds: float = 2.0,
        limit: int = 4,
    ) -> None:
        self._deployments = deployments
        self._fallback_seconds = fallback_seconds
        self._limit = limit
        self._executor = ThreadPoolExecutor(max_workers=limit, thread_name_prefix="in-process-flow")
        _skip_suspension_watch_in_process()
        self._running: set[UUID] = set()
        self._flows: dict[UUID, Flow[..., Any]] = {}
        self._wake: asyncio.Event | None = None
        self._orphans_left = False

    async def register(self, register: Register) -> None:
        """Create or update the deployments on the server (``register`` adds the retries)."""
        for deployment, flow in self._deployments:
            self._flows[await register(deployment.full_name, deployment.aapply)] = flow
            logger.info("running %s in this process", deployment.full_name)

    async def serve(self) -> None:
        wake = self._wake = asyncio.Event()
        listener = asyncio.create_task(self._wake_on_scheduled(wake))
        try:
            async with get_client() as client:
                while True:
                    # Cleared before the query: an event that arrives meanwhile triggers another one.
                    wake.clear()
                    if self._orphans_left:  # the server was busy at start: try those again
                        await self._recover_orphans(client)
                    await self._start_due_runs(client)
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(wake.wait(), self._fallback_seconds)
        finally:
            listener.cancel()

    async def _wake_on_scheduled(self, wake: asyncio.Event) -> None:
        from prefect.events.clients import get_events_subscriber
        from prefect.events.filters import EventFilter, EventNameFilter, EventRelatedFilter

        only_ours = EventFilter(
            event=EventNameFilter(name=["prefect.flow-run.Scheduled"]),
            related=EventRelatedFilter(id=[f"prefect.deployment.{i}" for i in self._flows]),
        )
        while True:
            try:
                async with get_events_subscriber(filter=only_ours) as subscriber:
                    async for _ in subscriber:
                        wake.set()
            except asyncio.CancelledError:
                raise
            except Exception:  # the polls keep working meanwhile
                logger.warning("event subscription lost; reconnecting", exc_info=True)
                await asyncio.sleep(self._fallback_seconds)

    async def _start_due_runs(self, client: PrefectClient) -> None:
        try:
            runs = await client.get_scheduled_flow_runs_for_deployments(
                deployment_ids=list(self._flows), scheduled_before=now("UTC")
            )
        except Exception:  # the server restarting must not stop the warm process
            logger.exception("could not query scheduled runs; retrying")
            return
        loop = asyncio.get_running_loop()
        for run in runs:
            if run.deployment_id is None or run.id in self._running:
                continue
            if len(self._running) >= self._limit:
                # Claim no more than can run now: a claimed run waiting in this process would be
                # lost if it stopped, where an unclaimed one waits on the server for the next.
                break
            if not await self._claim(client, run):
                continue
            # Noted until the run ends: if this process dies meanwhile, the next one reschedules it.
            (_claims_dir() / f"{run.id}.claim").write_text(str(os.getpid()), encoding="utf-8")
            self._running.add(run.id)
            # A copy of this context: the settings (API address) reach the thread.
            context = contextvars.copy_context()
            future = loop.run_in_executor(
                self._executor, context.run, self._execute, self._flows[run.deployment_id], run
            )
            future.add_done_callback(partial(self._finished, run.id))

    async def recover_orphans(self) -> None:
        """Runs an earlier process on this machine claimed and never finished (it was killed): back
        to Scheduled, so they run here. A claim of a process still alive is left alone. Called
        before the process says it is serving, so a caller that waits for that line finds them
        rescheduled."""
        async with get_client() as client:
            await self._recover_orphans(client)

    async def _recover_orphans(self, client: PrefectClient) -> None:
        from prefect.exceptions import ObjectNotFound
        from prefect.states import Scheduled

        self._orphans_left = False
        for note in sorted(_claims_dir().glob("*.claim")):
            try:
                run_id = UUID(note.stem)
            except ValueError:
                continue  # not a note of ours
            if run_id in self._running:
                continue  # this process's own run, in flight
            try:
                owner = int(note.read_text(encoding="utf-8").strip() or 0)
            except (OSError, ValueError):
                owner = 0
            if owner and owner != os.getpid() and _alive(owner):
                continue
            try:
                run = await client.read_flow_run(run_id)
                if run.state is not None and run.state.type.value in ("PENDING", "RUNNING"):
                    await client.set_flow_run_state(run.id, Scheduled(), force=True)
                    logger.warning(
                        "flow run %s was left %s by a process that is gone; rescheduled",
                        run.id,
                        run.state.type.value,
                    )
            except ObjectNotFound:  # a run this server does not know (the server was reset)
                logger.warning("flow run %s left by a process that is gone is unknown here", run_id)
            except Exception:  # the server busy or restarting: the serve loop tries again
                logger.warning("could not reschedule flow run %s left by a process that is gone", run_id)
                self._orphans_left = True
                continue
            note.unlink(missing_ok=True)

    def _finished(self, run_id: UUID, _: object) -> None:
        (_claims_dir() / f"{run_id}.claim").unlink(missing_ok=True)
        self._running.discard(run_id)
        if self._wake is not None:
            self._wake.set()  # a slot is free: claim the next waiting run now

    @staticmethod
    async def _claim(client: PrefectClient, run: FlowRun) -> bool:
        try:
            state = await propose_state(client, Pending(), flow_run_id=run.id)
        except Abort:  # someone else took it, or it was cancelled meanwhile
            return False
        return state.is_pending()

    @staticmethod
    def _execute(flow: Flow[..., Any], run: FlowRun) -> None:
        from prefect.flow_engine import run_flow
        from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

        try:
            # No heartbeat thread: stopping it costs up to a second per run (it sleeps in 1 s
            # steps), and these runs last about one. Parameters come from the run and are
            # validated by the engine; failures become the run's Failed state, as in a subprocess.
            marked = _in_process_run.set(True)
            try:
                with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
                    run_flow(flow, flow_run=run, return_type="state")
            finally:
                _in_process_run.reset(marked)
        except BaseException:
            logger.exception("flow run %s crashed in process", run.id)
