"""Feeds: RSS 0.91/1.0/2.0 and Atom parsing, bad entries, and feed_records over the local server."""

from __future__ import annotations

from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from webfixtures import LocalServer, article_html, fast_settings, send

from credibility.errors import ExtractionError, FetchError, InputError
from credibility.model.records import ArticleRecord, LoadProblem
from credibility.web.feeds import feed_records, parse_feed, read_feed
from credibility.web.fetch import ContentTypeError, Fetcher, HTTPStatusError

FULL = (
    "<p>The museum opened a new wing for regional history on Saturday, the director told reporters.</p>"
    "<p>The wing holds four hundred objects lent by families from the valley, most shown for the first time.</p>"
    "<p>Entry to the new rooms is free until the end of the month, according to the museum's website.</p>"
)


def rss2(base: str) -> str:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>Valley News</title><link>{base}/</link><description>Local news</description>
<item><title>Museum opens a new wing</title><link>{base}/museum</link><guid isPermaLink="false">valley-1</guid>
  <pubDate>Tue, 05 Mar 2024 08:00:00 GMT</pubDate><description>A short teaser.</description>
  <content:encoded><![CDATA[{FULL}]]></content:encoded></item>
<item><title>Bridge reopens</title><link>{base}/bridge</link><guid isPermaLink="false">valley-2</guid>
  <pubDate>Wed, 06 Mar 2024 09:30:00 +0100</pubDate><description>The bridge is open again.</description></item>
<item><title>Broken item with nothing in it</title></item>
<item><title>Script link</title><link>javascript:alert(1)</link><description>x</description></item>
<item><title>Missing page</title><link>{base}/missing</link><guid isPermaLink="false">valley-3</guid>
  <description>Gone.</description></item>
<item><title>Bridge reopens (duplicate)</title><link>{base}/bridge</link><guid isPermaLink="false">valley-2</guid></item>
</channel></rss>"""


ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Atom Desk</title><id>urn:atom-desk</id><updated>2024-03-05T10:00:00Z</updated>
  <link href="https://desk.example.org/"/>
  <entry><title>Council votes on cycling lanes</title><id>urn:desk:1</id>
    <link href="/2024/cycling"/>
    <published>2024-03-05T10:00:00Z</published><updated>2024-03-05T11:00:00Z</updated>
    <author><name>Sam Reporter</name></author>
    <summary>The council voted.</summary>
    <content type="html">&lt;p&gt;The council approved the cycling lanes by nine votes to four.&lt;/p&gt;</content>
  </entry>
  <entry><title>Only updated</title><id>urn:desk:2</id><link href="https://desk.example.org/u"/>
    <updated>2024-03-04T10:00:00Z</updated><summary>Updated only.</summary></entry>
</feed>"""

RSS1 = """<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
  xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://rdf.example.org/"><title>RDF Site</title><link>https://rdf.example.org/</link>
    <description>d</description></channel>
  <item rdf:about="https://rdf.example.org/one"><title>One</title><link>https://rdf.example.org/one</link>
    <description>First.</description><dc:date>2024-03-01T00:00:00Z</dc:date></item>
</rdf:RDF>"""

RSS091 = """<?xml version="1.0"?>
<rss version="0.91"><channel><title>Old Site</title><link>https://old.example.org/</link>
<description>d</description><language>en</language>
<item><title>Ancient</title><link>https://old.example.org/ancient</link><description>Old news.</description></item>
</channel></rss>"""


def test_rss2_entries_and_problems() -> None:
    problems: list[LoadProblem] = []
    entries = parse_feed(
        rss2("https://valley.example.org").encode(), "https://valley.example.org/feed.xml", problems=problems
    )
    assert [e.id for e in entries] == ["valley-1", "valley-2", "valley-3"]
    museum, bridge, _ = entries
    assert museum.link == "https://valley.example.org/museum" and museum.title == "Museum opens a new wing"
    assert museum.published == "2024-03-05T08:00:00+00:00"
    assert museum.summary == "A short teaser." and "four hundred objects" in museum.content
    assert bridge.content == "" and bridge.published == "2024-03-06T08:30:00+00:00"
    messages = " / ".join(f"{p.origin}: {p.message}" for p in problems)
    assert "no link and no content" in messages
    assert "javascript:alert(1)" in messages and "not an http(s) URL" in messages
    assert "duplicate id 'valley-2'" in messages


def test_atom_with_content_and_relative_links() -> None:
    feed = read_feed(ATOM.encode(), "https://desk.example.org/feed.atom")
    assert feed.title == "Atom Desk" and feed.version.startswith("atom")
    first, second = feed.entries
    assert first.link == "https://desk.example.org/2024/cycling"
    assert first.content == "<p>The council approved the cycling lanes by nine votes to four.</p>"
    assert first.author == "Sam Reporter" and first.published == "2024-03-05T10:00:00+00:00"
    assert second.published == "2024-03-04T10:00:00+00:00" and second.content == ""


@pytest.mark.parametrize(
    ("text", "version", "link"),
    [(RSS1, "rss10", "https://rdf.example.org/one"), (RSS091, "rss091", "https://old.example.org/ancient")],
)
def test_old_rss_versions(text: str, version: str, link: str) -> None:
    feed = read_feed(text.encode())
    assert feed.version.startswith(version)
    assert [e.link for e in feed.entries] == [link]


