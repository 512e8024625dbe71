"""``check-article``: check one article on demand.

A thin flow: it validates the trigger, hands the check to the warm worker (see
:mod:`flows.warm`), and publishes the flagged sentences as an artifact and an
event. The worker checks against the current index, stores the result (the
source of truth) and appends the reviewer rows to the day's CSV. This module
imports neither the model nor FAISS, so a served run starts fast.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact

from credibility.app import Home
from credibility.errors import InputError
from credibility.settings import Settings
from flows.artifacts import check_markdown, check_message, finish
from flows.config import Execution, FlowSettings, library_settings, reports_dir
from flows.events import emit_flagged
from flows.models import CheckOutcome, CheckRequest
from flows.warm import require_index, run_check


def read_article(path: str, settings: Settings) -> str:
    """The text of an article file (UTF-8 text or a saved HTML page), read as the CLI reads it."""
    if not Path(path).expanduser().is_file():
        raise InputError(f"no such article file: {path}")
    return Home(settings).read_input(str(Path(path).expanduser())).text


@flow(name="check-article", persist_result=True)
def check_article(
    text: str | None = None,
    path: str | None = None,
    title: str = "",
    url: str = "",
    home: str | None = None,
    execution: Execution | None = None,
) -> CheckOutcome:
    """Check one article sentence by sentence against the verified index.

    Args:
        text: the article text (give `text` or `path`).
        path: a UTF-8 text file (or a saved HTML page) holding the article, readable where the
            check runs.
        title: the article's title, if known.
        url: where the article was published (recorded with the result; not fetched).
        home: data folder holding the index and results (default: CREDIBILITY_HOME).
        execution: "worker" (hand it to the warm worker), "local" (check in this run's process)
            or "auto": this process's warm model if it has one (runs served in-process by
            flows.serve), else the worker when one is connected, else load the model here.
            Default CREDIBILITY_EXECUTION, else auto.
    """
    logger = get_run_logger()
    flow_settings = FlowSettings()
    settings = library_settings(home)
    if (text is None) == (path is None):
        raise InputError("give the article as `text` or as `path` (exactly one of them)")
    if path is not None:
        text = read_article(path, settings)
    assert text is not None
    if not text.strip():
        raise InputError("the article is empty")
    require_index(settings)
    request = CheckRequest(
        text=text, title=title, url=url, input_name=path or "text", home=str(settings.home)
    )
    outcome = run_check(
        request,
        execution=execution or flow_settings.execution,
        csv_dir=str(reports_dir(settings, flow_settings)),
        timezone=flow_settings.timezone,
        flow_settings=flow_settings,
    )
    logger.info(
        "%s: %s, %d flagged sentence(s); stored as %s; %d new row(s) in %s",
        outcome.title or outcome.input_name,
        outcome.label,
        len(outcome.flagged),
        outcome.check_key,
        outcome.csv_rows_added,
        outcome.csv_path,
    )
    create_markdown_artifact(
        check_markdown(outcome),
        key="check-article",
        description="Flagged sentences of an on-demand check (article text escaped)",
    )
    if outcome.flagged:
        emit_flagged(outcome, source_flow="check-article")
    return finish(outcome, check_message(outcome))
