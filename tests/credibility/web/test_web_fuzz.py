"""Property-based fuzzing of what reads the web: extraction, feeds, sitemaps and ClaimReview markup.

Invariant: each returns its documented result or raises its documented error (``ExtractionError``,
``InputError``) with a one-line message, in bounded time; never another exception.
"""

from __future__ import annotations

import json
import time

from fuzzing import target, texts
from hypothesis import given
from hypothesis import strategies as st

from credibility.errors import ExtractionError, InputError
from credibility.web.claimreview import claimreviews_from_html, parse_claimreview_json
from credibility.web.extract import extract_article
from credibility.web.feeds import read_feed
from credibility.web.sitemaps import parse_sitemap

TAGS = st.sampled_from(
    [
        "<div>",
        "</div>",
        "<p>",
        "</p>",
        "<article>",
        "</article>",
        "<h1>",
        "</h1>",
        "<script>alert(1)</script>",
        "<style>p{}</style>",
        "<a href='javascript:alert(1)'>",
        "</a>",
        "<br>",
        "<table><tr><td>",
        "<!--",
        "-->",
        "<![CDATA[",
        "]]>",
        "&amp;",
        "&#0;",
        "&#x110000;",
        "<?xml version='1.0' encoding='utf-16'?>",
        "<meta charset='utf-32'>",
        "<title>",
        "</title>",
        "<svg onload=alert(1)>",
        "<body>",
        "<html>",
    ]
)
html_docs = st.lists(st.one_of(TAGS, texts), max_size=80).map("".join)


def _one_line(exc: Exception) -> None:
    assert str(exc) and "\n" not in str(exc).strip(), str(exc)


@given(html_docs)
@target("extraction: random HTML")
def test_extraction(html: str) -> None:
    started = time.perf_counter()
    try:
        article = extract_article(html, "https://news.example/a")
    except ExtractionError as exc:
        _one_line(exc)
    else:
        assert article.text.strip()
        assert all(p.text for p in article.paragraphs)
    assert time.perf_counter() - started < 10


FEED_PARTS = st.sampled_from(
    [
        '<?xml version="1.0"?>',
        '<rss version="2.0">',
        "</rss>",
        "<channel>",
        "</channel>",
        "<item>",
        "</item>",
        "<title>",
        "</title>",
        "<link>https://news.example/a</link>",
        "<link>javascript:alert(1)</link>",
        "<link>file:///etc/passwd</link>",
        "<description>",
        "</description>",
        '<feed xmlns="http://www.w3.org/2005/Atom">',
        "</feed>",
        "<entry>",
        "</entry>",
        "<content type='html'>&lt;p&gt;Body text.&lt;/p&gt;</content>",
        "<pubDate>Mon, 06 Jan 2021 10:00:00 GMT</pubDate>",
        "<pubDate>not a date</pubDate>",
        '<!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]>',
        "&e;",
        "<![CDATA[<b>x</b>]]>",
    ]
)
feeds = st.lists(st.one_of(FEED_PARTS, texts), max_size=60).map("".join)


@given(feeds, st.sampled_from(["", "utf-8", "utf-16", "latin-1", "bogus"]))
@target("feeds: random RSS/Atom")
def test_feeds(document: str, charset: str) -> None:
    try:
        feed = read_feed(
            document.encode("utf-8", "surrogatepass"), "https://news.example/feed", charset=charset
        )
    except InputError as exc:
        _one_line(exc)
        return
    for entry in feed.entries:
        assert entry.link == "" or entry.link.startswith(("http://", "https://"))
        assert entry.link or entry.summary or entry.content
        assert "root:" not in entry.summary + entry.title


SITEMAP_PARTS = st.sampled_from(
    [
        '<?xml version="1.0"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
        "</urlset>",
        "<sitemapindex>",
        "</sitemapindex>",
        "<url>",
        "</url>",
        "<sitemap>",
        "</sitemap>",
        "<loc>https://news.example/a</loc>",
        "<loc>ftp://x/</loc>",
        "<loc>/relative</loc>",
        "<lastmod>2026-11-28T10:00:00+01:00</lastmod>",
        "<lastmod>yesterday</lastmod>",
        '<!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]>',
        "&e;",
    ]
)


@given(st.lists(st.one_of(SITEMAP_PARTS, texts), max_size=40).map("".join))
@target("sitemaps: random XML")
def test_sitemaps(document: str) -> None:
    try:
        sitemap = parse_sitemap(document.encode("utf-8", "surrogatepass"), "https://news.example/sitemap.xml")
    except InputError as exc:
        _one_line(exc)
        return
    for url in sitemap.urls:
        assert url.loc.startswith(("http://", "https://")) and "root:" not in url.loc


json_ld = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | texts,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "@type",
                    "claimReviewed",
                    "reviewRating",
                    "alternateName",
                    "name",
                    "url",
                    "itemReviewed",
                    "author",
                    "@graph",
                    "x",
                ]
            ),
            inner | st.just("ClaimReview"),
            max_size=5,
        )
    ),
    max_leaves=15,
)


@given(json_ld)
@target("ClaimReview: random JSON-LD")
def test_claimreview(data: object) -> None:
    text = json.dumps(data)
    for attempt in (text, "[" * 50_000, text.replace("ClaimReview", "\\ud83d")):
        try:
            records = parse_claimreview_json(attempt, origin="input.json")
        except InputError as exc:
            _one_line(exc)
            continue
        for record in records:
            assert record.kind == "factcheck" and record.claim and record.id
    html = f'<html><script type="application/ld+json">{text}</script><script type="application/ld+json">{"[" * 50_000}</script></html>'
    for record in claimreviews_from_html(html, "https://fc.example/a"):
        assert record.claim
