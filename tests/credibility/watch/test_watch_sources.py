"""The sources file's web entries: feed, url and sitemap beside path, their options, and the mistakes
people make (refused with the entry and a suggestion)."""

from __future__ import annotations

from pathlib import Path

import pytest

from credibility.app import MonitorInput, VerifiedInput, load_sources
from credibility.errors import InputError
from credibility.watch.sources import parse_every


def _load(tmp_path: Path, text: str, name: str = "sources.yaml") -> object:
    file = tmp_path / name
    file.write_text(text, encoding="utf-8")
    return load_sources(file)


def test_web_entries_in_both_lists(tmp_path: Path) -> None:
    sources = _load(
        tmp_path,
        "verified:\n"
        "  - feed: https://publisher.example/rss.xml\n"
        "    source: Harbour Times\n"
        "  - sitemap: https://publisher.example/news-sitemap.xml\n"
        "  - url: https://factcheck.example/claims/ferry\n"
        "    kind: factcheck\n"
        "  - path: reporting/\n"
        "monitor:\n"
        "  - feed: https://repost.example/feed/\n"
        "    source: Repost Daily\n"
        "    every: 2h\n"
        "    max_items: 50\n"
        "    allow_host: repost.intranet\n"
        "  - url: http://10.1.2.3/story\n"
        "    allow_host: [10.1.2.3, other.intranet]\n"
        "    every: 90\n"
        "  - sitemap: https://repost.example/sitemap.xml\n"
        "    every: 1h30m\n"
        "  - incoming/\n",
    )
    verified, monitor = sources.verified, sources.monitor  # type: ignore[attr-defined]
    assert [(v.type, v.location) for v in verified] == [
        ("feed", "https://publisher.example/rss.xml"),
        ("sitemap", "https://publisher.example/news-sitemap.xml"),
        ("url", "https://factcheck.example/claims/ferry"),
        ("path", str(tmp_path / "reporting")),
    ]
    assert verified[0].source == "Harbour Times" and verified[2].kind == "factcheck"
    assert verified[0].source_id == "verified:feed:https://publisher.example/rss.xml"
    feed = monitor[0]
    assert (feed.every, feed.max_items, feed.allow_host) == (7200.0, 50, ("repost.intranet",))
    assert feed.source_id == "monitor:feed:https://repost.example/feed/" and feed.is_web
    assert monitor[1].allow_host == ("10.1.2.3", "other.intranet") and monitor[1].every == 90.0
    assert monitor[2].every == 5400.0
    assert monitor[3].type == "path" and monitor[3].path == str(tmp_path / "incoming")


def test_toml_web_entries(tmp_path: Path) -> None:
    sources = _load(
        tmp_path,
        '[[monitor]]\nfeed = "https://repost.example/feed/"\nevery = "30m"\nmax_items = 5\n',
        name="sources.toml",
    )
    entry = sources.monitor[0]  # type: ignore[attr-defined]
    assert (entry.type, entry.every, entry.max_items) == ("feed", 1800.0, 5)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("monitor:\n  - fed: https://a.example/\n", "monitor[1]: unknown key 'fed'; did you mean 'feed'?"),
        ("monitor:\n  - feed: https://a.example/\n    evrey: 2h\n", "did you mean 'every'?"),
        ("monitor:\n  - feed: https://a.example/\n    max_item: 3\n", "did you mean 'max_items'?"),
        (
            "verified:\n  - sitemap: ftp://a.example/s.xml\n",
            "verified[1].sitemap: 'ftp://a.example/s.xml' has scheme 'ftp'",
        ),
        ("monitor:\n  - feed: a.example/feed\n", "monitor[1].feed: 'a.example/feed' has no scheme"),
        ("monitor:\n  - url: 'https:///nohost'\n", "monitor[1].url: 'https:///nohost' has no host"),
        (
            "monitor:\n  - feed: https://a.example/\n    url: https://a.example/x\n",
            "monitor[1]: give exactly one of path, feed, url or sitemap (this entry has feed, url)",
        ),
        (
            "monitor:\n  - source: Nobody\n",
            "give exactly one of path, feed, url or sitemap (this entry has none)",
        ),
        (
            "monitor:\n  - https://a.example/feed\n",
            "monitor[1]: 'https://a.example/feed' is a bare URL; say what it is: `feed: https://a.example/feed`",
        ),
        (
            "monitor:\n  - path: in/\n    every: 2h\n",
            "monitor[1]: every applies to feed, url and sitemap entries, not to a path",
        ),
        (
            "monitor:\n  - feed: https://a.example/\n    every: soon\n",
            "monitor[1].every: 'soon' is not a duration",
        ),
        ("monitor:\n  - feed: https://a.example/\n    every: 0\n", "monitor[1].every: 0 is out of range"),
        ("monitor:\n  - feed: https://a.example/\n    every: 60d\n", "out of range"),
        ("monitor:\n  - feed: https://a.example/\n    max_items: 0\n", "monitor[1].max_items"),
        ("monitor:\n  - feed: https://a.example/\n    max_items: 100000\n", "monitor[1].max_items"),
        ("monitor:\n  - feed: https://a.example/\n    allow_host: http://x/\n", "is not a host name"),
        ("verified:\n  - feed: https://a.example/\n    kind: factchek\n", "verified[1].kind"),
        ("monitor:\n  - feed: https://a.example/\n    kind: factcheck\n", "monitor[1]: unknown key 'kind'"),
    ],
)
def test_mistakes_are_refused_with_their_entry(tmp_path: Path, content: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        _load(tmp_path, content)
    assert message in str(caught.value)
    assert str(tmp_path / "sources.yaml") in str(caught.value)


def test_every_takes_what_people_write() -> None:
    assert parse_every("30m") == 1800.0
    assert parse_every("2h") == 7200.0
    assert parse_every("1d") == 86_400.0
    assert parse_every("1h30m") == 5400.0
    assert parse_every("90s") == 90.0
    assert parse_every(45) == 45.0
    assert parse_every(None) is None
    for bad in ("", "x", "2 parsecs", True, -5, "0s"):
        if bad == "":
            assert parse_every(bad) is None
            continue
        with pytest.raises(ValueError):
            parse_every(bad)


def test_entries_are_typed_and_hashable() -> None:
    feed = MonitorInput(feed="https://a.example/f")
    assert feed.label == "feed https://a.example/f"
    assert {feed, MonitorInput(feed="https://a.example/f")} == {feed}
    assert VerifiedInput(path="x").type == "path"
    # The JSON round trip a flow parameter goes through.
    again = MonitorInput.model_validate_json(
        MonitorInput(url="https://a.example/p", every="2h").model_dump_json()
    )
    assert again.every == 7200.0 and again.type == "url"


def test_the_flows_read_the_same_model() -> None:
    from flows.sources import MonitorInput as FlowsMonitorInput
    from flows.sources import load_sources as flows_load

    assert FlowsMonitorInput is MonitorInput and flows_load is load_sources


def test_the_example_sources_file_is_valid(tmp_path: Path) -> None:
    example = Path(__file__).resolve().parents[3] / "deploy" / "sources.example.yaml"
    sources = load_sources(example)
    assert {e.type for e in sources.monitor} >= {"feed", "path"}
    assert {e.type for e in sources.verified} >= {"feed", "path"}
    assert "to come" not in example.read_text(encoding="utf-8")
