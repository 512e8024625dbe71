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
    from prefect.task_worker import aserve

    from flows.warm import WORKER_TASKS

    await aserve(*WORKER_TASKS, limit=limit)


def main(argv: Sequence[str] | None = None) -> int:
    import asyncio

    from flows.config import FlowSettings
    from flows.server import server_api

    parser = argparse.ArgumentParser(prog="python -m flows.worker", description=__doc__.splitlines()[0])
    parser.add_argument("--home", help="data folder to keep warm (default: CREDIBILITY_HOME)")
    parser.add_argument(
        "--limit", type=int, default=FlowSettings().worker_limit, help="concurrent checks accepted"
    )
    args = parser.parse_args(argv)
    with server_api() as url:
        warm_up(args.home)
        print(f"warm check worker ready, serving checks from {url}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(serve_checks(args.limit))
    return 0


if __name__ == "__main__":
    sys.exit(main())
