"""``reviewer-report``: build (or rebuild) the reviewer CSV for a date range from the results store.

The results store is the source of truth; this writes a fresh CSV atomically, with the
reviewer decisions applied, exactly as ``credibility report csv`` does (one operation of
:class:`credibility.app.Home`). Decisions reviewers already typed into the file being
rebuilt are imported into the decision store first, so a rebuild never loses work.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from credibility.app import Home
from credibility.errors import InputError
from flows.artifacts import code
from flows.config import FlowSettings, daily_csv, day_bounds, library_settings, reports_dir, zone_info
from flows.models import ReportSummary
from flows.warm import retry_unless_user_error


@task(
    name="write-reviewer-csv",
    retries=2,
    retry_delay_seconds=1,
    retry_condition_fn=retry_unless_user_error,
    cache_policy=NO_CACHE,
)
def write_report(start: str, end: str, csv_path: str, home: str, include_all: bool = False) -> ReportSummary:
    """Rewrite ``csv_path`` with the rows of every check stored in [start, end) (ISO datetimes),
    as ``credibility report csv`` does: decisions typed into the old file are stored first,
    then every stored decision applies."""
    with Home(library_settings(home)) as core:
        result = core.report_csv(
            Path(csv_path),
            start=dt.datetime.fromisoformat(start),
            end=dt.datetime.fromisoformat(end),
            include_all=include_all,
        )
    return ReportSummary(
        csv_path=str(result.path),
        checks=result.checks,
        rows=result.rows,
        decisions_imported=result.decisions_imported,
    )


@flow(name="reviewer-report", persist_result=True)
def reviewer_report(
    start: dt.date | None = None,
    end: dt.date | None = None,
    csv_path: str | None = None,
    home: str | None = None,
    include_all: bool = False,
) -> ReportSummary:
    """Build or rebuild the reviewer CSV for a date range from the results store.

    Args:
        start: first day (default: today, in CREDIBILITY_TIMEZONE).
        end: last day, inclusive (default: `start`).
        csv_path: where to write (default: the daily file for a single day, else
            HOME/reports/reviewer-START--END.csv).
        home: data folder holding the results store (default: CREDIBILITY_HOME).
        include_all: every sentence, not only the ones that need a look.
    """
    logger = get_run_logger()
    flow_settings = FlowSettings()
    settings = library_settings(home)
    first = start or dt.datetime.now(zone_info(flow_settings.timezone)).date()
    last = end or first
    if last < first:
        raise InputError(f"the range ends ({last}) before it starts ({first})")
    folder = reports_dir(settings, flow_settings)
    if csv_path:
        target = Path(csv_path).expanduser()
    elif first == last:
        target = daily_csv(folder, first)
    else:
        target = folder / f"reviewer-{first.isoformat()}--{last.isoformat()}.csv"
    lo, hi = day_bounds(first, last, flow_settings.timezone)
    summary = write_report(lo.isoformat(), hi.isoformat(), str(target), str(settings.home), include_all)
    logger.info(
        "%s: %d rows from %d checks (%s to %s, %s); %d reviewer decisions imported from the old file",
        summary.csv_path,
        summary.rows,
        summary.checks,
        first,
        last,
        flow_settings.timezone,
        summary.decisions_imported,
    )
    create_markdown_artifact(
        f"## Reviewer CSV {first} – {last}\n\n{code(summary.csv_path, 500)}: {summary.rows} rows from "
        f"{summary.checks} checks; {summary.decisions_imported} reviewer decisions imported from the old file first.",
        key="reviewer-report",
        description="Reviewer CSV rebuilt from the results store",
    )
    return summary
