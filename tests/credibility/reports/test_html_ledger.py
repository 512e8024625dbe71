"""The HTML report's "Monitored sites" section: the ledger as a sortable table, each site linking to
its flagged articles, every value escaped, the CSP unchanged."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from watchedhome import REPOST, fake_embedder, watched_home

from credibility.app import Home
from credibility.model.ledger import Ledger, LedgerArticle, LedgerRow
from credibility.model.watch import SourceState
from credibility.reports.html import render_report


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("watched-report")
    settings = watched_home(folder, fake_embedder())
    with Home(settings) as home:
        result = home.report_html(folder / "report.html")
        assert result.checks == 2
    return (folder / "report.html").read_text(encoding="utf-8")


def _section(html: str) -> str:
    found = re.search(r'<section id="sources".*?</section>\s*<section id="summary"', html, re.S)
    assert found, "no ledger section"
    return found.group(0)


def test_the_ledger_comes_first_as_a_sortable_table(report: str) -> None:
    section = _section(report)
    assert report.index('id="sources"') < report.index('id="summary"')
    assert '<table class="ledger sortable" id="ledger-sites"' in section
    assert section.count('data-sort="num"') >= 9 and 'aria-sort="descending"' in section
    row = re.search(r'<tr data-site="site-1">(.*?)</tr>', section, re.S)
    assert row is not None
    cells = re.findall(r'data-value="([^"]*)"', row.group(1))
    # site, articles, copying, uncredited, injected, altered, debunked, unsupported, flagged, share, first, last
    assert cells[:10] == [REPOST, "2", "2", "1", "1", "0", "0", "0", "1", "0.125"]
    assert "copies Harbour Times (2)" in row.group(1)
    assert '<table class="ledger sortable" id="ledger-sources"' in section
    assert 'class="failing"' in section and "could not connect" in section


def test_each_site_links_to_its_flagged_articles_in_the_report(report: str) -> None:
    section = _section(report)
    assert '<a href="#site-1">repost.test</a>' in section
    site = re.search(r'<section class="ledger-site" id="site-1".*?</section>', section, re.S)
    assert site is not None
    links = re.findall(r'<a href="(#a\d+)"', site.group(0))
    assert len(links) == 1
    # The link goes to the article's own section, which is the injected one.
    anchor = links[0][1:]
    article = re.search(rf'<section class="article" id="{anchor}".*?</section>', report, re.S)
    assert article is not None and "b-injected" in article.group(0)
    assert "1 without crediting the publisher: Harbour Times (1)." in site.group(0)


def test_untrusted_names_are_escaped_and_the_csp_holds(report: str) -> None:
    assert "<script>alert(1)</script>" not in report
    assert "Bridge alert(1)" in report  # the feed's markup in a title is text, never a tag
    assert len(re.findall(r"<script>", report)) == 1  # ours
    assert re.search(r"default-src (?:'|&#39;)none", report) and re.search(
        r"script-src (?:'|&#39;)sha256-", report
    )


def test_links_outside_the_report_are_http_only() -> None:
    ledger = Ledger(
        generated_at="now",
        sites=(
            LedgerRow(
                "site",
                "evil.example",
                'evil.example"><img src=x onerror=alert(1)>',
                articles=1,
                flagged_articles=1,
                sentences=2,
                flagged_sentences=1,
                flagged=(
                    LedgerArticle("javascript:alert(1)", "<b>bad</b>", "debunked", "k1", ("debunked",), 1),
                    LedgerArticle("https://evil.example/a?x=1&y=2", "ok", "injected", "k2", ("injected",), 1),
                ),
            ),
        ),
        sources=(
            LedgerRow(
                "source",
                "monitor:feed:https://evil.example/feed",
                "<i>feed</i>",
                kind="feed",
                state=SourceState(
                    "monitor:feed:https://evil.example/feed",
                    "monitor",
                    "feed",
                    "https://evil.example/feed",
                    failures=1,
                    last_error="<script>x</script>",
                    next_due="2026-12-01T00:00:00+00:00",
                ),
            ),
        ),
    )
    html = render_report([], ledger=ledger)
    section = _section(html)
    assert 'href="javascript:' not in html
    assert 'href="https://evil.example/a?x=1&amp;y=2" rel="noopener noreferrer nofollow"' in section
    assert "&lt;b&gt;bad&lt;/b&gt;" in section and "&lt;i&gt;feed&lt;/i&gt;" in section
    assert "<img src=x" not in html and "&lt;script&gt;x&lt;/script&gt;" in section


def test_no_ledger_no_section() -> None:
    assert 'id="sources"' not in render_report([])
    assert 'id="sources"' not in render_report([], ledger=Ledger(generated_at="now"))


def test_check_html_has_no_ledger(tmp_path: Path) -> None:
    html = render_report([])
    assert "Monitored sites" not in html


@pytest.mark.browser
def test_the_ledger_sorts_and_links_in_a_browser(report: str, tmp_path: Path) -> None:
    """In Chromium: no CSP violation, the sites table sorts, and a site's flagged article link opens
    the article's section."""
    from test_html_report import CHROMIUM, CHROMIUM_ARGS

    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: the browser tests need Debian's Chromium", pytrace=False)
    from playwright.sync_api import sync_playwright

    path = tmp_path / "report.html"
    path.write_text(report, encoding="utf-8")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            errors: list[str] = []
            page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(path.as_uri())
            page.wait_for_load_state("load")
            assert errors == []
            header = page.locator("#ledger-sites th", has_text="Articles")
            header.locator("button").click()
            assert header.get_attribute("aria-sort") == "ascending"
            assert page.locator("#sort-status").inner_text() == "Sorted by Articles, ascending."
            page.locator("#ledger-sites a[href='#site-1']").click()
            page.locator("section#site-1 a[href^='#a']").first.click()
            anchor = page.evaluate("() => location.hash")
            assert page.locator(f"section{anchor}").is_visible()
        finally:
            browser.close()
