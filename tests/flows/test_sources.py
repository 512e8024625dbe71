"""The sources file: YAML and TOML, typos refused with a pointer, paths resolved and checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from credibility.errors import InputError
from flows.sources import load_sources, require_existing


def test_yaml_with_both_sections_and_relative_paths(tmp_path: Path) -> None:
    (tmp_path / "incoming").mkdir()
    file = tmp_path / "sources.yaml"
    file.write_text(
        "verified:\n"
        "  - path: verified/articles.jsonl\n"
        "    kind: factcheck\n"
        "    source: Example Fact Check\n"
        "monitor:\n"
        "  - incoming\n"
        "  - path: /abs/reposts/one.txt\n",
        encoding="utf-8",
    )
    sources = load_sources(file)
    assert sources.verified[0].path == str(tmp_path / "verified" / "articles.jsonl")
    assert sources.verified[0].kind == "factcheck"
    assert sources.verified[0].source == "Example Fact Check"
    assert [m.path for m in sources.monitor] == [str(tmp_path / "incoming"), "/abs/reposts/one.txt"]


def test_a_bare_yaml_list_is_the_monitor_list(tmp_path: Path) -> None:
    file = tmp_path / "sources.yml"
    file.write_text("- a/\n- b.txt\n", encoding="utf-8")
    sources = load_sources(file)
    assert [Path(m.path).name for m in sources.monitor] == ["a", "b.txt"]
    assert sources.verified == []


def test_toml(tmp_path: Path) -> None:
    file = tmp_path / "sources.toml"
    file.write_text(
        '[[verified]]\npath = "v"\nkind = "reporting"\n\n[[monitor]]\npath = "m"\n', encoding="utf-8"
    )
    sources = load_sources(file)
    assert Path(sources.verified[0].path).name == "v"
    assert Path(sources.monitor[0].path).name == "m"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("s.yaml", "monitor:\n  - pth: incoming/\n", "monitor[1]: unknown key 'pth'; did you mean 'path'?"),
        ("s.yaml", "monitr:\n  - incoming/\n", "unknown key 'monitr'; did you mean 'monitor'?"),
        ("s.yaml", "verified:\n  - path: a\n    kind: factchek\n", "verified[1].kind"),
        ("s.yaml", "monitor: [incoming/\n", "not valid YAML (line 2)"),
        ("s.toml", "[[monitor]\npath = 1\n", "not valid TOML"),
        ("s.json", "{}", "must end in .yaml, .yml or .toml"),
        ("s.yaml", "just text\n", "expected a mapping"),
    ],
)
def test_mistakes_fail_with_the_file_and_the_place(
    tmp_path: Path, name: str, content: str, message: str
) -> None:
    file = tmp_path / name
    file.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_sources(file)
    assert str(file) in str(caught.value)
    assert message in str(caught.value)


def test_missing_file_and_missing_paths(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        load_sources(tmp_path / "nope.yaml")
    (tmp_path / "here").mkdir()
    with pytest.raises(InputError, match=r"no such file or folder: .*gone"):
        require_existing([str(tmp_path / "here"), str(tmp_path / "gone")], "monitor-sources")
    require_existing([str(tmp_path / "here")], "monitor-sources")
