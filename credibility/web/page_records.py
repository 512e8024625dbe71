"""From a fetched page (or its HTML) to one :class:`ArticleRecord`.

A page carrying schema.org ClaimReview markup becomes a fact-check record
(claim, rating, speaker from the markup); any other page a reporting record.
The text is the merged extraction of :mod:`credibility.web.extract`, blocks that the
main-text extractor dropped (inline promos, captions) included.
"""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlsplit

from credibility.errors import ExtractionError
from credibility.model.records import ArticleKind, ArticleRecord
from credibility.web.claimreview import claimreviews_from_html
from credibility.web.content import is_textual, sniff_binary
from credibility.web.extract import ExtractedArticle, extract_article
from credibility.web.fetch import FetchedPage

__all__ = ["record_from_html", "record_from_page"]


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
    binary = sniff_binary(page.body)
    if binary is not None or not is_textual(page.content_type):
        # Say what it is: "the page is empty" would hide an image or a PDF behind a page's URL.
        what = f"{binary} ({page.content_type or 'no content type'})" if binary else page.content_type
        raise ExtractionError(f"{page.url} is {what}, not a page")
    return record_from_html(page.text, page.final_url, kind=kind, source=source, origin=page.url)
