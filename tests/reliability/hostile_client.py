"""Runs one ingest or check of some URLs in a process of its own, for the hostile-web harness.

``python hostile_client.py JSON`` where JSON holds ``home``, ``urls``, ``mode`` (``ingest`` or
``check``) and ``settings`` overrides; prints one JSON line: the articles added or checked, the
problems (origin, message), the seconds taken. The harness reads this process's peak memory
with ``wait4``, so each hostile input is measured alone.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from credibility.app import Home
from credibility.model.records import LoadProblem
from credibility.settings import Settings

# tests/, for conftest's fake embedder; after the library, which tests/credibility/ would shadow.
sys.path.append(str(Path(__file__).resolve().parents[1]))
from fakes import FakeEmbedder


def main() -> None:
    job = json.loads(sys.argv[1])
    settings = Settings(home=Path(job["home"]), model="fake-model", **job.get("settings", {}))
    started = time.perf_counter()
    out: dict[str, object] = {}
    with Home(settings, embedder=FakeEmbedder()) as home:  # type: ignore[arg-type]
        if job.get("mode", "ingest") == "ingest":
            report = home.ingest(job["urls"])
            out = {
                "done": report.added,
                "problems": [[p.origin, p.message] for p in report.problems],
                "articles": home.stats().articles,
            }
        else:
            done = 0
            problems = []
            for item in home.check_inputs(job["urls"]):
                if isinstance(item, LoadProblem):
                    problems.append([item.origin, item.message])
                else:
                    done += 1
            out = {"done": done, "problems": problems}
    out["seconds"] = time.perf_counter() - started
    # This process's own peak (VmHWM starts afresh at exec; ru_maxrss keeps the forking parent's).
    for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmHWM:"):
            out["peak_mb"] = int(line.split()[1]) / 1024
    print(json.dumps(out))


if __name__ == "__main__":
    main()