def test_not_a_feed_is_an_input_error() -> None:
    with pytest.raises(InputError, match="not an RSS or Atom feed"):
        parse_feed(b"<html><body><p>Just a page</p></body></html>", "https://example.org/page")
    with pytest.raises(InputError):
        parse_feed(b"\x00\x01 binary junk", "https://example.org/junk")


def test_malformed_xml_is_read_leniently() -> None:
    broken = rss2("https://valley.example.org").replace("</channel></rss>", "<item><title>cut off")
    feed = read_feed(broken.encode(), "https://valley.example.org/feed.xml")
    assert len(feed.entries) >= 2
    assert any("not well-formed" in p.message for p in feed.problems)


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    with LocalServer() as s:
        yield s


def test_a_string_is_never_opened_as_a_url(server: LocalServer) -> None:
    url = server.add("/would-be-fetched.xml", RSS091, content_type="application/rss+xml")
    with pytest.raises(InputError):
        parse_feed(url)
    assert server.hits_for("/would-be-fetched.xml") == []


def _site(server: LocalServer) -> str:
    base = server.url("").rstrip("/")
    server.add("/feed.xml", rss2(base), content_type="application/rss+xml; charset=utf-8")
    server.add(
        "/bridge",
        article_html(
            "Bridge reopens",
            [
                "The harbour bridge reopened to traffic on Tuesday after eight months of repairs.",
                "Engineers replaced forty steel cables, the transport office said.",
            ],
            extra='<div><strong>READ ALSO</strong> <a href="/x">Ferry timetable changes</a></div>',
        ),
    )
    server.add("/museum", "<p>must not be fetched: the feed has the full text</p>")
    return base


def test_feed_records(tmp_path: Path, server: LocalServer) -> None:
    base = _site(server)
    problems: list[LoadProblem] = []
    with Fetcher(fast_settings(tmp_path)) as fetcher:
        results = feed_records(fetcher, f"{base}/feed.xml", problems=problems)
    assert len(results) == 3 and len(problems) == 3
    museum, bridge, missing = results
    assert isinstance(museum, ArticleRecord) and "four hundred objects" in museum.text
    assert museum.source == "Valley News" and museum.id == f"{base}/museum"
    assert server.hits_for("/museum") == []
    assert isinstance(bridge, ArticleRecord) and "forty steel cables" in bridge.text
    assert "Ferry timetable changes" in bridge.text  # the promo trafilatura drops is kept
    assert bridge.title == "Bridge reopens" and bridge.published == "2024-03-06T08:30:00+00:00"
    assert isinstance(missing, HTTPStatusError) and missing.status == 404


def test_feed_records_without_fetching(tmp_path: Path, server: LocalServer) -> None:
    base = _site(server)
    before = len(server.hits_for("/bridge"))
    with Fetcher(fast_settings(tmp_path)) as fetcher:
        results = feed_records(fetcher, f"{base}/feed.xml", fetch_articles=False)
    assert [r.text if isinstance(r, ArticleRecord) else r for r in results][1:] == [
        "The bridge is open again.",
        "Gone.",
    ]
    assert len(server.hits_for("/bridge")) == before


def test_conditional_feed_poll(tmp_path: Path, server: LocalServer) -> None:
    base = server.url("").rstrip("/")

    def feed(h: BaseHTTPRequestHandler) -> None:
        if h.headers.get("If-None-Match") == '"feed-v1"':
            send(h, 304, b"", "")
        else:
            send(h, 200, RSS091.encode(), "application/rss+xml", {"ETag": '"feed-v1"'})

    server.handle("/polled.xml", feed)
    with Fetcher(fast_settings(tmp_path)) as fetcher:
        first = feed_records(fetcher, f"{base}/polled.xml", fetch_articles=False, conditional=True)
        again = feed_records(fetcher, f"{base}/polled.xml", fetch_articles=False, conditional=True)
    assert len(first) == 1 and again == []


def test_feed_url_serving_html_or_pdf(tmp_path: Path, server: LocalServer) -> None:
    page = server.add("/not-a-feed", "<html><body><p>hello</p></body></html>")
    pdf = server.add("/feed.pdf", b"%PDF-1.4", content_type="application/pdf")
    with Fetcher(fast_settings(tmp_path)) as fetcher:
        with pytest.raises(ContentTypeError, match="no RSS, RDF or Atom root"):
            feed_records(fetcher, page)
        with pytest.raises(ContentTypeError, match="application/pdf"):
            feed_records(fetcher, pdf)


def test_feed_served_as_text_html_is_accepted(tmp_path: Path, server: LocalServer) -> None:
    url = server.add("/html-typed-feed", RSS091, content_type="text/html")
    with Fetcher(fast_settings(tmp_path)) as fetcher:
        results = feed_records(fetcher, url, fetch_articles=False)
    assert len(results) == 1 and isinstance(results[0], ArticleRecord)


def test_unparseable_feed_body_is_an_extraction_error(tmp_path: Path, server: LocalServer) -> None:
    url = server.add("/bad.xml", b"<rss><<<", content_type="application/rss+xml")
    with Fetcher(fast_settings(tmp_path)) as fetcher, pytest.raises(FetchError):
        feed_records(fetcher, url)
    assert issubclass(ExtractionError, FetchError)
