"""``python -m flows.server``: the embedded default, a local Prefect server on SQLite.

It is ``prefect server start`` with analytics off (the ``flows`` package sets the
quiet defaults before Prefect is imported). Other processes reach it at
``http://127.0.0.1:4200/api``: ``flows.serve`` and ``flows.worker`` use that address
when ``PREFECT_API_URL`` is not set; for the ``prefect`` CLI run once
``prefect config set PREFECT_API_URL=http://127.0.0.1:4200/api``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import flows  # noqa: F401  (the quiet environment, before Prefect)

LOCAL_HOST = "127.0.0.1"
LOCAL_PORT = 4200
LOCAL_API_URL = f"http://{LOCAL_HOST}:{LOCAL_PORT}/api"


@contextmanager
def server_api() -> Iterator[str]:
    """Use the configured Prefect server, else the local default; fail clearly if none answers.

    Task workers and Dask need a real server (the ephemeral in-process API cannot
    serve either), so a missing ``PREFECT_API_URL`` means the local server, never
    ephemeral mode.
    """
    from prefect.settings import PREFECT_API_URL, get_current_settings, temporary_settings

    url = get_current_settings().api.url or LOCAL_API_URL
    # Child processes (served flow runs, Dask workers) inherit the address through the environment.
    os.environ["PREFECT_API_URL"] = url
    with temporary_settings(updates={PREFECT_API_URL: url}):
        _require_healthy(url)
        yield url


def _require_healthy(url: str) -> None:
    import httpx

    try:
        response = httpx.get(f"{url.rstrip('/')}/health", timeout=5)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        raise SystemExit(
            f"no Prefect server answers at {url} ({exc}); start one with `python -m flows.server` "
            "or set PREFECT_API_URL"
        ) from None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m flows.server", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=LOCAL_HOST)
    parser.add_argument("--port", type=int, default=LOCAL_PORT)
    args = parser.parse_args(argv)
    command = [
        sys.executable,
        "-m",
        "prefect",
        "server",
        "start",
        "--host",
        args.host,
        "--port",
        str(args.port),
    ]
    print(
        f"Prefect server at http://{args.host}:{args.port}/api (UI: http://{args.host}:{args.port})",
        flush=True,
    )
    # exec: Ctrl-C and service managers talk to the server itself.
    os.execv(sys.executable, command)
    return 0  # pragma: no cover


if __name__ == "__main__":
    sys.exit(main())
