"""README.md and deploy/README.md are a tested contract: every command they show is run.

The commands are collected from the Markdown (``readme_commands.collect``, markdown-it-py) and
mapped to a runner in ``readme_commands.RUNS``. This module checks that mapping against the files
(a command added to a README without a runner fails here), runs the ``credibility`` lines in a
temporary home in the README's order, the Makefile lines, and checks what cannot run here. The
Prefect lines run in ``tests/flows/test_readme_flows.py`` against a served deployment.
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from readme_commands import (
    CHECKED,
    CLAIM,
    NOT_RUN_FILES,
    PLACEHOLDERS,
    REMOVED_ID,
    ROOT,
    RUNS,
    Command,
    Result,
    Shell,
    block_commands,
    collect,
    fill,
    make_workspace,
    not_run,
    runner_blocks,
    web_routes,
)
from webfixtures import LocalServer

RUNNERS = {"cli", "make", "served", "pool", CHECKED, "setup"}


# --- the mapping is complete ------------------------------------------------------------------


def test_every_readme_command_has_a_runner() -> None:
    commands = collect()
    shown = {c.text for c in commands}
    missing = [str(c) for c in commands if c.text not in RUNS]
    assert not missing, "commands no test runs; add them to readme_commands.RUNS:\n" + "\n".join(missing)
    stale = sorted(set(RUNS) - shown)
    assert not stale, f"RUNS names commands the READMEs no longer show: {stale}"
    assert {run.runner for run in RUNS.values()} <= RUNNERS
    for text, run in RUNS.items():
        assert run.runner != "setup" or Command("", 0, text, 0).is_setup, text
        assert bool(run.reason) == (run.runner == CHECKED), text
    # Every placeholder still stands for something the READMEs write.
    assert all(any(p in c.text for c in commands) for p in PLACEHOLDERS), PLACEHOLDERS
    for file in ("README.md", "deploy/README.md"):
        print(f"{file}: {sum(c.file == file for c in commands)} commands")
    print("checked, not run:\n" + "\n".join(f"- {k}: {v}" for k, v in not_run().items()))


def test_collector_reads_shell_the_way_people_write_it(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text(
        "Run `credibility index stats`, not `credibility`.\n\n"
        "```bash\n"
        "# a comment line\n"
        ". .venv/bin/activate\n"
        'export A=~/x        # the "home"\n'
        "ID=$(curl -s http://h/a#b | jq -r .id)   # fragment kept\n"
        "echo 'a # b' \"c # d\" \\\n"
        "     --flag   # continued\n"
        "```\n\n"
        "```console\n$ credibility check a.txt\noutput line\n```\n\n"
        "```python\nprint('not a shell command')\n```\n\n"
        "```text\nnot a command\n```\n",
        encoding="utf-8",
    )
    got = [(c.line, c.text, c.block, c.is_setup) for c in collect(tmp_path, ("README.md",))]
    assert got == [
        (1, "credibility index stats", -1, False),
        (5, ". .venv/bin/activate", 0, True),
        (6, "export A=~/x", 0, True),
        (7, "ID=$(curl -s http://h/a#b | jq -r .id)", 0, True),
        (8, "echo 'a # b' \"c # d\" --flag", 0, False),
        (13, "credibility check a.txt", 1, False),
    ]
    assert list(block_commands("a \\\n  b\n\n# c\n")) == [(0, "a b")]


# --- what is checked, not run -----------------------------------------------------------------


def test_not_run_commands_are_checked(tmp_path: Path) -> None:
    work = make_workspace(tmp_path)["work"]
    for text, run in RUNS.items():
        if run.runner != CHECKED:
            continue
        assert run.reason, text
        for line in run.variants:
            done = subprocess.run(
                ["bash", "-c", fill(line, {"root": ROOT})],
                cwd=work,
                capture_output=True,
                text=True,
                check=False,
            )
            assert done.returncode == 0, (line, done.stderr)
            assert done.stdout.strip(), line
    with open(ROOT / "pyproject.toml", "rb") as handle:
        extras = tomllib.load(handle)["project"]["optional-dependencies"]
    assert {"flows", "bench", "dev"} <= set(extras)
    make_test = subprocess.run(
        ["make", "-n", "-f", str(ROOT / "Makefile"), "-o", ".venv/.installed", "test"],
        cwd=work,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "ruff check" in make_test and "mypy" in make_test and "pytest" in make_test


def test_not_run_files_are_checked() -> None:
    for name in NOT_RUN_FILES:
        path = ROOT / name
        assert path.is_file(), name
        text = path.read_text(encoding="utf-8")
        if name.endswith(".yaml"):
            documents = [d for d in yaml.safe_load_all(text) if d is not None]
            assert documents, name
        elif name.endswith(".json"):
            json.loads(text)
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"pip install .*-e|pip install .*\.\[flows", dockerfile) or "pip install" in dockerfile
    assert "flows.worker" in dockerfile
    worker = [
        d
        for d in yaml.safe_load_all((ROOT / "deploy/kubernetes/warm-worker.yaml").read_text(encoding="utf-8"))
        if d and d.get("kind") == "Deployment"
    ]
    assert worker and "flows.worker" in json.dumps(worker)


def test_referenced_files_exist() -> None:
    """Paths the READMEs name in code spans (``deploy/prefect.yaml``, ``flows/warm.py``) exist."""
    pattern = re.compile(r"`((?:credibility|index|flows|deploy|benchmarks|tests|scripts)/[\w./-]*)`")
    missing = []
    for name in ("README.md", "deploy/README.md"):
        for path in pattern.findall((ROOT / name).read_text(encoding="utf-8")):
            if "*" not in path and not (ROOT / path).exists():
                missing.append(f"{name}: {path}")
    assert not missing, missing


# --- the credibility lines, in the README's order ---------------------------------------------


def _json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _stats(shell: Shell) -> dict[str, Any]:
    result = shell.run("credibility index stats --json")
    assert result.returncode == 0, result
    stats: dict[str, Any] = json.loads(result.stdout)
    return stats


def _decide(path: Path) -> None:
    """What a reviewer does between ``check --csv`` and ``review import``: fill in two decisions."""
    rows = _csv_rows(path)
    assert len(rows) >= 2
    rows[0]["reviewer_decision"], rows[0]["reviewer_note"] = "confirmed", "checked against the source"
    rows[1]["reviewer_decision"] = "false_positive"
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


Promise = Callable[[Result, Shell], None]


def _promises(work: Path) -> dict[str, Promise]:
    """What the text around each line promises, beyond its exit status (keyed by the line as run)."""

    def added(n: int) -> Promise:
        def check(result: Result, shell: Shell) -> None:
            assert re.search(rf"\badded {n}\b", result.stdout, re.IGNORECASE), result

        return check

    def stats_json(result: Result, shell: Shell) -> None:
        stats = json.loads(result.stdout)
        assert (stats["articles"], stats["reporting"], stats["factchecks"]) == (11, 5, 6), stats
        assert stats["sentences"] > 0 and stats["index_type"] == "flat"

    def removed(result: Result, shell: Shell) -> None:
        assert _stats(shell)["articles"] == 10

    def search(result: Result, shell: Shell) -> None:
        lines = result.stdout.splitlines()
        assert "sample-fc-5g" in lines[0] and any(line.startswith("5.") for line in lines), result

    def search_batch(result: Result, shell: Shell) -> None:
        records = _json_lines((work / "results.jsonl").read_text(encoding="utf-8"))
        assert [r["query_id"] for r in records] == ["q1", "q2"]
        assert records[1]["results"][0]["article_id"] == "sample-fc-5g"

    def urls_added(result: Result, shell: Shell) -> None:
        added(2)(result, shell)
        assert _stats(shell)["reporting"] == 6

    def claimreview(result: Result, shell: Shell) -> None:
        added(1)(result, shell)
        assert _stats(shell)["factchecks"] == 7

    def debunked(result: Result, shell: Shell) -> None:
        assert "DEBUNKED" in result.stdout.upper(), result

    def check_json(result: Result, shell: Shell) -> None:
        labels = [r["verdict"]["label"] for r in _json_lines(result.stdout)]
        assert labels == ["debunked", "clean"], labels

    def check_csv(result: Result, shell: Shell) -> None:
        rows = _csv_rows(work / "review.csv")
        assert rows and {"reviewer_decision", "reviewer_note", "row_id"} <= set(rows[0])
        assert {"debunked", "injected", "altered"} <= {r["label"] for r in rows}
        assert "<html" in (work / "review.html").read_text(encoding="utf-8").lower()
        _decide(work / "review.csv")

    def report_csv(result: Result, shell: Shell) -> None:
        assert len(_csv_rows(work / "week.csv")) >= len(_csv_rows(work / "review.csv"))

    def report_html(result: Result, shell: Shell) -> None:
        assert "<html" in (work / "week.html").read_text(encoding="utf-8").lower()

    def imported(result: Result, shell: Shell) -> None:
        assert re.search(r"\b2 decision", result.stdout), result

    def review_stats(result: Result, shell: Shell) -> None:
        assert "confirmed" in result.stdout and "false" in result.stdout, result
        assert re.search(r"^label\s", result.stdout, re.MULTILINE), result

    def rebuilt_over_decisions(result: Result, shell: Shell) -> None:
        rows = _csv_rows(work / "review.csv")
        assert rows and "confirmed" in {r["reviewer_decision"] for r in rows}, rows

    def ledger(result: Result, shell: Shell) -> None:
        assert result.stdout.startswith(("Monitored sites", "no watched sources yet")), result

    def ledger_json(result: Result, shell: Shell) -> None:
        data = json.loads(result.stdout)
        assert {"sites", "sources", "verified"} <= set(data) and data["since"].startswith("2026-11-21"), data

    def reembedded(result: Result, shell: Shell) -> None:
        assert result.stdout.startswith("re-embedded ") and "with onnx-int8" in result.stdout, result
        stats = _stats(shell)
        assert (stats["encoder_backend"], stats["encoder_format_version"]) == ("onnx-int8", 4), stats
        assert stats["index_type"] == "ivf" and stats["articles"] >= 10, stats  # the index, kept

    def rebuilt(kind: str) -> Promise:
        def check(result: Result, shell: Shell) -> None:
            assert _stats(shell)["index_type"] == kind

        return check

    return {
        'credibility index add --source "Example Daily" reporting/': added(5),
        "credibility index add --kind factcheck ../shared/data/politifact/articles.jsonl.gz": added(6),
        "credibility index stats --json": stats_json,
        f"credibility index remove {REMOVED_ID}": removed,
        'credibility search --k 5 "5G masts spread the flu"': search,
        "credibility search --queries queries.tsv > results.jsonl": search_batch,
        "credibility index add {web}/publisher/feed.xml {web}/publisher/story.html": urls_added,
        "credibility index add --kind factcheck page-with-claimreview.html": claimreview,
        "credibility check article.txt": debunked,
        "credibility check {web}/copy/story": debunked,
        "credibility check --json a.txt b.html": check_json,
        "credibility check --csv review.csv --html review.html --fail-on injected,debunked -": check_csv,
        "credibility report csv --out week.csv --since 2026-11-21": report_csv,
        "credibility report html --out week.html --since 2026-11-21": report_html,
        "credibility review import review.csv": imported,
        "credibility review stats": review_stats,
        "credibility index rebuild --type ivf": rebuilt("ivf"),
        "credibility index rebuild --backend onnx-int8": reembedded,
        "credibility index rebuild --type hnsw": rebuilt("hnsw"),
        "credibility index rebuild --type flat": rebuilt("flat"),
        "credibility report csv --out review.csv --since 2026-11-21": rebuilt_over_decisions,
        "credibility sources": ledger,
        "credibility sources --json --since 2026-11-21": ledger_json,
    }


def _environment(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CREDIBILITY_", "PREFECT_API_URL"))}
    env.update(HOME=str(home), HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false", **extra)
    # The session's encoder export (tests/conftest.py), not one more per README home.
    env.update({k: v for k, v in os.environ.items() if k == "CREDIBILITY_ENCODER_CACHE"})
    return env


@pytest.fixture
def web() -> Iterator[LocalServer]:
    with LocalServer() as server:
        base = server.url("")
        for path, (content_type, body) in web_routes(base).items():
            server.add(path, body, content_type=content_type)
        yield server


@pytest.mark.slow
def test_readme_cli_lines(tmp_path: Path, web: LocalServer) -> None:
    """Every ``credibility`` line of README.md, in its order, in a temporary home."""
    paths = make_workspace(tmp_path)
    work = paths["work"]
    # The README's way to let the fetcher reach a private address: the test pages are on 127.0.0.1.
    shell = Shell(
        work,
        _environment(paths["home"], CREDIBILITY_ALLOW_HOSTS="127.0.0.1"),
        # The lines that load the model run in this process (one load, not one per line).
        in_process=("index add", "search", "check", "index rebuild"),
    )
    context = {"web": web.url("").rstrip("/"), "work": work, "claim": CLAIM}
    promises = {fill(line, context): check for line, check in _promises(work).items()}
    ran = []
    for block in runner_blocks(collect(), "cli"):
        for command in block:
            run = RUNS[command.text]
            for line in run.lines(command.text):
                line = fill(line, context)
                if command.is_setup:
                    shell.setup(line)
                    continue
                stdin = (work / run.stdin).read_bytes() if run.stdin else None
                result = shell.run(line, stdin=stdin)
                assert result.returncode == run.rc, f"{command}\n{result}"
                assert "Traceback" not in result.stderr, f"{command}\n{result}"
                if line in promises:
                    promises[line](result, shell)
                ran.append(line)
    assert shell.env["CREDIBILITY_HOME"] == str(paths["home"] / "credibility-data")
    assert set(promises) <= set(ran), set(promises) - set(ran)


@pytest.mark.slow
def test_readme_make_lines(tmp_path: Path) -> None:
    """``make demo`` (with the venv running the tests: no pip) writes what the README says."""
    paths = make_workspace(tmp_path)
    shell = Shell(paths["work"], _environment(paths["home"]))
    blocks = runner_blocks(collect(), "make")
    assert blocks
    for block in blocks:
        for command in block:
            for line in RUNS[command.text].lines(command.text):
                result = shell.run(fill(line, {"root": ROOT}))
                assert result.returncode == RUNS[command.text].rc, f"{command}\n{result}"
    out = paths["work"] / "demo-output"
    assert _csv_rows(out / "reviewer.csv")
    assert (out / "report.html").is_file()
