"""Sitemaps: news sitemaps and indexes parsed safely; lastmod honoured; loops refused readably."""

from __future__ import annotations

import gzip

import pytest

from credibility.errors import InputError
from credibility.web.sitemaps import inflate, parse_lastmod, parse_sitemap

NEWS = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
  <url><loc>https://pub.example/a</loc><lastmod>2026-11-30T08:00:00+01:00</lastmod></url>
  <url><loc>/b</loc>
    <news:news><news:publication><news:name>Harbour Times</news:name></news:publication>
      <news:publication_date>2026-11-29</news:publication_date><news:title>Ferry &amp; strike</news:title>
    </news:news></url>
  <url><loc>ftp://pub.example/c</loc></url>
  <url><loc>https://pub.example/a</loc></url>
</urlset>"""


def test_a_news_sitemap() -> None:
    sitemap = parse_sitemap(NEWS, "https://pub.example/news-sitemap.xml")
    assert sitemap.kind == "urlset"
    assert [u.loc for u in sitemap.urls] == ["https://pub.example/a", "https://pub.example/b"]
    a, b = sitemap.urls
    assert a.lastmod_utc == "2026-11-30T07:00:00+00:00"
    assert (b.title, b.publication, b.lastmod_utc) == (
        "Ferry & strike",
        "Harbour Times",
        "2026-11-29T00:00:00+00:00",
    )
    assert len(sitemap.problems) == 1 and "no http(s) <loc>" in sitemap.problems[0].message


def test_a_sitemap_index_and_one_without_namespace() -> None:
    index = parse_sitemap(
        b"<sitemapindex><sitemap><loc>https://pub.example/s1.xml</loc><lastmod>2026-11-01</lastmod>"
        b"</sitemap><sitemap><loc>https://pub.example/s2.xml</loc></sitemap></sitemapindex>",
        "https://pub.example/index.xml",
    )
    assert index.kind == "index"
    assert [(r.loc, r.lastmod) for r in index.sitemaps] == [
        ("https://pub.example/s1.xml", "2026-11-01"),
        ("https://pub.example/s2.xml", ""),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<!DOCTYPE html><html><body><p>Hello</body></html>", "not a sitemap (it is an HTML page)"),
        (b"<rss version='2.0'><channel/></rss>", "the root element is <rss>"),
        (b"", "empty response"),
        (b"<urlset><url><loc>x</loc>", "not well-formed XML"),
    ],
)
def test_what_is_not_a_sitemap_is_named(data: bytes, message: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_sitemap(data, "https://pub.example/s.xml")
    assert message in str(caught.value) and "https://pub.example/s.xml" in str(caught.value)


def test_entities_are_not_expanded_and_nothing_is_read_from_disk(tmp_path: object) -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
        b'<!ENTITY file SYSTEM "file:///etc/passwd">]>'
        b"<urlset><url><loc>https://pub.example/&b;&file;</loc></url></urlset>"
    )
    try:
        sitemap = parse_sitemap(bomb, "https://pub.example/s.xml")
    except InputError:
        return  # refused outright: fine too
    assert all("root:" not in u.loc and "aaaaaaaaaaaaaaaaaaaa" not in u.loc for u in sitemap.urls)


def test_too_many_urls_is_refused() -> None:
    data = b"<urlset>" + b"<url><loc>https://pub.example/x</loc></url>" * 11 + b"</urlset>"
    with pytest.raises(InputError, match="more than the 10 a sitemap may hold"):
        parse_sitemap(data, "s.xml", max_urls=10)


def test_gzip_is_inflated_within_a_cap() -> None:
    assert inflate(gzip.compress(NEWS), 10_000) == NEWS
    assert inflate(NEWS, 10) == NEWS  # not gzip: as is
    with pytest.raises(InputError, match="inflates to more than 100 bytes"):
        inflate(gzip.compress(b"x" * 100_000), 100, "big.xml.gz")


def test_lastmod_forms() -> None:
    assert parse_lastmod("2026") == "2026-01-01T00:00:00+00:00"
    assert parse_lastmod("2026-11") == "2026-11-01T00:00:00+00:00"
    assert parse_lastmod("2026-11-30T08:00Z") == "2026-11-30T08:00:00+00:00"
    assert parse_lastmod("yesterday") == ""
