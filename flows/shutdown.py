"""A bounded stop for the long-lived processes (``flows.serve``, ``flows.worker``).

On SIGTERM (what systemd, Docker and Kubernetes send) the process starts the same graceful
stop as Ctrl-C: the main task is cancelled, runs in flight finish, the runner pauses its
schedules. All of that talks to the Prefect server, and Prefect's client retries a server
that is gone for minutes, so a deadline guards it: if the process has not exited
:data:`GRACE_SECONDS` after the signal, it exits anyway (status 143, a line on stderr). A
second SIGTERM exits at once.

Prefect's runner and task worker each install their own SIGTERM handler when they start,
and neither bounds its stop: once :func:`bounded_stop` is installed, those are refused (the
handler here stays), so the deadline holds whichever part started last.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from types import FrameType
from typing import Any

#: Seconds between SIGTERM and the forced exit: under the 10 s that orchestrators usually give, with
#: room for a busy main thread to run the handler late and for the exit of a large process.
GRACE_SECONDS = 6.0
#: The exit status of a stop the deadline cut short (128 + SIGTERM, as if killed by it).
FORCED_STATUS = 128 + signal.SIGTERM

_installed = threading.Event()


def bounded_stop(name: str, grace: float = GRACE_SECONDS) -> None:
    """Make SIGTERM stop this process within ``grace`` seconds. Call from the main thread."""
    if _installed.is_set():
        return
    stopping = threading.Event()

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        if stopping.is_set():  # a second signal: no more waiting
            os._exit(FORCED_STATUS)
        stopping.set()
        print(f"{name}: SIGTERM received, stopping (at most {grace:g} s)", file=sys.stderr, flush=True)
        threading.Thread(target=_deadline, args=(name, grace), name="stop-deadline", daemon=True).start()
        interrupt = signal.getsignal(signal.SIGINT)
        if callable(interrupt):
            # asyncio.run's own SIGINT handler: cancels the main task, the graceful path.
            interrupt(signal.SIGINT, frame)
        else:
            raise KeyboardInterrupt

    original = signal.signal

    def guarded(signalnum: Any, handler: Any) -> Any:
        if signalnum != signal.SIGTERM:
            return original(signalnum, handler)
        if threading.current_thread() is not threading.main_thread():
            # As signal.signal itself: Prefect's flow engine, running a flow in a worker thread,
            # relies on this error to leave the handler alone.
            raise ValueError("signal only works in main thread of the main interpreter")
        return on_sigterm  # a library's handler would replace the bounded stop: keep ours

    original(signal.SIGTERM, on_sigterm)
    signal.signal = guarded
    _installed.set()


def _deadline(name: str, grace: float) -> None:
    time.sleep(grace)
    print(
        f"{name}: still stopping {grace:g} s after SIGTERM (is the Prefect server gone?); exiting now",
        file=sys.stderr,
        flush=True,
    )
    os._exit(FORCED_STATUS)
