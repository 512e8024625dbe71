"""Fetch one source of the sources file politely and incrementally, across runs.

For a feed, a sitemap or a page, :class:`Crawler` lists the source's items (a conditional GET:
an unchanged feed costs one 304), decides for each item whether it needs fetching, fetches those
(conditionally too) and extracts them:

- an item whose listing did not change since the last run (the feed entry's fingerprint, the
  sitemap's ``lastmod``) is not fetched again;
- an item new to this source whose URL another source of the list fetched since its ``lastmod``
  is not fetched again either (it takes that content);
- an item whose content was seen before, under any URL, is recorded but not checked (or indexed)
  again; one whose content changed is, and the change is recorded;
- at most ``max_items`` items are fetched per run; the others are queued for the next runs, as
  are the items of a source that failed after its listing was read (so a 304 next time does not
  lose them).

Everything a source does is returned as one :class:`CrawlResult`, which the caller writes in one
transaction. A source that fails (unreachable, slow, a redirect loop, not a feed, too large, every
article unusable ...) is one failure with a readable message; its back-off grows with the failures
in a row (``watch_backoff`` doubled each time, up to ``watch_backoff_max``).

robots.txt, the per-host concurrency limit and delay, the SSRF guard (with the entry's
``allow_host``) and the size and time caps apply to every request: they are the fetcher's.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
import logging
import re
import sqlite3
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import lxml.etree
import lxml.html

from credibility.errors import CredibilityError, ExtractionError, FetchError, InputError
from credibility.model.records import ArticleKind, ArticleRecord, LoadProblem
from credibility.model.watch import (
    ContentChange,
    ListName,
    PageCredits,
    SourceRun,
    SourceState,
    WatchItem,
)
from credibility.settings import Settings
from credibility.store.watch import WatchStore
from credibility.text.normalize import content_hash, text_hash
from credibility.watch.sources import SourceEntry
from credibility.web.credits import credit_lines, page_credits
from credibility.web.extract import extract_article
from credibility.web.feeds import FeedEntry, read_feed
from credibility.web.fetch import ContentTypeError, FetchedPage, Fetcher
from credibility.web.hosts import open_fetcher
from credibility.web.page_records import record_from_page
from credibility.web.sitemaps import inflate, parse_sitemap
from credibility.web.sites import registered_domain

__all__ = [
    "MAX_FEED_ENTRIES",
    "CrawlResult",
    "Crawler",
    "Fetchers",
    "backoff_seconds",
    "iso",
    "item_hash",
    "record_from_json",
    "record_to_json",
]

log = logging.getLogger(__name__)

#: A feed listing more entries than this is refused (a news feed lists tens): reading it would
#: cost seconds of parsing for nothing a desk needs.
MAX_FEED_ENTRIES = 5000
#: Sitemaps of one sitemap index followed per run (most recent ``lastmod`` first), and how deep
#: indexes may nest.
MAX_CHILD_SITEMAPS = 100
MAX_SITEMAP_DEPTH = 3
#: Feed content shorter than this (text characters) is a teaser: the page is fetched instead.
MIN_FULL_CONTENT_CHARS = 200
#: How long a watch run waits for a ``Retry-After`` before giving up on that request for this run.
MAX_RETRY_WAIT = 10.0

_NOT_A_FEED = "point `feed:` at the site's RSS or Atom feed, or use `url:` for a page"
_ENTRY_TAGS = re.compile(rb"<(?:item|entry)[\s>/]", re.IGNORECASE)


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


def backoff_seconds(failures: int, settings: Settings) -> float:
    """Seconds to wait after ``failures`` failures in a row: ``watch_backoff`` doubled per failure, capped."""
    if failures <= 0:
        return 0.0
    return float(min(settings.watch_backoff * 2 ** (failures - 1), settings.watch_backoff_max))


def item_hash(record: ArticleRecord, list_name: ListName) -> str:
    """The content hash of an item: the check's (normalized text) for monitored articles; text, claim
    and rating for verified ones (a fact-check may have no text)."""
    if list_name == "monitor":
        return text_hash(record.text)
    return content_hash(record.text, record.claim, record.rating)


def record_to_json(record: ArticleRecord) -> str:
    return json.dumps(dataclasses.asdict(record), ensure_ascii=False)


def record_from_json(data: str) -> ArticleRecord:
    fields = json.loads(data)
    return ArticleRecord(**{k: v for k, v in fields.items() if k in ArticleRecord.__slots__})


class Fetchers(contextlib.AbstractContextManager["Fetchers"]):
    """One fetcher for the run, and one per set of ``allow_host`` (the hole is for that entry only)."""

    def __init__(self, settings: Settings, factory: Callable[..., Fetcher] | None = None) -> None:
        self.settings = settings
        self._factory = factory or open_fetcher
        self._fetchers: dict[tuple[str, ...], Fetcher] = {}
        self._lock = threading.Lock()

    def for_entry(self, entry: SourceEntry) -> Fetcher:
        key = tuple(sorted(entry.allow_host))
        with self._lock:  # sources are crawled in threads
            if key not in self._fetchers:
                settings = self.settings
                if key:
                    settings = settings.model_copy(update={"allow_hosts": (*settings.allow_hosts, *key)})
                self._fetchers[key] = self._factory(settings, max_retry_wait=MAX_RETRY_WAIT)
            return self._fetchers[key]

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            for fetcher in self._fetchers.values():
                fetcher.close()
            self._fetchers.clear()


@dataclass(frozen=True, slots=True)
class Listed:
    """One item a listing gives."""

    key: str  # the item's URL as listed (or the entry id of a feed entry without a link)
    link: str  # what to fetch ("" when the listing carries the text)
    hint: str = ""
    hint_time: str = ""
    title: str = ""
    published: str = ""
    record: ArticleRecord | None = None
    credits: PageCredits | None = None


@dataclass
class Listing:
    items: list[Listed] = field(default_factory=list)
    not_modified: bool = False
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] | None = None
    title: str = ""


@dataclass
class CrawlResult:
    """What one source did in one run: its new state and items, ready to be written together."""

    run: SourceRun
    state: SourceState
    items: list[WatchItem] = field(default_factory=list)
    changes: list[ContentChange] = field(default_factory=list)
    extra: dict[str, Any] | None = None


class SourceFailed(CredibilityError):
    """The source as a whole failed this run (its message says why)."""


@dataclass
class _Tally:
    listed: int = 0
    unchanged: int = 0
    fetched: int = 0
    new: int = 0
    changed: int = 0
    known: int = 0
    queued: int = 0
    failed: int = 0
    attempted: int = 0
    problems: list[LoadProblem] = field(default_factory=list)
    first_error: str = ""


def _fingerprint(entry: FeedEntry) -> str:
    parts = [entry.id, entry.link, entry.title, entry.published, entry.updated, entry.summary, entry.content]
    return hashlib.blake2b("\x1f".join(parts).encode("utf-8"), digest_size=12).hexdigest()


def _utc(value: str) -> str:
    """An ISO 8601 date as UTC with seconds, "" when it does not parse."""
    if not value:
        return ""
    try:
        when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return ""
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return iso(when)


def _text_length(html: str) -> int:
    """Characters of text in an HTML fragment."""
    if not html.strip():
        return 0
    try:
        text = lxml.html.fragment_fromstring(html, create_parent="div").text_content()
    except (lxml.etree.ParserError, ValueError):
        text = re.sub(r"<[^>]*>", " ", html)
    return len(" ".join(text.split()))


class Crawler:
    """Crawls the web sources of one list (``verified`` or ``monitor``) at one moment (``now``)."""

    def __init__(
        self,
        settings: Settings,
        store: WatchStore,
        fetchers: Fetchers,
        *,
        list_name: ListName,
        now: dt.datetime,
        content_known: Callable[[str], bool],
    ) -> None:
        self.settings = settings
        self.store = store
        self.fetchers = fetchers
        self.list = list_name
        self.now = now
        self.stamp = iso(now)
        self._content_known = content_known

    # --- the state ----------------------------------------------------------------------------

    def state_of(self, entry: SourceEntry) -> SourceState:
        state = self.store.source(entry.source_id)
        if state is None:
            state = SourceState(
                source_id=entry.source_id,
                list=self.list,
                type=entry.type,
                location=entry.location,
                site=registered_domain(entry.location) if entry.is_web else "",
            )
        return replace(state, name=entry.source)

    def is_due(self, state: SourceState) -> bool:
        return not state.next_due or state.next_due <= self.stamp

    def not_due(self, entry: SourceEntry, state: SourceState) -> SourceRun:
        return SourceRun(
            source_id=entry.source_id,
            list=self.list,
            type=entry.type,
            location=entry.location,
            status="not_due",
            name=entry.source,
            error=state.last_error if state.failing else "",
            failures=state.failures,
            next_due=state.next_due,
        )

    # --- one source ---------------------------------------------------------------------------

    def crawl(self, entry: SourceEntry) -> CrawlResult:
        """List, fetch and extract what is new in one web source; never raises for the source's own
        failures (they are the result)."""
        state = self.state_of(entry)
        mine = self.store.items(entry.source_id)
        extra = self.store.extra(entry.source_id)
        fetcher = self.fetchers.for_entry(entry)
        tally = _Tally()
        items: dict[str, WatchItem] = {}
        changes: list[ContentChange] = []
        listing: Listing | None = None
        try:
            listing = self._list(entry, fetcher, extra)
            self._process(entry, fetcher, listing, mine, tally, items, changes)
            usable = tally.new or tally.changed or tally.known or tally.unchanged
            if tally.attempted and tally.failed == tally.attempted and not usable:
                if entry.type == "url":
                    raise SourceFailed(tally.first_error)
                raise SourceFailed(
                    f"every article failed ({tally.failed} of {tally.attempted}); first: {tally.first_error}"
                )
        except sqlite3.Error:  # the store itself: not the source's fault
            raise
        except Exception as exc:  # one source's failure never stops the run
            if not isinstance(exc, CredibilityError):
                log.exception("unexpected failure crawling %s", entry.label)
            return self._failed(entry, state, exc, mine, items, tally, listing)
        status = "ok" if (tally.new or tally.changed or tally.known) else "not_modified"
        next_due = iso(self.now + dt.timedelta(seconds=entry.every)) if entry.every else ""
        new_state = replace(
            state,
            last_attempt=self.stamp,
            last_success=self.stamp,
            last_status=status,
            failures=0,
            next_due=next_due,
            last_error="",
            notes=tuple(listing.notes),
            runs=state.runs + 1,
        )
        run = self._run(entry, status, tally, new_state, notes=listing.notes)
        return CrawlResult(run, new_state, list(items.values()), changes, listing.extra)

    def _failed(
        self,
        entry: SourceEntry,
        state: SourceState,
        exc: Exception,
        mine: dict[str, WatchItem],
        items: dict[str, WatchItem],
        tally: _Tally,
        listing: Listing | None,
    ) -> CrawlResult:
        message = str(exc) if isinstance(exc, CredibilityError) else f"{type(exc).__name__}: {exc}"
        failures = state.failures + 1
        wait = backoff_seconds(failures, self.settings)
        retry_after = getattr(exc, "retry_after", None)
        if isinstance(retry_after, int | float) and retry_after > wait:
            wait = float(retry_after)
        if entry.every and entry.every > wait:
            wait = entry.every
        new_state = replace(
            state,
            last_attempt=self.stamp,
            last_status="failed",
            failures=failures,
            next_due=iso(self.now + dt.timedelta(seconds=wait)),
            last_error=message[:2000],
            notes=tuple(listing.notes) if listing else (),
            runs=state.runs + 1,
            total_failures=state.total_failures + 1,
        )
        # What the listing named is kept, queued: next time the listing may answer 304.
        kept = []
        for item in items.values():
            if item.status in ("failed", "queued"):
                kept.append(replace(item, status="queued", error=item.error))
            elif item.status == "pending" or item.status == "done":
                kept.append(item)
        run = self._run(entry, "failed", tally, new_state, error=message)
        log.warning(
            "source %s failed (%d in a row, next try %s): %s",
            entry.label,
            failures,
            new_state.next_due,
            message,
        )
        return CrawlResult(run, new_state, kept, [], listing.extra if listing else None)

    def _run(
        self,
        entry: SourceEntry,
        status: str,
        tally: _Tally,
        state: SourceState,
        *,
        error: str = "",
        notes: Sequence[str] = (),
    ) -> SourceRun:
        problems = [*tally.problems, *(LoadProblem(entry.location, note) for note in notes)]
        return SourceRun(
            source_id=entry.source_id,
            list=self.list,
            type=entry.type,
            location=entry.location,
            status=status,  # type: ignore[arg-type]
            name=entry.source,
            listed=tally.listed,
            unchanged=tally.unchanged,
            fetched=tally.fetched,
            new=tally.new,
            changed=tally.changed,
            known=tally.known,
            queued=tally.queued,
            failed=tally.failed,
            error=error,
            failures=state.failures,
            next_due=state.next_due,
            problems=tuple(problems),
        )

    # --- listings -----------------------------------------------------------------------------

    def _list(self, entry: SourceEntry, fetcher: Fetcher, extra: dict[str, Any]) -> Listing:
        if entry.type == "feed":
            return self._list_feed(entry, fetcher)
        if entry.type == "sitemap":
            return self._list_sitemap(entry, fetcher, extra)
        return Listing([Listed(key=entry.location, link=entry.location)])

    def _kind(self, entry: SourceEntry) -> ArticleKind:
        return getattr(entry, "kind", "reporting")

    def _list_feed(self, entry: SourceEntry, fetcher: Fetcher) -> Listing:
        try:
            page = fetcher.fetch(entry.location, expect="feed", conditional=True, respect_robots=None)
        except ContentTypeError as exc:
            raise SourceFailed(f"{exc} ({_NOT_A_FEED})") from None
        if page.not_modified:
            return Listing(not_modified=True)
        entries = len(_ENTRY_TAGS.findall(page.body))
        if entries > MAX_FEED_ENTRIES:
            raise SourceFailed(
                f"{entry.location} lists about {entries:,} entries, more than the {MAX_FEED_ENTRIES:,} "
                "a feed may list here; not read (point the entry at a news feed, or use a sitemap)"
            )
        declared = re.search(r"charset\s*=\s*[\"']?([\w.:-]+)", page.headers.get("content-type", ""), re.I)
        try:
            feed = read_feed(page.body, page.final_url, charset=declared.group(1) if declared else "")
        except InputError as exc:
            html = page.content_type in ("text/html", "application/xhtml+xml")
            raise SourceFailed(f"{exc} ({_NOT_A_FEED})" if html else str(exc)) from None
        notes = [f"{p.origin}: {p.message}" for p in feed.problems]
        kind = self._kind(entry)
        listed: list[Listed] = []
        for item in feed.entries:
            full = _text_length(item.content) >= MIN_FULL_CONTENT_CHARS
            # A fact-checker's page carries its ClaimReview markup: fetch the page when there is one.
            fetch_page = bool(item.link) and (not full or kind == "factcheck")
            record = None
            credits = PageCredits(bylines=(item.author,) if item.author else ())
            if not fetch_page:
                record = self._entry_record(entry, item, feed.title, page.final_url)
                if record is None:
                    notes.append(f"{page.final_url} ({item.id}): the entry has no text to use; skipped")
                    continue
                if self.list == "monitor":
                    credits = credits.merged(page_credits(item.content or item.summary, item.link))
            listed.append(
                Listed(
                    key=item.link or item.id,
                    link=item.link if fetch_page else "",
                    hint=_fingerprint(item),
                    hint_time=_utc(item.updated or item.published),
                    title=item.title,
                    published=item.published,
                    record=record,
                    credits=credits,
                )
            )
        if not listed and feed.problems:
            raise SourceFailed(
                f"no usable entry in {page.final_url}: {len(feed.problems)} skipped "
                f"(first: {feed.problems[0].message})"
            )
        return Listing(listed, notes=notes, title=feed.title)

    def _entry_record(
        self, entry: SourceEntry, item: FeedEntry, feed_title: str, feed_url: str
    ) -> ArticleRecord | None:
        text = ""
        if item.content:
            try:
                text = extract_article(
                    f"<html><body><article>{item.content}</article></body></html>", item.link or feed_url
                ).text
            except ExtractionError:
                text = " ".join(re.sub(r"<[^>]*>", " ", item.content).split())
        text = text or item.summary
        if not text.strip():
            return None
        return ArticleRecord(
            id=item.link or item.id,
            text=text,
            title=item.title,
            url=item.link,
            source=entry.source or feed_title or registered_domain(feed_url),
            published=item.published,
            kind=self._kind(entry),
            origin=f"{feed_url} ({item.id})",
        )

    def _list_sitemap(self, entry: SourceEntry, fetcher: Fetcher, extra: dict[str, Any]) -> Listing:
        indexes: dict[str, list[list[str]]] = dict(extra.get("indexes") or {})
        seen_children: dict[str, str] = dict(extra.get("children") or {})
        visited: set[str] = set()
        queue: list[tuple[str, int]] = [(entry.location, 0)]
        urls: dict[str, Listed] = {}
        notes: list[str] = []
        read = not_modified = 0
        errors: list[str] = []
        while queue:
            url, depth = queue.pop(0)
            key = url.split("#", 1)[0]
            if key in visited:
                continue
            visited.add(key)
            try:
                page = fetcher.fetch(url, expect="any", conditional=True, respect_robots=None)
            except FetchError as exc:
                if depth == 0:
                    raise
                errors.append(str(exc))
                continue
            if page.not_modified:
                not_modified += 1
                # An index that did not change may still point at sitemaps that did.
                for loc, lastmod in indexes.get(key, []):
                    if loc.split("#", 1)[0] not in visited and depth < MAX_SITEMAP_DEPTH:
                        if lastmod and seen_children.get(loc) == lastmod:
                            continue
                        queue.append((loc, depth + 1))
                continue
            body = inflate(page.body, self.settings.fetch_max_bytes, page.final_url)
            try:
                sitemap = parse_sitemap(body, page.final_url)
            except InputError as exc:
                if depth == 0:
                    raise SourceFailed(str(exc)) from None
                errors.append(str(exc))
                continue
            read += 1
            notes.extend(f"{p.origin}: {p.message}" for p in sitemap.problems)
            if sitemap.kind == "index":
                refs = sorted(sitemap.sitemaps, key=lambda r: r.lastmod_utc, reverse=True)
                if len(refs) > MAX_CHILD_SITEMAPS:
                    notes.append(
                        f"{page.final_url} lists {len(refs):,} sitemaps; the {MAX_CHILD_SITEMAPS} most recent "
                        "are read"
                    )
                    refs = refs[:MAX_CHILD_SITEMAPS]
                indexes[key] = [[r.loc, r.lastmod] for r in refs]
                for ref in refs:
                    child = ref.loc.split("#", 1)[0]
                    if child in visited or child == key:
                        notes.append(f"sitemap loop: {page.final_url} lists {ref.loc}, already read; skipped")
                        continue
                    if depth + 1 > MAX_SITEMAP_DEPTH:
                        notes.append(f"{ref.loc}: sitemap indexes nested too deep; skipped")
                        continue
                    if ref.lastmod and seen_children.get(ref.loc) == ref.lastmod:
                        continue  # lastmod honoured: not changed since it was read
                    queue.append((ref.loc, depth + 1))
                    if ref.lastmod:
                        seen_children[ref.loc] = ref.lastmod
                continue
            for u in sitemap.urls:
                if u.loc not in urls:
                    urls[u.loc] = Listed(
                        key=u.loc,
                        link=u.loc,
                        hint=u.lastmod,
                        hint_time=u.lastmod_utc,
                        title=u.title,
                        published=u.lastmod_utc if u.title else "",
                    )
        if errors:
            notes.extend(errors)
            if not read and not not_modified:
                raise SourceFailed("; ".join(errors))
        if not urls and not not_modified and any(n.startswith("sitemap loop") for n in notes):
            raise SourceFailed(
                "; ".join(n for n in notes if n.startswith("sitemap loop")) + ": no page listed"
            )
        # Newest first, so max_items takes the latest articles.
        ordered = sorted(urls.values(), key=lambda c: c.hint_time, reverse=True)
        return Listing(
            ordered,
            not_modified=not urls and not_modified > 0,
            notes=notes,
            extra={"indexes": indexes, "children": seen_children},
        )

    # --- items --------------------------------------------------------------------------------

    def _process(
        self,
        entry: SourceEntry,
        fetcher: Fetcher,
        listing: Listing,
        mine: dict[str, WatchItem],
        tally: _Tally,
        items: dict[str, WatchItem],
        changes: list[ContentChange],
    ) -> None:
        budget = entry.max_items or self.settings.watch_max_items
        listed_keys = {c.key for c in listing.items}
        # Items queued by earlier runs come first (oldest first), then the listing's.
        queued = [
            Listed(
                key=item.url,
                link=item.url if not item.record else "",
                hint=item.hint,
                hint_time=item.hint_time,
                title=item.title,
                record=record_from_json(item.record) if item.record else None,
                credits=item.credits,
            )
            for item in sorted(mine.values(), key=lambda i: i.first_seen)
            if item.status == "queued" and item.url not in listed_keys
        ]
        tally.listed = len(listing.items)
        to_fetch: list[Listed] = []
        for candidate in [*queued, *listing.items]:
            prev = mine.get(candidate.key)
            if prev is not None and prev.status == "pending":
                items[candidate.key] = replace(prev, last_seen=self.stamp)
                continue
            if (
                prev is not None
                and prev.status in ("done", "failed")
                and self._unchanged(entry, prev, candidate)
            ):
                tally.unchanged += 1
                items[candidate.key] = replace(prev, last_seen=self.stamp, hint=candidate.hint or prev.hint)
                continue
            if prev is None and candidate.record is None:
                other = self.store.seen_url(self.list, candidate.key, besides=entry.source_id)
                if other is not None and (
                    not candidate.hint_time or (other.fetched_at and candidate.hint_time <= other.fetched_at)
                ):
                    tally.known += 1
                    items[candidate.key] = self._item(
                        entry,
                        candidate,
                        None,
                        status="done",
                        content=other.content_hash,
                        credits=other.credits,
                    )
                    continue
            if budget <= 0:
                tally.queued += 1
                items[candidate.key] = self._queued(entry, candidate, prev)
                continue
            budget -= 1
            if candidate.record is not None:
                tally.attempted += 1
                self._content(
                    entry, candidate, candidate.record, candidate.credits, prev, tally, items, changes
                )
            else:
                to_fetch.append(candidate)
        if not to_fetch:
            return
        pages = fetcher.fetch_many(
            [c.link for c in to_fetch], expect="html", conditional=True, respect_robots=None
        )
        for candidate, page in zip(to_fetch, pages, strict=True):
            prev = mine.get(candidate.key)
            tally.attempted += 1
            tally.fetched += 1
            try:
                if isinstance(page, FetchError):
                    raise page
                if page.not_modified:
                    if prev is not None and prev.content_hash:
                        tally.unchanged += 1
                        items[candidate.key] = replace(
                            prev,
                            status="done" if prev.status != "pending" else prev.status,
                            hint=candidate.hint or prev.hint,
                            hint_time=candidate.hint_time or prev.hint_time,
                            last_seen=self.stamp,
                            fetched_at=self.stamp,
                            error="",
                        )
                        continue
                    # Validators from another use of this URL, but no content here: fetch it whole.
                    page = fetcher.fetch(
                        candidate.link, expect="html", conditional=False, respect_robots=None
                    )
                record, credits = self._extract(entry, page, candidate)
            except FetchError as exc:
                self._item_failed(entry, candidate, prev, str(exc), tally, items)
                continue
            self._content(entry, candidate, record, credits, prev, tally, items, changes)

    def _unchanged(self, entry: SourceEntry, prev: WatchItem, candidate: Listed) -> bool:
        """Whether the listing says the item is as it was (no fetch needed)."""
        if entry.type == "url":
            return False  # a page is asked for conditionally every time: the 304 says it
        if candidate.hint:
            return candidate.hint == prev.hint
        # A sitemap URL without lastmod: a known page is not fetched again.
        return prev.status == "done"

    def _extract(
        self, entry: SourceEntry, page: FetchedPage, candidate: Listed
    ) -> tuple[ArticleRecord, PageCredits | None]:
        record = record_from_page(page, kind=self._kind(entry), source=entry.source)
        credits: PageCredits | None = None
        if self.list == "monitor":
            credits = page_credits(page.text, page.final_url)
            if candidate.credits is not None:
                credits = credits.merged(candidate.credits)
        return (
            replace(
                record,
                title=candidate.title or record.title,
                published=candidate.published or record.published,
            ),
            credits,
        )

    def _content(
        self,
        entry: SourceEntry,
        candidate: Listed,
        record: ArticleRecord,
        credits: PageCredits | None,
        prev: WatchItem | None,
        tally: _Tally,
        items: dict[str, WatchItem],
        changes: list[ContentChange],
    ) -> None:
        if not record.text.strip() and not record.claim:
            self._item_failed(entry, candidate, prev, f"{candidate.key}: no article text", tally, items)
            return
        if self.list == "monitor" and credits is None:
            credits = PageCredits(credit_lines=credit_lines(record.text))
        digest = item_hash(record, self.list)
        if prev is not None and prev.content_hash == digest:
            tally.unchanged += 1
            items[candidate.key] = replace(
                prev,
                status="done",
                hint=candidate.hint or prev.hint,
                hint_time=candidate.hint_time or prev.hint_time,
                last_seen=self.stamp,
                fetched_at=self.stamp,
                credits=credits or prev.credits,
                error="",
            )
            return
        changed = prev is not None and bool(prev.content_hash)
        if changed and prev is not None:
            tally.changed += 1
            changes.append(
                ContentChange(entry.source_id, candidate.key, prev.content_hash, digest, self.stamp)
            )
        known = (
            self._content_known(digest)
            or self.store.seen_content(self.list, digest)
            or any(i.content_hash == digest and i.status in ("pending", "done") for i in items.values())
        )
        if known:
            if not changed:
                tally.known += 1
            status = "done"
        else:
            if not changed:
                tally.new += 1
            status = "pending"
        item = self._item(entry, candidate, prev, status=status, content=digest, credits=credits)
        items[candidate.key] = replace(
            item,
            record=record_to_json(record) if status == "pending" else "",
            title=record.title or item.title,
            site=registered_domain(record.url or candidate.key) or item.site,
            changed_at=self.stamp if changed else (item.changed_at or self.stamp),
            versions=(prev.versions + 1) if changed and prev is not None else item.versions,
        )

    def _item(
        self,
        entry: SourceEntry,
        candidate: Listed,
        prev: WatchItem | None,
        *,
        status: str,
        content: str,
        credits: PageCredits | None,
    ) -> WatchItem:
        return WatchItem(
            source_id=entry.source_id,
            url=candidate.key,
            list=self.list,
            status=status,  # type: ignore[arg-type]
            hint=candidate.hint,
            hint_time=candidate.hint_time,
            content_hash=content,
            site=registered_domain(candidate.link or candidate.key) or registered_domain(entry.location),
            title=candidate.title or (prev.title if prev else ""),
            first_seen=prev.first_seen if prev else self.stamp,
            last_seen=self.stamp,
            fetched_at=self.stamp,
            changed_at=prev.changed_at if prev else self.stamp,
            versions=prev.versions if prev else 0,
            credits=credits,
        )

    def _queued(self, entry: SourceEntry, candidate: Listed, prev: WatchItem | None) -> WatchItem:
        base = prev or self._item(
            entry, candidate, None, status="queued", content="", credits=candidate.credits
        )
        return replace(
            base,
            status="queued",
            hint=candidate.hint,
            hint_time=candidate.hint_time,
            last_seen=self.stamp,
            fetched_at=prev.fetched_at if prev else "",
            record=record_to_json(candidate.record) if candidate.record is not None else "",
        )

    def _item_failed(
        self,
        entry: SourceEntry,
        candidate: Listed,
        prev: WatchItem | None,
        message: str,
        tally: _Tally,
        items: dict[str, WatchItem],
    ) -> None:
        tally.failed += 1
        tally.first_error = tally.first_error or message
        tally.problems.append(LoadProblem(candidate.key, message))
        base = prev or self._item(
            entry, candidate, None, status="failed", content="", credits=candidate.credits
        )
        items[candidate.key] = replace(
            base,
            status="failed",
            hint=candidate.hint,
            hint_time=candidate.hint_time,
            last_seen=self.stamp,
            fetched_at=self.stamp,
            record=record_to_json(candidate.record) if candidate.record is not None else "",
            error=message[:2000],
        )
