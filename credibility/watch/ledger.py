"""The ledger math: from the items of the monitored sources and their reviewed checks to
:class:`~credibility.model.ledger.Ledger` rows, by site and by source.

An article is one item (a URL of a source) with its current content; its figures come from the
latest stored check of that content, *reviewed* (a flag a reviewer dismissed does not count). A
site counts each URL once, whichever of its sources listed it. An article's date is when its
current content was first seen (``--since`` and the weeks use it).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from credibility.model.ledger import LEDGER_LABELS, Ledger, LedgerArticle, LedgerRow, LedgerWeek
from credibility.model.result import ArticleCheck
from credibility.model.watch import Attribution, SourceState, WatchItem
from credibility.watch.attribution import attribute, copied_articles

__all__ = ["LedgerArticleFacts", "article_facts", "build_ledger", "iso_week"]

#: Flagged articles listed per row (the worst first).
MAX_FLAGGED_LISTED = 200
_LABEL_RANK = {"debunked": 0, "injected": 1, "altered": 2, "mixed": 3, "unsupported": 4, "clean": 5}


def iso_week(timestamp: str) -> str:
    """``2026-11-30T08:00:00+00:00`` -> ``2026-W49``."""
    try:
        when = dt.datetime.fromisoformat(timestamp)
    except ValueError:
        return ""
    year, week, _ = when.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass(frozen=True, slots=True)
class LedgerArticleFacts:
    """One monitored article as the ledger counts it."""

    item: WatchItem
    check_key: str
    check: ArticleCheck
    seen_at: str
    attributions: tuple[Attribution, ...]
    labels: frozenset[str]
    sentences: int
    flagged_sentences: int

    @property
    def copying(self) -> bool:
        return bool(self.attributions)

    @property
    def uncredited(self) -> tuple[str, ...]:
        return tuple(a.publisher for a in self.attributions if not a.credited)


def article_facts(item: WatchItem, check_key: str, check: ArticleCheck) -> LedgerArticleFacts:
    """The ledger's view of one item and its reviewed check."""
    flagged = check.flagged
    return LedgerArticleFacts(
        item=item,
        check_key=check_key,
        check=check,
        seen_at=item.changed_at or item.first_seen,
        attributions=attribute(copied_articles(check), item.credits, item.url),
        labels=frozenset(s.label for s in flagged),
        sentences=sum(1 for s in check.sentences if s.label != "not_checked"),
        flagged_sentences=len(flagged),
    )


def _row(
    scope: str,
    key: str,
    name: str,
    kind: str,
    articles: Sequence[LedgerArticleFacts],
    *,
    sources: Iterable[str] = (),
    state: SourceState | None = None,
) -> LedgerRow:
    publishers: Counter[str] = Counter()
    uncredited_publishers: Counter[str] = Counter()
    labels: Counter[str] = Counter()
    weeks: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for a in articles:
        publishers.update({credit.publisher for credit in a.attributions})
        uncredited_publishers.update(set(a.uncredited))
        labels.update(a.labels & set(LEDGER_LABELS))
        week = weeks[iso_week(a.seen_at)]
        week[0] += 1
        week[1] += 1 if a.labels else 0
        week[2] += a.sentences
        week[3] += a.flagged_sentences
    flagged = sorted(
        (a for a in articles if a.labels),
        key=lambda a: (_LABEL_RANK.get(a.check.verdict.label, 9), -a.flagged_sentences, a.item.url),
    )
    return LedgerRow(
        scope=scope,  # type: ignore[arg-type]
        key=key,
        name=name,
        kind=kind,
        sources=tuple(sorted(set(sources))),
        articles=len(articles),
        copying=sum(1 for a in articles if a.copying),
        publishers=dict(sorted(publishers.items())),
        uncredited=sum(1 for a in articles if a.uncredited),
        uncredited_publishers=dict(sorted(uncredited_publishers.items())),
        labels={label: labels.get(label, 0) for label in LEDGER_LABELS},
        flagged_articles=sum(1 for a in articles if a.labels),
        sentences=sum(a.sentences for a in articles),
        flagged_sentences=sum(a.flagged_sentences for a in articles),
        changed=sum(1 for a in articles if a.item.versions),
        first_seen=min((a.item.first_seen for a in articles), default=""),
        last_seen=max((a.item.last_seen for a in articles), default=""),
        weeks=tuple(LedgerWeek(w, *counts) for w, counts in sorted(weeks.items()) if w),
        flagged=tuple(
            LedgerArticle(
                url=a.item.url,
                title=a.check.article.title or a.item.title,
                label=a.check.verdict.label,
                check_key=a.check_key,
                labels=tuple(sorted(a.labels)),
                flagged_sentences=a.flagged_sentences,
            )
            for a in flagged[:MAX_FLAGGED_LISTED]
        ),
        state=state,
    )


