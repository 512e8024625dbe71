"""``monitor-sources``: check every article of the sources file that was not checked before.

Scheduled (and triggered after ``ingest-verified`` changed the index). "Checked
before" is by content hash in the results store, so renamed or copied files are
not checked twice. The checks run on the warm worker when one is connected, in
chunks of articles (one background task per chunk), else in the run's own
process (one model load, amortised over the batch); on a Dask task runner
(``monitor_sources_dask``) every sentence is embedded up front on the Dask
workers and the checks read those vectors. Then the day's reviewer CSV gets the
rows of every check stored that day, and each flagged article is announced with
a ``credibility.article.flagged`` event.

Bad configuration (a typo in the sources file, a missing folder, no index) fails
the run before anything is checked or written.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact

from credibility.app import Home, MonitoredArticle
from credibility.errors import InputError
from credibility.model.records import LoadProblem
from credibility.settings import Settings
from flows.artifacts import finish, monitor_markdown
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


@flow(name="monitor-sources", persist_result=True)
def monitor_sources(
    sources_file: str | None = None,
    home: str | None = None,
    execution: Execution | None = None,
) -> MonitorSummary:
    """Check every article in the monitored folders and files that was not checked before.

    Args:
        sources_file: YAML or TOML sources file whose `monitor` list names the folders and
            files to watch (default: CREDIBILITY_SOURCES_FILE, else HOME/sources.yaml).
        home: data folder holding the index and results (default: CREDIBILITY_HOME).
        execution: "worker" hands the checks to the warm worker in chunks, "local" checks in this
            run's process, "auto" (default CREDIBILITY_EXECUTION, else auto) the worker when one is
            connected.
    """
    logger = get_run_logger()
    flow_settings = FlowSettings()
    settings = library_settings(home)
    path = Path(sources_file).expanduser() if sources_file else default_sources_file(settings, flow_settings)
    entries = load_sources(path).monitor
    if not entries:
        raise InputError(f"nothing to monitor: list folders or files under 'monitor' in {path}")
    paths = [e.path for e in entries]
    require_existing(paths, f"monitor-sources ({path})")
    require_index(settings)
    home_str = str(settings.home)
    today = dt.datetime.now(zone_info(flow_settings.timezone)).date()
    csv_path = daily_csv(reports_dir(settings, flow_settings), today)

    core = warm_home(settings)
    read = core.read_articles(paths)
    articles, problems, seen = read.articles, read.problems, read.seen
    new = [a for a in articles if not core.is_checked(a.content_hash)]
    logger.info(
        "%d articles in %d source(s): %d new, %d checked before, %d unreadable",
        seen,
        len(paths),
        len(new),
        len(articles) - len(new),
        len(problems),
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

    # The day's CSV holds every check stored today: this run's, on-demand ones, and any that an
    # interrupted earlier run stored without exporting.
    lo, hi = day_bounds(today, today, flow_settings.timezone)
    day_keys = [checked.key for checked in core.stored_between(lo, hi)]
    keys = list(dict.fromkeys([*day_keys, *(o.check_key for o in outcomes)]))
    added = export_rows(keys, str(csv_path), home_str) if keys else 0

    flagged = [o.model_copy(update={"csv_path": str(csv_path)}) for o in outcomes if o.flagged]
    for outcome in flagged:
        emit_flagged(outcome, source_flow="monitor-sources")
    summary = MonitorSummary(
        articles_seen=seen,
        already_checked=len(articles) - len(new),
        checked=len(outcomes),
        flagged=len(flagged),
        failed=len(problems) + len(failed),
        csv_path=str(csv_path),
        csv_rows_added=added,
        check_keys=[o.check_key for o in outcomes],
        problems=[*problems, *failed],
    )
    create_markdown_artifact(
        monitor_markdown(summary, flagged),
        key="monitor-sources",
        description="Articles checked by the monitoring run, flagged first (article text escaped)",
    )
    logger.info(
        "checked %d, flagged %d, failed %d; %d new row(s) in %s",
        summary.checked,
        summary.flagged,
        summary.failed,
        added,
        csv_path,
    )
    return finish(
        summary, f"checked {summary.checked}, flagged {summary.flagged}, failed {summary.failed}; {csv_path}"
    )


#: The same flow with every sentence embedded up front on Dask workers (bulk checks).
monitor_sources_dask = monitor_sources.with_options(task_runner=dask_task_runner())
