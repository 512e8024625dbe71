"""``python -m flows.measure``: time the on-demand paths and a monitoring run against a served setup.

Needs a started server and ``python -m flows.serve`` (same PREFECT_HOME and
CREDIBILITY_HOME as this process). Measures, each as trigger-to-done (the result
stored and its reviewer rows in the CSV):

- the floor: the same check, store and CSV append in this process, without Prefect;
- a long-lived Python caller: ``check_article_job.delay()`` from this process;
- ``run_deployment`` of ``check-article/on-demand``, waiting for the run's final state event;
- the REST call ``POST /api/deployments/{id}/create_flow_run``, polling the run every 0.05 s;
- ``monitor-sources`` over N generated articles (sample reporting with variations).

Then the time of each hop, median over the runs, from the runs' state history (the state
timestamps are taken by the process that made the change, all on this machine): for ``.delay``,
*submit* (the task run created, its parameters stored), *pick up* (until the worker took it),
*start* (until it was running), *run* (check, store and CSV as a background task), *deliver*
(until this process had the result); for a flow run, *create*, *claim* (until the warm process
took it), *start*, *run* (the flow: check, store, CSV, artifact, event, result) and *deliver*.

``--article FILE`` checks that article instead of the sample repost (a line naming the path and
run is added, so every check is new). :func:`make_articles` is also what the tests use to build a
monitored folder.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast
from uuid import UUID

import flows  # noqa: F401  (the quiet environment, before Prefect)
from credibility.app import sample_paths

_PROMOS = (
    "READ ALSO  Scientists confirm 5G phone masts spread the virus that causes the flu",
    "The Kestrel Harbour Bridge was rebuilt with cheap recycled plastic cables.",
    "Insiders say the officials knew about the problem for years and said nothing.",
    "Share this story with your friends before it gets deleted.",
)
_NUMBER = re.compile(r"\b\d[\d,]*\b")


def _vary(text: str, rng: random.Random) -> str:
    """A repost with some of the tricks content farms use: a changed number, an inserted promo or
    invented sentence, a dropped paragraph."""
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    choice = rng.randrange(4)
    if choice == 0 and _NUMBER.search(text):
        numbers = _NUMBER.findall(text)
        target = rng.choice(numbers)
        paragraphs = [
            p.replace(target, str(int(target.replace(",", "")) + rng.randint(1, 90)), 1) for p in paragraphs
        ]
    elif choice == 1:
        paragraphs.insert(rng.randrange(1, len(paragraphs) + 1), rng.choice(_PROMOS))
    elif choice == 2 and len(paragraphs) > 2:
        paragraphs.pop(rng.randrange(1, len(paragraphs)))
    return "\n\n".join(paragraphs)


def make_articles(folder: Path, count: int, seed: int = 7) -> list[Path]:
    """``count`` article files (.txt, title line first) built from the sample reporting, all different."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    sources = [
        json.loads(line)
        for line in sample_paths()["articles"].read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    written = []
    for n in range(count):
        source = sources[n % len(sources)]
        # A unique dateline keeps every file a distinct article (content hash) and is not checked.
        dateline = f"Published {1 + n % 28} March 2026, {8 + n // 28 % 12:02d}:{n % 60:02d}"
        body = dateline + "\n\n" + _vary(source["text"], rng)
        path = folder / f"article-{n + 1:03d}.txt"
        path.write_text(f"{source['title']}\n\n{body}\n", encoding="utf-8")
        written.append(path)
    return written


def _timed(label: str, runs: int, fn: Callable[[int], object]) -> list[float]:
    times = []
    for n in range(runs):
        started = time.perf_counter()
        fn(n)
        times.append(time.perf_counter() - started)
    print(
        f"{label:<34} first {times[0]:6.2f} s   median {statistics.median(times):6.2f} s   "
        f"(n={runs}, all: {' '.join(f'{t:.2f}' for t in times)})",
        flush=True,
    )
    return times


def _repost(n: int, how: str, article: Path | None = None) -> str:
    text = (article or sample_paths()["repost"]).read_text(encoding="utf-8")
    return text + f"\n\nChecked via {how}, run {n}."


@dataclass
class _Run:
    """One triggered run: wall-clock times (``time.time()``) around it, and its Prefect run id."""

    started: float
    finished: float = 0.0
    run_id: UUID | None = None


#: Hops of a background task run and of a flow run: (label, state the hop ends at).
TASK_HOPS = (("submit", "SCHEDULED"), ("pick up", "PENDING"), ("start", "RUNNING"), ("run", "COMPLETED"))
FLOW_HOPS = (("create", "SCHEDULED"), ("claim", "PENDING"), ("start", "RUNNING"), ("run", "COMPLETED"))


async def _hop_times(
    runs: list[_Run], hops: tuple[tuple[str, str], ...], task: bool
) -> list[dict[str, float]]:
    """Seconds spent in each hop, one mapping per run (a hop whose state is missing is left out)."""
    from prefect.client.orchestration import get_client

    found: list[dict[str, float]] = []
    async with get_client() as client:
        for run in runs:
            if run.run_id is None:
                continue
            if task:
                states = await client.read_task_run_states(run.run_id)
            else:
                states = await client.read_flow_run_states(run.run_id)
            at = {s.type.value: s.timestamp.timestamp() for s in states if s.timestamp is not None}
            times: dict[str, float] = {}
            previous = run.started
            for label, state in hops:
                if state in at:
                    times[label] = max(0.0, at[state] - previous)
                    previous = at[state]
            if "COMPLETED" in at:
                times["deliver"] = max(0.0, run.finished - at["COMPLETED"])
            found.append(times)
    return found