def _worst_first(row: LedgerRow) -> tuple[float, int, int, str]:
    return (-row.flagged_share, -row.flagged_articles, -row.articles, row.key)


def _stamp(moment: dt.datetime | None) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds") if moment else ""


def build_ledger(
    items: Iterable[WatchItem],
    checks: Mapping[str, tuple[str, ArticleCheck]],
    states: Sequence[SourceState],
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    generated_at: str = "",
) -> Ledger:
    """The ledger of the monitored items: ``checks`` maps a content hash to its latest stored check
    (key, reviewed check); items whose content has no stored check are left out."""
    lo, hi = _stamp(since), _stamp(until)
    facts: list[LedgerArticleFacts] = []
    for item in items:
        found = checks.get(item.content_hash)
        if item.list != "monitor" or found is None:
            continue
        article = article_facts(item, found[0], found[1])
        if (lo and article.seen_at < lo) or (hi and article.seen_at >= hi):
            continue
        facts.append(article)

    by_state = {s.source_id: s for s in states}
    by_source: dict[str, list[LedgerArticleFacts]] = defaultdict(list)
    by_site: dict[str, dict[str, LedgerArticleFacts]] = defaultdict(dict)
    site_sources: dict[str, set[str]] = defaultdict(set)
    for article in facts:
        by_source[article.item.source_id].append(article)
        site = article.item.site
        if site:
            current = by_site[site].get(article.item.url)
            if current is not None:
                # One URL listed by several sources of the site: one article, seen since the first.
                latest = article if article.seen_at > current.seen_at else current
                first = min(article.item.first_seen, current.item.first_seen)
                merged = replace(
                    latest.item,
                    first_seen=first,
                    last_seen=max(article.item.last_seen, current.item.last_seen),
                    versions=max(article.item.versions, current.item.versions),
                )
                article = replace(latest, item=merged)
            by_site[site][article.item.url] = article
            site_sources[site].add(article.item.source_id)

    sites = [
        _row("site", site, site, "site", list(urls.values()), sources=site_sources[site])
        for site, urls in by_site.items()
    ]
    source_ids = {s.source_id for s in states if s.list == "monitor"} | set(by_source)
    sources = []
    for sid in source_ids:
        state = by_state.get(sid)
        kind = state.type if state else sid.split(":", 2)[1] if sid.count(":") >= 2 else "source"
        location = state.location if state else sid.split(":", 2)[-1]
        articles = by_source.get(sid, [])
        own_sites = {a.item.site for a in articles if a.item.site} or (
            {state.site} if state and state.site else set()
        )
        sources.append(
            _row(
                "source",
                sid,
                (state.name if state and state.name else "") or location,
                kind,
                articles,
                sources=own_sites,
                state=state,
            )
        )
    return Ledger(
        generated_at=generated_at,
        since=lo,
        until=hi,
        sites=tuple(sorted(sites, key=_worst_first)),
        sources=tuple(sorted(sources, key=_worst_first)),
        verified=tuple(s for s in states if s.list == "verified"),
    )
