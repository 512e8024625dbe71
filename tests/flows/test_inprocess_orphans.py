"""Runs a killed warm process had claimed go back to Scheduled; live and own claims are left alone."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from uuid import UUID, uuid4

import pytest
from prefect.exceptions import ObjectNotFound
from prefect.settings import PREFECT_HOME, temporary_settings

from flows.inprocess import InProcessRunner


class FakeClient:
    """The two client calls recovery makes; ``busy`` runs answer like a server under load."""

    def __init__(
        self, states: dict[UUID, str], *, busy: tuple[UUID, ...] = (), unknown: tuple[UUID, ...] = ()
    ) -> None:
        self.states = states
        self.busy = set(busy)
        self.unknown = set(unknown)
        self.rescheduled: list[UUID] = []

    async def read_flow_run(self, run_id: UUID) -> Any:
        if run_id in self.unknown:
            raise ObjectNotFound(http_exc=Exception("404"))
        if run_id in self.busy:
            raise RuntimeError("503 Service Unavailable")
        return SimpleNamespace(
            id=run_id, state=SimpleNamespace(type=SimpleNamespace(value=self.states[run_id]))
        )

    async def set_flow_run_state(self, run_id: UUID, state: Any, force: bool = False) -> None:
        assert force and state.type.value == "SCHEDULED"
        self.rescheduled.append(run_id)


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_recovery_reschedules_only_runs_of_processes_that_are_gone(tmp_path: Path) -> None:
    with temporary_settings(updates={PREFECT_HOME: tmp_path}):
        notes = tmp_path / "credibility-claims"
        notes.mkdir()
        dead, alive, finished, unknown, busy, own = (uuid4() for _ in range(6))
        gone = str(_dead_pid())
        for run_id, owner in ((dead, gone), (finished, gone), (unknown, gone), (busy, gone)):
            (notes / f"{run_id}.claim").write_text(owner, encoding="utf-8")
        (notes / f"{alive}.claim").write_text("1", encoding="utf-8")  # pid 1 is always alive
        (notes / "not-a-run.claim").write_text(gone, encoding="utf-8")
        runner = InProcessRunner([])
        client = FakeClient(
            {dead: "RUNNING", finished: "COMPLETED", alive: "RUNNING"}, busy=(busy,), unknown=(unknown,)
        )
        asyncio.run(runner._recover_orphans(client))  # type: ignore[arg-type]
        assert client.rescheduled == [dead]
        left = {p.stem for p in notes.glob("*.claim")}
        # Rescheduled, finished and unknown runs lose their note; the busy one waits for a retry.
        assert left == {str(alive), str(busy), "not-a-run"}
        assert runner._orphans_left

        # The serve loop's retry: this process's own run in flight is not touched.
        (notes / f"{own}.claim").write_text(gone, encoding="utf-8")
        runner._running.add(own)
        client.busy.clear()
        client.states[busy] = "PENDING"
        asyncio.run(runner._recover_orphans(client))  # type: ignore[arg-type]
        assert client.rescheduled == [dead, busy]
        assert {p.stem for p in notes.glob("*.claim")} == {str(alive), str(own), "not-a-run"}
        assert not runner._orphans_left


@pytest.mark.parametrize("state", ["PENDING", "RUNNING"])
def test_a_note_left_by_this_pid_from_an_earlier_life_is_recovered(tmp_path: Path, state: str) -> None:
    # After a restart the new process may get the dead one's pid: its notes are not its own runs.
    with temporary_settings(updates={PREFECT_HOME: tmp_path}):
        notes = tmp_path / "credibility-claims"
        notes.mkdir()
        run_id = uuid4()
        (notes / f"{run_id}.claim").write_text(str(os.getpid()), encoding="utf-8")
        client = FakeClient({run_id: state})
        asyncio.run(InProcessRunner([])._recover_orphans(client))  # type: ignore[arg-type]
        assert client.rescheduled == [run_id]
