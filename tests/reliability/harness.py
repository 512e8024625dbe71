"""What the reliability harnesses share: the crash driver's client and a synthetic corpus."""

from __future__ import annotations

import contextlib
import json
import os
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

DRIVER = Path(__file__).with_name("crash_driver.py")

SUBJECTS = [
    "The city council",
    "Mayor Jane Roe",
    "The port authority",
    "Health officials",
    "The ferry operator",
]
VERBS = ["approved", "rejected", "announced", "delayed", "funded"]
OBJECTS = ["a new bridge", "the harbour repair", "a ferry line", "the flood barrier", "a school budget"]


def corpus_record(n: int, version: int = 0) -> dict[str, Any]:
    rnd = random.Random(n * 7919 + version)
    sentences = [
        f"{rnd.choice(SUBJECTS)} {rnd.choice(VERBS)} {rnd.choice(OBJECTS)} worth {rnd.randint(1, 900)} million "
        f"euros on day {rnd.randint(1, 28)} of month {rnd.randint(1, 12)} in district {n}."
        for _ in range(rnd.randint(6, 12))
    ]
    return {"id": f"art-{n:03d}", "title": f"Report {n}", "text": " ".join(sentences)}


class Driver:
    """The helper process (crash_driver.py): forks the runs, reaps them, reads the state."""

    def __init__(self) -> None:
        self._process = subprocess.Popen(
            [sys.executable, str(DRIVER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )

    def ask(self, **message: Any) -> dict[str, Any]:
        assert self._process.stdin is not None and self._process.stdout is not None
        self._process.stdin.write(json.dumps(message) + "\n")
        self._process.stdin.flush()
        line = self._process.stdout.readline()
        assert line, "the crash driver died"
        reply: dict[str, Any] = json.loads(line)
        return reply

    def run(self, op: str, home: Path, args: dict[str, Any], crash: dict[str, Any] | None = None) -> int:
        return int(self.ask(cmd="run", op=op, home=str(home), args=args, crash=crash)["pid"])

    def finish(self, pid: int) -> dict[str, Any]:
        return self.ask(cmd="wait", pid=pid)

    def run_to_end(self, op: str, home: Path, args: dict[str, Any]) -> None:
        ended = self.finish(self.run(op, home, args))
        assert ended["exit"] == 0, f"{op} failed without a kill: {ended}"

    def state(self, home: Path, csv: Path | None = None) -> dict[str, Any]:
        reply = self.ask(cmd="state", home=str(home), csv=str(csv) if csv else None)
        assert "error" not in reply, reply
        return reply

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.ask(cmd="quit")
        self._process.wait(timeout=30)
