"""Concurrent readers and writers, as separate processes (the crash driver forks them).

- checks (long-lived, like the warm worker: one Home refreshed before each check) while
  ``index add``, ``index remove`` and ``index rebuild`` commit generations;
- two writers at once: the second gets the documented lock error (never a corrupt index), and
  retrying it converges to the serial result;
- several processes appending to the same daily CSV and results store;
- a reviewer import while a monitoring run appends to the file being imported.

Each: 0 errors, 0 duplicated or torn rows, every check at a committed generation. The checks of
the CLI itself (a process per check, the real model) run in the ``slow`` test at the end.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fuzzing import record, scale
from harness import Driver, corpus_record

from credibility.app import sample_paths
from credibility.reviewer_rows import CSV_COLUMNS

REPOST = sample_paths()["repost"].read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def driver() -> Iterator[Driver]:
    d = Driver()
    yield d
    d.close()


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory, driver: Driver) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("concurrency")
    files = {}
    for name, rows in (
        ("first", [corpus_record(n) for n in range(150)]),
        ("second", [corpus_record(n) for n in range(150, 300)]),
        ("third", [corpus_record(n) for n in range(300, 360)]),
    ):
        files[name] = base / f"{name}.jsonl"
        files[name].write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    seeded = base / "seeded"
    seeded.mkdir()
    driver.run_to_end("add", seeded, {"inputs": [str(files["first"])]})
    driver.run_to_end("add", seeded, {"inputs": [str(sample_paths()["articles"])]})
    driver.run_to_end("add", seeded, {"inputs": [str(sample_paths()["factchecks"])], "kind": "factcheck"})
    files["seeded"] = seeded
    return files


def _texts(k: int) -> list[str]:
    return [REPOST] + [corpus_record(n)["text"] + " Something invented was added." for n in range(k)]


def _csv_rows(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def _assert_clean_csv(path: Path) -> set[str]:
    rows = _csv_rows(path)
    assert rows[0] == list(CSV_COLUMNS)
    assert all(len(r) == len(CSV_COLUMNS) for r in rows[1:]), "a torn row"
    assert list(CSV_COLUMNS) not in rows[1:], "a second header"
    ids = [r[0] for r in rows[1:]]
    assert len(ids) == len(set(ids)), "duplicated rows"
    return set(ids)


def test_checks_while_writers_commit(driver: Driver, data: dict[str, Path], tmp_path: Path) -> None:
    home = tmp_path / "home"
    shutil.copytree(data["seeded"], home)
    rounds = scale(2, 10)
    started = time.perf_counter()
    checkers = [
        driver.run(
            "checks", home, {"texts": _texts(6), "rounds": rounds, "report": str(tmp_path / f"gen{k}")}
        )
        for k in range(3)
    ]
    writers = [
        ("add", {"inputs": [str(data["second"])], "commit_every": 8}),
        ("remove", {"ids": [f"art-{n:03d}" for n in range(0, 150, 3)]}),
        ("rebuild", {"type": "ivf"}),
        ("add", {"inputs": [str(data["third"])]}),
        ("rebuild", {"type": "hnsw"}),
        ("rebuild", {"type": "flat"}),
    ]
    for op, args in writers:
        ended = driver.finish(driver.run(op, home, args))
        assert ended["exit"] == 0, (op, ended)
    for pid in checkers:
        assert driver.finish(pid)["exit"] == 0, "a check failed while generations were committed"
    state = driver.state(home)
    assert not state["index"]["broken"], state["index"]["broken"]
    final = state["index"]["generation"]
    for k in range(3):
        generations = json.loads((tmp_path / f"gen{k}").read_text())
        assert len(generations) == rounds * 7 and all(0 < g <= final for g in generations)
    record("concurrency: checks during add/remove/rebuild", time.perf_counter() - started)


def test_two_writers_one_waits_or_is_told(driver: Driver, data: dict[str, Path], tmp_path: Path) -> None:
    home = tmp_path / "home"
    shutil.copytree(data["seeded"], home)
    serial = tmp_path / "serial"
    shutil.copytree(data["seeded"], serial)
    for name in ("second", "third"):
        driver.run_to_end("add", serial, {"inputs": [str(data[name])]})
    for _ in range(scale(2, 10)):
        started = time.perf_counter()
        pids = {name: driver.run("add", home, {"inputs": [str(data[name])]}) for name in ("second", "third")}
        for name, pid in pids.items():
            ended = driver.finish(pid)
            assert ended["exit"] in (0, 3), ended  # 3: the documented IndexLockedError, nothing else
            if ended["exit"] == 3:
                driver.run_to_end("add", home, {"inputs": [str(data[name])]})
        state = driver.state(home)
        assert not state["index"]["broken"]
        record("concurrency: two writers", time.perf_counter() - started)
    expected = driver.state(serial)["index"]["content"]
    got = driver.state(home)["index"]["content"]
    assert {k: got[k] for k in ("articles", "sentences")} == {
        k: expected[k] for k in ("articles", "sentences")
    }


def test_several_appenders_to_one_csv_and_results_store(
    driver: Driver, data: dict[str, Path], tmp_path: Path
) -> None:
    home = tmp_path / "home"
    shutil.copytree(data["seeded"], home)
    daily = tmp_path / "reports" / "reviewer-2026-11-28.csv"
    texts = _texts(10)
    started = time.perf_counter()
    pids = [
        driver.run("checks", home, {"texts": texts[k:] + texts[:k], "csv": str(daily), "rounds": scale(1, 4)})
        for k in range(4)
    ]
    for pid in pids:
        assert driver.finish(pid)["exit"] == 0
    ids = _assert_clean_csv(daily)
    # The same rows as one process appending everything once.
    alone = tmp_path / "alone.csv"
    driver.run_to_end("checks", home, {"texts": texts, "csv": str(alone)})
    assert ids == _assert_clean_csv(alone)
    state = driver.state(home)
    assert not state["results"]["broken"]
    assert len(state["results"]["keys"]) == len(set(state["results"]["keys"])) >= len(texts)
    record("concurrency: appenders to one CSV and results store", time.perf_counter() - started)


def test_reviewer_import_during_a_monitoring_run(
    driver: Driver, data: dict[str, Path], tmp_path: Path
) -> None:
    home = tmp_path / "home"
    shutil.copytree(data["seeded"], home)
    daily = tmp_path / "reviewer.csv"
    driver.run_to_end("checks", home, {"texts": _texts(4), "csv": str(daily)})
    # A reviewer fills in decisions, in a copy of the day's file.
    rows = _csv_rows(daily)
    decided = tmp_path / "decided.csv"
    header, body = rows[0], rows[1:]
    column = header.index("reviewer_decision")
    sentence = header.index("sentence")
    for row in body:
        # One decision per sentence text: rows repeating a sentence must not contradict each other.
        row[column] = "confirmed" if len(row[sentence]) % 2 else "false_positive"
    with open(decided, "w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle, lineterminator="\r\n").writerows([header, *body])
    started = time.perf_counter()
    monitor = driver.run("checks", home, {"texts": _texts(10), "csv": str(daily), "rounds": scale(2, 6)})
    importers = [driver.run("import", home, {"file": str(decided), "rounds": scale(3, 10)}) for _ in range(2)]
    # ... and one imports the day's file itself while the monitoring run appends to it.
    live = driver.run("import", home, {"file": str(daily), "rounds": scale(3, 10)})
    for pid in [monitor, *importers, live]:
        assert driver.finish(pid)["exit"] == 0
    _assert_clean_csv(daily)
    record("concurrency: reviewer import during monitoring", time.perf_counter() - started)


@pytest.mark.slow
def test_cli_checks_while_the_index_changes(
    tmp_path: Path, real_embedder: object, data: dict[str, Path]
) -> None:
    """``credibility check`` processes (the real model) while another process adds, removes, rebuilds."""
    from credibility.app import Home
    from credibility.settings import Settings

    home = tmp_path / "home"
    with Home(Settings(home=home), embedder=real_embedder) as app:  # type: ignore[arg-type]
        app.ingest([str(sample_paths()["articles"])])
        app.ingest([str(sample_paths()["factchecks"])], kind="factcheck")
    article = tmp_path / "repost.txt"
    article.write_text(REPOST, encoding="utf-8")
    checks = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "credibility.cli.main",
                "check",
                "--home",
                str(home),
                "--json",
                str(article),
            ]
            * 1,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    with Home(Settings(home=home), embedder=real_embedder) as app:  # type: ignore[arg-type]
        app.ingest([str(data["third"])])
        app.remove(["art-300", "art-301"])
        app.rebuild("ivf")
        app.rebuild("flat")
    for process in checks:
        out, err = process.communicate(timeout=600)
        assert process.returncode == 0, err[-2000:]
        assert json.loads(out.splitlines()[0])["verdict"]["label"] == "debunked"
