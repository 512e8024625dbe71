"""Watching the web across runs, at the library level (Home.watch / ingest_entry, a fake model):
incremental fetching, failure isolation and back-off with an injected clock, the bad inputs of the
issue, max_items and the queue, sitemaps with lastmod and loops, and state kept across a crash."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from smallweb import SmallWeb, closed_port, news_sitemap, page, rss, sitemap_index

from credibility.app import Home, MonitorInput, VerifiedInput
from credibility.settings import Settings
from credibility.store.watch import WatchStore
from credibility.watch.crawl import backoff_seconds

T0 = dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.UTC)
PUB, REPOST = "publisher.test", "repost.test"

BRIDGE = [
    "The harbour bridge reopened on Monday after two years of repairs that cost 85 million euros.",
    "Mayor Ana Ruiz said the work finished three weeks ahead of schedule despite the winter storms.",
    "Traffic engineers expect about 40,000 vehicles a day to cross the bridge again by the spring.",
    "The old toll booths will be removed next month and replaced by a cycle lane on each side.",
]
FERRY = [
    "The Port Ellery ferry resumed service on Monday after a three-week strike by its crews ended.",
    "The harbour authority said timetables would return to normal by Wednesday morning at the latest.",
    "Crews accepted a pay rise of four percent over two years in a vote held on Sunday evening.",
]


def _settings(home: Path, web: SmallWeb, *hosts: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "home": home,
        "model": "fake-model",
        "resolve": web.resolve(*hosts),
        "allow_networks": ("127.0.0.0/8",),
        "fetch_timeout": 2.0,
        "fetch_retries": 1,
        "fetch_backoff": 0.001,
        "fetch_politeness_delay": 0.0,
        "fetch_per_host_concurrency": 8,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def web() -> Iterator[SmallWeb]:
    with SmallWeb() as server:
        for host in (PUB, REPOST, "other.test", "bad.test"):
            server.put(host, "/robots.txt", "User-agent: *\nAllow: /\n", "text/plain")
        yield server


def _publisher(web: SmallWeb) -> None:
    bridge = web.put(PUB, "/news/bridge.html", page("Harbour bridge reopens", BRIDGE))
    ferry = web.put(PUB, "/news/ferry.html", page("Ferry back after strike", FERRY))
    items = [
        {
            "title": "Harbour bridge reopens",
            "link": bridge,
            "guid": "bridge",
            "date": "Mon, 30 Nov 2026 07:00:00 GMT",
            "description": "The bridge reopened.",
        },
        {
            "title": "Ferry back after strike",
            "link": ferry,
            "guid": "ferry",
            "date": "Mon, 30 Nov 2026 06:00:00 GMT",
            "description": "Ferries are back.",
        },
    ]
    web.put(PUB, "/feed.xml", rss("Harbour Times", web.url(PUB, "/"), items), "application/rss+xml")


def _repost_feed(web: SmallWeb, entries: list[tuple[str, str]]) -> str:
    items = [
        {"title": title, "link": web.url(REPOST, path), "guid": path, "description": title}
        for path, title in entries
    ]
    return web.put(
        REPOST, "/feed.xml", rss("Repost Daily", web.url(REPOST, "/"), items), "application/rss+xml"
    )


def _check_all(home: Home, run: Any) -> None:
    for article in run.articles:
        home.check(article.record.text, title=article.record.title, url=article.record.url)
    home.watch_checked(run, checked=[a.content_hash for a in run.articles])


def test_an_unchanged_source_costs_a_304_and_nothing_is_checked_twice(
    tmp_path: Path, web: SmallWeb, fake_embedder: Any
) -> None:
    _publisher(web)
    web.put(
        REPOST,
        "/a.html",
        page(
            "Bridge reopens!",
            [*BRIDGE[:3], "READ ALSO: Why 5G masts make you ill."],
            after="<p>Via Harbour Times</p>",
        ),
    )
    web.put(REPOST, "/b.html", page("Ferry", [FERRY[0], FERRY[1].replace("Wednesday", "Friday"), FERRY[2]]))
    # The same article under a second URL: fetched once more (its URL is new), never checked twice.
    web.put(
        REPOST, "/b-copy.html", page("Ferry", [FERRY[0], FERRY[1].replace("Wednesday", "Friday"), FERRY[2]])
    )
    feed = _repost_feed(
        web, [("/a.html", "Bridge reopens!"), ("/b.html", "Ferry"), ("/b-copy.html", "Ferry again")]
    )
    settings = _settings(tmp_path / "home", web, PUB, REPOST)
    verified = VerifiedInput(feed=web.url(PUB, "/feed.xml"), source="Harbour Times")
    monitor = MonitorInput(feed=feed, source="Repost Daily")
    with Home(settings, embedder=fake_embedder) as home:
        report = home.ingest_entry(verified, now=T0)
        assert (report.added, report.failed) == (2, 0), report.problems
        run = home.watch([monitor], now=T0)
        assert [(r.status, r.listed, r.fetched, r.new, r.known) for r in run.runs] == [("ok", 3, 3, 2, 1)]
        assert len(run.articles) == 2
        _check_all(home, run)
        first = web.reset_counts()
        assert first.not_modified == 0 and first.bodies == 9  # 2 robots.txt, 2 feeds, 5 pages

        # Second run: one conditional GET per feed, both 304; nothing fetched or checked.
        report = home.ingest_entry(verified, now=T0 + dt.timedelta(minutes=30))
        assert (report.added, report.replaced) == (0, 0)
        run = home.watch([monitor], now=T0 + dt.timedelta(minutes=30))
        assert run.articles == [] and run.runs[0].status == "not_modified"
        second = web.reset_counts()
        assert second.not_modified == 2
        assert second.paths[f"{PUB}/feed.xml"] == 1 and second.paths[f"{REPOST}/feed.xml"] == 1
        assert second.bodies == 2 and set(second.paths) == {
            f"{PUB}/robots.txt",
            f"{PUB}/feed.xml",
            f"{REPOST}/robots.txt",
            f"{REPOST}/feed.xml",
        }

        # An edited article (its entry changed) is fetched and re-checked, the change recorded;
        # a new one is checked; the others are not fetched.
        web.put(
            REPOST,
            "/a.html",
            page(
                "Bridge reopens!",
                [*BRIDGE[:3], "READ ALSO: 5G masts spread the flu."],
                after="<p>Via Harbour Times</p>",
            ),
        )
        web.put(REPOST, "/c.html", page("Toll booths go", [BRIDGE[3], "Residents welcomed the news."]))
        _repost_feed(
            web,
            [
                ("/a.html", "Bridge reopens! (updated)"),
                ("/b.html", "Ferry"),
                ("/b-copy.html", "Ferry again"),
                ("/c.html", "Toll booths go"),
            ],
        )
        run = home.watch([monitor], now=T0 + dt.timedelta(hours=1))
        assert [(r.new, r.changed, r.unchanged, r.fetched) for r in run.runs] == [(1, 1, 2, 2)]
        assert sorted(a.item.rsplit("/", 1)[-1] for a in run.articles) == ["a.html", "c.html"]
        _check_all(home, run)
        third = web.reset_counts()
        assert third.paths[f"{REPOST}/b.html"] == 0 and third.paths[f"{REPOST}/a.html"] == 1
        changes = home.watch_store.changes()
        assert [c.url.rsplit("/", 1)[-1] for c in changes] == ["a.html"]

        ledger = home.ledger()
        site = ledger.site(REPOST)
        assert site is not None and site.articles == 4 and site.changed == 1
        assert site.publishers == {"Harbour Times": 3}
        assert site.uncredited == 2  # b and b-copy; a credits the publisher ("Via Harbour Times")


def test_a_failing_source_is_isolated_and_retried_after_its_back_off(
    tmp_path: Path, web: SmallWeb, fake_embedder: Any
) -> None:
    web.put(REPOST, "/a.html", page("Ferry", FERRY))
    good = MonitorInput(feed=_repost_feed(web, [("/a.html", "Ferry")]))
    down = MonitorInput(
        feed=web.put("other.test", "/feed.xml", b"down", "text/plain", status=503, validators=False),
        every="10m",
    )
    dead = MonitorInput(feed=f"http://dead.test:{closed_port()}/feed.xml")
    settings = _settings(tmp_path / "home", web, REPOST, "other.test", "dead.test")
    with Home(settings, embedder=fake_embedder) as home:
        run = home.watch([down, dead, good], now=T0)
        statuses = {r.source_id: r for r in run.runs}
        assert statuses[good.source_id].status == "ok" and len(run.articles) == 1
        failed = statuses[down.source_id]
        assert failed.status == "failed" and "HTTP 503" in failed.error and failed.failures == 1
        assert (
            statuses[dead.source_id].status == "failed"
            and "could not connect" in statuses[dead.source_id].error
        )
        state = home.watch_store.source(down.source_id)
        assert state is not None and state.failures == 1 and state.last_error == failed.error
        assert state.next_due == (T0 + dt.timedelta(seconds=900)).isoformat()
        home.watch_checked(run, checked=[a.content_hash for a in run.articles])

        # Within the back-off: not tried (and the good source goes on).
        web.reset_counts()
        run = home.watch([down, good], now=T0 + dt.timedelta(minutes=14))
        assert {r.source_id: r.status for r in run.runs} == {
            down.source_id: "not_due",
            good.source_id: "not_modified",
        }
        assert web.reset_counts().by_host["other.test"] == 0
        # After it: tried again; the back-off doubles.
        run = home.watch([down, good], now=T0 + dt.timedelta(minutes=16))
        again = next(r for r in run.runs if r.source_id == down.source_id)
        assert again.status == "failed" and again.failures == 2
        assert again.next_due == (T0 + dt.timedelta(minutes=16, seconds=1800)).isoformat()
        # The site comes back: the next due run succeeds, the failures are reset, `every` applies.
        web.put("other.test", "/x.html", page("Bridge", BRIDGE))
        link = web.url("other.test", "/x.html")
        web.put(
            "other.test",
            "/feed.xml",
            rss("Other", web.url("other.test", "/"), [{"title": "B", "link": link, "guid": "x"}]),
            "application/rss+xml",
        )
        assert home.watch([down], now=T0 + dt.timedelta(minutes=40)).runs[0].status == "not_due"
        run = home.watch([down], now=T0 + dt.timedelta(minutes=47))
        assert run.runs[0].status == "ok" and len(run.articles) == 1
        assert run.runs[0].next_due == (T0 + dt.timedelta(minutes=57)).isoformat()
        state = home.watch_store.source(down.source_id)
        assert state is not None and (state.failures, state.last_error, state.total_failures) == (0, "", 2)
        assert home.watch([down], now=T0 + dt.timedelta(minutes=50)).runs[0].status == "not_due"


def test_back_off_grows_and_is_capped() -> None:
    settings = Settings(home=Path("/tmp/x"), watch_backoff=900, watch_backoff_max=86_400)
    assert [backoff_seconds(n, settings) for n in range(0, 5)] == [0, 900, 1800, 3600, 7200]
    assert backoff_seconds(30, settings) == 86_400


def _bad_web(web: SmallWeb) -> dict[str, tuple[MonitorInput, str]]:
    h = "bad.test"
    web.put(h, "/html-feed", page("Home page", ["Welcome to our site, read our news."]))
    items = "".join(f"<item><title>{n}</title><link>http://x.test/{n}</link></item>" for n in range(50_000))
    web.put(
        h,
        "/huge-feed",
        f"<rss version='2.0'><channel><title>x</title>{items}</channel></rss>",
        "application/rss+xml",
    )
    web.put(h, "/no-links", rss("No links", "", [{"title": "a"}, {"title": "b"}]), "application/rss+xml")
    web.put(
        h,
        "/self-index.xml",
        sitemap_index([(web.url(h, "/self-index.xml"), "2026-11-30")]),
        "application/xml",
    )
    web.put(h, "/paper.pdf", b"%PDF-1.7\n" + b"0" * 2000, "application/pdf")
    web.put(
        h, "/busy", b"slow down", "text/plain", status=429, headers={"Retry-After": "1"}, validators=False
    )
    for n in range(3):
        web.put(h, f"/empty-{n}.html", "<html><body><nav>Home</nav></body></html>")
    web.put(
        h,
        "/unusable-feed",
        rss("Unusable", "", [{"title": f"e{n}", "link": web.url(h, f"/empty-{n}.html")} for n in range(3)]),
        "application/rss+xml",
    )

    def loop(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(302)
        handler.send_header("Location", "/loop")
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    web.handle(h, "/loop", loop)

    def huge(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/rss+xml")
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.close_connection = True
        block = b"<!-- " + b"x" * 65_000 + b" -->"
        for _ in range(2000):  # 130 MB if nobody stops it
            handler.wfile.write(block)

    web.handle(h, "/endless", huge)

    def slow(handler: BaseHTTPRequestHandler) -> None:
        time.sleep(3)
        handler.send_response(200)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    web.handle(h, "/slow", slow)
    return {
        "html feed": (MonitorInput(feed=web.url(h, "/html-feed")), "expected an RSS or Atom feed"),
        "50,000 entries": (
            MonitorInput(feed=web.url(h, "/huge-feed")),
            "50,000 entries, more than the 5,000",
        ),
        "entries without links": (MonitorInput(feed=web.url(h, "/no-links")), "no usable entry"),
        "sitemap index pointing at itself": (
            MonitorInput(sitemap=web.url(h, "/self-index.xml")),
            "sitemap loop",
        ),
        "a PDF": (MonitorInput(url=web.url(h, "/paper.pdf")), "got application/pdf"),
        "429 with Retry-After": (MonitorInput(feed=web.url(h, "/busy")), "429"),
        "a host that does not resolve": (
            MonitorInput(feed="http://no-such-host.invalid/feed.xml"),
            "does not resolve",
        ),
        "every article fails extraction": (
            MonitorInput(feed=web.url(h, "/unusable-feed")),
            "every article failed (3 of 3)",
        ),
        "a redirect loop": (MonitorInput(feed=web.url(h, "/loop")), "redirect loop"),
        "a 130 MB body": (MonitorInput(feed=web.url(h, "/endless")), "more than 5000000 bytes"),
        "a slow server": (MonitorInput(feed=web.url(h, "/slow")), "timed out"),
    }


def test_bad_sources_are_each_one_readable_failure(tmp_path: Path, web: SmallWeb, fake_embedder: Any) -> None:
    bad = _bad_web(web)
    web.put(REPOST, "/a.html", page("Ferry", FERRY))
    good = MonitorInput(feed=_repost_feed(web, [("/a.html", "Ferry")]))
    settings = _settings(
        tmp_path / "home", web, REPOST, "bad.test", fetch_max_bytes=5_000_000, fetch_timeout=1.0
    )
    entries = [entry for entry, _ in bad.values()]
    with Home(settings, embedder=fake_embedder) as home:
        started = time.monotonic()
        run = home.watch([*entries, good], now=T0)
        elapsed = time.monotonic() - started
        by_id = {r.source_id: r for r in run.runs}
        assert by_id[good.source_id].status == "ok" and [a.record.title for a in run.articles] == ["Ferry"]
        for what, (entry, message) in bad.items():
            result = by_id[entry.source_id]
            assert result.status == "failed", (what, result)
            assert message in result.error, (what, result.error)
            state = home.watch_store.source(entry.source_id)
            assert state is not None and state.failures == 1 and state.last_error == result.error, what
        assert elapsed < 30, elapsed  # concurrently, each bounded by its caps


def test_max_items_queues_the_rest_for_the_next_runs(
    tmp_path: Path, web: SmallWeb, fake_embedder: Any
) -> None:
    for n in range(5):
        web.put(
            REPOST,
            f"/{n}.html",
            page(f"Story {n}", [f"Story number {n} is about the harbour.", BRIDGE[n % 4]]),
        )
    feed = _repost_feed(web, [(f"/{n}.html", f"Story {n}") for n in range(5)])
    entry = MonitorInput(feed=feed, max_items=2)
    settings = _settings(tmp_path / "home", web, REPOST)
    taken = []
    with Home(settings, embedder=fake_embedder) as home:
        for minutes in (0, 30, 60, 90):
            run = home.watch([entry], now=T0 + dt.timedelta(minutes=minutes))
            taken.append((len(run.articles), run.runs[0].queued))
            home.watch_checked(run, checked=[a.content_hash for a in run.articles])
    # The feed answers 304 from the second run on: the queue, not the feed, brings the rest.
    assert taken == [(2, 3), (2, 1), (1, 0), (0, 0)]


def test_a_run_that_stops_before_its_checks_loses_nothing(
    tmp_path: Path, web: SmallWeb, fake_embedder: Any
) -> None:
    web.put(REPOST, "/a.html", page("Ferry", FERRY))
    entry = MonitorInput(feed=_repost_feed(web, [("/a.html", "Ferry")]))
    settings = _settings(tmp_path / "home", web, REPOST)
    with Home(settings, embedder=fake_embedder) as home:
        first = home.watch([entry], now=T0)
        assert len(first.articles) == 1
    # The process died here: the articles were fetched, their checks never recorded.
    with Home(settings, embedder=fake_embedder) as home:
        again = home.watch([entry], now=T0 + dt.timedelta(minutes=30))
        assert again.runs[0].status == "not_modified"  # the feed: a 304
        assert [a.content_hash for a in again.articles] == [a.content_hash for a in first.articles]
        home.watch_checked(again, checked=[a.content_hash for a in again.articles])
        assert home.watch([entry], now=T0 + dt.timedelta(hours=1)).articles == []


def test_sitemaps_honour_lastmod_and_follow_indexes_without_loops(
    tmp_path: Path, web: SmallWeb, fake_embedder: Any
) -> None:
    web.put(PUB, "/news/bridge.html", page("Bridge", BRIDGE))
    web.put(PUB, "/news/ferry.html", page("Ferry", FERRY))
    index = web.url(PUB, "/sitemap-index.xml")
    child = web.url(PUB, "/news-sitemap.xml")
    web.put(
        PUB,
        "/sitemap-index.xml",
        sitemap_index([(child, "2026-11-30"), (index, "2026-11-30")]),
        "application/xml",
    )
    urls = [
        (web.url(PUB, "/news/bridge.html"), "2026-11-30T07:00:00Z", "Bridge"),
        (web.url(PUB, "/news/ferry.html"), "2026-11-30T06:00:00Z", "Ferry"),
    ]
    web.put(PUB, "/news-sitemap.xml", news_sitemap(urls), "application/xml")
    entry = MonitorInput(sitemap=index)
    settings = _settings(tmp_path / "home", web, PUB)
    with Home(settings, embedder=fake_embedder) as home:
        run = home.watch([entry], now=T0)
        assert run.runs[0].status == "ok" and len(run.articles) == 2
        assert any("sitemap loop" in p.message for p in run.problems)  # noted, not a failure
        home.watch_checked(run, checked=[a.content_hash for a in run.articles])
        web.reset_counts()
        # Nothing changed: the index is a 304, its child's lastmod is the same (not fetched), no page.
        run = home.watch([entry], now=T0 + dt.timedelta(minutes=30))
        assert run.runs[0].status == "not_modified" and run.articles == []
        counts = web.reset_counts()
        assert (counts.requests, counts.not_modified) == (2, 1)  # robots.txt and the index
        # The ferry story changes: its lastmod in the child sitemap, the child's in the index.
        web.put(PUB, "/news/ferry.html", page("Ferry", [*FERRY, "Fares will not change."]))
        urls[1] = (urls[1][0], "2026-11-30T09:00:00Z", "Ferry")
        web.put(PUB, "/news-sitemap.xml", news_sitemap(urls), "application/xml")
        web.put(
            PUB,
            "/sitemap-index.xml",
            sitemap_index([(child, "2026-11-30T09:00:00Z"), (index, "2026-11-30")]),
            "application/xml",
        )
        run = home.watch([entry], now=T0 + dt.timedelta(hours=1))
        assert [(r.changed, r.unchanged, r.fetched) for r in run.runs] == [(1, 1, 1)]
        counts = web.reset_counts()
        assert counts.paths[f"{PUB}/news/bridge.html"] == 0 and counts.paths[f"{PUB}/news/ferry.html"] == 1


def test_allow_host_opens_the_guard_for_its_entry_only(
    tmp_path: Path, web: SmallWeb, fake_embedder: Any
) -> None:
    web.put(REPOST, "/a.html", page("Ferry", FERRY))
    feed = _repost_feed(web, [("/a.html", "Ferry")])
    settings = _settings(tmp_path / "home", web, REPOST, allow_networks=())
    with Home(settings, embedder=fake_embedder) as home:
        refused = home.watch([MonitorInput(feed=feed)], now=T0)
        assert refused.runs[0].status == "failed" and "SSRF guard" in refused.runs[0].error
        allowed = home.watch([MonitorInput(feed=feed, allow_host=REPOST)], now=T0, force=True)
        assert allowed.runs[0].status == "ok" and len(allowed.articles) == 1


def test_the_state_store_round_trip(tmp_path: Path) -> None:
    from credibility.model.watch import ContentChange, PageCredits, SourceState, WatchItem

    with WatchStore(tmp_path / "results.sqlite") as store:
        state = SourceState("monitor:feed:u", "monitor", "feed", "u", name="N", failures=2, notes=("a",))
        item = WatchItem(
            "monitor:feed:u",
            "https://x/1",
            "monitor",
            "pending",
            hint="h",
            content_hash="c",
            record='{"id": "x"}',
            credits=PageCredits(canonical="https://o/1"),
        )
        store.save_source(
            state,
            extra={"children": {"a": "b"}},
            items=[item],
            changes=[ContentChange("monitor:feed:u", "https://x/1", "o", "c", "t")],
        )
        assert store.source("monitor:feed:u") == state
        assert store.extra("monitor:feed:u") == {"children": {"a": "b"}}
        assert store.items("monitor:feed:u") == {"https://x/1": item}
        assert store.pending("monitor") == [item] and store.seen_content("monitor", "c")
        assert store.seen_url("monitor", "https://x/1", besides="other") == item
        assert store.changes()[0].new_hash == "c"
        # Many threads writing at once: one transaction each, nothing lost.
        threads = [
            threading.Thread(
                target=store.save_source, args=(SourceState(f"monitor:url:{n}", "monitor", "url", str(n)),)
            )
            for n in range(20)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(store.sources("monitor")) == 21


def test_claimreview_pages_and_fact_checker_feeds_become_rated_fact_checks(
    tmp_path: Path, web: SmallWeb, fake_embedder: Any
) -> None:
    import json

    def review_page(slug: str, claim: str, rating: str) -> str:
        markup = {
            "@context": "https://schema.org",
            "@type": "ClaimReview",
            "url": web.url("other.test", f"/{slug}.html"),
            "claimReviewed": claim,
            "author": {"@type": "Organization", "name": "Other Fact Check"},
            "reviewRating": {"@type": "Rating", "alternateName": rating},
        }
        return web.put(
            "other.test",
            f"/{slug}.html",
            page(
                claim,
                ["We looked at the claim and found no evidence for it at all."],
                head=f'<script type="application/ld+json">{json.dumps(markup)}</script>',
            ),
        )

    masts = review_page("masts", "5G masts spread the flu.", "False")
    ferry = review_page("ferry", "The ferry will be free for everyone next year.", "Misleading")
    feed = web.put(
        "other.test",
        "/feed.xml",
        rss(
            "Other Fact Check",
            web.url("other.test", "/"),
            [{"title": "Masts", "link": masts, "guid": "m", "content": "<p>" + "Long text. " * 40 + "</p>"}],
        ),
        "application/rss+xml",
    )
    settings = _settings(tmp_path / "home", web, "other.test")
    with Home(settings, embedder=fake_embedder) as home:
        # A fact-checker's feed: its page is fetched (the markup is there), though the entry has full text.
        report = home.ingest_entry(VerifiedInput(feed=feed, kind="factcheck"), now=T0)
        # A ClaimReview page listed as a plain page is still a fact-check.
        report2 = home.ingest_entry(VerifiedInput(url=ferry), now=T0)
        assert (report.added, report2.added) == (1, 1)
        stats = home.stats()
        assert stats.factchecks == 2 and stats.verdicts == {"false": 1, "misleading": 1}
