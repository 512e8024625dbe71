"""The in-process fast path leaves out Prefect's per-run suspension watch, and only for its own runs."""

from __future__ import annotations

import contextlib
from uuid import uuid4

import prefect.flow_engine as engine

from flows import inprocess


def test_in_process_runs_skip_the_suspension_watch_and_others_keep_it() -> None:
    inprocess._skip_suspension_watch_in_process()
    inprocess._skip_suspension_watch_in_process()  # idempotent: wrapped once
    hook = engine.observe_flow_run_suspension
    # Fails when a Prefect upgrade renames the hook: the fast path would then pay the watch again.
    assert getattr(hook, "_credibility_in_process", False)
    token = inprocess._in_process_run.set(True)
    try:
        assert isinstance(hook(uuid4(), None), contextlib.nullcontext)
    finally:
        inprocess._in_process_run.reset(token)
    # Outside an in-process run: Prefect's own watch (a context manager not entered here).
    assert not isinstance(hook(uuid4(), None), contextlib.nullcontext)
