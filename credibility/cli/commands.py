"""The CLI's commands: each calls one operation of :class:`credibility.app.Home` and prints its result.

Exit status: 0 on success, 1 when ``check --fail-on`` found a listed label, 2 on bad input
(one line on stderr per problem; the rest of a batch still goes in).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import TextIO

from credibility.app import Checked, Home, decode_text, read_queries
from credibility.cli import output
from credibility.errors import InputError, UsageError
from credibility.model.records import ArticleKind, LoadProblem
from credibility.model.result import LABELS

PROG = "credibility"


def cmd_index_add(
    home: Home,
    inputs: list[str],
    *,
    kind: ArticleKind,
    source: str,
    progress: bool | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    from tqdm import tqdm

    show = err.isatty() if progress is None else progress
    with tqdm(desc="indexing", unit=" articles", disable=not show, file=err) as bar:
        report = home.ingest(inputs, kind=kind, source=source, on_article=lambda _id, _outcome: bar.update(1))
    for problem in report.problems:
        print(f"{PROG}: skipped {problem.origin}: {problem.message}", file=err)
    print(output.ingest_line(report), file=out)
    return 2 if report.problems else 0


def cmd_index_stats(home: Home, *, as_json: bool, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    stats = home.stats().as_dict()
    if as_json:
        print(json.dumps(stats, indent=2, sort_keys=True), file=out)
    else:
        output.print_stats(stats, out)
    return 0


def cmd_index_rebuild(
    home: Home,
    index_type: str | None,
    *,
    backend: str | None = None,
    progress: bool | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    if backend is None:
        chosen = home.rebuild(index_type)
        print(f"rebuilt the index as {chosen} ({home.settings.index_dir})", file=out)
        return 0
    from tqdm import tqdm

    show = err.isatty() if progress is None else progress
    with tqdm(desc=f"re-embedding ({backend})", unit=" sentences", disable=not show, file=err) as bar:

        def advance(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        report = home.reembed(backend, index_type=index_type, on_progress=advance)
    print(
        f"re-embedded {report.embedded:,} distinct sentences of {report.articles:,} articles "
        f"({report.sentences:,} sentences) with {report.encoder_backend}; the index is {report.index_type} "
        f"({home.settings.index_dir})",
        file=out,
    )
    return 0


def cmd_index_remove(
    home: Home, ids: list[str], *, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    removed, unknown = home.remove(ids)
    for article_id in unknown:
        print(f"{PROG}: no article with id {article_id!r} in the index", file=err)
    print(f"removed {len(removed)} article(s)", file=out)
    return 2 if unknown else 0


def parse_labels(spec: str) -> set[str]:
    labels = {part.strip() for part in spec.split(",") if part.strip()}
    unknown = labels - set(LABELS)
    if unknown:
        raise UsageError(f"--fail-on: unknown label(s) {', '.join(sorted(unknown))}; use {', '.join(LABELS)}")
    return labels


def cmd_check(
    home: Home,
    inputs: list[str],
    *,
    as_json: bool = False,
    csv_path: Path | None = None,
    include_all: bool = False,
    fail_on: str = "",
    title: str = "",
    url: str = "",
    respect_robots: bool = False,
    html_path: Path | None = None,
    show_dismissed: bool = False,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    fail_labels = parse_labels(fail_on)
    if len(inputs) > 1 and (title or url):
        raise UsageError("--title and --url go with a single INPUT")
    failed = flagged = False
    checked: list[Checked] = []
    for item in home.check_inputs(inputs, title=title, url=url, respect_robots=respect_robots):
        if isinstance(item, LoadProblem):
            print(f"{PROG}: error: {item.message}", file=err)
            failed = True
            continue
        checked.append(item)
        check = item.check
        if csv_path is not None:
            home.export_csv([check], csv_path, include_all=include_all, show_dismissed=show_dismissed)
        if as_json:
            print(check.to_json(), file=out)
        else:
            output.print_summary(check, out)
        if any(s.label in fail_labels and not s.dismissed for s in check.sentences):
            flagged = True
    if html_path is not None:
        home.export_html([c.check for c in checked], html_path, show_dismissed=show_dismissed)
    if failed:
        return 2
    return 1 if flagged else 0


def parse_when(value: str | None, flag: str) -> dt.datetime | None:
    if not value:
        return None
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise UsageError(f"{flag}: {value!r} is not an ISO date or date-time (e.g. 2026-11-28)") from exc
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def cmd_report(
    home: Home,
    kind: str,
    path: Path,
    *,
    since: str | None = None,
    until: str | None = None,
    include_all: bool = False,
    show_dismissed: bool = False,
    out: TextIO | None = None,
) -> int:
    """Rebuild a reviewer CSV or HTML report from the results store for a date range."""
    out = out or sys.stdout
    start, end = parse_when(since, "--since"), parse_when(until, "--until")
    if kind == "csv":
        result = home.report_csv(
            path, start=start, end=end, include_all=include_all, show_dismissed=show_dismissed
        )
        kept = (
            f"; {result.decisions_imported} decision(s) typed into it stored first"
            if result.decisions_imported
            else ""
        )
        print(f"wrote {result.rows} row(s) from {result.checks} check(s) to {path}{kept}", file=out)
    else:
        result = home.report_html(path, start=start, end=end, show_dismissed=show_dismissed)
        print(f"wrote a report of {result.checks} check(s) to {path}", file=out)
    return 0


def cmd_sources(
    home: Home,
    *,
    as_json: bool = False,
    since: str | None = None,
    until: str | None = None,
    out: TextIO | None = None,
) -> int:
    """The credibility ledger of the monitored sites and sources, and the fetch state of every source."""
    out = out or sys.stdout
    ledger = home.ledger(since=parse_when(since, "--since"), until=parse_when(until, "--until"))
    if as_json:
        print(json.dumps(ledger.as_dict(), indent=2, ensure_ascii=False), file=out)
    else:
        output.print_ledger(ledger, out)
    return 0


def cmd_review_import(
    home: Home, path: Path, *, reviewer: str = "", out: TextIO | None = None, err: TextIO | None = None
) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    report = home.import_decisions(path, reviewer=reviewer)
    for warning in report.warnings:
        print(f"{PROG}: warning: {warning}", file=err)
    print(report.summary(), file=out)
    return 0


def cmd_review_stats(home: Home, *, as_json: bool, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    stats = home.review_stats()
    print(json.dumps(stats, indent=2) if as_json else output.format_review_stats(stats), file=out)
    return 0


def _read_text_arg(text: str | None) -> str:
    if text is None:
        raise UsageError("give a TEXT to search for, - for standard input, or --queries FILE.tsv")
    if text == "-":
        text = decode_text(sys.stdin.buffer.read())
    if not text.strip():
        raise InputError("the search text is empty")
    return text


def cmd_search(
    home: Home,
    text: str | None,
    *,
    k: int,
    as_json: bool,
    queries: str | None,
    out: TextIO | None = None,
) -> int:
    out = out or sys.stdout
    if k < 1:
        raise UsageError("--k must be at least 1")
    batch = read_queries(Path(queries)) if queries else [("query", _read_text_arg(text))]
    # Encode in chunks so a large query file streams its output.
    for start in range(0, len(batch), 256):
        chunk = batch[start : start + 256]
        results = home.search([t for _, t in chunk], k)
        for (query_id, query_text), hits in zip(chunk, results, strict=True):
            if queries or as_json:
                record: dict[str, object] = {"query_id": query_id, "results": [h.as_dict() for h in hits]}
                if not queries:
                    record["query"] = query_text
                print(json.dumps(record, ensure_ascii=False), file=out)
            else:
                output.print_hits(hits, out)
    return 0
