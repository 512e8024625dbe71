"""Article extraction: trafilatura's text plus the promos and captions it drops, in document order."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from webfixtures import LocalServer, fast_settings

from credibility.errors import ExtractionError, FetchError
from credibility.web.extract import ExtractedArticle, extract_article
from credibility.web.fetch import Fetcher
from credibility.web.pages import fetch_article_record, is_url

# All text below is invented for these tests.
P1 = "The harbour bridge reopened to traffic on Tuesday morning after eight months of structural repairs."
P2 = "Engineers replaced forty steel cables and resurfaced the whole deck, the city transport office said."
P3 = "Commuters had used a temporary ferry service since July, carrying about twelve thousand people a day."
P4 = "The repairs cost 41 million euros, slightly below the budget the council approved last year."
PROMO = "Ferry timetable changes for the spring season"
CAPTION = "The bridge at dawn on the day it reopened. Photo: City Transport Office"

REPOST = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Harbour bridge reopens after repairs | Example Daily</title>
<meta property="og:title" content="Harbour bridge reopens after repairs">
<meta property="og:site_name" content="Example Daily">
<meta name="author" content="Jane Writer">
<meta property="article:published_time" content="2024-03-05T08:00:00Z">
<link rel="canonical" href="/news/bridge-reopens">
<script>var tracking = "should never appear";</script>
</head><body>
<nav><a href="/">Home</a> <a href="/news">News</a></nav>
<article>
<header><h1>Harbour bridge reopens after repairs</h1><p class="byline">By Jane Writer</p></header>
<p>{P1}</p>
<p>{P2}</p>
<div><strong>READ ALSO</strong> <a href="/x">{PROMO}</a></div>
<p>{P3}</p>
<figure><img src="/img/bridge.jpg" alt="bridge"><figcaption>{CAPTION}</figcaption></figure>
<h2>Costs</h2>
<p>{P4}</p>
<blockquote>We are glad the bridge is open again before the summer, said the transport director.</blockquote>
<ul><li>Speed limit on the bridge: 50 km/h</li><li>Cyclists use the separated eastern lane</li></ul>
<p style="display:none">Hidden text nobody sees.</p>
<div class="share-buttons"><a href="#">Share on social</a></div>
</article>
<aside><h3>Most read</h3><ul><li><a href="/a">Another story entirely</a></li></ul></aside>
<footer>Copyright Example Daily</footer>
</body></html>"""


@pytest.fixture(scope="module")
def repost() -> ExtractedArticle:
    return extract_article(REPOST, "https://daily.example.org/news/bridge-reopens?utm=x")


def test_dropped_promo_and_caption_survive_and_are_marked(repost: ExtractedArticle) -> None:
    by_text = {b.text: b for b in repost.paragraphs}
    promo = by_text[f"READ ALSO {PROMO}"]
    caption = by_text[CAPTION]
    assert promo.kind == "promo" and promo.dropped_by_main_extractor
    assert caption.kind == "caption" and caption.dropped_by_main_extractor
    for text in (P1, P2, P3, P4):
        assert by_text[text].kind == "paragraph" and not by_text[text].dropped_by_main_extractor
    assert {b.text for b in repost.dropped} == {f"READ ALSO {PROMO}", CAPTION}


def test_blocks_are_in_document_order(repost: ExtractedArticle) -> None:
    texts = [b.text for b in repost.paragraphs]
    order = [P1, P2, f"READ ALSO {PROMO}", P3, CAPTION, "Costs", P4]
    assert [texts.index(t) for t in order] == sorted(texts.index(t) for t in order)
    kinds = {b.text: b.kind for b in repost.paragraphs}
    assert kinds["Costs"] == "heading"
    assert kinds["Speed limit on the bridge: 50 km/h"] == "list_item"
    assert kinds[next(t for t in texts if t.startswith("We are glad"))] == "quote"
    assert repost.text == "\n\n".join(texts)


def test_invisible_and_chrome_text_is_left_out(repost: ExtractedArticle) -> None:
    for absent in ("should never appear", "Hidden text", "Share on social", "Home", "Copyright", "By Jane"):
        assert absent not in repost.text
    # The headline is the title, not a paragraph; sidebars outside the article are not in.
    assert "Another story entirely" not in repost.text
    assert not any(b.text == repost.title for b in repost.paragraphs)


def test_metadata(repost: ExtractedArticle) -> None:
    assert repost.title == "Harbour bridge reopens after repairs"
    assert repost.author == "Jane Writer"
    assert repost.published.startswith("2024-03-05")
    assert repost.canonical_url == "https://daily.example.org/news/bridge-reopens"
    assert repost.publisher == repost.sitename == "Example Daily"


