"""``python -m flows.measure``: time the on-demand paths and a monitoring run against a served setup.

Needs a started server and ``python -m flows.serve`` (same PREFECT_HOME and
CREDIBILITY_HOME as this process). Measures, each as trigger-to-done (the result
stored and its reviewer rows in the CSV):

- a long-lived Python caller: ``check_article_job.delay()`` from this process;
- ``run_deployment(..., poll_interval=0.1)`` of ``check-article/on-demand``;
- the REST call ``POST /api/deployments/{id}/create_flow_run``, polling the run;
- ``monitor-sources`` over N generated articles (sample reporting with variations).

:func:`make_articles` is also what the tests use to build a monitored folder.
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
from pathlib import Path

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


def _repost(n: int, how: str) -> str:
    return sample_paths()["repost"].read_text(encoding="utf-8") + f"\n\nChecked via {how}, run {n}."


def main(argv: Sequence[str] | None = None) -> int:
    from prefect.deployments import run_deployment
    from prefect.settings import get_current_settings

    from flows.client import check_by_deployment, check_by_rest, check_now
    from flows.config import library_settings
    from flows.models import MonitorSummary

    parser = argparse.ArgumentParser(prog="python -m flows.measure", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--articles", type=int, default=100)
    parser.add_argument("--home", help="data folder (default: CREDIBILITY_HOME)")
    args = parser.parse_args(argv)
    home = str(library_settings(args.home).home)
    api = get_current_settings().api.url
    if not api:
        raise SystemExit("set PREFECT_API_URL to the served server")

    def rest(n: int) -> None:
        run = check_by_rest(api, {"text": _repost(n, "REST"), "home": home})
        assert run["state"]["type"] == "COMPLETED", run["state"]

    from flows.warm import warm_up

    # The floor: the same check, store, decisions and CSV append in this process, without Prefect.
    settings = library_settings(args.home)
    core = warm_up(settings)

    def bare(n: int) -> None:
        checked = core.check(_repost(n, "bare"))
        core.export_csv([checked.check], Path(tempfile.gettempdir()) / "credibility-measure.csv")

    _timed("check+store+CSV, no Prefect", args.runs, bare)
    _timed("long-lived caller (.delay)", args.runs, lambda n: check_now(_repost(n, "delay"), home=home))
    _timed(
        "run_deployment (poll 0.1 s)",
        args.runs,
        lambda n: check_by_deployment({"text": _repost(n, "run_deployment"), "home": home}),
    )
    _timed("REST create_flow_run (poll 0.1 s)", args.runs, rest)

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
