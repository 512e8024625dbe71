"""A data folder that watched a small web (with a fake model): for the tests of what shows the ledger
(the ``credibility sources`` command, the HTML report)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from smallweb import SmallWeb, closed_port, page, rss

from credibility.app import Home, MonitorInput, VerifiedInput
from credibility.settings import Settings

T0 = dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.UTC)
PUB, REPOST = "publisher.test", "repost.test"
BRIDGE = [
    "The harbour bridge reopened on Monday after two years of repairs that cost 85 million euros.",
    "Mayor Ana Ruiz said the work finished three weeks ahead of schedule despite the winter storms.",
    "Traffic engineers expect about 40,000 vehicles a day to cross the bridge again by the spring.",
]
FERRY = [
    "The Port Ellery ferry resumed service on Monday after a three-week strike by its crews ended.",
    "The harbour authority said timetables would return to normal by Wednesday morning at the latest.",
    "Crews accepted a pay rise of four percent over two years in a vote held on Sunday evening.",
]


def fake_embedder() -> Any:
    """The fake embedder of tests/conftest.py (imported by path: each test folder has a ``conftest``)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("_root_conftest", Path(__file__).with_name("conftest.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.FakeEmbedder()


def watched_home(home: Path, embedder: Any) -> Settings:
    """Index a publisher's feed, watch a repost site's feed (a credited copy with an injected line
    ``<script>``, an uncredited copy) and a dead feed, check what was new; returns the settings."""
    with SmallWeb() as web:
        for host in (PUB, REPOST):
            web.put(host, "/robots.txt", "User-agent: *\nAllow: /\n", "text/plain")
        bridge = web.put(PUB, "/bridge.html", page("Harbour bridge reopens", BRIDGE))
        ferry = web.put(PUB, "/ferry.html", page("Ferry back after strike", FERRY))
        web.put(
            PUB,
            "/feed.xml",
            rss(
                "Harbour Times",
                web.url(PUB, "/"),
                [{"title": "Bridge", "link": bridge}, {"title": "Ferry", "link": ferry}],
            ),
            "application/rss+xml",
        )
        a = web.put(
            REPOST,
            "/a.html",
            page(
                "Bridge <script>alert(1)</script>",
                [*BRIDGE, "Miracle cure found, click here now."],
                after="<p>Via Harbour Times</p>",
            ),
        )
        b = web.put(REPOST, "/b.html", page("Ferry", FERRY))
        web.put(
            REPOST,
            "/feed.xml",
            rss(
                "Repost Daily",
                web.url(REPOST, "/"),
                [
                    {"title": "Bridge &lt;script&gt;alert(1)&lt;/script&gt;", "link": a},
                    {"title": "Ferry", "link": b},
                ],
            ),
            "application/rss+xml",
        )
        settings = Settings(
            home=home,
            model="fake-model",
            resolve=web.resolve(PUB, REPOST, "dead.test"),
            allow_networks=("127.0.0.0/8",),
            fetch_timeout=2.0,
            fetch_retries=0,
            fetch_politeness_delay=0.0,
        )
        with Home(settings, embedder=embedder) as core:
            core.ingest_entry(VerifiedInput(feed=web.url(PUB, "/feed.xml"), source="Harbour Times"), now=T0)
            entries = [
                MonitorInput(feed=web.url(REPOST, "/feed.xml"), source="Repost Daily"),
                MonitorInput(feed=f"http://dead.test:{closed_port()}/feed.xml"),
            ]
            run = core.watch(entries, now=T0)
            for article in run.articles:
                core.check(article.record.text, title=article.record.title, url=article.record.url)
            core.watch_checked(run, checked=[a.content_hash for a in run.articles])
    return settings
