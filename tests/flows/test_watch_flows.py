"""Watching the web for real: a small web on 127.0.0.1, ``ingest-verified`` then ``monitor-sources``,
three times, with the real model on the session's Prefect test server.

The web: a publisher (Harbour Times) with an RSS feed and a news sitemap, a fact-checker whose feed
links to ClaimReview pages, a repost site whose feed reposts the publisher's articles (one with a
"READ ALSO" promo for a debunked claim, one with a changed number, one uncredited copy), a dead feed
and a slow one. The first run indexes and checks everything; the second fetches nothing unchanged
(only 304s) and checks nothing; after the repost site adds an article and edits another, the third
checks exactly those two. The server counts every request, 304 and body of each run.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flowhelpers import api, read_events, wait_until
from smallweb import Counts, SmallWeb, closed_port, news_sitemap, page, rss

from credibility.embed.embedder import Embedder

pytestmark = pytest.mark.slow

PUB, FC, REPOST, SLOW, DEAD = "publisher.test", "factcheck.test", "repost.test", "slow.test", "dead.test"

ARTICLES = {
    "bridge": (
        "Harbour bridge reopens after two-year repair",
        [
            "The Kestrel Harbour Bridge in Port Ellery reopened to traffic on Saturday after a two-year repair that cost 85 million euros.",
            "Mayor Daniel Price cut the ribbon in front of about 2,000 residents, many of whom had waited since dawn.",
            "Engineers replaced 310 steel cables and resurfaced the deck, according to the regional transport agency.",
            "The agency said the bridge would carry up to 40,000 vehicles a day, compared with 25,000 before the works.",
            "Local traders said the closure had cut their sales by nearly a third.",
        ],
    ),
    "ferry": (
        "Ferry crews end strike after pay deal",
        [
            "Ferry crews in Port Ellery ended a three-week strike on Sunday after accepting a pay rise of four percent over two years.",
            "The harbour authority said timetables would return to normal by Wednesday morning.",
            "About 6,000 commuters a day use the ferry to cross the bay to the industrial district.",
            "The union said the deal also guarantees a second crew member on every night crossing.",
        ],
    ),
    "budget": (
        "Council approves harbour budget",
        [
            "The Port Ellery council approved a harbour budget of 120 million euros for next year on Thursday.",
            "Most of the money will go to dredging the main channel and repairing the northern quay.",
            "The budget passed by 31 votes to 12 after a four-hour debate.",
            "The opposition said the plan did too little for the fishing fleet.",
        ],
    ),
    "hospital": (
        "New hospital wing opens in Port Ellery",
        [
            "A new children's wing opened at Port Ellery General Hospital on Monday with 48 beds.",
            "The wing cost 36 million euros and took three years to build, the regional health agency said.",
            "Doctors said waiting times for children's surgery should fall by half within a year.",
            "The old paediatric ward will be turned into a day clinic.",
        ],
    ),
}
PROMO = "READ ALSO: Scientists confirm 5G phone masts spread the virus that causes the flu"
CLAIM = "5G phone masts spread the virus that causes the flu."


def _date(day: int, hour: int) -> str:
    return dt.datetime(2026, 11, day, hour, tzinfo=dt.UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")


def _publisher(web: SmallWeb) -> None:
    items, urls = [], []
    for n, (slug, (title, paragraphs)) in enumerate(ARTICLES.items()):
        url = web.put(
            PUB,
            f"/news/{slug}.html",
            page(title, paragraphs, head="<meta name='author' content='Harbour Times'>"),
        )
        urls.append((url, f"2026-11-2{n + 1}T08:00:00Z", title))
        if slug != "hospital":  # the sitemap lists one article more than the feed
            items.append(
                {
                    "title": title,
                    "link": url,
                    "guid": slug,
                    "date": _date(21 + n, 8),
                    "description": paragraphs[0][:80],
                }
            )
    web.put(PUB, "/feed.xml", rss("Harbour Times", web.url(PUB, "/"), items), "application/rss+xml")
    web.put(PUB, "/news-sitemap.xml", news_sitemap(urls, "Harbour Times"), "application/xml")


def _factchecker(web: SmallWeb) -> None:
    review = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": web.url(FC, "/5g-flu.html"),
        "claimReviewed": CLAIM,
        "author": {"@type": "Organization", "name": "Harbour Fact Check"},
        "datePublished": "2026-11-20",
        "reviewRating": {"@type": "Rating", "alternateName": "False"},
        "reviewBody": "Radio waves from phone masts cannot carry or spread viruses.",
    }
    link = web.put(
        FC,
        "/5g-flu.html",
        page(
            "No, 5G masts do not spread the flu",
            ["Radio waves from phone masts cannot carry or spread viruses, health authorities say."],
            head=f'<script type="application/ld+json">{json.dumps(review)}</script>',
        ),
    )
    web.put(
        FC,
        "/feed.xml",
        rss(
            "Harbour Fact Check", web.url(FC, "/"), [{"title": "5G and the flu", "link": link, "guid": "5g"}]
        ),
        "application/rss+xml",
    )


def _repost(web: SmallWeb, *, third_run: bool = False) -> None:
    bridge, ferry, budget, hospital = (ARTICLES[k] for k in ("bridge", "ferry", "budget", "hospital"))
    # r1: the bridge story with a promo for a debunked claim, credited in a "Via" line.
    r1 = web.put(
        REPOST,
        "/r1.html",
        page(bridge[0], [*bridge[1][:2], PROMO, *bridge[1][2:]], after="<p>Via Harbour Times</p>"),
    )
    # r2: the ferry story with a changed number, credited by its canonical link.
    changed = [ferry[1][0].replace("four percent", "nine percent"), *ferry[1][1:]]
    canonical = f"<link rel='canonical' href='{web.url(PUB, '/news/ferry.html')}'>"
    r2 = web.put(REPOST, "/r2.html", page(ferry[0], changed, head=canonical))
    # r3: the budget story, copied without a word about where it comes from.
    budget_text = list(budget[1])
    if third_run:  # edited: a number changed
        budget_text[2] = budget_text[2].replace("31 votes to 12", "41 votes to 2")
    r3 = web.put(REPOST, "/r3.html", page(budget[0], budget_text))
    items = [
        {"title": bridge[0], "link": r1, "guid": "r1", "description": "Bridge"},
        {"title": ferry[0], "link": r2, "guid": "r2", "description": "Ferry"},
        {
            "title": budget[0] + (" (updated)" if third_run else ""),
            "link": r3,
            "guid": "r3",
            "description": "Budget",
        },
    ]
    if third_run:  # r4: a new uncredited copy, with a promo
        r4 = web.put(REPOST, "/r4.html", page(hospital[0], [*hospital[1][:3], PROMO, hospital[1][3]]))
        items.insert(0, {"title": hospital[0], "link": r4, "guid": "r4", "description": "Hospital"})
    web.put(REPOST, "/feed.xml", rss("Repost Daily", web.url(REPOST, "/"), items), "application/rss+xml")


def _slow(web: SmallWeb) -> None:
    web.put(SLOW, "/feed.xml", rss("Slow", web.url(SLOW, "/"), []), "application/rss+xml", delay=2.5)


@pytest.fixture
def small_web() -> Iterator[SmallWeb]:
    with SmallWeb() as web:
        for host in (PUB, FC, REPOST, SLOW):
            web.put(host, "/robots.txt", "User-agent: *\nAllow: /\n", "text/plain")
        _publisher(web)
        _factchecker(web)
        _repost(web)
        _slow(web)
        yield web


def _sources_file(folder: Path, web: SmallWeb, dead_port: int) -> Path:
    file = folder / "sources.yaml"
    file.write_text(
        f"""verified:
  - feed: {web.url(PUB, "/feed.xml")}
    source: Harbour Times
    allow_host: {PUB}
  - sitemap: {web.url(PUB, "/news-sitemap.xml")}
    source: Harbour Times
    allow_host: {PUB}
  - feed: {web.url(FC, "/feed.xml")}
    kind: factcheck
    allow_host: {FC}
