"""Publisher attribution and the ledger math, on hand-made checks (no model, no index)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from credibility.model.ledger import Ledger
from credibility.model.records import Evidence
from credibility.model.result import (
    ArticleCheck,
    ArticleInfo,
    EngineInfo,
    SentenceCheck,
    SentenceReview,
    Verdict,
    article_verdict,
    coverage_of,
    label_counts,
)
from credibility.model.watch import PageCredits, SourceState, WatchItem
from credibility.watch.attribution import Copied, attribute, copied_articles, same_url
from credibility.watch.ledger import build_ledger, iso_week
from credibility.web.credits import credit_lines, page_credits
from credibility.web.sites import registered_domain

ORIGINAL = "https://www.harbourtimes.example/news/bridge"
ENGINE = EngineInfo("1", "fake", "torch", 1, "h")


def _evidence(article_id: str = ORIGINAL, source: str = "Harbour Times") -> Evidence:
    return Evidence(article_id, 0, "s", "t", article_id, source, "reporting", "", "", "", 0.99)


def check(
    labels: list[str], *, url: str, copied: tuple[str, ...] = (ORIGINAL,), dismissed: tuple[int, ...] = ()
) -> ArticleCheck:
    sentences = []
    for n, label in enumerate(labels):
        review = None
        if n in dismissed:
            review = SentenceReview("dismissed", "false_positive", label, "ana", "2026-11-30T10:00:00+00:00")
        evidence = _evidence(copied[0]) if copied and label == "supported" else None
        sentences.append(SentenceCheck(n, f"s{n}", n * 3, n * 3 + 2, label, evidence=evidence, review=review))  # type: ignore[arg-type]
    counts = label_counts(sentences)
    label, reason = article_verdict(counts)
    verdict = Verdict(label, copied, coverage_of(counts), counts, ENGINE, reason)
    return ArticleCheck(
        ArticleInfo(url, f"hash-{url}", url=url, title=url.rsplit("/", 1)[-1]), verdict, tuple(sentences)
    )


def item(
    url: str,
    *,
    source: str = "monitor:feed:https://repost.example/feed",
    first: str = "2026-11-30T08:00:00+00:00",
    credits: PageCredits | None = None,
    versions: int = 0,
) -> WatchItem:
    return WatchItem(
        source_id=source,
        url=url,
        list="monitor",
        status="done",
        content_hash=f"hash-{url}",
        site=registered_domain(url),
        first_seen=first,
        last_seen="2026-12-01T08:00:00+00:00",
        changed_at=first,
        versions=versions,
        credits=credits,
    )


# --- attribution ------------------------------------------------------------------------------


def test_registered_domains() -> None:
    assert registered_domain("https://www.news.bbc.co.uk/a") == "bbc.co.uk"
    assert registered_domain("http://127.0.0.1:8080/x") == "127.0.0.1"
    assert registered_domain("repost.test:4000") == "repost.test"
    assert registered_domain("localhost") == "localhost"
    assert registered_domain("") == ""


def test_copied_articles_name_their_publisher() -> None:
    copied = copied_articles(check(["supported", "injected"], url="https://repost.example/a"))
    assert copied == [Copied(ORIGINAL, "Harbour Times", ORIGINAL)]


def test_each_way_of_crediting() -> None:
    copied = [Copied(ORIGINAL, "Harbour Times", ORIGINAL)]
    page = "https://repost.example/a"
    cases = {
        "canonical link to the original": PageCredits(canonical=ORIGINAL.replace("www.", "") + "/"),
        "og:url to the original": PageCredits(og_url=ORIGINAL),
        "canonical link to harbourtimes.example": PageCredits(canonical="https://harbourtimes.example/"),
        "links the original": PageCredits(links=("https://repost.example/", ORIGINAL + "#top")),
        "credit line 'Via The Harbour Times'": PageCredits(credit_lines=("Via The Harbour Times",)),
        "credit line 'Source: harbourtimes.example'": PageCredits(
            credit_lines=("Source: harbourtimes.example",)
        ),
        "byline 'By Jane Doe, Harbour Times'": PageCredits(bylines=("By Jane Doe, Harbour Times",)),
    }
    for how, credits in cases.items():
        (found,) = attribute(copied, credits, page)
        assert (found.credited, found.how) == (True, how), how


def test_what_is_not_a_credit() -> None:
    copied = [Copied(ORIGINAL, "Harbour Times", ORIGINAL)]
    page = "https://repost.example/a"
    for credits in (
        None,
        PageCredits(canonical=page),  # its own canonical
        PageCredits(credit_lines=("© 2026 Repost Daily",), bylines=("Staff writer",)),
        PageCredits(credit_lines=("Source: Harbour Timesheets Weekly",)),  # not the same name
        PageCredits(links=("https://harbourtimes.example/other-story",)),
    ):
        (found,) = attribute(copied, credits, page)
        assert not found.credited and found.how == ""


def test_credit_lines_and_page_credits() -> None:
    text = "Body.\nVia Harbour Times\nSource: Reuters\nThe source of the leak was unknown.\nREAD ALSO: x"
    assert credit_lines(text) == ("Via Harbour Times", "Source: Reuters")
    credits = page_credits(
        "<html><head><link rel='canonical' href='/a'><meta property='og:url' content='https://x.example/a'>"
        "<meta name='author' content='Jane Doe'></head><body><p class='byline'>By Jane, Harbour Times</p>"
        "<p>Text.</p><p>Originally published by <a href='https://harbourtimes.example/a'>The Harbour Times</a>"
        "</p><script>var s = 'Via Nobody';</script></body></html>",
        "https://repost.example/a",
    )
    assert credits.canonical == "https://repost.example/a" and credits.og_url == "https://x.example/a"
    assert "Jane Doe" in credits.bylines and "By Jane, Harbour Times" in credits.bylines
    assert credits.credit_lines == ("Originally published by The Harbour Times",)
    assert "https://harbourtimes.example/a" in credits.links
    assert same_url("http://www.a.example/x/", "https://a.example/x#frag")


# --- the ledger -------------------------------------------------------------------------------


def _ledger() -> Ledger:
    repost = "monitor:feed:https://repost.example/feed"
    sitemap = "monitor:sitemap:https://repost.example/sitemap.xml"
    other = "monitor:feed:https://other.example/feed"
    a = "https://repost.example/a"  # credited copy with an injected promo
    b = "https://repost.example/b"  # uncredited copy with an altered number
    c = "https://repost.example/c"  # original text, nothing backs it; its one flag dismissed
    d = "https://other.example/d"  # clean credited copy, a week earlier
    checks = {
        f"hash-{a}": ("k-a", check(["supported", "supported", "injected", "not_checked"], url=a)),
        f"hash-{b}": ("k-b", check(["supported", "altered", "supported"], url=b)),
        f"hash-{c}": ("k-c", check(["unsupported", "not_checked"], url=c, copied=(), dismissed=(0,))),
        f"hash-{d}": ("k-d", check(["supported", "supported"], url=d)),
    }
    via = PageCredits(credit_lines=("Via Harbour Times",))
    items = [
        item(a, credits=via),
        item(b, credits=PageCredits(), versions=1),
        item(
            b, source=sitemap, first="2026-11-30T09:00:00+00:00", credits=PageCredits()
        ),  # same URL, two sources
        item(c),
        item(d, source=other, first="2026-11-23T08:00:00+00:00", credits=via),
        item("https://repost.example/never-checked"),  # no stored check: left out
    ]
    states = [
        SourceState(
            repost,
            "monitor",
            "feed",
            "https://repost.example/feed",
            name="Repost Daily",
            site="repost.example",
            last_success="2026-12-01T08:00:00+00:00",
        ),
        SourceState(
            sitemap, "monitor", "sitemap", "https://repost.example/sitemap.xml", site="repost.example"
        ),
        SourceState(other, "monitor", "feed", "https://other.example/feed", site="other.example"),
        SourceState(
            "monitor:feed:https://dead.example/feed",
            "monitor",
            "feed",
            "https://dead.example/feed",
            failures=2,
            last_error="HTTP 404",
            next_due="2026-12-01T10:00:00+00:00",
        ),
        SourceState(
            "verified:feed:https://harbourtimes.example/feed",
            "verified",
            "feed",
            "https://harbourtimes.example/feed",
        ),
    ]
    return build_ledger(items, checks, states, generated_at="now")


def test_site_figures() -> None:
    ledger = _ledger()
    site = ledger.site("repost.example")
    assert site is not None
    assert site.articles == 3  # b counted once though two sources list it
    assert site.copying == 2 and site.publishers == {"Harbour Times": 2}
    assert site.uncredited == 1 and site.uncredited_publishers == {"Harbour Times": 1}
    assert site.labels == {"injected": 1, "altered": 1, "debunked": 0, "unsupported": 0}  # c's flag dismissed
    assert site.flagged_articles == 2
    assert (site.sentences, site.flagged_sentences) == (3 + 3 + 1, 2)
    assert site.flagged_share == round(2 / 7, 4)
    assert site.changed == 1
    assert site.first_seen == "2026-11-30T08:00:00+00:00" and site.last_seen == "2026-12-01T08:00:00+00:00"
    assert [(w.week, w.articles, w.flagged_articles) for w in site.weeks] == [("2026-W49", 3, 2)]
    assert [a.url for a in site.flagged] == ["https://repost.example/a", "https://repost.example/b"]
    assert site.flagged[0].check_key == "k-a" and site.flagged[0].labels == ("injected",)
    assert set(site.sources) == {
        "monitor:feed:https://repost.example/feed",
        "monitor:sitemap:https://repost.example/sitemap.xml",
    }


def test_source_rows_and_states() -> None:
    ledger = _ledger()
    feed = ledger.source("monitor:feed:https://repost.example/feed")
    assert feed is not None and feed.name == "Repost Daily" and feed.kind == "feed"
    assert (feed.articles, feed.uncredited, feed.flagged_articles) == (3, 1, 2)
    dead = ledger.source("monitor:feed:https://dead.example/feed")
    assert dead is not None and dead.articles == 0 and dead.state is not None and dead.state.failures == 2
    assert [s.source_id for s in ledger.verified] == ["verified:feed:https://harbourtimes.example/feed"]
    # Worst first: the repost site before the clean one.
    assert [r.key for r in ledger.sites] == ["repost.example", "other.example"]


def test_since_and_weeks() -> None:
    ledger = _ledger()
    other = ledger.site("other.example")
    assert other is not None and [w.week for w in other.weeks] == ["2026-W48"]
    since = build_ledger(
        [item("https://other.example/d", first="2026-11-23T08:00:00+00:00")],
        {"hash-https://other.example/d": ("k", check(["supported"], url="https://other.example/d"))},
        [],
        since=dt.datetime(2026, 11, 25, tzinfo=dt.UTC),
    )
    assert since.sites == () and since.since == "2026-11-25T00:00:00+00:00"
    assert iso_week("2026-11-30T08:00:00+00:00") == "2026-W49"


def test_a_dismissed_flag_does_not_count() -> None:
    url = "https://repost.example/x"
    flagged = build_ledger([item(url)], {f"hash-{url}": ("k", check(["supported", "injected"], url=url))}, [])
    dismissed = build_ledger(
        [item(url)], {f"hash-{url}": ("k", check(["supported", "injected"], url=url, dismissed=(1,)))}, []
    )
    assert flagged.sites[0].flagged_articles == 1 and flagged.sites[0].count("injected") == 1
    assert dismissed.sites[0].flagged_articles == 0 and dismissed.sites[0].count("injected") == 0
    assert dismissed.sites[0].flagged_share == 0.0


def test_json_round_trip() -> None:
    ledger = _ledger()
    again = Ledger.from_dict(ledger.as_dict())
    assert again == ledger
    row = ledger.sites[0]
    assert set(row.figures()) >= {"articles", "copying", "uncredited", "injected", "flagged_share"}
    assert replace(row, flagged=()).as_dict()["flagged"] == []
