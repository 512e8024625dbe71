"""The ``credibility`` command line.

Exit status: 0 on success, 1 when ``check --fail-on`` found a listed label, 2 on
bad usage or bad input (one line on stderr, never a traceback for a user error).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import itertools
import json
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

from credibility.errors import CredibilityError, FetchError, InputError
from credibility.model.records import ARTICLE_KINDS, ArticleKind, ArticleRecord, LoadProblem
from credibility.settings import Settings

if TYPE_CHECKING:
    from credibility.web.fetch import Fetcher

PROG = "credibility"


class UsageError(CredibilityError):
    """Bad command-line usage."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def _settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {}
    if getattr(args, "home", None):
        overrides["home"] = Path(args.home).expanduser()
    base = Settings()
    if getattr(args, "allow_host", None):
        overrides["allow_hosts"] = (*base.allow_hosts, *args.allow_host)
    if getattr(args, "allow_network", None):
        overrides["allow_networks"] = (*base.allow_networks, *args.allow_network)
    if getattr(args, "respect_robots", None) is not None:
        overrides["respect_robots"] = args.respect_robots
    return Settings(**overrides)


def _add_fetch_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--allow-host",
        action="append",
        metavar="HOST",
        help="let the SSRF guard fetch this host even if it resolves to a private address (repeatable)",
    )
    parser.add_argument(
        "--allow-network",
        action="append",
        metavar="CIDR",
        help="let the SSRF guard fetch addresses in this network, e.g. 10.0.0.0/8 (repeatable)",
    )
    parser.add_argument(
        "--respect-robots",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="obey robots.txt when fetching (default: on for index add, off for check)",
    )


