"""Property-based fuzzing of the sources file parser (``flows.sources.load_sources``).

Invariant: a sources file is either read into typed entries or refused with one
:class:`InputError` naming the file; never another exception, whatever the YAML or TOML holds.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fuzzing import target, texts
from hypothesis import given
from hypothesis import strategies as st

from credibility.errors import InputError
from flows.sources import SourcesFile, load_sources

KEYS = st.sampled_from(
    ["path", "feed", "url", "sitemap", "kind", "source", "every", "max_items", "pth", "allow_host", "x"]
)
VALUES = st.one_of(
    texts,
    st.sampled_from(
        [
            "https://news.example/feed.xml",
            "javascript:alert(1)",
            "file:///etc/passwd",
            "http://169.254.169.254/",
            "factcheck",
            "reporting",
            "30m",
            "-5h",
            "99999d",
            ".",
            "/",
            "../../etc",
            "\ud83d",
        ]
    ),
    st.integers(),
    st.floats(allow_nan=True),
    st.booleans(),
    st.none(),
)
entries = st.one_of(VALUES, st.dictionaries(KEYS, VALUES, max_size=4), st.lists(VALUES, max_size=3))
documents = st.dictionaries(
    st.sampled_from(["verified", "monitor", "other"]), st.lists(entries, max_size=4) | VALUES, max_size=3
)


def _yaml(data: object) -> str:
    # JSON is YAML; escapes like "\ud83d" pass through as YAML double-quoted escapes.
    return json.dumps(data, ensure_ascii=True)


@given(documents, st.sampled_from([".yaml", ".toml"]))
@target("sources file: structured YAML/TOML")
def test_structured_sources(
    tmp_path_factory: pytest.TempPathFactory, data: dict[str, object], suffix: str
) -> None:
    folder = tmp_path_factory.mktemp("sources")
    path = folder / f"sources{suffix}"
    if suffix == ".toml":
        lines = []
        for key, value in data.items():
            lines.append(f"{key} = {json.dumps(value, ensure_ascii=True)}")
        path.write_text("\n".join(lines), encoding="utf-8")
    else:
        path.write_text(_yaml(data), encoding="utf-8")
    _load(path)


@given(
    st.binary(max_size=400) | texts.map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.sampled_from([".yaml", ".yml", ".toml"]),
)
@target("sources file: random bytes")
def test_random_sources(tmp_path_factory: pytest.TempPathFactory, raw: bytes, suffix: str) -> None:
    path = tmp_path_factory.mktemp("sources") / f"sources{suffix}"
    path.write_bytes(raw)
    _load(path)


def test_yaml_bombs_are_refused_quickly(tmp_path: Path) -> None:
    """YAML aliases nested (the billion laughs of YAML) and deep nesting."""
    import time

    laughs = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
        f"{chr(98 + n)}: &{chr(98 + n)} [{','.join(['*' + chr(97 + n)] * 9)}]\n" for n in range(8)
    )
    for text in (laughs + "monitor: *i\n", "monitor: " + "[" * 10_000 + "]" * 10_000 + "\n"):
        path = tmp_path / "bomb.yaml"
        path.write_text(text, encoding="utf-8")
        started = time.perf_counter()
        _load(path)
        assert time.perf_counter() - started < 10


def _load(path: Path) -> None:
    try:
        sources = load_sources(path)
    except InputError as exc:
        assert str(path) in str(exc) or path.name in str(exc), exc
        return
    assert isinstance(sources, SourcesFile)