def _print_hops(label: str, runs: list[_Run], hops: tuple[tuple[str, str], ...], *, task: bool) -> None:
    """The median of each hop, and the hops of the slowest run (where an outlier lost its time)."""
    from prefect.utilities.asyncutils import run_coro_as_sync

    per_run = cast(list[dict[str, float]], run_coro_as_sync(_hop_times(runs, hops, task)))
    if not per_run:
        return
    names = [hop for hop, _ in hops] + ["deliver"]

    def line(times: Callable[[str], float | None]) -> str:
        return "  ".join(f"{hop} {value * 1000:4.0f}" for hop in names if (value := times(hop)) is not None)

    def median(hop: str) -> float | None:
        values = [t[hop] for t in per_run if hop in t]
        return statistics.median(values) if values else None

    slowest = max(per_run, key=lambda t: sum(t.values()))
    print(f"  {label:<32} ms, median per hop: {line(median)}", flush=True)
    print(f"  {'':<32} ms, slowest run:    {line(slowest.get)}", flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    from prefect.deployments import run_deployment
    from prefect.settings import get_current_settings

    from flows.client import check_by_deployment, check_by_rest, check_now
    from flows.config import library_settings
    from flows.models import MonitorSummary

    parser = argparse.ArgumentParser(prog="python -m flows.measure", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument(
        "--articles", type=int, default=100, help="articles of the monitor-sources run (0: skip it)"
    )
    parser.add_argument("--home", help="data folder (default: CREDIBILITY_HOME)")
    parser.add_argument("--article", type=Path, help="check this article (default: the sample repost)")
    args = parser.parse_args(argv)
    home = str(library_settings(args.home).home)
    api = get_current_settings().api.url
    if not api:
        raise SystemExit("set PREFECT_API_URL to the served server")
    article: Path | None = args.article

    from flows.warm import warm_up

    # The floor: the same check, store, decisions and CSV append in this process, without Prefect.
    settings = library_settings(args.home)
    core = warm_up(settings)
    phases: dict[str, list[float]] = {"check+store": [], "CSV": []}

    with tempfile.TemporaryDirectory() as scratch:
        csv = Path(scratch) / "credibility-measure.csv"

        def bare(n: int) -> None:
            started = time.perf_counter()
            checked = core.check(_repost(n, "bare", article))
            stored = time.perf_counter()
            core.export_csv([checked.check], csv)
            phases["check+store"].append(stored - started)
            phases["CSV"].append(time.perf_counter() - stored)

        _timed("check+store+CSV, no Prefect", args.runs, bare)
    parts = [f"{phase} {statistics.median(values) * 1000:4.0f}" for phase, values in phases.items()]
    print(f"  {'':<32} ms, median per part: {'  '.join(parts)}", flush=True)

    def traced(runs: list[_Run], trigger: Callable[[int, _Run], object]) -> Callable[[int], None]:
        def call(n: int) -> None:
            run = _Run(time.time())
            trigger(n, run)
            run.finished = time.time()
            runs.append(run)

        return call

    def by_delay(n: int, run: _Run) -> None:
        check_now(_repost(n, "delay", article), home=home, on_created=lambda i: setattr(run, "run_id", i))

    def by_deployment(n: int, run: _Run) -> None:
        check_by_deployment(
            {"text": _repost(n, "run_deployment", article), "home": home},
            on_created=lambda i: setattr(run, "run_id", i),
        )

    def by_rest(n: int, run: _Run) -> None:
        done = check_by_rest(api, {"text": _repost(n, "REST", article), "home": home})
        assert done["state"]["type"] == "COMPLETED", done["state"]
        run.run_id = UUID(done["id"])

    delayed: list[_Run] = []
    deployed: list[_Run] = []
    rested: list[_Run] = []
    _timed("long-lived caller (.delay)", args.runs, traced(delayed, by_delay))
    _timed("run_deployment (state event)", args.runs, traced(deployed, by_deployment))
    _timed("REST create_flow_run (poll 0.05 s)", args.runs, traced(rested, by_rest))
    _print_hops(".delay", delayed, TASK_HOPS, task=True)
    _print_hops("run_deployment", deployed, FLOW_HOPS, task=False)
    _print_hops("REST", rested, FLOW_HOPS, task=False)

    if args.articles > 0:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "incoming"
            make_articles(folder, args.articles)
            sources = Path(tmp) / "sources.yaml"
            sources.write_text(f"monitor:\n  - {folder}\n", encoding="utf-8")
            # The same index, an empty results store: every article is new to this run.
            fresh_home = Path(tmp) / "home"
            shutil.copytree(settings.index_dir, fresh_home / "index")
            started = time.perf_counter()
            run = run_deployment(
                "monitor-sources/scheduled",
                parameters={"sources_file": str(sources), "home": str(fresh_home)},
                poll_interval=0.5,
                timeout=1800,
            )
            elapsed = time.perf_counter() - started
            state = getattr(run, "state", None)
            summary = state.result() if state is not None and state.is_completed() else state
            if isinstance(summary, MonitorSummary):
                summary = summary.model_copy(update={"check_keys": [f"{len(summary.check_keys)} keys"]})
            print(f"monitor-sources over {args.articles} articles: {elapsed:.1f} s -> {summary}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
