"""``credibility sources``: the ledger of the monitored sites and sources, as text and JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from watchedhome import REPOST, fake_embedder, watched_home

from credibility.cli.main import main


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("watched")
    watched_home(folder, fake_embedder())
    return folder


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_text(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "sources", "--home", str(home))
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "Monitored sites"
    header = lines[1].split()
    assert header[:4] == ["site", "articles", "copying", "uncredited"] and "share" in header
    row = next(line.split() for line in lines if line.strip().startswith(REPOST))
    # 2 articles, both copies, one uncredited, one with an injected line.
    assert row[1:5] == ["2", "2", "1", "1"]
    assert "    copies Harbour Times (2)" in lines
    assert "    uncredited copies of Harbour Times (1)" in lines
    assert any("by week (flagged/articles): 2026-W49 1/2" in line for line in lines)
    assert any(line.strip().startswith("injected") and line.strip().endswith("(injected)") for line in lines)
    assert "Monitored sources" in lines
    dead = next(line for line in lines if "dead.test" in line and "FAILING" in line)
    assert "1 in a row, next try 2026-11-30 08:15" in dead and "could not connect" in dead
    assert any("Repost Daily" in line and "ok, fetched 2026-11-30 08:00" in line for line in lines)
    assert "Verified sources" in lines
    assert any("Harbour Times" in line and "ok, fetched" in line for line in lines)


def test_json_round_trips(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from credibility.app import Ledger

    code, out, _ = _run(capsys, "sources", "--home", str(home), "--json")
    assert code == 0
    data: dict[str, Any] = json.loads(out)
    ledger = Ledger.from_dict(data)
    site = ledger.site(REPOST)
    assert site is not None
    assert (site.articles, site.copying, site.uncredited, site.count("injected")) == (2, 2, 1, 1)
    assert site.uncredited_publishers == {"Harbour Times": 1}
    assert [w.week for w in site.weeks] == ["2026-W49"]
    failing = [r for r in ledger.sources if r.state is not None and r.state.failing]
    assert len(failing) == 1 and failing[0].articles == 0
    assert data["sites"][0]["labels"]["injected"] == 1


def test_since_and_bad_dates(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "sources", "--home", str(home), "--json", "--since", "2026-12-01")
    assert code == 0 and json.loads(out)["sites"] == []
    code, out, _ = _run(capsys, "sources", "--home", str(home), "--json", "--since", "2026-11-30")
    assert code == 0 and len(json.loads(out)["sites"]) == 1
    code, _, err = _run(capsys, "sources", "--home", str(home), "--since", "last week")
    assert code == 2 and "--since: 'last week' is not an ISO date" in err


def test_a_home_without_sources(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "sources", "--home", str(tmp_path / "empty"))
    assert code == 0 and out.startswith("no watched sources yet")
    code, out, _ = _run(capsys, "sources", "--home", str(tmp_path / "empty"), "--json")
    assert code == 0 and json.loads(out)["sites"] == []
