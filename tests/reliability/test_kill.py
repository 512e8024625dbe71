"""kill -9 anywhere: ``index add`` (into a new home and a seeded one), ``index remove``, ``index
rebuild``, the results-store write and the reviewer CSV append, killed at random moments and at
chosen points of the commit protocol (half-way through the vectors append, between the FAISS write
and the SQLite commit, during the rename, right after the commit, while config.json is written,
half-way through a CSV append).

After every kill: the index loads, its stats equal those of a generation an uninterrupted run
committed, no orphan vector is searchable, SQLite is intact, the results store and the CSV read
back whole (one header, no torn or duplicated row); then re-running the same command converges to
the state of an uninterrupted run. ``make fuzz`` runs at least 200 kills; CI a bounded number.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fakes import FakeEmbedder
from fuzzing import note, record, scale
from harness import Driver, corpus_record

from credibility.app import Home, sample_paths
from credibility.settings import Settings

INDEX_POINTS = (
    "vectors-append",
    "faiss-written",
    "before-rename",
    "before-commit",
    "after-commit",
    "config-write",
)


@pytest.fixture(scope="module")
def driver() -> Iterator[Driver]:
    d = Driver()
    yield d
    d.close()


@dataclass
class Scenario:
    name: str
    op: str
    args: dict[str, Any]
    seed: Path | None  # a home to copy before each run (None: a new, empty home)
    crash_points: tuple[str, ...]
    csv: bool = False
    legal: list[dict[str, Any]] = field(default_factory=list)  # index states a kill may leave
    final: dict[str, Any] = field(default_factory=dict)  # the uninterrupted run's state
    seconds: float = 0.0


def _fresh(base: Path, scenario: Scenario, n: int) -> Path:
    home = base / f"{scenario.name}-{n}"
    if scenario.seed is not None:
        shutil.copytree(scenario.seed, home)
    else:
        home.mkdir()
    return home


def _csv_of(scenario: Scenario, home: Path) -> Path | None:
    return home / "review.csv" if scenario.csv else None


def _args(scenario: Scenario, home: Path) -> dict[str, Any]:
    args = dict(scenario.args)
    if scenario.csv:
        args["csv"] = str(home / "review.csv")
    return args


def _index_key(state: dict[str, Any]) -> Any:
    index = state["index"]
    if not index["exists"]:
        return None
    content = index.get("content") or {}
    if index.get("generation") == 0 and not content.get("articles") and not content.get("sentences"):
        return "empty"
    return (index.get("generation"), json.dumps(content, sort_keys=True))


def _converged(state: dict[str, Any]) -> Any:
    index = state["index"]
    return (
        json.dumps(index.get("content"), sort_keys=True) if index["exists"] else None,
        state["results"]["keys"],
        state.get("csv", {}).get("row_ids"),
    )


def _broken(state: dict[str, Any]) -> list[str]:
    return [*state["index"]["broken"], *state["results"]["broken"], *state.get("csv", {}).get("broken", [])]


@pytest.fixture(scope="module")
def scenarios(tmp_path_factory: pytest.TempPathFactory, driver: Driver) -> list[Scenario]:
    base = tmp_path_factory.mktemp("kill")
    data = base / "data"
    data.mkdir()
    # Ingest commits at batch boundaries (64 articles): enough articles for several generations.
    first = [corpus_record(n) for n in range(150)]
    second = [corpus_record(n) for n in range(150, 230)] + [
        corpus_record(n, version=1) for n in range(0, 150, 5)
    ]
    copies = [{**corpus_record(n), "id": f"copy-{n:03d}"} for n in range(0, 150, 8)]  # duplicates
    for name, rows in (("first.jsonl", first + copies), ("second.jsonl", second)):
        (data / name).write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    commit_small = {"commit_every": 8}

    seeded = base / "seeded"
    seeded.mkdir()
    driver.run_to_end("add", seeded, {"inputs": [str(data / "first.jsonl")], **commit_small})
    driver.run_to_end("add", seeded, {"inputs": [str(sample_paths()["factchecks"])], "kind": "factcheck"})
    texts = [sample_paths()["repost"].read_text(encoding="utf-8")] + [
        " ".join(corpus_record(n)["text"].split(". ")[:4]) + ". An invented sentence here."
        for n in range(0, 40, 4)
    ]
    checks = data / "checks.jsonl"
    with Home(Settings(home=base / "checks-home", model="fake-model"), embedder=FakeEmbedder()) as home:  # type: ignore[arg-type]
        shutil.copytree(seeded / "index", base / "checks-home" / "index")
        checks.write_text("".join(home.check(t).check.to_json(with_text=True) + "\n" for t in texts * 2))

    removed = ["art-000", "art-008", "art-013", "art-021", "art-033", "art-039"]
    return [
        Scenario(
            "add-new-home", "add", {"inputs": [str(data / "first.jsonl")], **commit_small}, None, INDEX_POINTS
        ),
        Scenario(
            "add-seeded",
            "add",
            {"inputs": [str(data / "second.jsonl")], **commit_small},
            seeded,
            INDEX_POINTS,
        ),
        Scenario("remove", "remove", {"ids": removed}, seeded, INDEX_POINTS),
        Scenario("rebuild-ivf", "rebuild", {"type": "ivf"}, seeded, INDEX_POINTS),
        Scenario("rebuild-hnsw", "rebuild", {"type": "hnsw"}, seeded, INDEX_POINTS),
        Scenario("results-store", "check", {"texts": texts}, seeded, ()),
        Scenario("csv-append", "csv", {"checks": str(checks)}, seeded, ("csv-torn",), csv=True),
    ]


def _prepare(driver: Driver, scenario: Scenario, base: Path) -> None:
    """The uninterrupted run: its committed states, its final state and how long it takes."""
    if scenario.final:
        return
    home = _fresh(base, scenario, 0)
    before = driver.state(home, _csv_of(scenario, home))
    snapshots = base / f"{scenario.name}-snapshots.jsonl"
    started = time.perf_counter()
    driver.run_to_end(scenario.op, home, {**_args(scenario, home), "snapshots": str(snapshots)})
    scenario.seconds = time.perf_counter() - started
    scenario.final = driver.state(home, _csv_of(scenario, home))
    assert not _broken(scenario.final), _broken(scenario.final)
    committed = (
        [json.loads(line) for line in snapshots.read_text().splitlines()] if snapshots.exists() else []
    )
    scenario.legal = [before["index"], *committed, scenario.final["index"]]
    if scenario.seed is None:
        # A writer that created the index and was killed before its first commit: generation 0, empty.
        scenario.legal.append({"exists": True, "generation": 0, "content": {}})


def kill_once(driver: Driver, scenario: Scenario, base: Path, rnd: random.Random, n: int) -> bool:
    """One run killed at a random moment or a chosen point; checks the state, then the re-run.
    Returns whether the kill landed (the run had not finished)."""
    home = _fresh(base, scenario, n)
    csv_path = _csv_of(scenario, home)
    crash = None
    if scenario.crash_points and rnd.random() < 0.6:
        crash = {"point": rnd.choice(scenario.crash_points), "nth": rnd.randint(1, 6)}
    started = time.perf_counter()
    pid = driver.run(scenario.op, home, _args(scenario, home), crash)
    if crash is None:
        time.sleep(rnd.uniform(0, scenario.seconds * 1.1))
        os.kill(pid, signal.SIGKILL)
    ended = driver.finish(pid)
    landed = bool(ended["killed"])
    assert landed or ended["exit"] == 0, f"{scenario.name}: the run failed by itself ({ended}, crash {crash})"

    after = driver.state(home, csv_path)
    where = f"{scenario.name}, kill {n} ({crash or 'random moment'})"
    assert not _broken(after), f"{where}: {_broken(after)}"
    legal = {_index_key({"index": s}) for s in scenario.legal}
    assert _index_key(after) in legal, f"{where}: the index is at no committed generation: {after['index']}"
    if scenario.csv:
        assert set(after["csv"]["row_ids"]) <= set(scenario.final["csv"]["row_ids"]), where
    assert set(after["results"]["keys"]) <= set(scenario.final["results"]["keys"]), where

    driver.run_to_end(scenario.op, home, _args(scenario, home))
    rerun = driver.state(home, csv_path)
    assert not _broken(rerun), f"{where}, re-run: {_broken(rerun)}"
    assert _converged(rerun) == _converged(scenario.final), f"{where}: the re-run did not converge"
    shutil.rmtree(home, ignore_errors=True)
    if landed:
        record(f"kill -9: {scenario.op}", time.perf_counter() - started, peak_mb=ended["peak_mb"])
    return landed


@pytest.mark.parametrize(
    "name",
    ["add-new-home", "add-seeded", "remove", "rebuild-ivf", "rebuild-hnsw", "results-store", "csv-append"],
)
def test_kill_minus_nine(driver: Driver, scenarios: list[Scenario], tmp_path: Path, name: str) -> None:
    scenario = next(s for s in scenarios if s.name == name)
    _prepare(driver, scenario, tmp_path)
    kills = scale(3, 35)
    rnd = random.Random(f"{name}-{os.environ.get('CREDIBILITY_FUZZ_SEED', '0')}")
    landed = attempts = 0
    while landed < kills and attempts < kills * 4:
        attempts += 1
        landed += kill_once(driver, scenario, tmp_path, rnd, attempts)
    note(f"kill -9: {scenario.op}", "kills that landed before the run finished; each re-run converged")
    assert landed >= min(kills, 1), f"{name}: no kill landed in {attempts} attempts"


def test_a_writer_killed_before_its_first_commit_leaves_a_readable_index(
    driver: Driver, tmp_path: Path
) -> None:
    """The issue's probe: kill -9 during ``index add`` into a new home locked every reader out
    ("the FAISS file of the committed generation is missing") until a writer ran again."""
    home = tmp_path / "new"
    home.mkdir()
    args = {"inputs": [str(sample_paths()["articles"])]}
    pid = driver.run("add", home, args, {"point": "before-commit", "nth": 1})
    assert driver.finish(pid)["killed"]
    after = driver.state(home)
    assert after["index"]["exists"] and after["index"]["generation"] == 0 and not _broken(after)
    assert after["index"]["content"]["sentences"] == 0
