"""``python -m flows.worker``: the warm check worker alone (Prefect background tasks).

Loads the model and opens the index once, then serves the check tasks that
``check-article``, ``monitor-sources`` and Python callers hand over with
``.delay()``. Run it beside a work-pool worker (``prefect worker start``) when the
deployments run from a pool; ``python -m flows.serve`` already includes it.

Caller and worker must share the Prefect result storage (the same PREFECT_HOME
on one machine, or a storage block set with
PREFECT_TASKS_SCHEDULING_DEFAULT_STORAGE_BLOCK across machines): parameters and
results of background tasks travel through it.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Sequence

import flows  # noqa: F401  (the quiet environment, before Prefect)


def warm_up(home: str | None) -> None:
    from flows.config import library_settings
    from flows.warm import warm_up as warm

    warm(library_settings(home))


async def serve_checks(limit: int) -> None:
    """Serve the check tasks; when the Prefect server goes away (a restart), reconnect with backoff
    (1 s, doubled, at most 30 s) instead of ending the process with it."""
    import asyncio
    import time

    from prefect.logging import get_logger
    from prefect.task_worker import aserve

    from flows.warm import WORKER_TASKS

    logger = get_logger("credibility.worker")
    delay = 1.0
    while True:
        started = time.monotonic()
        try:
            await aserve(*WORKER_TASKS, limit=limit)
            return
        except Exception as exc:  # the server gone: its websocket or HTTP errors, in a group
            if time.monotonic() - started > 60:
                delay = 1.0  # it had been serving: a new outage starts the backoff over
            logger.warning("lost the Prefect server (%s); reconnecting in %.0f s", type(exc).__name__, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)


def main(argv: Sequence[str] | None = None) -> int:
    import asyncio

    from flows.config import FlowSettings
    from flows.server import server_api
    from flows.shutdown import bounded_stop

    parser = argparse.ArgumentParser(prog="python -m flows.worker", description=__doc__.splitlines()[0])
    parser.add_argument("--home", help="data folder to keep warm (default: CREDIBILITY_HOME)")
    parser.add_argument(
        "--limit", type=int, default=FlowSettings().worker_limit, help="concurrent checks accepted"
    )
    args = parser.parse_args(argv)
    # SIGTERM stops within GRACE_SECONDS, whether or not the Prefect server still answers.
    bounded_stop("flows.worker")
    with contextlib.suppress(KeyboardInterrupt), server_api() as url:
        warm_up(args.home)
        print(f"warm check worker ready, serving checks from {url}", flush=True)
        asyncio.run(serve_checks(args.limit))
    return 0


if __name__ == "__main__":
    sys.exit(main())
