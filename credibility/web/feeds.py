"""RSS 0.9x/1.0/2.0 and Atom feeds (feedparser) to entries, and entries to article records.

feedparser is only ever given bytes: given a string it may treat it as a URL or
a file name and open it itself, around the fetcher and its SSRF guard.
"""

from __future__ import annotations

import calendar
import hashlib
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser
import lxml.etree
import lxml.html

from credibility.errors import ExtractionError, FetchError, InputError
from credibility.model.records import ArticleRecord, LoadProblem
from credibility.web.extract import extract_article
from credibility.web.fetch import FetchedPage, Fetcher
from credibility.web.page_records import record_from_page

__all__ = ["Feed", "FeedEntry", "feed_records", "parse_feed", "read_feed"]

log = logging.getLogger(__name__)

_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.I)

#: Feed content shorter than this (in text characters) is taken as a teaser, and the
#: linked article is fetched instead.
MIN_FULL_CONTENT_CHARS = 200


@dataclass(frozen=True, slots=True)
class Feed:
    """A parsed feed: its channel's title and link, the usable entries, and what was skipped."""

    title: str
    link: str
    version: str
    entries: tuple[FeedEntry, ...]
    problems: tuple[LoadProblem, ...] = ()


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One usable entry of a feed: it has a link, or text of its own."""

    id: str
    link: str
    title: str
    #: ISO 8601 in UTC when the feed's date parses, else the date as written.
    published: str
    #: Plain text.
    summary: str
    #: Full HTML content when the feed carries it (Atom <content>, RSS content:encoded), else "".
    content: str
    author: str = ""
    #: The entry's own "updated" date (ISO 8601 in UTC when it parses), "" when it has none.
    updated: str = ""


def _plain(html: str) -> str:
    if not html or "<" not in html:
        return " ".join(html.split())
    try:
        return " ".join(lxml.html.fragment_fromstring(html, create_parent="div").text_content().split())
    except (lxml.etree.ParserError, ValueError):
        return " ".join(html.split())


def _date(entry: Any) -> str:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = entry.get(key)
        if parsed:
            try:
                return datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC).isoformat()
            except (OverflowError, ValueError, TypeError):
                pass
    return str(entry.get("published") or entry.get("updated") or "")


def _updated(entry: Any) -> str:
    parsed = entry.get("updated_parsed")
    if parsed:
        try:
            return datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC).isoformat()
        except (OverflowError, ValueError, TypeError):
            pass
    return str(entry.get("updated") or "")


def _content(entry: Any) -> str:
    best = ""
    for part in entry.get("content") or ():
        value = str(part.get("value") or "")
        kind = str(part.get("type") or "text/html")
        if kind in ("text/html", "application/xhtml+xml", "text/plain") and len(value) > len(best):
            best = value
    return best


def _http_link(link: str, base: str) -> str:
    absolute = urljoin(base, link.strip()) if base else link.strip()
    parts = urlsplit(absolute)
    return absolute if parts.scheme in ("http", "https") and parts.hostname else ""


def read_feed(content: bytes | str, url: str = "", *, charset: str = "") -> Feed:
    """Parse a feed; entries that cannot be used are skipped and listed in ``problems``.

    ``url`` resolves relative links; ``charset`` is the one the HTTP header declared.
    Raises :class:`InputError` when ``content`` is not a feed at all.
    """
    data = content.encode("utf-8") if isinstance(content, str) else content
    where = url or "feed"
    # The fetcher already checked the type; an XML type keeps feedparser from flagging
    # feeds served as text/html, while the charset still reaches its encoding detection.
    headers = {"content-type": f"application/xml; charset={charset}" if charset else "application/xml"}
    if url:
        headers["content-location"] = url
    parsed = feedparser.parse(data, response_headers=headers)
    problems: list[LoadProblem] = []
    if not parsed.entries and (parsed.get("bozo") or not parsed.get("version")):
        reason = parsed.get("bozo_exception") or "no channel or feed element"
        raise InputError(f"{where}: not an RSS or Atom feed ({reason})")
    if parsed.get("bozo"):
        problems.append(
            LoadProblem(where, f"feed is not well-formed ({parsed.get('bozo_exception')}); read leniently")
        )
    base = url or str(parsed.feed.get("link") or "")
    entries: list[FeedEntry] = []
    seen: set[str] = set()
    for n, entry in enumerate(parsed.entries, start=1):
        title = _plain(str(entry.get("title") or ""))
        label = f"{where} entry {n}" + (f" ({title[:60]})" if title else "")
        raw_link = str(entry.get("link") or "")
        link = _http_link(raw_link, base) if raw_link else ""
        content = _content(entry)
        summary = _plain(str(entry.get("summary") or ""))
        if raw_link and not link:
            problems.append(LoadProblem(label, f"link {raw_link!r} is not an http(s) URL; skipped"))
            continue
        if not link and not content and not summary:
            problems.append(LoadProblem(label, "no link and no content; skipped"))
            continue
        entry_id = str(entry.get("id") or "") or link
        if not entry_id:
            entry_id = "entry:" + hashlib.sha1(f"{title}\x1f{summary}".encode()).hexdigest()[:16]
        if entry_id in seen:
            problems.append(LoadProblem(label, f"duplicate id {entry_id!r}; skipped"))
            continue
        seen.add(entry_id)
        entries.append(
            FeedEntry(
                id=entry_id,
                link=link,
                title=title,
                published=_date(entry),
                summary=summary,
                content=content,
                author=_plain(str(entry.get("author") or "")),
                updated=_updated(entry),
            )
        )
    for problem in problems:
        log.warning("%s: %s", problem.origin, problem.message)
    return Feed(
        title=_plain(str(parsed.feed.get("title") or "")),
        link=str(parsed.feed.get("link") or ""),
        version=str(parsed.get("version") or ""),
        entries=tuple(entries),
        problems=tuple(problems),
    )


def parse_feed(
    content: bytes | str, url: str = "", *, problems: list[LoadProblem] | None = None
) -> list[FeedEntry]:
    """The usable entries of a feed; skipped entries are appended to ``problems`` when given."""
    feed = read_feed(content, url)
    if problems is not None:
        problems.extend(feed.problems)
    return list(feed.entries)


def _has_full_content(entry: FeedEntry) -> bool:
    return len(_plain(entry.content)) >= MIN_FULL_CONTENT_CHARS


def _entry_origin(entry: FeedEntry, feed_url: str) -> str:
    return f"{feed_url} ({entry.id})"


def _entry_record(entry: FeedEntry, text: str, *, source: str, feed_url: str) -> ArticleRecord:
    """The record of an entry whose text the feed itself carries."""
    return ArticleRecord(
        id=entry.link or entry.id,
        text=text,
        title=entry.title,
        url=entry.link,
        source=source,
        published=entry.published,
        origin=_entry_origin(entry, feed_url),
    )


def _record_from_content(entry: FeedEntry, *, source: str, feed_url: str) -> ArticleRecord:
    base = entry.link or feed_url
    try:
        text = extract_article(f"<html><body><article>{entry.content}</article></body></html>", base).text
    except ExtractionError:
        text = _plain(entry.content)
    return _entry_record(entry, text, source=source, feed_url=feed_url)


def feed_records(
    fetcher: Fetcher,
    feed_url: str,
    *,
    fetch_articles: bool = True,
    conditional: bool = False,
    problems: list[LoadProblem] | None = None,
    page: FetchedPage | None = None,
) -> list[ArticleRecord | FetchError]:
    """One record (or the FetchError that prevented it) per usable entry of the feed, in feed order.

    Entries carrying full content are extracted from it; the others are fetched
    concurrently (``fetch_articles``) and extracted, or, without fetching, reduced
    to their summary. A feed that did not change since the last ``conditional``
    fetch gives an empty list. Fetching the feed itself raises on failure.
    """
    if page is None:  # callers that fetched the URL already (to learn it is a feed) pass the page
        page = fetcher.fetch(feed_url, expect="feed", conditional=conditional)
    if page.not_modified:
        return []
    declared = _CHARSET.search(page.headers.get("content-type", ""))
    try:
        feed = read_feed(page.body, page.final_url, charset=declared.group(1) if declared else "")
    except InputError as exc:
        raise ExtractionError(str(exc)) from exc
    if problems is not None:
        problems.extend(feed.problems)
    source = feed.title or (urlsplit(page.final_url).hostname or "")
    results: list[ArticleRecord | FetchError | None] = [None] * len(feed.entries)
    to_fetch: list[int] = []
    for i, entry in enumerate(feed.entries):
        if _has_full_content(entry):
            results[i] = _record_from_content(entry, source=source, feed_url=feed_url)
        elif fetch_articles and entry.link:
            to_fetch.append(i)
        elif entry.summary or entry.content:
            text = _plain(entry.content) or entry.summary
            results[i] = _entry_record(entry, text, source=source, feed_url=feed_url)
        else:
            results[i] = ExtractionError(f"{entry.link or entry.id}: the feed entry has no text to use")
    pages: Sequence[FetchedPage | FetchError] = (
        fetcher.fetch_many([feed.entries[i].link for i in to_fetch], expect="html") if to_fetch else []
    )
    for i, fetched in zip(to_fetch, pages, strict=True):
        entry = feed.entries[i]
        if isinstance(fetched, FetchError):
            results[i] = fetched
            continue
        try:
            record = record_from_page(fetched, source=source)
        except FetchError as exc:
            results[i] = exc
            continue
        # The feed's own title and date describe the entry as published; the page's
        # are a fallback.
        results[i] = replace(
            record,
            title=entry.title or record.title,
            published=entry.published or record.published,
            origin=_entry_origin(entry, feed_url),
        )
    return [r for r in results if r is not None]
