"""``monitor-sources``: check every article of the sources file that was not checked before.

Scheduled (and triggered after ``ingest-verified`` changed the index). The
``monitor`` list names paths, and feeds, pages and sitemaps that are fetched
politely and incrementally (:meth:`credibility.app.Home.watch`): a source is
fetched when due (its ``every``, or its back-off after failures), an unchanged feed
costs one 304, a known article is not fetched again, and one source that fails is
one recorded failure while the run goes on for the others. "Checked before" is by
content hash in the results store, so renamed, copied or reposted articles are
not checked twice. The checks run on the warm worker when one is connected, in
chunks of articles (one background task per chunk), else in the run's own
process (one model load, amortised over the batch); on a Dask task runner
(``monitor_sources_dask``) every sentence is embedded up front on the Dask
workers and the checks read those vectors. Then the day's reviewer CSV gets the
rows of every check stored that day, each flagged article is announced with
a ``credibility.article.flagged`` event carrying its source's running figures,
and the run publishes the credibility ledger of the monitored sites and sources
as a table artifact.

Bad configuration (a typo in the sources file, a missing folder, no index) fails
the run before anything is checked or written.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact

from credibility.app import Home, Ledger, MonitoredArticle, WatchRun
from credibility.errors import InputError
from credibility.model.records import LoadProblem
from credibility.settings import Settings
from flows.artifacts import finish, ledger_markdown, monitor_markdown
from flows.config import (
    Execution,
    FlowSettings,
    daily_csv,
    day_bounds,
    default_sources_file,
    library_settings,
    reports_dir,
    zone_info,
)
from flows.dask import DaskEmbedder, PrimedEmbedder, dask_task_runner, running_on_dask
from flows.events import emit_flagged
from flows.models import CheckOutcome, CheckRequest, MonitorSummary
from flows.sources import load_sources, require_existing
from flows.warm import (
    check_and_store,
    check_batch,
    export_rows,
    require_index,
    start_waiter,
    use_worker,
    wait_for_result,
    warm_home,
)


def _request(article: MonitoredArticle, home: str) -> CheckRequest:
    record = article.record
    return CheckRequest(
        text=record.text, title=record.title, url=record.url, input_name=record.origin or record.id, home=home
    )


#: Articles per background task when a monitoring run hands its checks to the warm worker.
WORKER_BATCH = 20


def _check_on_worker(
    articles: list[MonitoredArticle], home: str, timeout: float
) -> tuple[list[CheckOutcome], list[LoadProblem]]:
    start_waiter()
    requests = [_request(a, home) for a in articles]
    futures = [
        check_batch.delay(requests[start : start + WORKER_BATCH])
        for start in range(0, len(requests), WORKER_BATCH)
    ]
    outcomes: list[CheckOutcome] = []
    problems: list[LoadProblem] = []
    for future in futures:
        for result in wait_for_result(future, timeout):
            if isinstance(result, CheckOutcome):
                outcomes.append(result)
            else:
                problems.append(result)
    return outcomes, problems


def _check_here(articles: list[MonitoredArticle], home: str) -> tuple[list[CheckOutcome], list[LoadProblem]]:
    outcomes: list[CheckOutcome] = []
    problems: list[LoadProblem] = []
    for article in articles:
        state = check_and_store(_request(article, home), return_state=True)
        if state.is_completed():
            outcomes.append(state.result())
            continue
        exc = state.result(raise_on_failure=False)
        if not isinstance(exc, InputError):
            state.result()  # anything but a bad article (no index, a broken store) fails the run
        problems.append(LoadProblem(article.record.origin, str(exc)))
    return outcomes, problems


def _prime_on_dask(articles: list[MonitoredArticle], home: Home, settings: Settings) -> PrimedEmbedder:
    primed = PrimedEmbedder(DaskEmbedder(settings, FlowSettings().dask_chunk))
    primed.prime(home.sentences_of(a.record.text for a in articles))
    return primed


def _failed_hashes(articles: list[MonitoredArticle], failed: list[LoadProblem]) -> dict[str, str]:
    """The content hash of each article whose check failed, with the reason."""
    by_name: dict[str, str] = {}
    for article in articles:
        by_name.setdefault(article.record.origin or article.record.id, article.content_hash)
        by_name.setdefault(article.record.origin, article.content_hash)
    return {by_name[p.origin]: p.message for p in failed if p.origin in by_name}


def source_figures(ledger: Ledger, article: MonitoredArticle | None) -> dict[str, object]:
    """The running figures of the site and the source an article came from (never article text)."""
    if article is None:
        return {}
    figures: dict[str, object] = {}
    site = ledger.site(article.site) if article.site else None
    if site is not None:
        figures["site"] = site.figures()
    source = ledger.source(article.source_id) if article.source_id else None
    if source is not None:
        figures["source"] = source.figures()
    return figures


def _log_sources(run: WatchRun) -> None:
    logger = get_run_logger()
    for source in run.runs:
        if source.status == "failed":
            logger.warning(
                "%s %s failed (%d in a row, next try %s): %s",
                source.type,
                source.location,
                source.failures,
                source.next_due,
                source.error,
            )
        elif source.status == "not_due":
            logger.info("%s %s not due until %s", source.type, source.location, source.next_due)
        else:
            logger.info(
                "%s %s: %s; %d listed, %d unchanged, %d fetched, %d new, %d changed, %d seen before, %d queued",
                source.type,
                source.location,
                source.status,
                source.listed,
                source.unchanged,
                source.fetched,
                source.new,
                source.changed,
                source.known,
                source.queued,
            )


@flow(name="monitor-sources", persist_result=True)
def monitor_sources(
    sources_file: str | None = None,
    home: str | None = None,
    execution: Execution | None = None,
    force: bool = False,
) -> MonitorSummary:
    """Check every article of the monitored sources that was not checked before.

    Args:
        sources_file: YAML or TOML sources file whose `monitor` list names the folders, files,
            feeds, pages and sitemaps to watch (default: CREDIBILITY_SOURCES_FILE, else
            HOME/sources.yaml).
        home: data folder holding the index and results (default: CREDIBILITY_HOME).
        execution: "worker" hands the checks to the warm worker in chunks, "local" checks in this
            run's process, "auto" (default CREDIBILITY_EXECUTION, else auto) the worker when one is
            connected.
        force: fetch every feed, page and sitemap now, whatever their `every` and back-off say.
    """
    logger = get_run_logger()
    flow_settings = FlowSettings()
    settings = library_settings(home)
    path = Path(sources_file).expanduser() if sources_file else default_sources_file(settings, flow_settings)
    entries = load_sources(path).monitor
    if not entries:
        raise InputError(
            f"nothing to monitor: list folders, files, feeds, pages or sitemaps under 'monitor' in {path}"
        )
    require_existing([e.path for e in entries if e.path], f"monitor-sources ({path})")
    require_index(settings)
    home_str = str(settings.home)
    today = dt.datetime.now(zone_info(flow_settings.timezone)).date()
    csv_path = daily_csv(reports_dir(settings, flow_settings), today)

    core = warm_home(settings)
    watched = core.watch(entries, force=force)
    _log_sources(watched)
    new, problems, seen = watched.articles, watched.problems, watched.seen
    failed_sources = watched.failed_sources
    logger.info(
        "%d articles listed by %d source(s) (%d failed, %d not due): %d to check, %d checked before",
        seen,
        len(entries),
        len(failed_sources),
        sum(1 for r in watched.runs if r.status == "not_due"),
        len(new),
        watched.already_checked,
    )

    if running_on_dask():
        primed = _prime_on_dask(new, core, settings)
        logger.info("embedded the sentences of %d articles on the Dask workers", len(new))
        with core.using_embedder(primed):
            outcomes, failed = _check_here(new, home_str)
    elif new and use_worker(execution or flow_settings.execution, check_batch, settings):
        outcomes, failed = _check_on_worker(new, home_str, flow_settings.check_timeout * max(1, len(new)))
    else:
        outcomes, failed = _check_here(new, home_str)
    # The items behind the checks are done (a failed check is recorded with its reason).
    core.watch_checked(
        watched, checked=[o.content_hash for o in outcomes], failed=_failed_hashes(new, failed)
    )

    # The day's CSV holds every check stored today: this run's, on-demand ones, and any that an
    # interrupted earlier run stored without exporting.
    lo, hi = day_bounds(today, today, flow_settings.timezone)
    day_keys = [checked.key for checked in core.stored_between(lo, hi)]
    keys = list(dict.fromkeys([*day_keys, *(o.check_key for o in outcomes)]))
    added = export_rows(keys, str(csv_path), home_str) if keys else 0

    ledger = core.ledger()
    by_hash = {a.content_hash: a for a in new}
    flagged = [o.model_copy(update={"csv_path": str(csv_path)}) for o in outcomes if o.flagged]
    for outcome in flagged:
        figures = source_figures(ledger, by_hash.get(outcome.content_hash))
        emit_flagged(outcome, source_flow="monitor-sources", source=figures)
    item_failures = sum(r.failed for r in watched.runs if r.status != "failed")
    summary = MonitorSummary(
        articles_seen=seen,
        already_checked=watched.already_checked,
        checked=len(outcomes),
        flagged=len(flagged),
        failed=item_failures + len(failed),
        sources=len(watched.runs),
        sources_failed=len(failed_sources),
        csv_path=str(csv_path),
        csv_rows_added=added,
        check_keys=[o.check_key for o in outcomes],
        problems=[*problems, *failed],
        source_runs=list(watched.runs),
    )
    create_markdown_artifact(
        monitor_markdown(summary, flagged) + "\n\n" + ledger_markdown(ledger),
        key="monitor-sources",
        description="Articles checked by the monitoring run, flagged first, and the credibility ledger "
        "of the monitored sources (article text escaped)",
    )
    logger.info(
        "checked %d, flagged %d, failed %d; %d of %d source(s) failed; %d new row(s) in %s",
        summary.checked,
        summary.flagged,
        summary.failed,
        summary.sources_failed,
        summary.sources,
        added,
        csv_path,
    )
    sources_failed = f", {summary.sources_failed} source(s) failed" if summary.sources_failed else ""
    return finish(
        summary,
        f"checked {summary.checked}, flagged {summary.flagged}, failed {summary.failed}{sources_failed}; "
        f"{csv_path}",
    )


#: The same flow with every sentence embedded up front on Dask workers (bulk checks).
monitor_sources_dask = monitor_sources.with_options(task_runner=dask_task_runner())
