"""One watch run over the entries of one list of the sources file.

:func:`watch_sources` crawls every web source that is due (several at a time, each isolated: a
failure is that source's, recorded with its back-off), writes each source's state as soon as it
is done (one transaction per source), reads the path sources, and returns the items waiting to
be checked (``monitor``) or indexed (``verified``): the new and changed ones of this run, and any
an earlier run fetched but did not finish. :func:`finish_items` marks them done afterwards.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, replace
from pathlib import Path

from credibility.model.records import ArticleRecord, LoadProblem
from credibility.model.watch import ListName, PageCredits, SourceRun, SourceState, WatchItem
from credibility.settings import Settings
from credibility.store.watch import WatchStore
from credibility.watch.crawl import Crawler, Fetchers, iso, item_hash, record_from_json
from credibility.watch.sources import SourceEntry
from credibility.web.credits import credit_lines
from credibility.web.fetch import Fetcher
from credibility.web.sites import registered_domain

__all__ = ["Ready", "WatchPlan", "finish_items", "watch_sources"]


@dataclass(frozen=True, slots=True)
class Ready:
    """An item waiting to be checked or indexed, with its record."""

    item: WatchItem
    record: ArticleRecord


@dataclass(frozen=True, slots=True)
class WatchPlan:
    """What a watch run found: each source's run, and the items to check or index."""

    runs: tuple[SourceRun, ...]
    ready: tuple[Ready, ...]
    problems: tuple[LoadProblem, ...] = ()
    #: Items the sources listed (unchanged ones included).
    listed: int = 0
    #: Items whose content was checked (or indexed) before: recorded, not checked again.
    known: int = 0

    @property
    def failed(self) -> tuple[SourceRun, ...]:
        return tuple(r for r in self.runs if r.status == "failed")


def watch_sources(
    settings: Settings,
    store: WatchStore,
    entries: Sequence[SourceEntry],
    *,
    list_name: ListName,
    now: dt.datetime | None = None,
    content_known: Callable[[str], bool],
    force: bool = False,
    fetcher_factory: Callable[..., Fetcher] | None = None,
) -> WatchPlan:
    """Crawl the due web sources and read the path sources of one list; see the module doc.

    ``force`` fetches every web source now, whatever its ``every`` and back-off say.
    ``content_known(hash)`` says whether content was checked (or indexed) before.
    """
    now = now or dt.datetime.now(dt.UTC)
    entries = list(dict.fromkeys(entries))  # the same entry twice is one source
    runs: dict[str, SourceRun] = {}
    problems: list[LoadProblem] = []
    ready: list[Ready] = []
    known = 0
    with Fetchers(settings, fetcher_factory) as fetchers:
        crawler = Crawler(
            settings, store, fetchers, list_name=list_name, now=now, content_known=content_known
        )
        due = []
        for entry in entries:
            if not entry.is_web:
                continue
            state = crawler.state_of(entry)
            if force or crawler.is_due(state):
                due.append(entry)
            else:
                runs[entry.source_id] = crawler.not_due(entry, state)
        if due:
            workers = min(settings.watch_concurrency, len(due))
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="credibility-watch") as pool:
                futures = {pool.submit(crawler.crawl, entry): entry for entry in due}
                for future in as_completed(futures):
                    result = future.result()
                    # Written as soon as the source is done: a later failure never loses it.
                    store.save_source(
                        result.state, extra=result.extra, items=result.items, changes=result.changes
                    )
                    runs[result.run.source_id] = result.run
                    problems.extend(result.run.problems)
                    known += result.run.known
    for entry in entries:
        if entry.is_web:
            continue
        run, found, count = _read_path(settings, store, entry, list_name, now, content_known)
        runs[run.source_id] = run
        problems.extend(run.problems)
        ready.extend(found)
        known += count
    wanted = [e.source_id for e in entries if e.is_web]
    for item in store.pending(list_name, wanted):
        ready.append(Ready(item, record_from_json(item.record)))
    ordered = tuple(runs[e.source_id] for e in entries if e.source_id in runs)
    return WatchPlan(
        runs=ordered,
        ready=tuple(ready),
        problems=tuple(problems),
        listed=sum(r.listed for r in ordered),
        known=known,
    )


def _read_path(
    settings: Settings,
    store: WatchStore,
    entry: SourceEntry,
    list_name: ListName,
    now: dt.datetime,
    content_known: Callable[[str], bool],
) -> tuple[SourceRun, list[Ready], int]:
    """The articles of a path source not checked before (read again every run, as ``index add`` reads)."""
    from credibility.inputs.loaders import InputReader

    stamp = iso(now)
    mine = store.items(entry.source_id)
    previous = store.source(entry.source_id)
    reader = InputReader(max_file_bytes=settings.max_file_bytes)
    problems: list[LoadProblem] = []
    ready: list[Ready] = []
    known_items: list[WatchItem] = []
    listed = unchanged = known = 0
    seen: set[str] = set()
    for record in reader.read([entry.location]):
        if isinstance(record, LoadProblem):
            problems.append(record)
            continue
        listed += 1
        if not record.text.strip():
            problems.append(LoadProblem(record.origin or record.id, "no article text to check"))
            continue
        digest = item_hash(record, list_name)
        if digest in seen:
            continue
        seen.add(digest)
        key = record.origin or record.id or str(Path(entry.location))
        prev = mine.get(key)
        if prev is not None and prev.status == "done" and prev.content_hash == digest:
            unchanged += 1
            continue
        item = WatchItem(
            source_id=entry.source_id,
            url=key,
            list=list_name,
            status="pending",
            content_hash=digest,
            site=registered_domain(record.url) if record.url else "",
            title=record.title,
            first_seen=prev.first_seen if prev else stamp,
            last_seen=stamp,
            fetched_at=stamp,
            changed_at=stamp,
            versions=(prev.versions + 1) if prev is not None and prev.content_hash else 0,
            credits=PageCredits(credit_lines=credit_lines(record.text)),
        )
        if content_known(digest):
            known += 1
            known_items.append(replace(item, status="done"))
        else:
            ready.append(Ready(item, record))
    state = SourceState(
        source_id=entry.source_id,
        list=list_name,
        type="path",
        location=entry.location,
        name=entry.source,
        last_attempt=stamp,
        last_success=stamp,
        last_status="ok" if ready or known else "not_modified",
        runs=(previous.runs if previous else 0) + 1,
        total_failures=previous.total_failures if previous else 0,
    )
    store.save_source(state, items=known_items)
    run = SourceRun(
        source_id=entry.source_id,
        list=list_name,
        type="path",
        location=entry.location,
        status=state.last_status,  # type: ignore[arg-type]
        name=entry.source,
        listed=listed,
        unchanged=unchanged,
        new=len(ready),
        known=known,
        failed=len(problems),
        problems=tuple(problems),
    )
    return run, ready, known


def finish_items(
    store: WatchStore,
    ready: Iterable[Ready],
    *,
    done: Iterable[str],
    failed: Mapping[str, str] | None = None,
) -> int:
    """Mark the ready items whose content hash is in ``done`` as done (their record dropped), and those in
    ``failed`` (hash -> reason) as failed; returns how many were written. One transaction."""
    done_hashes = set(done)
    failed = dict(failed or {})
    updates = []
    for entry in ready:
        item = entry.item
        if item.content_hash in done_hashes:
            updates.append(replace(item, status="done", record="", error=""))
        elif item.content_hash in failed:
            updates.append(replace(item, status="failed", record="", error=failed[item.content_hash][:2000]))
    store.save_items(updates)
    return len(updates)
