"""``ingest-verified``: add verified reporting and fact-checks to the index.

Inputs come from the ``inputs`` parameter or the ``verified`` list of the sources
file: paths, and feeds, pages and sitemaps fetched politely and incrementally (an
unchanged feed costs one 304; only new or changed articles are fetched and
indexed; a source that fails is a problem of the report with its back-off, and
the other groups go on). Every listed path is checked before anything is written; one task per
input group writes into the index (the one writer), with retries for transient
failures only (a locked or mismatched index fails the run at once, with the
library's message). ``ingest_verified_dask`` is the same flow on a Dask task
runner: embeddings fan out to the Dask workers, writing stays here.
"""

from __future__ import annotations

import time
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from credibility.app import Home
from credibility.model.records import IngestReport
from flows.artifacts import ingest_markdown
from flows.config import FlowSettings, default_sources_file, library_settings
from flows.dask import DaskEmbedder, dask_task_runner, running_on_dask
from flows.events import emit_index_updated
from flows.sources import VerifiedInput, load_sources, require_existing
from flows.warm import retry_unless_user_error

#: Log a progress line at most this often (seconds) during a long ingest.
PROGRESS_EVERY = 5.0


@task(
    name="ingest-inputs",
    retries=2,
    retry_delay_seconds=2,
    retry_condition_fn=retry_unless_user_error,
    cache_policy=NO_CACHE,
)
def ingest_inputs(group: VerifiedInput, home: str, fan_out: bool = False) -> IngestReport:
    """Index one group of inputs (files or folders, a feed, a page or a sitemap, of one kind).
    Re-running it is safe: known articles come back ``unchanged``."""
    logger = get_run_logger()
    settings = library_settings(home)
    embedder = DaskEmbedder(settings, FlowSettings().dask_chunk) if fan_out else None
    seen = 0
    outcomes: dict[str, int] = {}
    last_log = time.monotonic()

    def progress(article_id: str, outcome: str) -> None:
        nonlocal seen, last_log
        seen += 1
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        if time.monotonic() - last_log >= PROGRESS_EVERY:
            last_log = time.monotonic()
            counts = ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items()))
            logger.info("%s: %d articles so far (%s)", group.location, seen, counts)

    logger.info("indexing %s (%s) into %s", group.label, group.kind, settings.index_dir)
    with Home(settings, embedder=embedder) as core:
        report = core.ingest_entry(group, on_article=progress)
    for problem in report.problems:
        logger.warning("skipped %s: %s", problem.origin, problem.message)
    logger.info(
        "%s: added %d, replaced %d, unchanged %d, duplicates %d, failed %d; %d sentences embedded",
        group.location,
        report.added,
        report.replaced,
        report.unchanged,
        report.duplicates,
        report.failed,
        report.sentences_embedded,
    )
    return report


@flow(name="ingest-verified", persist_result=True, log_prints=True)
def ingest_verified(
    inputs: list[VerifiedInput] | None = None,
    sources_file: str | None = None,
    home: str | None = None,
) -> IngestReport:
    """Add verified reporting and fact-checks to the index.

    Args:
        inputs: files or folders, feeds, pages or sitemaps to index, each with its kind
            (reporting or factcheck) and publisher; when empty, the `verified` list of the
            sources file.
        sources_file: YAML or TOML sources file (default: CREDIBILITY_SOURCES_FILE, else
            HOME/sources.yaml).
        home: data folder holding the index (default: CREDIBILITY_HOME).
    """
    logger = get_run_logger()
    settings = library_settings(home)
    groups = list(inputs or [])
    if not groups:
        path = Path(sources_file).expanduser() if sources_file else default_sources_file(settings)
        groups = load_sources(path).verified
        if not groups:
            from credibility.errors import InputError

            raise InputError(f"nothing to ingest: pass inputs, or list them under 'verified' in {path}")
    require_existing([g.path for g in groups if g.path], "ingest-verified")
    fan_out = running_on_dask()
    if fan_out:
        logger.info("embedding on the Dask workers; writing here")
    summary = IngestReport()
    for group in groups:
        summary = summary.merge(ingest_inputs(group, str(settings.home), fan_out))
    create_markdown_artifact(
        ingest_markdown(summary, str(settings.index_dir)),
        key="ingest-verified",
        description="Verified index update: counts added / skipped / failed, with reasons",
    )
    if summary.changed:
        emit_index_updated(summary, str(settings.index_dir))
    return summary


#: The same flow with embeddings fanned out to Dask workers (bulk ingests).
ingest_verified_dask = ingest_verified.with_options(task_runner=dask_task_runner())