monitor:
  - feed: {web.url(REPOST, "/feed.xml")}
    source: Repost Daily
    allow_host: {REPOST}
  - feed: http://{DEAD}:{dead_port}/feed.xml
    allow_host: {DEAD}
  - feed: {web.url(SLOW, "/feed.xml")}
    allow_host: {SLOW}
""",
        encoding="utf-8",
    )
    return file


def _run(sources: Path, home: Path, web: SmallWeb) -> tuple[Any, Any, Counts, float]:
    from flows.ingest import ingest_verified
    from flows.monitor import monitor_sources

    web.reset_counts()
    started = time.monotonic()
    ingested = ingest_verified(sources_file=str(sources), home=str(home))
    monitored = monitor_sources(sources_file=str(sources), home=str(home), execution="local")
    return ingested, monitored, web.reset_counts(), time.monotonic() - started


def _report(n: int, counts: Counts, wall: float) -> str:
    robots = sum(v for k, v in counts.paths.items() if k.endswith("/robots.txt"))
    line = (
        f"run {n}: {counts.requests} requests ({robots} robots.txt), {counts.not_modified} x 304, "
        f"{counts.bodies} bodies ({counts.bodies - robots} besides robots.txt), {counts.bytes:,} bytes, "
        f"{counts.errors} errors; {wall:.1f} s"
    )
    print(line)
    return line


def test_watching_a_small_web_three_times(
    prefect_api: str,
    real_embedder: Embedder,
    small_web: SmallWeb,
    flow_env: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from credibility.app import Home
    from credibility.cli.main import main
    from credibility.settings import Settings

    web = small_web
    monkeypatch.setenv("CREDIBILITY_RESOLVE", ",".join(web.resolve(PUB, FC, REPOST, SLOW, DEAD)))
    monkeypatch.setenv("CREDIBILITY_FETCH_TIMEOUT", "1.5")
    monkeypatch.setenv("CREDIBILITY_FETCH_RETRIES", "1")
    monkeypatch.setenv("CREDIBILITY_FETCH_BACKOFF", "0.05")
    monkeypatch.setenv("CREDIBILITY_FETCH_POLITENESS_DELAY", "0.05")
    home = tmp_path / "home"
    sources = _sources_file(tmp_path, web, closed_port())
    since = dt.datetime.now(dt.UTC).isoformat()
    lines = []

    # --- run 1: everything is new --------------------------------------------------------------
    ingested, monitored, counts, wall = _run(sources, home, web)
    lines.append(_report(1, counts, wall))
    assert (ingested.added, ingested.failed) == (5, 0), ingested.problems  # 4 articles, 1 fact-check
    assert monitored.checked == 3 and monitored.sources == 3 and monitored.sources_failed == 2
    failed = {
        r.location.split("//", 1)[1].split(":", 1)[0]: r
        for r in monitored.source_runs
        if r.status == "failed"
    }
    assert set(failed) == {DEAD, SLOW}
    assert "could not connect" in failed[DEAD].error and "timed out" in failed[SLOW].error
    assert counts.paths[f"{PUB}/news/hospital.html"] == 1  # from the sitemap only
    assert all(counts.paths[f"{PUB}/news/{slug}.html"] == 1 for slug in ARTICLES)  # each page once

    with Home(Settings(home=home)) as core:
        stats = core.stats()
        assert (stats.reporting, stats.factchecks) == (4, 1)
        checks = {c.check.article.url.rsplit("/", 1)[-1]: c.check for c in core.stored_between()}
        assert set(checks) == {"r1.html", "r2.html", "r3.html"}
        assert checks["r1.html"].verdict.label == "debunked"
        assert checks["r2.html"].verdict.label == "altered"
        assert checks["r3.html"].verdict.label == "clean"
        site = core.ledger().site(REPOST)
        assert site is not None
        assert (site.articles, site.copying, site.uncredited) == (3, 3, 1)
        assert site.publishers == {"Harbour Times": 3} and site.uncredited_publishers == {"Harbour Times": 1}
        assert (site.count("debunked"), site.count("altered"), site.flagged_articles) == (1, 1, 2)

    # --- run 2: nothing changed: 304s only, nothing checked ------------------------------------
    ingested, monitored, counts, wall = _run(sources, home, web)
    lines.append(_report(2, counts, wall))
    assert (ingested.added, ingested.replaced) == (0, 0)
    assert monitored.checked == 0 and monitored.flagged == 0
    robots = sum(v for k, v in counts.paths.items() if k.endswith("/robots.txt"))
    assert counts.not_modified == 4  # publisher feed and sitemap, fact-check feed, repost feed
    assert counts.bodies == robots and counts.requests == robots + 4
    assert counts.by_host[DEAD] == 0 and counts.by_host[SLOW] == 0  # backing off
    assert {r.status for r in monitored.source_runs} == {"not_modified", "not_due"}

    # --- run 3: the repost site adds an article and edits another ------------------------------
    _repost(web, third_run=True)
    ingested, monitored, counts, wall = _run(sources, home, web)
    lines.append(_report(3, counts, wall))
    assert ingested.added == 0 and monitored.checked == 2
    assert counts.paths[f"{REPOST}/r3.html"] == 1 and counts.paths[f"{REPOST}/r4.html"] == 1
    assert counts.paths[f"{REPOST}/r1.html"] == 0 and counts.paths[f"{REPOST}/r2.html"] == 0
    with Home(Settings(home=home)) as core:
        checked = {c.check.article.url.rsplit("/", 1)[-1] for c in core.stored(monitored.check_keys)}
        assert checked == {"r3.html", "r4.html"}
        labels = {
            c.check.article.url.rsplit("/", 1)[-1]: c.check.verdict.label
            for c in core.stored(monitored.check_keys)
        }
        assert labels["r3.html"] == "altered" and labels["r4.html"] == "debunked"
        ledger = core.ledger()
        site = ledger.site(REPOST)
        assert site is not None
        assert (site.articles, site.copying, site.uncredited, site.changed) == (4, 4, 2, 1)
        assert site.uncredited_publishers == {"Harbour Times": 2}
        assert (site.count("debunked"), site.count("altered"), site.flagged_articles) == (2, 2, 4)
        assert [c.url.rsplit("/", 1)[-1] for c in core.watch_store.changes()] == ["r3.html"]
        feed = next(r for r in ledger.sources if r.name == "Repost Daily")
        assert feed.articles == 4 and feed.state is not None and not feed.state.failing

    # The flagged events carry the source's running figures, never article text.
    events = wait_until(
        lambda: [
            e
            for e in read_events(prefect_api, "credibility.article.flagged", since)
            if "r4.html" in e["payload"].get("url", "")
        ],
        60,
        "the flagged event of r4",
    )
    payload = events[0]["payload"]
    assert payload["source"]["site"]["key"] == REPOST and payload["source"]["site"]["articles"] == 4
    assert payload["source"]["source"]["name"] == "Repost Daily"
    assert "spread the virus" not in json.dumps(payload)
    # The monitoring run's artifact holds the ledger table, escaped.
    artifacts = [
        a
        for a in wait_until(lambda: _monitor_artifacts(prefect_api), 60, "the monitor-sources artifacts")
        if "Credibility ledger" in a["data"]
    ]
    latest = artifacts[0]["data"]  # newest first
    assert "repost\\.test" in latest and "| 4 | 4 | 2 |" in latest and "<script" not in latest

    # (Not capsys: Prefect's log handler keeps the stream it first saw, and capsys closes its own.)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["sources", "--home", str(home)]) == 0
    printed = out.getvalue()
    print("\n" + "\n".join(lines) + "\n\n$ credibility sources\n" + printed)  # shown with -s
    assert REPOST in printed and "FAILING" in printed


def _monitor_artifacts(api_url: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = api(
        "POST",
        f"{api_url}/artifacts/filter",
        json={"artifacts": {"key": {"any_": ["monitor-sources"]}}, "sort": "CREATED_DESC", "limit": 20},
    )
    return found
