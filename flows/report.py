"""``reviewer-report``: build (or rebuild) the reviewer CSV for a date range from the results store.

The results store is the source of truth; this writes a fresh CSV atomically.
Decisions and notes reviewers already typed into an existing file are carried
over to the rebuilt one (matched by ``row_id``), so a rebuild never loses work.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from credibility.errors import InputError
from flows.artifacts import code
from flows.config import FlowSettings, daily_csv, day_bounds, library_settings, reports_dir, zone_info
from flows.models import ReportSummary
from flows.warm import retry_unless_user_error

REVIEWER_COLUMNS = ("reviewer_decision", "reviewer_note")


def reviewer_decisions(path: Path) -> dict[str, dict[str, str]]:
    """Decisions already typed into a reviewer CSV, by row_id."""
    if not path.exists():
        return {}
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or "row_id" not in reader.fieldnames:
            raise InputError(
                f"{path} exists but is not a reviewer CSV (no row_id column); choose another file"
            )
        return {
            row["row_id"]: {c: row.get(c) or "" for c in REVIEWER_COLUMNS}
            for row in reader
            if any(row.get(c) for c in REVIEWER_COLUMNS)
        }


@task(
    name="write-reviewer-csv",
    retries=2,
    retry_delay_seconds=1,
    retry_condition_fn=retry_unless_user_error,
    cache_policy=NO_CACHE,
)
def write_report(start: str, end: str, csv_path: str, home: str, include_all: bool = False) -> ReportSummary:
    """Rewrite ``csv_path`` with the rows of every check stored in [start, end) (ISO datetimes)."""
    from filelock import FileLock

    from credibility.reports.reviewer_csv import rows_for, write_rows
    from credibility.store.results import ResultsStore

    settings = library_settings(home)
    target = Path(csv_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    # The same lock append_rows takes: a monitor run appending meanwhile waits, and is not lost.
    with FileLock(str(target) + ".lock", timeout=60):
        kept = reviewer_decisions(target)
        rows: list[dict[str, Any]] = []
        checks = 0
        with ResultsStore(settings.results_db) as store:
            for stored in store.between(dt.datetime.fromisoformat(start), dt.datetime.fromisoformat(end)):
                checks += 1
                for row in rows_for(stored.result, include_all=include_all):
                    rows.append({**row, **kept.get(row["row_id"], {})})
        written = write_rows(target, rows)
    carried = sum(1 for row in rows if row["row_id"] in kept)
    return ReportSummary(csv_path=str(target), checks=checks, rows=written, decisions_kept=carried)


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
        "%s: %d rows from %d checks (%s to %s, %s); %d reviewer decisions kept",
        summary.csv_path,
        summary.rows,
        summary.checks,
        first,
        last,
        flow_settings.timezone,
        summary.decisions_kept,
    )
    create_markdown_artifact(
        f"## Reviewer CSV {first} – {last}\n\n{code(summary.csv_path, 500)}: {summary.rows} rows from "
        f"{summary.checks} checks; {summary.decisions_kept} reviewer decisions carried over.",
        key="reviewer-report",
        description="Reviewer CSV rebuilt from the results store",
    )
    return summary
