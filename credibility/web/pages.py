"""From URLs of pages or feeds to :class:`ArticleRecord` s.

A page becomes one record (:mod:`credibility.web.page_records`, whose functions are
re-exported here), a feed one record per entry (:mod:`credibility.web.feeds`).
:func:`is_url` (from :mod:`credibility.web.urls`) tells a URL from a file name.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace

from credibility.errors import FetchError
from credibility.model.records import ArticleKind, ArticleRecord, LoadProblem
from credibility.web.feeds import feed_records
from credibility.web.fetch import Fetcher
from credibility.web.netguard import redact_credentials
from credibility.web.page_records import record_from_html, record_from_page
from credibility.web.urls import is_url

__all__ = ["fetch_article_record", "is_url", "record_from_html", "record_from_page", "url_records"]

#: Content types that make a URL a feed rather than a page.
FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/xml",
    "text/xml",
)


def fetch_article_record(
    fetcher: Fetcher,
    url: str,
    *,
    kind: ArticleKind = "reporting",
    source: str = "",
    respect_robots: bool | None = False,
) -> ArticleRecord:
    """Fetch ``url`` and extract it into one record.

    robots.txt is not consulted by default: this is one page asked for by a person,
    not crawling (pass ``respect_robots=None`` to follow the settings).

    Raises one :class:`~credibility.errors.FetchError` subclass on failure
    (:class:`~credibility.errors.ExtractionError` when the page holds no article).
    """
    page = fetcher.fetch(url, expect="html", respect_robots=respect_robots)
    return record_from_page(page, kind=kind, source=source)


def url_records(
    fetcher: Fetcher,
    urls: Sequence[str],
    *,
    kind: ArticleKind = "reporting",
    source: str = "",
    respect_robots: bool | None = False,
) -> Iterator[ArticleRecord | LoadProblem]:
    """Records from URLs of pages or feeds (a feed gives one record per entry); failures become problems."""
    pages = fetcher.fetch_many(list(urls), expect="any", respect_robots=respect_robots)
    for url, page in zip(urls, pages, strict=True):
        shown = redact_credentials(url)  # problems are printed and logged: no password in them
        if isinstance(page, FetchError):
            yield LoadProblem(shown, str(page))
            continue
        try:
            if page.content_type in FEED_TYPES:
                problems: list[LoadProblem] = []
                for item in feed_records(fetcher, url, problems=problems, page=page):
                    if isinstance(item, FetchError):
                        yield LoadProblem(shown, str(item))
                    else:
                        yield replace(item, kind=kind, source=source or item.source)
                yield from problems
            else:
                yield record_from_page(page, kind=kind, source=source)
        except FetchError as exc:
            yield LoadProblem(shown, redact_credentials(str(exc)))