def test_page_without_article_element() -> None:
    html = f"""<html><head><title>Plain</title></head><body>
    <div id="menu"><a href="/">Home</a></div>
    <div id="content"><div class="text">
      <p>{P1}</p><p>{P2}</p>
      <div class="inline-related">Related: <a href="/y">{PROMO}</a></div>
      <p>{P3}</p><p>{P4}</p>
      <div class="wp-caption"><img src="/i.jpg"><p class="wp-caption-text">{CAPTION}</p></div>
    </div></div>
    <div id="sidebar"><a href="/z">Unrelated teaser in the sidebar</a></div>
    </body></html>"""
    article = extract_article(html)
    texts = [b.text for b in article.paragraphs]
    assert f"Related: {PROMO}" in texts and CAPTION in texts
    assert texts.index(P2) < texts.index(f"Related: {PROMO}") < texts.index(P3)
    assert "Unrelated teaser" not in article.text


def test_tables_and_line_breaks() -> None:
    html = f"""<html><body><article><p>{P1}</p><p>{P2}</p>
    <table><tr><th>Year</th><th>Cost</th></tr><tr><td>2023</td><td>41 million</td></tr></table>
    <p>First line<br>second line of an address</p><p>{P3}</p></article></body></html>"""
    article = extract_article(html)
    texts = [b.text for b in article.paragraphs]
    assert "2023 | 41 million" in texts
    assert "First line second line of an address" in texts


@pytest.mark.parametrize(
    "html",
    [
        f"<p>{P1}<p>{P2}<div><b>unclosed <i>tags</div></span></td><p>{P3}",
        f"<html><body><article><p>{P1}</p></div></div></article><p>{P2}",
        f"<?xml version='1.0' encoding='utf-8'?><html><body><article><p>{P1}</p></article></body></html>",
        f"<html><body><article><p>{P1}\x00</p><p>{P2}</p></article></body></html>",
        f"<body><article><p>{P1}</p><p>{P2}</p><!-- a comment --><p>{P3}</p></article>",
    ],
)
def test_broken_html_does_not_crash(html: str) -> None:
    article = extract_article(html)
    assert P1 in article.text


@pytest.mark.parametrize(
    "html",
    [
        "",
        "   ",
        "<html><head><title>Only a head</title></head></html>",
        "<html><body></body></html>",
        "<html><body><nav><a href='/'>Home</a></nav><footer>Legal</footer></body></html>",
        "<html><body><script>document.write('x')</script></body></html>",
    ],
)
def test_no_article_body_is_an_extraction_error(html: str) -> None:
    with pytest.raises(ExtractionError, match="no article"):
        extract_article(html, "https://example.org/empty")


def test_extraction_error_is_a_fetch_error() -> None:
    assert issubclass(ExtractionError, FetchError)


# ----------------------------------------------------------------------------- web.py
@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    with LocalServer() as s:
        yield s


def test_fetch_article_record(tmp_path: Path, server: LocalServer) -> None:
    url = server.add("/news/bridge", REPOST)
    with Fetcher(fast_settings(tmp_path, respect_robots=True)) as fetcher:
        record = fetch_article_record(fetcher, url)
    assert record.kind == "reporting" and record.id == url and record.url == url
    assert record.title == "Harbour bridge reopens after repairs"
    assert record.source == "Example Daily" and record.published.startswith("2024-03-05")
    assert PROMO in record.text and CAPTION in record.text and P4 in record.text


def test_fetch_article_record_errors(tmp_path: Path, server: LocalServer) -> None:
    empty = server.add("/empty", "<html><head><title>x</title></head><body></body></html>")
    pdf = server.add("/file.pdf", b"%PDF-1.4", content_type="application/pdf")
    with Fetcher(fast_settings(tmp_path)) as fetcher:
        with pytest.raises(ExtractionError):
            fetch_article_record(fetcher, empty)
        with pytest.raises(FetchError, match="expected an HTML page"):
            fetch_article_record(fetcher, pdf)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://example.org/a?b=c", True),
        ("http://127.0.0.1:8080/", True),
        ("HTTPS://EXAMPLE.ORG", True),
        ("example.org/a", False),
        ("ftp://example.org/a", False),
        ("file:///etc/passwd", False),
        ("https://", False),
        ("https://exa mple.org/", False),
        ("The bridge reopened.", False),
        ("", False),
    ],
)
def test_is_url(text: str, expected: bool) -> None:
    assert is_url(text) is expected
