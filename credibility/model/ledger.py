"""The credibility ledger: what the monitored sources published, site by site and source by source.

One :class:`LedgerRow` per monitored site (registered domain of the articles' URLs) and per
monitored source (a feed, a page, a sitemap or a folder of the sources file), with the figures a
desk asks for: articles checked, how many copy verified reporting and from whom, how many of the
copies do not credit their publisher, how many carry injected, altered, debunked or unsupported
sentences, the share of the sentences flagged, first and last seen, and the same by ISO week.

Reviewer decisions count: the figures are taken from the reviewed checks, so a flag a reviewer
dismissed does not count against a site. Built by :mod:`credibility.watch.ledger`; every type
here has a JSON round trip (``as_dict`` / ``from_dict``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from credibility.model.watch import SourceState

LedgerScope = Literal["site", "source"]
#: Sentence labels the ledger counts articles by (an article counts once per label it carries).
LEDGER_LABELS: tuple[str, ...] = ("injected", "altered", "debunked", "unsupported")


def _counts(data: object) -> dict[str, int]:
    return {str(k): int(v) for k, v in dict(data or {}).items()}  # type: ignore[call-overload]


@dataclass(frozen=True, slots=True)
class LedgerWeek:
    """One ISO week of a row (articles by the week they were first seen)."""

    week: str  # "2026-W48"
    articles: int = 0
    flagged_articles: int = 0
    sentences: int = 0
    flagged_sentences: int = 0

    @property
    def flagged_share(self) -> float:
        return round(self.flagged_sentences / self.sentences, 4) if self.sentences else 0.0

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {name: getattr(self, name) for name in self.__slots__}
        data["flagged_share"] = self.flagged_share
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LedgerWeek:
        return cls(
            week=str(data["week"]),
            articles=int(data.get("articles", 0)),
            flagged_articles=int(data.get("flagged_articles", 0)),
            sentences=int(data.get("sentences", 0)),
            flagged_sentences=int(data.get("flagged_sentences", 0)),
        )


@dataclass(frozen=True, slots=True)
class LedgerArticle:
    """A flagged article of a row: where to read it, and its stored check."""

    url: str
    title: str
    label: str
    check_key: str
    labels: tuple[str, ...] = ()
    flagged_sentences: int = 0

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {name: getattr(self, name) for name in self.__slots__}
        data["labels"] = list(self.labels)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LedgerArticle:
        return cls(
            url=str(data.get("url", "")),
            title=str(data.get("title", "")),
            label=str(data.get("label", "")),
            check_key=str(data.get("check_key", "")),
            labels=tuple(str(label) for label in data.get("labels", ())),
            flagged_sentences=int(data.get("flagged_sentences", 0)),
        )


@dataclass(frozen=True, slots=True)
class LedgerRow:
    """The running figures of one monitored site or source."""

    scope: LedgerScope
    #: The registered domain (sites) or the source id ``monitor:type:location`` (sources).
    key: str
    #: What to call it: the domain, or the entry's ``source`` name, else its URL or path.
    name: str
    #: ``feed``, ``url``, ``sitemap`` or ``path`` for a source; ``site`` for a site.
    kind: str = "site"
    #: The sources whose articles a site row counts; the site of a source row.
    sources: tuple[str, ...] = ()
    articles: int = 0
    #: Articles that copy verified reporting, and the publishers copied (articles per publisher).
    copying: int = 0
    publishers: dict[str, int] = field(default_factory=dict)
    #: Copies that do not credit the publisher they copy, and per publisher.
    uncredited: int = 0
    uncredited_publishers: dict[str, int] = field(default_factory=dict)
    #: Articles carrying at least one sentence with each label (reviewer decisions applied).
    labels: dict[str, int] = field(default_factory=dict)
    #: Articles with at least one sentence to review.
    flagged_articles: int = 0
    #: Checkable sentences (``not_checked`` left out) and those flagged.
    sentences: int = 0
    flagged_sentences: int = 0
    #: Articles whose content changed after they were first seen (re-checked).
    changed: int = 0
    first_seen: str = ""
    last_seen: str = ""
    weeks: tuple[LedgerWeek, ...] = ()
    flagged: tuple[LedgerArticle, ...] = ()
    #: The crawl state (source rows of web sources).
    state: SourceState | None = None

    @property
    def flagged_share(self) -> float:
        return round(self.flagged_sentences / self.sentences, 4) if self.sentences else 0.0

    def count(self, label: str) -> int:
        return self.labels.get(label, 0)

    def figures(self) -> dict[str, Any]:
        """The running figures alone (no article list, no state): what an event payload carries."""
        return {
            "scope": self.scope,
            "key": self.key,
            "name": self.name,
            "articles": self.articles,
            "copying": self.copying,
            "uncredited": self.uncredited,
            "publishers": dict(self.publishers),
            **{label: self.count(label) for label in LEDGER_LABELS},
            "flagged_articles": self.flagged_articles,
            "flagged_share": self.flagged_share,
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "scope": self.scope,
            "key": self.key,
            "name": self.name,
            "kind": self.kind,
            "sources": list(self.sources),
            "articles": self.articles,
            "copying": self.copying,
            "publishers": dict(self.publishers),
            "uncredited": self.uncredited,
            "uncredited_publishers": dict(self.uncredited_publishers),
            "labels": {label: self.count(label) for label in LEDGER_LABELS},
            "flagged_articles": self.flagged_articles,
            "sentences": self.sentences,
            "flagged_sentences": self.flagged_sentences,
            "flagged_share": self.flagged_share,
            "changed": self.changed,
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
            "weeks": [w.as_dict() for w in self.weeks],
            "flagged": [a.as_dict() for a in self.flagged],
            "state": self.state.as_dict() if self.state is not None else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LedgerRow:
        state = data.get("state")
        return cls(
            scope=cast(LedgerScope, data["scope"]),
            key=str(data["key"]),
            name=str(data.get("name", "")),
            kind=str(data.get("kind", "site")),
            sources=tuple(str(s) for s in data.get("sources", ())),
            articles=int(data.get("articles", 0)),
            copying=int(data.get("copying", 0)),
            publishers=_counts(data.get("publishers")),
            uncredited=int(data.get("uncredited", 0)),
            uncredited_publishers=_counts(data.get("uncredited_publishers")),
            labels=_counts(data.get("labels")),
            flagged_articles=int(data.get("flagged_articles", 0)),
            sentences=int(data.get("sentences", 0)),
            flagged_sentences=int(data.get("flagged_sentences", 0)),
            changed=int(data.get("changed", 0)),
            first_seen=str(data.get("first_seen", "")),
            last_seen=str(data.get("last_seen", "")),
            weeks=tuple(LedgerWeek.from_dict(w) for w in data.get("weeks", ())),
            flagged=tuple(LedgerArticle.from_dict(a) for a in data.get("flagged", ())),
            state=SourceState.from_dict(state) if state else None,
        )


@dataclass(frozen=True, slots=True)
class Ledger:
    """Every monitored site and source, and the crawl state of the verified sources."""

    generated_at: str
    since: str = ""
    until: str = ""
    sites: tuple[LedgerRow, ...] = ()
    sources: tuple[LedgerRow, ...] = ()
    #: Fetch state of the verified web sources (they have no ledger figures: they are the reference).
    verified: tuple[SourceState, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.sites or self.sources or self.verified)

    def site(self, key: str) -> LedgerRow | None:
        return next((r for r in self.sites if r.key == key), None)

    def source(self, key: str) -> LedgerRow | None:
        return next((r for r in self.sources if r.key == key), None)

    def as_dict(self) -> dict[str, Any]:
        return {
            "generated_at": self.generated_at,
            "since": self.since,
            "until": self.until,
            "sites": [r.as_dict() for r in self.sites],
            "sources": [r.as_dict() for r in self.sources],
            "verified": [s.as_dict() for s in self.verified],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Ledger:
        return cls(
            generated_at=str(data.get("generated_at", "")),
            since=str(data.get("since", "")),
            until=str(data.get("until", "")),
            sites=tuple(LedgerRow.from_dict(r) for r in data.get("sites", ())),
            sources=tuple(LedgerRow.from_dict(r) for r in data.get("sources", ())),
            verified=tuple(SourceState.from_dict(s) for s in data.get("verified", ())),
        )