def _add_home(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--home",
        metavar="DIR",
        help="data folder holding the index (default: $CREDIBILITY_HOME, else a per-user data folder)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="Check articles sentence by sentence against verified reporting.")
    from credibility import __version__

    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    index = commands.add_parser("index", help="build and inspect the index of verified reporting")
    index_commands = index.add_subparsers(dest="index_command", required=True, parser_class=_Parser)
    add = index_commands.add_parser("add", help="add articles or fact-checks from files, folders or URLs")
    _add_home(add)
    add.add_argument("--kind", choices=ARTICLE_KINDS, default="reporting", help="what the inputs are")
    add.add_argument("--source", default="", help="publisher name recorded for these inputs")
    add.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None, help="progress bar")
    _add_fetch_options(add)
    add.add_argument(
        "inputs", nargs="+", metavar="INPUT", help=".txt .md .json .jsonl .jsonl.gz .csv files or folders"
    )
    stats = index_commands.add_parser("stats", help="print what the index holds")
    _add_home(stats)
    stats.add_argument("--json", action="store_true", help="print JSON")
    rebuild = index_commands.add_parser("rebuild", help="rebuild the vector index (e.g. as another type)")
    _add_home(rebuild)
    rebuild.add_argument(
        "--type", choices=("flat", "ivf", "hnsw"), help="index type (default: keep the current one)"
    )
    remove = index_commands.add_parser("remove", help="retract articles by id")
    _add_home(remove)
    remove.add_argument("ids", nargs="+", metavar="ID")

    search = commands.add_parser("search", help="find the verified items closest to a text")
    _add_home(search)
    search.add_argument("--k", type=int, default=5, help="results per query (default 5)")
    search.add_argument("--json", action="store_true", help="print JSON")
    search.add_argument(
        "--queries", metavar="FILE.tsv", help="batch mode: lines of id<TAB>text, one JSON line each"
    )
    search.add_argument("text", nargs="?", help="the text, or - for standard input")

    check = commands.add_parser("check", help="check articles sentence by sentence against the index")
    _add_home(check)
    check.add_argument("--json", action="store_true", help="one JSON object per line per article")
    check.add_argument(
        "--csv", metavar="FILE", help="append the sentences that need a look to this reviewer CSV"
    )
    check.add_argument("--all", action="store_true", help="with --csv: every sentence, not only flagged ones")
    check.add_argument(
        "--fail-on",
        metavar="LABEL,...",
        default="",
        help="exit 1 when any sentence has one of these labels (e.g. injected,debunked)",
    )
    check.add_argument("--html", metavar="FILE", help="write a self-contained HTML report of these articles")
    check.add_argument(
        "--show-dismissed", action="store_true", help="keep rows a reviewer dismissed as false positives"
    )
    check.add_argument("--title", default="", help="title of the article (single input)")
    check.add_argument("--url", default="", help="URL the article was published at (single input)")
    _add_fetch_options(check)
    check.add_argument(
        "inputs", nargs="+", metavar="INPUT", help="text or HTML files, URLs, or - for standard input"
    )

    report = commands.add_parser("report", help="rebuild a reviewer CSV or HTML report from stored checks")
    report_commands = report.add_subparsers(dest="format", required=True, parser_class=_Parser)
    for fmt, what in (("csv", "reviewer CSV"), ("html", "self-contained HTML report")):
        sub = report_commands.add_parser(fmt, help=f"write a {what} of the checks in a date range")
        _add_home(sub)
        sub.add_argument("--out", required=True, metavar="FILE", help="where to write it")
        sub.add_argument(
            "--since", metavar="DATE", help="first day or time, ISO 8601 (default: the first check)"
        )
        sub.add_argument("--until", metavar="DATE", help="end, exclusive, ISO 8601 (default: now)")
        if fmt == "csv":
            sub.add_argument("--all", action="store_true", help="every sentence, not only flagged ones")
        sub.add_argument(
            "--show-dismissed", action="store_true", help="keep rows a reviewer dismissed as false positives"
        )

    review = commands.add_parser("review", help="import reviewer decisions and see how the flags fare")
    review_commands = review.add_subparsers(dest="review_command", required=True, parser_class=_Parser)
    review_import = review_commands.add_parser(
        "import", help="store the decisions of a filled-in reviewer CSV (confirmed / false_positive)"
    )
    _add_home(review_import)
    review_import.add_argument("--reviewer", default="", help="who decided (default: the login name)")
    review_import.add_argument("file", metavar="FILE.csv", help="the reviewer CSV with decisions filled in")
    review_stats = review_commands.add_parser(
        "stats", help="false-positive rate per label, overall and by week"
    )
    _add_home(review_stats)
    review_stats.add_argument("--json", action="store_true", help="print JSON")

    demo = commands.add_parser(
        "demo", help="index the bundled sample data, search it and check a sample repost"
    )
    _add_home(demo)
    demo.add_argument(
        "--out", default="demo-output", help="folder for the demo's reports (default demo-output)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # No model hub at run time, and quiet tokenizers in forked workers.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    args = build_parser().parse_args(argv)
    try:
        return _dispatch(args)
    except CredibilityError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130


def _dispatch(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if args.command == "index":
        if args.index_command == "add":
            return cmd_index_add(
                settings, args.inputs, kind=args.kind, source=args.source, progress=args.progress
            )
        if args.index_command == "stats":
            return cmd_index_stats(settings, as_json=args.json)
        if args.index_command == "rebuild":
            return cmd_index_rebuild(settings, args.type)
        return cmd_index_remove(settings, args.ids)
    if args.command == "search":
        return cmd_search(settings, args.text, k=args.k, as_json=args.json, queries=args.queries)
    if args.command == "check":
        return cmd_check(
            settings,
            args.inputs,
            as_json=args.json,
            csv_path=Path(args.csv) if args.csv else None,
            include_all=args.all,
            fail_on=args.fail_on,
            title=args.title,
            url=args.url,
            # One page a person asked for is not a crawl: robots.txt only when asked.
            respect_robots=bool(args.respect_robots),
            html_path=Path(args.html) if args.html else None,
            show_dismissed=args.show_dismissed,
        )
    if args.command == "report":
        return cmd_report(
            settings,
            args.format,
            Path(args.out),
            since=args.since,
            until=args.until,
            include_all=getattr(args, "all", False),
            show_dismissed=args.show_dismissed,
        )
    if args.command == "review":
        if args.review_command == "import":
            return cmd_review_import(settings, Path(args.file), reviewer=args.reviewer)
        return cmd_review_stats(settings, as_json=args.json)
    if args.command == "demo":
        from credibility.demo import run_demo

        return run_demo(settings, Path(args.out), out=sys.stdout)
    raise UsageError(f"unknown command {args.command!r}")


def cmd_index_add(
    settings: Settings,
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

    from credibility.embed.embedder import load_embedder
    from credibility.engine.ingest import html_file_records, ingest, open_writer
    from credibility.inputs.loaders import InputReader

    reader = InputReader(
        kind=kind,
        source=source,
        max_file_bytes=settings.max_file_bytes,
        html_reader=lambda path, html: html_file_records(path, html, kind=kind, source=source),
    )
    urls = [i for i in inputs if _is_url(i)]
    items = itertools.chain(
        reader.read([i for i in inputs if not _is_url(i)]),
        _url_items(settings, urls, kind=kind, source=source),
    )
    embedder = load_embedder(settings)
    show = err.isatty() if progress is None else progress
    with (
        open_writer(settings, embedder) as writer,
        tqdm(desc="indexing", unit=" articles", disable=not show, file=err) as bar,
    ):

        def tick(article_id: str, outcome: str) -> None:
            bar.update(1)

        report = ingest(items, writer, embedder, commit_every=settings.commit_every, on_article=tick)
    for problem in report.problems:
        print(f"{PROG}: skipped {problem.origin}: {problem.message}", file=err)
    print(
        f"added {report.added}, replaced {report.replaced}, unchanged {report.unchanged}, "
        f"duplicates {report.duplicates}, failed {report.failed}; "
        f"{report.sentences_added} sentences indexed, {report.sentences_embedded} embedded",
        file=out,
    )
    return 2 if report.problems else 0


def _is_url(value: str) -> bool:
    return value.lower().startswith(("http://", "https://"))


def _url_items(
    settings: Settings, urls: list[str], *, kind: ArticleKind, source: str
) -> Iterator[ArticleRecord | LoadProblem]:
    """Records from URLs (pages or feeds); fetched lazily so files go in first."""
    if not urls:
        return
    from credibility.web.fetch import Fetcher
    from credibility.web.pages import url_records

    with Fetcher(settings) as fetcher:
        # Building an index crawls: robots.txt is obeyed unless turned off.
        yield from url_records(fetcher, urls, kind=kind, source=source, respect_robots=None)


def cmd_index_stats(settings: Settings, *, as_json: bool, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    from index.store import IndexReader

    reader = IndexReader.open(settings.index_dir)
    try:
        stats = reader.stats().as_dict()
    finally:
        reader.close()
    if as_json:
        print(json.dumps(stats, indent=2, sort_keys=True), file=out)
        return 0
    for key in ("path", "model", "encoder_backend", "dimension", "index_type", "generation"):
        print(f"{key:>22}: {stats[key]}", file=out)
    for key in ("articles", "reporting", "factchecks", "duplicates", "sentences", "vectors"):
        print(f"{key:>22}: {stats[key]:,}", file=out)
    verdicts = ", ".join(f"{k} {v}" for k, v in sorted(stats["verdicts"].items())) or "-"
    print(f"{'fact-check verdicts':>22}: {verdicts}", file=out)
    print(f"{'disk':>22}: {stats['disk_bytes'] / 1e6:.1f} MB", file=out)
    return 0


def cmd_index_rebuild(settings: Settings, index_type: str | None, *, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    from credibility.embed.embedder import load_embedder
    from credibility.engine.ingest import open_writer

    embedder = load_embedder(settings)
    with open_writer(settings, embedder) as writer:
        writer.rebuild(index_type or writer.params.index_type)  # type: ignore[arg-type]
    print(f"rebuilt the index as {index_type or 'before'} ({settings.index_dir})", file=out)
    return 0


def cmd_index_remove(
    settings: Settings, ids: list[str], *, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    from credibility.embed.embedder import load_embedder
    from credibility.engine.ingest import open_writer, remove

    embedder = load_embedder(settings)
    with open_writer(settings, embedder) as writer:
        removed, unknown = remove(ids, writer, embedder)
    for article_id in unknown:
        print(f"{PROG}: no article with id {article_id!r} in the index", file=err)
    print(f"removed {len(removed)} article(s)", file=out)
    return 2 if unknown else 0


def _parse_labels(spec: str) -> set[str]:
    from credibility.engine.check import LABELS

    labels = {part.strip() for part in spec.split(",") if part.strip()}
    unknown = labels - set(LABELS)
    if unknown:
        raise UsageError(f"--fail-on: unknown label(s) {', '.join(sorted(unknown))}; use {', '.join(LABELS)}")
    return labels


@dataclass(frozen=True, slots=True)
class _CheckInput:
    text: str
    title: str = ""
    url: str = ""


def _read_input(name: str, settings: Settings, fetcher: Fetcher | None, respect_robots: bool) -> _CheckInput:
    """The article behind one INPUT: a URL (fetched and extracted), an HTML file, a text file or stdin."""
    from credibility.inputs.loaders import decode_utf8

    if _is_url(name):
        assert fetcher is not None
        from credibility.web.pages import fetch_article_record

        try:
            record = fetch_article_record(fetcher, name, respect_robots=respect_robots)
        except FetchError as exc:
            raise InputError(f"{name}: {exc}") from exc
        return _CheckInput(record.text, record.title, record.url)
    try:
        data = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {name}: {exc.strerror or exc}") from exc
    if len(data) > settings.max_check_bytes:
        raise InputError(
            f"{name} is {len(data):,} bytes, above the {settings.max_check_bytes:,}-byte cap "
            "(raise CREDIBILITY_MAX_CHECK_BYTES to check it)"
        )
    try:
        text = decode_utf8(data)
    except InputError as exc:
        raise InputError(f"{name}: {exc}") from exc
    if name.lower().endswith((".html", ".htm")):
        from credibility.web.pages import record_from_html

        try:
            record = record_from_html(text, "", origin=name)
        except FetchError as exc:
            raise InputError(f"{name}: {exc}") from exc
        return _CheckInput(record.text, record.title, record.url)
    return _CheckInput(text)


def cmd_check(
    settings: Settings,
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
    from credibility.embed.embedder import load_embedder
    from credibility.engine.check import CheckEngine
    from credibility.engine.ingest import open_reader
    from credibility.reports.reviewer_csv import append_rows
    from credibility.review.decisions import ReviewStore, is_dismissed, review_rows
    from credibility.store.results import ResultsStore

    fail_labels = _parse_labels(fail_on)
    if len(inputs) > 1 and (title or url):
        raise UsageError("--title and --url go with a single INPUT")
    embedder = load_embedder(settings)
    reader = open_reader(settings, embedder)
    engine = CheckEngine(reader, embedder, settings)
    failed = flagged = False
    with contextlib.ExitStack() as stack:
        stack.callback(reader.close)
        fetcher = None
        if any(_is_url(name) for name in inputs):
            from credibility.web.fetch import Fetcher

            fetcher = stack.enter_context(Fetcher(settings))
        store = stack.enter_context(ResultsStore(settings.results_db))
        reviews = stack.enter_context(ReviewStore(settings.results_db))
        reviewed_results: list[dict[str, Any]] = []
        for name in inputs:
            try:
                article = _read_input(name, settings, fetcher, respect_robots)
                result = engine.check(
                    article.text,
                    title=title or article.title,
                    url=url or article.url,
                    input_name=name,
                )
            except InputError as exc:
                print(
                    f"{PROG}: error: {exc}" if name in str(exc) else f"{PROG}: error: {name}: {exc}",
                    file=err,
                )
                failed = True
                continue
            store.save(result)
            # Reviewer decisions annotate what the engine said (dismissals, remembered lines).
            reviewed = reviews.apply({**result.as_dict(), "text": result.text})
            reviewed_results.append(reviewed)
            if csv_path is not None:
                append_rows(
                    csv_path, review_rows(reviewed, include_all=include_all, show_dismissed=show_dismissed)
                )
            if as_json:
                print(
                    json.dumps({k: v for k, v in reviewed.items() if k != "text"}, ensure_ascii=False),
                    file=out,
                )
            else:
                from credibility.reports.terminal import print_summary

                print_summary(result, out)
            if any(s["label"] in fail_labels and not is_dismissed(s) for s in reviewed["sentences"]):
                flagged = True
        if html_path is not None:
            from credibility.reports.html import write_report

            write_report(html_path, reviewed_results, show_dismissed=show_dismissed)
    if failed:
        return 2
    return 1 if flagged else 0


def _parse_when(value: str | None, flag: str) -> dt.datetime | None:
    if not value:
        return None
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise UsageError(f"{flag}: {value!r} is not an ISO date or date-time (e.g. 2026-11-28)") from exc
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def cmd_report(
    settings: Settings,
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
    from credibility.review.decisions import ReviewStore, review_rows
    from credibility.store.results import ResultsStore

    start, end = _parse_when(since, "--since"), _parse_when(until, "--until")
    with ResultsStore(settings.results_db) as store, ReviewStore(settings.results_db) as reviews:
        results = [reviews.apply(stored.result) for stored in store.between(start, end)]
    if kind == "csv":
        from credibility.reports.reviewer_csv import write_rows

        written = write_rows(
            path,
            (
                row
                for result in results
                for row in review_rows(result, include_all=include_all, show_dismissed=show_dismissed)
            ),
        )
        print(f"wrote {written} row(s) from {len(results)} check(s) to {path}", file=out)
    else:
        from credibility.reports.html import write_report

        write_report(path, results, show_dismissed=show_dismissed)
        print(f"wrote a report of {len(results)} check(s) to {path}", file=out)
    return 0


def cmd_review_import(
    settings: Settings,
    path: Path,
    *,
    reviewer: str = "",
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    from credibility.review.decisions import import_decisions

    report = import_decisions(path, settings.results_db, reviewer=reviewer)
    for warning in report.warnings:
        print(f"{PROG}: warning: {warning}", file=err)
    print(report.summary(), file=out)
    return 0


def cmd_review_stats(settings: Settings, *, as_json: bool, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    from credibility.review.decisions import format_stats, review_stats

    stats = review_stats(settings.results_db)
    print(json.dumps(stats, indent=2) if as_json else format_stats(stats), file=out)
    return 0


def _read_text_arg(text: str | None) -> str:
    if text is None:
        raise UsageError("give a TEXT to search for, - for standard input, or --queries FILE.tsv")
    if text == "-":
        data = sys.stdin.buffer.read()
        from credibility.inputs.loaders import decode_utf8

        text = decode_utf8(data)
    if not text.strip():
        raise InputError("the search text is empty")
    return text


def read_queries(path: Path) -> list[tuple[str, str]]:
    from credibility.inputs.loaders import decode_utf8

    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from exc
    queries: list[tuple[str, str]] = []
    for lineno, line in enumerate(decode_utf8(raw).splitlines(), start=1):
        if not line.strip():
            continue
        query_id, sep, text = line.partition("\t")
        if not sep or not text.strip():
            raise InputError(f"{path}:{lineno}: expected id<TAB>text")
        queries.append((query_id.strip(), text.strip()))
    return queries


def cmd_search(
    settings: Settings,
    text: str | None,
    *,
    k: int,
    as_json: bool,
    queries: str | None,
    out: TextIO | None = None,
) -> int:
    out = out or sys.stdout
    from credibility.embed.embedder import load_embedder
    from credibility.engine.ingest import open_reader
    from credibility.engine.search import search_texts

    if k < 1:
        raise UsageError("--k must be at least 1")
    batch = read_queries(Path(queries)) if queries else [("query", _read_text_arg(text))]
    embedder = load_embedder(settings)
    reader = open_reader(settings, embedder)
    try:
        # Encode in chunks so a large query file streams its output.
        for start in range(0, len(batch), 256):
            chunk = batch[start : start + 256]
            results = search_texts(reader, embedder, [t for _, t in chunk], k)
            for (query_id, query_text), hits in zip(chunk, results, strict=True):
                if queries or as_json:
                    record = {"query_id": query_id, "results": [h.as_dict() for h in hits]}
                    if not queries:
                        record["query"] = query_text
                    print(json.dumps(record, ensure_ascii=False), file=out)
                else:
                    _print_hits(hits, out)
    finally:
        reader.close()
    return 0


def _print_hits(hits: Sequence[Any], out: TextIO) -> None:
    if not hits:
        print("no results", file=out)
    for rank, hit in enumerate(hits, start=1):
        verdict = f" [{hit.kind}: {hit.rating} -> {hit.verdict}]" if hit.kind == "factcheck" else ""
        print(f"{rank}. {hit.score:.3f}  {hit.article_id}  {hit.title or hit.claim}{verdict}", file=out)
        print(f"     {hit.sentence}", file=out)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
