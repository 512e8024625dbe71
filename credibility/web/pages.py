"""From a URL (or a fetched page, or HTML) to one :class:`ArticleRecord`.

A page carrying schema.org ClaimReview markup becomes a fact-check record
(claim, rating, speaker from the markup); any other page a reporting record.
The text is the merged extraction of :mod:`credibility.web.extract`, blocks that the
main-text extractor dropped (inline promos, captions) included.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from urllib.parse import urlsplit

from credibility.errors import ExtractionError, FetchError
from credibility.model.records import ArticleKind, ArticleRecord, LoadProblem
from credibility.web.claimreview import claimreviews_from_html
from credibility.web.extract import ExtractedArticle, extract_article
from credibility.web.fetch import FetchedPage, Fetcher

__all__ = ["fetch_article_record", "is_url", "record_from_html", "record_from_page", "url_records"]

#: Content types that make a URL a feed rather than a page.
FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/xml",
    "text/xml",
)


def is_url(s: str) -> bool:
    """True for an absolute http(s) URL with a host (what the fetcher accepts), False otherwise."""
    if not isinstance(s, str) or not s or any(c.isspace() for c in s.strip()):
        return False
    try:
        parts = urlsplit(s.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def record_from_html(
    html: str, url: str, *, kind: ArticleKind = "reporting", source: str = "", origin: str = ""
) -> ArticleRecord:
    """One record for the page at ``url`` (id and url are ``url``, the address it was fetched from).

    The canonical URL is deliberately not used as id: a repost commonly declares the
    original's canonical URL, and must not take the original's place in an index.
    Of several ClaimReviews on one page, the first is used.
    """
    reviews = claimreviews_from_html(html, url)
    article: ExtractedArticle | None
    try:
        article = extract_article(html, url)
    except ExtractionError:
        if not reviews:
            raise
        article = None  # the markup alone still makes a usable fact-check record
    host = urlsplit(url).hostname or ""
    if reviews:
        review = reviews[0]
        return replace(
            review,
            id=url or review.id,
            url=url or review.url,
            text=article.text if article is not None else review.text,
            title=(article.title if article is not None else "") or review.title,
            source=source or review.source or (article.publisher if article else "") or host,
            published=review.published or (article.published if article else ""),
            origin=origin or url,
        )
    assert article is not None
    return ArticleRecord(
        id=url,
        text=article.text,
        title=article.title,
        url=url,
        source=source or article.publisher or host,
        published=article.published,
        kind=kind,
        origin=origin or url,
    )


def record_from_page(
    page: FetchedPage, *, kind: ArticleKind = "reporting", source: str = ""
) -> ArticleRecord:
    if page.not_modified:
        raise ExtractionError(f"{page.url} was not modified (304): nothing new to extract")
    return record_from_html(page.text, page.final_url, kind=kind, source=source, origin=page.url)


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
    from credibility.web.feeds import feed_records  # feeds builds on this module

    pages = fetcher.fetch_many(list(urls), expect="any", respect_robots=respect_robots)
    for url, page in zip(urls, pages, strict=True):
        if isinstance(page, FetchError):
            yield LoadProblem(url, str(page))
            continue
        try:
            if page.content_type in FEED_TYPES:
                problems: list[LoadProblem] = []
                for item in feed_records(fetcher, url, problems=problems, page=page):
                    if isinstance(item, FetchError):
                        yield LoadProblem(url, str(item))
                    else:
                        yield replace(item, kind=kind, source=source or item.source)
                yield from problems
            else:
                yield record_from_page(page, kind=kind, source=source)
        except FetchError as exc:
            yield LoadProblem(url, str(exc))
