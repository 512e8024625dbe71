"""``make fuzz``: the long reliability harnesses and their table (``benchmarks/RELIABILITY.md``).

Runs each target's tests in a pytest process of its own, with the ``fuzz`` hypothesis profile
(many examples, random seeds) and the long counts of the other harnesses (kill -9, bursts):

    python -m benchmarks.fuzz                 # everything (about half an hour on 2 cores)
    python -m benchmarks.fuzz --scale 0.25    # a quarter of the kills and triggers
    python -m benchmarks.fuzz --only kill     # the targets whose name holds "kill"

It prints a table of cases (or kills) per target, failures, the worst time of one case and the
peak memory, and writes it with the burst figures between the markers of
``benchmarks/RELIABILITY.md`` (the rest of that file is written by hand). The exit status is 1
when any test failed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "benchmarks" / "RELIABILITY.md"
BEGIN, END = "<!-- fuzz:begin -->", "<!-- fuzz:end -->"

#: (name, test paths): one pytest process each, so each has its own peak memory.
TARGETS: list[tuple[str, list[str]]] = [
    ("text", ["tests/credibility/text/test_text_fuzz.py"]),
    ("loaders", ["tests/credibility/inputs/test_loaders_fuzz.py"]),
    ("web", ["tests/credibility/web/test_web_fuzz.py"]),
    ("sources", ["tests/flows/test_sources_fuzz.py"]),
    ("import", ["tests/credibility/review/test_import_fuzz.py"]),
    ("check", ["tests/reliability/test_check_fuzz.py"]),
    ("security", ["tests/reliability/test_output_security.py"]),
    ("kill", ["tests/reliability/test_kill.py"]),
    ("concurrency", ["tests/reliability/test_concurrency.py"]),
    ("hostile-web", ["tests/reliability/test_hostile_web.py"]),
    ("served", ["tests/flows/test_served_reliability.py"]),
]


@dataclass
class Run:
    name: str
    seconds: float = 0.0
    peak_mb: float = 0.0
    exit: int = 0
    failed: list[str] = field(default_factory=list)
    figures: list[dict[str, Any]] = field(default_factory=list)


def run_target(name: str, paths: list[str], stats: Path, scale: float) -> Run:
    folder = stats / name
    folder.mkdir(parents=True, exist_ok=True)
    junit = folder / "junit.xml"
    env = {
        **os.environ,
        "CREDIBILITY_FUZZ_PROFILE": "fuzz",
        "CREDIBILITY_FUZZ_STATS": str(folder),
        "CREDIBILITY_FUZZ_SCALE": str(scale),
    }
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={junit}", *paths]
    print(f"== {name}: {' '.join(paths)}", flush=True)
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    _, status, usage = os.wait4(process.pid, 0)
    run = Run(name, time.perf_counter() - started, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status))
    if junit.exists():
        for case in ET.parse(junit).getroot().iter("testcase"):
            if case.find("failure") is not None or case.find("error") is not None:
                run.failed.append(f"{case.get('classname')}::{case.get('name')}")
    for path in sorted(folder.glob("figures-*.json")):
        run.figures.extend(json.loads(path.read_text(encoding="utf-8")))
    return run


def merge(runs: list[Run]) -> list[dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for run in runs:
        for figure in run.figures:
            row = rows.setdefault(
                figure["target"],
                {
                    "target": figure["target"],
                    "cases": 0,
                    "failures": 0,
                    "worst": 0.0,
                    "peak": 0.0,
                    "note": "",
                },
            )
            row["cases"] += figure["cases"]
            row["failures"] += figure["failures"]
            row["worst"] = max(row["worst"], figure["worst_seconds"])
            row["peak"] = max(row["peak"], figure["peak_mb"] or run.peak_mb)
            row["note"] = figure.get("note") or row["note"]
    return list(rows.values())


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| target | cases / kills | failures | worst time (s) | peak memory (MB) |",
        "|---|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['target']} | {row['cases']:,} | {row['failures']} | {row['worst']:.2f} | {row['peak']:.0f} |"
        )
    return "\n".join(lines)


def burst_section(stats: Path) -> str:
    path = stats / "served" / "burst.json"
    if not path.exists():
        return "_The served burst did not run._"
    b = json.loads(path.read_text(encoding="utf-8"))
    return "\n".join(
        [
            "| triggers | completed, stored once | p50 latency | p95 latency | max latency | 503s retried | restart: stop / ready again | wall time |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|",
            f"| {b['triggers']} | {b['completed']} | {b['p50_s']:.2f} s | {b['p95_s']:.2f} s | {b['max_s']:.1f} s | "
            f"{b['retried_503']} | {b['restart_stop_s']:.1f} s / {b['restart_ready_s']:.1f} s | {b['wall_s']:.0f} s |",
        ]
    )


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}"


def write(
    out: Path, rows: list[dict[str, Any]], runs: list[Run], stats: Path, scale: float, total: float
) -> None:
    failed = [f for r in runs for f in r.failed]
    generated = "\n".join(
        [
            BEGIN,
            f"Run {dt.datetime.now(dt.UTC).isoformat(timespec='minutes')} by `make fuzz` "
            f"(`python -m benchmarks.fuzz --scale {scale:g}`) on {machine()}, {total / 60:.0f} min in all.",
            "",
            table(rows),
            "",
            "The served deployment under a burst (REST triggers at 2 a second, the warm worker; "
            "`flows.serve` stopped by SIGTERM and started again at a third of the burst, killed with "
            "-9 and started again at two thirds; latency from the run's creation to its end, the "
            "runs created during the restarts included):",
            "",
            burst_section(stats),
            "",
            f"Failing tests: {', '.join(failed)}" if failed else "Failing tests: none.",
            END,
        ]
    )
    text = out.read_text(encoding="utf-8") if out.exists() else f"# Reliability\n\n{BEGIN}\n{END}\n"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + generated + rest.split(END, 1)[1]
    else:
        text = text.rstrip() + "\n\n" + generated + "\n"
    out.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.fuzz", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the long counts (kills, triggers)")
    parser.add_argument("--only", default="", help="run the targets whose name contains this")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the Markdown file to update")
    parser.add_argument("--no-write", action="store_true", help="print the table only")
    args = parser.parse_args(argv)
    if args.scale <= 0:
        parser.error("--scale must be above 0")
    chosen = [(n, p) for n, p in TARGETS if args.only in n]
    if not chosen:
        parser.error(f"no target matches {args.only!r}; targets: {', '.join(n for n, _ in TARGETS)}")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="credibility-fuzz-") as folder:
        stats = Path(folder)
        runs = [run_target(name, paths, stats, args.scale) for name, paths in chosen]
        rows = merge(runs)
        total = time.perf_counter() - started
        print()
        print(table(rows))
        print()
        print(burst_section(stats))
        for run in runs:
            for failure in run.failed:
                print(f"FAILED {failure}")
        if not args.no_write:
            write(args.out, rows, runs, stats, args.scale, total)
            print(f"\nwrote {args.out}")
    return 1 if any(r.exit for r in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
