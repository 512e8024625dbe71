"""``python -m flows.serve``: every deployment of ``deploy/prefect.yaml`` and the warm check
worker, from one process, against a started Prefect server (``python -m flows.server``).

- The warm worker (background tasks, :mod:`flows.warm`) runs here: the model is
  loaded once and every check reuses it.
- ``check-article/on-demand`` runs in this process too (:mod:`flows.inprocess`):
  its runs skip the Python process start a runner pays per run.
- Every other deployment is served by a Prefect runner, each run in a fresh
  subprocess (isolation for long batch runs). Those subprocesses re-import this
  module: keep its top level light.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING
from uuid import UUID

import flows  # noqa: F401  (the quiet environment, before Prefect)

if TYPE_CHECKING:
    from prefect.deployments.runner import RunnerDeployment

    from flows.deployments import DeploymentSpec

#: How often the runner asks the server for runs of the batch deployments. Each query is also a
#: write on the server (it marks the deployments ready): polling fast makes a SQLite server
#: answer 503 under load. On-demand checks do not wait for it (see flows.inprocess).
DEFAULT_QUERY_SECONDS = 5.0
#: Thin, short flows run in the warm process (see flows.inprocess).
IN_PROCESS = ("check-article/on-demand",)


async def register(name: str, apply: Callable[[], Awaitable[UUID]], attempts: int = 6) -> UUID:
    """Register one deployment, retrying: a busy SQLite server answers 503 for a while."""
    import asyncio

    for attempt in range(1, attempts + 1):
        try:
            return await apply()
        except Exception as exc:  # DeploymentApplyError, or the HTTP error itself
            if attempt == attempts:
                raise
            print(f"could not register {name} ({exc}); retrying", file=sys.stderr, flush=True)
            await asyncio.sleep(2 * attempt)
    raise AssertionError("unreachable")


async def serve_all(
    deployments: list[tuple[DeploymentSpec, RunnerDeployment]],
    *,
    query_seconds: float,
    worker: bool,
    worker_limit: int,
    in_process: Sequence[str] = IN_PROCESS,
) -> None:
    import asyncio

    from prefect.runner import Runner

    from flows.deployments import load_flow
    from flows.inprocess import InProcessRunner
    from flows.worker import serve_checks

    # Without the warm worker here, an in-process run would have nothing warm to use.
    here = [
        (d, load_flow(spec.entrypoint)) for spec, d in deployments if worker and d.full_name in in_process
    ]
    elsewhere = [d for _, d in deployments if not (worker and d.full_name in in_process)]
    # Register everything first, before any run adds writes to the server's database.
    runner = Runner(query_seconds=query_seconds, pause_on_shutdown=True)
    for deployment in elsewhere:
        await register(deployment.full_name, partial(runner.aadd_deployment, deployment))
    in_process_runner = InProcessRunner(here, limit=worker_limit)
    await in_process_runner.register(register)
    if here:
        await in_process_runner.recover_orphans()
    names = [d.full_name for _, d in deployments]
    print(f"serving {len(names)} deployments: {', '.join(names)}", flush=True)

    jobs: list[Awaitable[None]] = [runner.start()]
    if worker:
        jobs.append(serve_checks(worker_limit))
    if here:
        jobs.append(in_process_runner.serve())
    # The runner returns after SIGTERM (it pauses the schedules first): then stop the rest too.
    tasks = [asyncio.ensure_future(job) for job in jobs]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for pending in tasks:
            pending.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    for finished in done:
        finished.result()  # an error in any part is the process's error


def main(argv: Sequence[str] | None = None) -> int:
    import asyncio

    from flows.config import FlowSettings
    from flows.deployments import DEFAULT_PREFECT_FILE, runner_deployments
    from flows.server import server_api
    from flows.shutdown import bounded_stop
    from flows.worker import warm_up

    parser = argparse.ArgumentParser(prog="python -m flows.serve", description=__doc__.splitlines()[0])
    parser.add_argument("--prefect-file", type=Path, default=DEFAULT_PREFECT_FILE, help="deployment file")
    parser.add_argument("--home", help="data folder the warm worker keeps open (default: CREDIBILITY_HOME)")
    parser.add_argument("--query-seconds", type=float, default=DEFAULT_QUERY_SECONDS)
    parser.add_argument("--no-worker", action="store_true", help="serve the deployments only")
    parser.add_argument("--worker-limit", type=int, default=FlowSettings().worker_limit)
    parser.add_argument(
        "--no-in-process",
        action="store_true",
        help="run check-article in a subprocess per run too (isolation over latency)",
    )
    args = parser.parse_args(argv)
    # SIGTERM stops within GRACE_SECONDS, whether or not the Prefect server still answers.
    bounded_stop("flows.serve")
    with contextlib.suppress(KeyboardInterrupt), server_api() as url:
        # Built here, outside the event loop: to_deployment() is a coroutine inside one.
        deployments = runner_deployments(args.prefect_file)
        if not args.no_worker:
            warm_up(args.home)
        print(f"serving {args.prefect_file} against {url}", flush=True)
        asyncio.run(
            serve_all(
                deployments,
                query_seconds=args.query_seconds,
                worker=not args.no_worker,
                worker_limit=args.worker_limit,
                in_process=() if args.no_in_process else IN_PROCESS,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
