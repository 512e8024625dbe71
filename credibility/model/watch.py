"""Typed data of watched sources: their crawl state, what one run did with each, the items seen,
the credits a page gives and whom a copy credits (all with a JSON round trip).

A *source* is one entry of the sources file (a feed, a page, a sitemap or a local path) in one
list (``verified`` or ``monitor``); its id is ``list:type:location``. An *item* is one article of a
source, keyed by its URL as the source lists it (or the entry id of a feed entry without a link,
or the file it was read from).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, cast

from credibility.model.records import LoadProblem

ListName = Literal["verified", "monitor"]
SourceType = Literal["path", "feed", "url", "sitemap"]
SOURCE_TYPES: tuple[SourceType, ...] = ("path", "feed", "url", "sitemap")
#: What one run did with a source: fetched something new or changed (``ok``), found it unchanged
#: (``not_modified``), failed, or left it alone because it was not due (``every``, back-off).
RunStatus = Literal["ok", "not_modified", "failed", "not_due"]
#: An item is ``queued`` (listed, over the run's ``max_items``), ``pending`` (fetched, waiting to be
#: checked or indexed), ``done`` or ``failed`` (its error kept; retried when its entry changes).
ItemStatus = Literal["queued", "pending", "done", "failed"]


def source_id(list_name: ListName, kind: SourceType, location: str) -> str:
    return f"{list_name}:{kind}:{location}"


@dataclass(frozen=True, slots=True)
class SourceState:
    """The crawl state of one source, kept across runs."""

    source_id: str
    list: ListName
    type: SourceType
    location: str
    name: str = ""
    #: Registered domain of the source's location ("" for a path).
    site: str = ""
    last_attempt: str = ""
    last_success: str = ""
    last_status: str = ""
    #: Failures in a row (0 after a success).
    failures: int = 0
    #: Not fetched again before this time (ISO 8601, UTC): ``every`` after a success, the back-off
    #: (or a longer ``Retry-After``) after a failure.
    next_due: str = ""
    last_error: str = ""
    #: Warnings of the last run that did not fail the source (entries skipped, a sitemap loop).
    notes: tuple[str, ...] = ()
    runs: int = 0
    total_failures: int = 0

    @property
    def failing(self) -> bool:
        return self.failures > 0

    def as_dict(self) -> dict[str, Any]:
        data = {name: getattr(self, name) for name in self.__slots__}
        data["notes"] = list(self.notes)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SourceState:
        return cls(
            source_id=str(data["source_id"]),
            list=cast(ListName, data["list"]),
            type=cast(SourceType, data["type"]),
            location=str(data["location"]),
            name=str(data.get("name", "")),
            site=str(data.get("site", "")),
            last_attempt=str(data.get("last_attempt", "")),
            last_success=str(data.get("last_success", "")),
            last_status=str(data.get("last_status", "")),
            failures=int(data.get("failures", 0)),
            next_due=str(data.get("next_due", "")),
            last_error=str(data.get("last_error", "")),
            notes=tuple(str(n) for n in data.get("notes", ())),
            runs=int(data.get("runs", 0)),
            total_failures=int(data.get("total_failures", 0)),
        )


@dataclass(frozen=True, slots=True)
class SourceRun:
    """What one run did with one source."""

    source_id: str
    list: ListName
    type: SourceType
    location: str
    status: RunStatus
    name: str = ""
    #: Items the source listed this run (feed entries, sitemap URLs, the page, the files).
    listed: int = 0
    #: Listed items known and unchanged (not fetched again).
    unchanged: int = 0
    #: Pages fetched (a 304 counts as fetched and unchanged).
    fetched: int = 0
    new: int = 0
    changed: int = 0
    #: New to this source, but their content was seen before under another URL (not checked again).
    known: int = 0
    #: Waiting for a later run (over ``max_items``).
    queued: int = 0
    #: Items that failed (fetching or extraction); the source itself failed when all did.
    failed: int = 0
    error: str = ""
    failures: int = 0
    next_due: str = ""
    problems: tuple[LoadProblem, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        data = {name: getattr(self, name) for name in self.__slots__}
        data["problems"] = [{"origin": p.origin, "message": p.message} for p in self.problems]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SourceRun:
        counts = {
            name: int(data.get(name, 0))
            for name in ("listed", "unchanged", "fetched", "new", "changed", "known", "queued", "failed")
        }
        return cls(
            source_id=str(data["source_id"]),
            list=cast(ListName, data["list"]),
            type=cast(SourceType, data["type"]),
            location=str(data["location"]),
            status=cast(RunStatus, data["status"]),
            name=str(data.get("name", "")),
            error=str(data.get("error", "")),
            failures=int(data.get("failures", 0)),
            next_due=str(data.get("next_due", "")),
            problems=tuple(
                LoadProblem(str(p["origin"]), str(p["message"])) for p in data.get("problems", ())
            ),
            **counts,
        )


@dataclass(frozen=True, slots=True)
class PageCredits:
    """What a page says about where its text comes from."""

    #: ``<link rel="canonical">`` and ``og:url`` (absolute URLs).
    canonical: str = ""
    og_url: str = ""
    #: Author and byline texts (meta author, ``rel=author``, byline elements, the feed entry's author).
    bylines: tuple[str, ...] = ()
    #: Short lines that credit a source: "Via ...", "Source: ...", "Originally published by ...".
    credit_lines: tuple[str, ...] = ()
    #: Absolute http(s) links of the page.
    links: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "canonical": self.canonical,
            "og_url": self.og_url,
            "bylines": list(self.bylines),
            "credit_lines": list(self.credit_lines),
            "links": list(self.links),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PageCredits:
        return cls(
            canonical=str(data.get("canonical", "")),
            og_url=str(data.get("og_url", "")),
            bylines=tuple(str(b) for b in data.get("bylines", ())),
            credit_lines=tuple(str(c) for c in data.get("credit_lines", ())),
            links=tuple(str(u) for u in data.get("links", ())),
        )

    def merged(self, other: PageCredits) -> PageCredits:
        """Both sets of credits (this one's canonical and og:url first)."""
        return PageCredits(
            canonical=self.canonical or other.canonical,
            og_url=self.og_url or other.og_url,
            bylines=tuple(dict.fromkeys((*self.bylines, *other.bylines))),
            credit_lines=tuple(dict.fromkeys((*self.credit_lines, *other.credit_lines))),
            links=tuple(dict.fromkeys((*self.links, *other.links))),
        )


@dataclass(frozen=True, slots=True)
class Attribution:
    """A verified publisher a monitored article copies, and whether the article credits it."""

    publisher: str
    article_id: str
    url: str
    credited: bool
    #: How it credits it ("credit line 'Via Harbour Times'", "canonical link to the original" ...).
    how: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Attribution:
        return cls(
            publisher=str(data["publisher"]),
            article_id=str(data.get("article_id", "")),
            url=str(data.get("url", "")),
            credited=bool(data.get("credited", False)),
            how=str(data.get("how", "")),
        )


@dataclass(frozen=True, slots=True)
class WatchItem:
    """One article of a source, as the crawl state keeps it."""

    source_id: str
    url: str
    list: ListName
    status: ItemStatus
    #: What the listing said about the item last time (feed entry fingerprint, sitemap lastmod).
    hint: str = ""
    #: When the listing says the item last changed (ISO 8601, UTC), if it says.
    hint_time: str = ""
    content_hash: str = ""
    site: str = ""
    title: str = ""
    first_seen: str = ""
    last_seen: str = ""
    fetched_at: str = ""
    #: When its current content was first seen (the last change).
    changed_at: str = ""
    #: How many times its content changed after it was first seen.
    versions: int = 0
    #: The record waiting to be checked or indexed (``pending`` items only), as JSON.
    record: str = ""
    credits: PageCredits | None = None
    error: str = ""

    def as_dict(self) -> dict[str, Any]:
        data = {name: getattr(self, name) for name in self.__slots__}
        data["credits"] = self.credits.as_dict() if self.credits is not None else None
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WatchItem:
        credits = data.get("credits")
        return cls(
            source_id=str(data["source_id"]),
            url=str(data["url"]),
            list=cast(ListName, data["list"]),
            status=cast(ItemStatus, data["status"]),
            hint=str(data.get("hint", "")),
            hint_time=str(data.get("hint_time", "")),
            content_hash=str(data.get("content_hash", "")),
            site=str(data.get("site", "")),
            title=str(data.get("title", "")),
            first_seen=str(data.get("first_seen", "")),
            last_seen=str(data.get("last_seen", "")),
            fetched_at=str(data.get("fetched_at", "")),
            changed_at=str(data.get("changed_at", "")),
            versions=int(data.get("versions", 0)),
            record=str(data.get("record", "")),
            credits=PageCredits.from_dict(credits) if credits else None,
            error=str(data.get("error", "")),
        )


@dataclass(frozen=True, slots=True)
class ContentChange:
    """An item whose content changed between two fetches."""

    source_id: str
    url: str
    old_hash: str
    new_hash: str
    changed_at: str

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}
