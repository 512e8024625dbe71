"""The application core: what users do, one operation each, over the parts of one home folder.

A :class:`Home` owns a data folder's parts (settings, the index reader and writer, the
embedder, the results store, the decision store, the fetcher) and opens each the first time an
operation needs it. The CLI, every Prefect flow, the warm worker and the demo call these
operations and nothing below them, so a behaviour cannot differ between them:

- :meth:`Home.ingest` — files, folders and URLs (pages and feeds) into the index;
  :meth:`Home.rebuild` rebuilds its vector index (another type), :meth:`Home.reembed` re-embeds
  it with another encoder backend;
- :meth:`Home.check` — check one article: engine → results store → reviewer decisions applied;
  :meth:`Home.check_inputs` reads named inputs (files, HTML, URLs, stdin) first;
- :meth:`Home.export_csv` / :meth:`Home.export_html` — the reviewer CSV rows and the HTML report
  of reviewed checks; :meth:`Home.report_csv` / :meth:`Home.report_html` rebuild them for a date
  range from the results store;
- :meth:`Home.import_decisions` and :meth:`Home.review_stats` — reviewer decisions;
- :meth:`Home.read_articles` — the articles under monitored paths, read as ``index add`` reads them;
- :meth:`Home.watch` / :meth:`Home.watch_checked` — the sources of the sources file's ``monitor``
  list fetched politely and incrementally (feeds, pages, sitemaps, paths), then their checks
  recorded; :meth:`Home.ingest_entry` does the same for a ``verified`` entry and indexes it;
- :meth:`Home.ledger` — the credibility ledger of the monitored sites and sources.

An index keeps the encoder backend it was built with: unless ``CREDIBILITY_ENCODER_BACKEND`` (or
an argument) chooses one, a Home uses the backend the index records (:func:`index_settings`), and
the default (static int8) only for a new index.

Every check a user sees is the *reviewed* form (:mod:`credibility.review.apply`): a flag a
reviewer dismissed is marked as such, in the terminal, JSON, CSV, HTML and the flows alike.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, get_args

from credibility.errors import FetchError, IndexNotFoundError, InputError, UsageError
from credibility.model.ledger import Ledger, LedgerRow
from credibility.model.records import (
    ArticleKind,
    ArticleRecord,
    ClaimQuery,
    Evidence,
    IngestReport,
    LoadProblem,
)
from credibility.model.result import ArticleCheck
from credibility.model.watch import SourceRun, SourceState
from credibility.settings import EncoderBackend, Settings
from credibility.watch.sources import (
    MonitorInput,
    SourceEntry,
    SourcesFile,
    VerifiedInput,
    load_sources,
    require_existing,
)

if TYPE_CHECKING:
    from credibility.embed.embedder import Embedder
    from credibility.review.importer import ImportReport
    from credibility.store.decisions import DecisionStore
    from credibility.store.results import ResultsStore
    from credibility.store.watch import WatchStore
    from credibility.watch.run import Ready
    from credibility.web.fetch import Fetcher
    from index.store import IndexReader, IndexStats, ReembedReport

__all__ = [
    "ArticleInput",
    "Checked",
    "Home",
    "Ledger",
    "LedgerRow",
    "MonitorInput",
    "MonitoredArticle",
    "ReadArticles",
    "ReportResult",
    "SourceEntry",
    "SourceRun",
    "SourceState",
    "SourcesFile",
    "VerifiedInput",
    "WatchRun",
    "decode_text",
    "index_settings",
    "is_url",
    "load_sources",
    "read_queries",
    "require_existing",
    "sample_paths",
]


def is_url(value: str) -> bool:
    """An absolute http(s) URL with a host: fetched rather than read as a file."""
    from credibility.web.urls import is_url as web_is_url

    return web_is_url(value)


def index_settings(settings: Settings) -> Settings:
    """``settings`` with the encoder backend the existing index records, unless the backend was
    chosen (``CREDIBILITY_ENCODER_BACKEND`` or an argument): an index keeps the backend it was built
    with, and the default applies to a new index. Reads ``config.json`` only (no index, no model;
    not ``index.schema.read_config``, whose import loads FAISS: every command builds a Home)."""
    if settings.encoder_backend_is_set:
        return settings
    try:
        config = json.loads((settings.index_dir / "config.json").read_text(encoding="utf-8"))
        recorded = config.get("encoder_backend")
    except (OSError, ValueError, AttributeError):
        return settings  # no index yet (or an unreadable one: opening it will say so)
    if recorded not in get_args(EncoderBackend) or recorded == settings.encoder_backend:
        return settings
    return settings.model_copy(update={"encoder_backend": recorded})


@dataclass(frozen=True, slots=True)
class ArticleInput:
    """The article behind one input, ready to check."""

    text: str
    title: str = ""
    url: str = ""
    name: str = ""


@dataclass(frozen=True, slots=True)
class Checked:
    """A stored check: its key in the results store and its reviewed form."""

    key: str
    check: ArticleCheck


@dataclass(frozen=True, slots=True)
class ReportResult:
    path: Path
    checks: int
    rows: int
    #: Decisions typed into the file being rebuilt, stored before it was rewritten.
    decisions_imported: int = 0


@dataclass(frozen=True, slots=True)
class MonitoredArticle:
    record: ArticleRecord
    content_hash: str
    #: The sources-file entry it came from (``monitor:feed:https://...``) and its item (URL or file).
    source_id: str = ""
    item: str = ""
    #: Registered domain of its URL ("" for a file without one).
    site: str = ""


@dataclass(frozen=True, slots=True)
class ReadArticles:
    """The readable articles under some paths (one per content), and the unreadable ones."""

    articles: list[MonitoredArticle] = field(default_factory=list)
    problems: list[LoadProblem] = field(default_factory=list)
    seen: int = 0


@dataclass(frozen=True, slots=True)
class WatchRun:
    """What :meth:`Home.watch` found: the articles to check, and what each source did."""

    #: New and changed articles not checked before (one per content).
    articles: list[MonitoredArticle] = field(default_factory=list)
    runs: list[SourceRun] = field(default_factory=list)
    problems: list[LoadProblem] = field(default_factory=list)
    #: Items the sources listed this run (unchanged ones included).
    seen: int = 0
    #: Items whose content was checked before (unchanged since, or seen under another URL): not checked again.
    already_checked: int = 0
    #: The items behind ``articles`` (several items may share one content), for :meth:`Home.watch_checked`.
    ready: tuple[Ready, ...] = ()

    @property
    def failed_sources(self) -> list[SourceRun]:
        return [r for r in self.runs if r.status == "failed"]


#: Articles prepared and embedded together during an ingest (their sentences share encoder batches).
ARTICLES_PER_BATCH = 64


class Home:
    """The parts of one data folder, opened when first needed; close it (or use ``with``) when done.

    ``embedder`` replaces the configured model (tests pass fakes; a Dask flow passes one that
    fans out). A Home is safe to share between threads: checks run one at a time.
    """

    def __init__(self, settings: Settings, *, embedder: Embedder | None = None) -> None:
        #: As given; ``settings`` is it with the backend of the existing index (:func:`index_settings`).
        self.requested = settings
        self.settings = index_settings(settings)
        self._embedder = embedder
        self._given_embedder = embedder is not None
        self._reader: IndexReader | None = None
        self._results: ResultsStore | None = None
        self._decisions: DecisionStore | None = None
        self._watch: WatchStore | None = None
        # The reader is swapped on refresh and the stores share one connection each.
        self._lock = threading.RLock()

    # --- parts -------------------------------------------------------------------------------

    def embedder(self) -> Embedder:
        """The embedder (loaded once per process for the same settings)."""
        if self._embedder is None:
            from credibility.embed.embedder import load_embedder

            self._embedder = load_embedder(self.settings)
        return self._embedder

    @contextlib.contextmanager
    def using_embedder(self, embedder: Embedder) -> Iterator[None]:
        """Use another embedder meanwhile (vectors encoded ahead of time in bulk)."""
        with self._lock:
            before, self._embedder = self._embedder, embedder
        try:
            yield
        finally:
            with self._lock:
                self._embedder = before

    def reader(self) -> IndexReader:
        """The committed index, refreshed: a generation committed since the last call is loaded."""
        from credibility.engine.ingest import open_reader

        with self._lock:
            if self._reader is not None and self._reader.replaced():
                # Re-embedded by another process: reopen, with the backend it now records.
                self._reader.close()
                self._reader = None
                resolved = index_settings(self.requested)
                if resolved.encoder_backend != self.settings.encoder_backend and not self._given_embedder:
                    self._embedder = None
                self.settings = resolved
            if self._reader is None:
                self._reader = open_reader(self.settings, self.embedder())
            else:
                self._reader.refresh()
            return self._reader

    @property
    def generation(self) -> int:
        """The generation of the open reader (-1 before the index was first read)."""
        return self._reader.generation if self._reader is not None else -1

    def has_index(self) -> bool:
        """Whether an index exists, without loading the model or FAISS."""
        return (self.settings.index_dir / "config.json").exists()

    def require_index(self) -> None:
        if not self.has_index():
            raise IndexNotFoundError(
                f"no index at {self.settings.index_dir}; build one first with the ingest-verified flow "
                f"or `credibility index add --home {self.settings.home} FILE...`"
            )

    @property
    def results(self) -> ResultsStore:
        from credibility.store.results import ResultsStore

        with self._lock:
            if self._results is None:
                self._results = ResultsStore(self.settings.results_db)
            return self._results

    @property
    def decisions(self) -> DecisionStore:
        from credibility.store.decisions import DecisionStore

        with self._lock:
            if self._decisions is None:
                self._decisions = DecisionStore(self.settings.results_db)
            return self._decisions

    @property
    def watch_store(self) -> WatchStore:
        """The crawl state of the watched sources (in the results database)."""
        from credibility.store.watch import WatchStore

        with self._lock:
            if self._watch is None:
                self._watch = WatchStore(self.settings.results_db)
            return self._watch

    def close(self) -> None:
        with self._lock:
            for part in (self._reader, self._results, self._decisions, self._watch):
                if part is not None:
                    part.close()
            self._reader = self._results = self._decisions = None
            self._watch = None

    def __enter__(self) -> Home:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the index ---------------------------------------------------------------------------

    def ingest(
        self,
        inputs: Sequence[str],
        *,
        kind: ArticleKind = "reporting",
        source: str = "",
        on_article: Callable[[str, str], None] | None = None,
    ) -> IngestReport:
        """Add files, folders and URLs (pages and feeds; robots.txt obeyed unless turned off)."""
        from credibility.inputs.loaders import InputReader

        reader = InputReader(kind=kind, source=source, max_file_bytes=self.settings.max_file_bytes)
        urls = [i for i in inputs if is_url(i)]
        items = _chain(
            reader.read([i for i in inputs if not is_url(i)]),
            self._url_records(urls, kind=kind, source=source),
        )
        return self._ingest_items(items, on_article=on_article)

    def _ingest_items(
        self,
        items: Iterable[ArticleRecord | LoadProblem],
        *,
        on_article: Callable[[str, str], None] | None = None,
    ) -> IngestReport:
        from credibility.engine.ingest import ingest, writing

        # The writer lock first, then the model: a second writer is told at once.
        with writing(self.settings, self.embedder) as (writer, embedder):
            report = ingest(
                items,
                writer,
                embedder,
                commit_every=self.settings.commit_every,
                batch_size=ARTICLES_PER_BATCH,
                on_article=on_article,
                max_article_chars=self.settings.max_article_chars,
                max_article_sentences=self.settings.max_article_sentences,
            )
            generation = writer.generation
        return replace(report, index_generation=generation)

    def _url_records(
        self, urls: list[str], *, kind: ArticleKind, source: str
    ) -> Iterator[ArticleRecord | LoadProblem]:
        """Records from URLs (pages or feeds); fetched lazily so files go in first."""
        if not urls:
            return
        from credibility.web.hosts import open_fetcher
        from credibility.web.pages import url_records

        with open_fetcher(self.settings) as fetcher:
            # Building an index crawls: robots.txt is obeyed unless the settings turn it off.
            yield from url_records(fetcher, urls, kind=kind, source=source, respect_robots=None)

    def remove(self, ids: Sequence[str]) -> tuple[list[str], list[str]]:
        """Retract articles by id: (removed, unknown)."""
        from credibility.engine.ingest import remove, writing

        with writing(self.settings, self.embedder) as (writer, embedder):
            return remove(ids, writer, embedder)

    def rebuild(self, index_type: str | None = None) -> str:
        """Rebuild the vector index (as another type, or the same); returns the type."""
        from credibility.engine.ingest import writing

        with writing(self.settings, self.embedder) as (writer, _):
            chosen = index_type or writer.params.index_type
            writer.rebuild(chosen)  # type: ignore[arg-type]
        return chosen

    def reembed(
        self,
        backend: str,
        *,
        index_type: str | None = None,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> ReembedReport:
        """Re-embed every stored sentence with the encoder ``backend`` (from the stored texts) into a
        new index written beside this one and swapped in atomically; from then on this Home (and any
        process that opens the index without choosing a backend) uses ``backend``. The old index
        serves readers until the swap. ``on_progress(done, total)`` counts distinct texts embedded."""
        from credibility.embed.embedder import load_embedder
        from credibility.engine.ingest import reembed_index

        if backend not in get_args(EncoderBackend):
            raise UsageError(
                f"unknown encoder backend {backend!r}; use one of {', '.join(get_args(EncoderBackend))}"
            )
        self.require_index()
        settings = self.settings.model_copy(update={"encoder_backend": backend})
        embedder = load_embedder(settings)
        report = reembed_index(
            settings,
            embedder,
            index_type=index_type,  # type: ignore[arg-type]
            on_progress=on_progress,
        )
        with self._lock:
            if self._reader is not None:
                self._reader.close()
                self._reader = None
            self.settings = settings
            self._embedder = embedder
            self._given_embedder = False
        return report

    def stats(self) -> IndexStats:
        """What the index holds (no model needed)."""
        from index.store import IndexReader

        reader = IndexReader.open(self.settings.index_dir)
        try:
            return reader.stats()
        finally:
            reader.close()

    def search(self, texts: Sequence[str | ClaimQuery], k: int = 5) -> list[list[Evidence]]:
        """The verified items closest to each text, one per article, best first (fact-checks in
        the claim ranker's order, which also weighs a query's speaker, date and context)."""
        from credibility.engine.search import search_texts

        claims = [t if isinstance(t, ClaimQuery) else ClaimQuery(t) for t in texts]
        rerank = self.settings.search_claim_ranker
        with self._lock:
            return search_texts(
                self.reader(), self.embedder(), [c.text for c in claims], k, claims, rerank=rerank
            )

    # --- checking ----------------------------------------------------------------------------

    def warm_up(self) -> None:
        """Load what a first check loads, so a long-lived process answers its first request as fast
        as the next: the model, the index, and behind them the language identifier, the fact tables,
        the claim ranker and the check's own modules (0.25-1.0 s on the first check otherwise). It
        checks the bundled sample repost without storing anything, and forgets its sentences'
        vectors. Without an index it loads the model only."""
        embedder = self.embedder()
        embedder.encode(["The model loads at its first sentence."])
        if not self.has_index():
            return
        from credibility.engine.check import CheckEngine
        from credibility.engine.memo import memo_for

        text = sample_paths()["repost"].read_text(encoding="utf-8")
        with self._lock:
            CheckEngine(self.reader(), embedder, self.settings).check(text, input_name="warm-up")
            memo_for(embedder).clear()

    def check(self, text: str, *, title: str = "", url: str = "", input_name: str = "") -> Checked:
        """Check one article against the current index, store the result, apply the decisions."""
        from credibility.engine.check import CheckEngine

        if not text.strip():
            raise InputError(f"{input_name or 'the article'} is empty: nothing to check")
        with self._lock:
            result = CheckEngine(self.reader(), self.embedder(), self.settings).check(
                text, title=title, url=url, input_name=input_name
            )
            key = self.results.save(result)
            return Checked(key, self.reviewed(result))

    def reviewed(self, check: ArticleCheck) -> ArticleCheck:
        """The check with the stored reviewer decisions applied."""
        from credibility.review.apply import apply_decisions

        with self._lock:
            return apply_decisions(check, self.decisions)

    def stored(self, keys: Iterable[str]) -> list[Checked]:
        """Stored checks by key, reviewed; an unknown key is an error."""
        found = []
        with self._lock:
            for key in keys:
                stored = self.results.get(key)
                if stored is None:
                    raise InputError(f"no stored check with key {key!r} in {self.settings.results_db}")
                found.append(Checked(key, self.reviewed(stored.check)))
        return found

    def stored_between(
        self, start: dt.datetime | None = None, end: dt.datetime | None = None
    ) -> list[Checked]:
        """Stored checks with ``start <= checked_at < end``, oldest first, reviewed."""
        with self._lock:
            return [Checked(s.check_key, self.reviewed(s.check)) for s in self.results.between(start, end)]

    def is_checked(self, content_hash: str) -> bool:
        """Whether an article with this content was checked before (by any engine)."""
        with self._lock:
            return self.results.has_content(content_hash)

    def read_input(
        self, name: str, *, respect_robots: bool = False, fetcher: Fetcher | None = None
    ) -> ArticleInput:
        """The article behind one input: a URL (fetched, body extracted), an HTML file, a text file
        or ``-`` for standard input."""
        import sys

        from credibility.inputs.loaders import decode_utf8

        if is_url(name):
            from credibility.web.pages import fetch_article_record

            if fetcher is None:
                raise InputError(f"{name}: URLs need a fetcher (use Home.check_inputs)")
            try:
                record = fetch_article_record(fetcher, name, respect_robots=respect_robots)
            except FetchError as exc:
                raise InputError(f"{name}: {exc}") from exc
            return ArticleInput(record.text, record.title, record.url, name)
        try:
            data = sys.stdin.buffer.read() if name == "-" else Path(name).expanduser().read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read {name}: {exc.strerror or exc}") from exc
        if len(data) > self.settings.max_check_bytes:
            raise InputError(
                f"{name} is {len(data):,} bytes, above the {self.settings.max_check_bytes:,}-byte cap "
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
            return ArticleInput(record.text, record.title, record.url, name)
        return ArticleInput(text, name=name)

    def check_inputs(
        self, names: Sequence[str], *, title: str = "", url: str = "", respect_robots: bool = False
    ) -> Iterator[Checked | LoadProblem]:
        """Read and check each input in turn; a bad input becomes a :class:`LoadProblem`."""
        with contextlib.ExitStack() as stack:
            fetcher = None
            if any(is_url(name) for name in names):
                from credibility.web.hosts import open_fetcher

                fetcher = stack.enter_context(open_fetcher(self.settings))
            for name in names:
                try:
                    article = self.read_input(name, respect_robots=respect_robots, fetcher=fetcher)
                    yield self.check(
                        article.text, title=title or article.title, url=url or article.url, input_name=name
                    )
                except InputError as exc:
                    message = str(exc)
                    yield LoadProblem(name, message if name in message else f"{name}: {message}")

    # --- outputs -----------------------------------------------------------------------------

    def export_csv(
        self,
        checks: Iterable[ArticleCheck],
        path: Path,
        *,
        include_all: bool = False,
        show_dismissed: bool = False,
    ) -> int:
        """Append the reviewer rows of reviewed checks to a CSV (idempotent, safe across processes)."""
        from credibility.reports.reviewer_csv import append_checks

        return append_checks(Path(path), checks, include_all=include_all, show_dismissed=show_dismissed)

    def export_html(
        self,
        checks: Sequence[ArticleCheck],
        path: Path,
        *,
        show_dismissed: bool = False,
        ledger: Ledger | None = None,
    ) -> Path:
        """Write the self-contained HTML report of reviewed checks (with the ledger of the monitored
        sources when given)."""
        from credibility.reports.html import write_report

        return write_report(Path(path), checks, show_dismissed=show_dismissed, ledger=ledger)

    def report_csv(
        self,
        path: Path,
        *,
        start: dt.datetime | None = None,
        end: dt.datetime | None = None,
        include_all: bool = False,
        show_dismissed: bool = False,
        reviewer: str = "",
    ) -> ReportResult:
        """Rewrite a reviewer CSV with the stored checks in ``[start, end)``, decisions applied.

        Decisions already typed into the file being replaced are imported first, so a rebuild
        never loses a reviewer's work (and they then apply to the rebuilt rows).
        """
        from filelock import FileLock

        from credibility.reports.reviewer_csv import write_checks

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        # The lock append_rows takes: a run appending meanwhile waits, and is not lost.
        with FileLock(str(path) + ".lock", timeout=60):
            imported = self._import_typed_decisions(path, reviewer)
            checks = [c.check for c in self.stored_between(start, end)]
            rows = write_checks(path, checks, include_all=include_all, show_dismissed=show_dismissed)
        return ReportResult(path, len(checks), rows, imported)

    def report_html(
        self,
        path: Path,
        *,
        start: dt.datetime | None = None,
        end: dt.datetime | None = None,
        show_dismissed: bool = False,
    ) -> ReportResult:
        """Rewrite the HTML report of the stored checks in ``[start, end)``, decisions applied, with
        the ledger of the monitored sources for the same range when there are any."""
        checks = [c.check for c in self.stored_between(start, end)]
        ledger = self.ledger(since=start, until=end)
        self.export_html(checks, path, show_dismissed=show_dismissed, ledger=None if ledger.empty else ledger)
        flagged = sum(len(c.flagged) for c in checks)
        return ReportResult(Path(path), len(checks), flagged)

    def _import_typed_decisions(self, path: Path, reviewer: str) -> int:
        if not path.exists() or path.stat().st_size == 0:
            return 0
        from credibility.review.importer import has_decisions

        if not has_decisions(path):
            return 0
        report = self.import_decisions(path, reviewer=reviewer)
        return report.added + report.changed

    # --- reviewer decisions -----------------------------------------------------------------

    def import_decisions(
        self, path: Path, *, reviewer: str = "", now: dt.datetime | None = None
    ) -> ImportReport:
        """Store the decisions of a filled-in reviewer CSV; all or nothing."""
        from credibility.review.importer import import_decisions

        with self._lock:
            return import_decisions(Path(path), self.results, self.decisions, reviewer=reviewer, now=now)

    def review_stats(self) -> dict[str, Any]:
        """Decisions per label and the false-positive rate, overall and by ISO week."""
        from credibility.review.stats import review_stats

        with self._lock:
            return review_stats(self.decisions)

    # --- monitoring --------------------------------------------------------------------------

    def read_articles(self, paths: Sequence[str]) -> ReadArticles:
        """Every readable article under the paths, once per content (as ``index add`` reads them:
        text, Markdown, JSON, CSV and HTML files), plus the unreadable ones."""
        from credibility.inputs.loaders import InputReader
        from credibility.text.normalize import text_hash

        reader = InputReader(max_file_bytes=self.settings.max_file_bytes)
        articles: dict[str, MonitoredArticle] = {}
        problems: list[LoadProblem] = []
        seen = 0
        for item in reader.read(list(paths)):
            if isinstance(item, LoadProblem):
                problems.append(item)
                continue
            seen += 1
            if not item.text.strip():
                problems.append(LoadProblem(item.origin or item.id, "no article text to check"))
                continue
            digest = text_hash(item.text)
            articles.setdefault(digest, MonitoredArticle(item, digest))
        return ReadArticles(list(articles.values()), problems, seen)

    def watch(
        self,
        entries: Sequence[MonitorInput],
        *,
        now: dt.datetime | None = None,
        force: bool = False,
    ) -> WatchRun:
        """Fetch the monitored sources that are due (feeds, pages and sitemaps: politely, incrementally,
        each failure isolated and recorded with its back-off) and read the monitored paths; returns the
        new and changed articles not checked before. Check them, then call :meth:`watch_checked`.

        ``now`` is the run's clock (tests, replays); ``force`` fetches every source now.
        """
        from credibility.watch.run import finish_items, watch_sources

        plan = watch_sources(
            self.settings,
            self.watch_store,
            entries,
            list_name="monitor",
            now=now,
            content_known=self.is_checked,
            force=force,
        )
        # Fetched by an earlier run that stopped after checking them: nothing left to do.
        done = [r for r in plan.ready if self.is_checked(r.item.content_hash)]
        if done:
            finish_items(self.watch_store, done, done=[r.item.content_hash for r in done])
        ready = tuple(r for r in plan.ready if not self.is_checked(r.item.content_hash))
        articles: dict[str, MonitoredArticle] = {}
        for entry in ready:
            item = entry.item
            articles.setdefault(
                item.content_hash,
                MonitoredArticle(entry.record, item.content_hash, item.source_id, item.url, item.site),
            )
        return WatchRun(
            articles=list(articles.values()),
            runs=list(plan.runs),
            problems=list(plan.problems),
            seen=plan.listed,
            already_checked=plan.known + sum(r.unchanged for r in plan.runs) + len(done),
            ready=ready,
        )

    def watch_checked(
        self,
        run: WatchRun,
        *,
        checked: Iterable[str],
        failed: Mapping[str, str] | None = None,
    ) -> int:
        """Record what became of the articles of a :meth:`watch` run: ``checked`` content hashes are
        done, ``failed`` ones (hash -> reason) failed. Returns the items written."""
        from credibility.watch.run import finish_items

        return finish_items(self.watch_store, run.ready, done=checked, failed=failed)

    def ingest_entry(
        self,
        entry: VerifiedInput,
        *,
        now: dt.datetime | None = None,
        force: bool = False,
        on_article: Callable[[str, str], None] | None = None,
    ) -> IngestReport:
        """Index one ``verified`` entry of the sources file: a path as :meth:`ingest` reads it; a feed,
        page or sitemap fetched politely and incrementally (only what is new or changed is fetched
        and indexed; a failure of the source is a problem of the report, with its back-off)."""
        if not entry.is_web:
            return self.ingest([entry.path], kind=entry.kind, source=entry.source, on_article=on_article)
        from credibility.watch.run import finish_items, watch_sources

        plan = watch_sources(
            self.settings,
            self.watch_store,
            [entry],
            list_name="verified",
            now=now,
            content_known=lambda _digest: False,
            force=force,
        )
        # The kind was set when the page was read: a ClaimReview page is a fact-check, whatever the entry.
        records = {r.record.id: replace(r.record, source=entry.source or r.record.source) for r in plan.ready}
        outcomes: dict[str, str] = {}

        def seen(article_id: str, outcome: str) -> None:
            outcomes[article_id] = outcome
            if on_article is not None:
                on_article(article_id, outcome)

        report = self._ingest_items(records.values(), on_article=seen) if records else IngestReport()
        failed = {r.item.content_hash for r in plan.ready if outcomes.get(r.record.id) == "failed"}
        reasons = {p.origin: p.message for p in report.problems}
        finish_items(
            self.watch_store,
            plan.ready,
            done=[r.item.content_hash for r in plan.ready if r.item.content_hash not in failed],
            failed={
                r.item.content_hash: reasons.get(r.record.origin, "not indexed")
                for r in plan.ready
                if r.item.content_hash in failed
            },
        )
        problems = [
            *(LoadProblem(r.location, f"source failed: {r.error}") for r in plan.failed),
            *plan.problems,
            *report.problems,
        ]
        item_failures = sum(r.failed for r in plan.runs if r.status != "failed")
        return replace(
            report,
            problems=tuple(problems),
            failed=report.failed + item_failures + len(plan.failed),
            unchanged=report.unchanged + sum(r.unchanged + r.known for r in plan.runs),
        )

    def source_states(self) -> list[SourceState]:
        """The crawl state of every source fetched so far (both lists)."""
        return self.watch_store.sources()

    def ledger(
        self,
        *,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
    ) -> Ledger:
        """The credibility ledger of the monitored sites and sources (articles first seen, or changed,
        in ``[since, until)``), from the reviewed checks: a dismissed flag does not count."""
        from credibility.watch.ledger import build_ledger

        with self._lock:
            items = list(self.watch_store.done_items("monitor"))
            stored = self.results.latest_for_content({i.content_hash for i in items})
            checks = {digest: (s.check_key, self.reviewed(s.check)) for digest, s in stored.items()}
            states = self.watch_store.sources()
        return build_ledger(
            items,
            checks,
            states,
            since=since,
            until=until,
            generated_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        )

    def sentences_of(self, texts: Iterable[str]) -> list[str]:
        """The sentences the engine would split these texts into (to encode them ahead, in bulk)."""
        from credibility.text.sentences import split_sentences

        return [span.text for text in texts for span in split_sentences(text)]


SAMPLE_DATA = Path(__file__).parent / "sample_data"


def sample_paths() -> dict[str, Path]:
    """The bundled sample data: verified articles, fact-checks and a repost to check."""
    return {
        "articles": SAMPLE_DATA / "verified" / "articles.jsonl",
        "factchecks": SAMPLE_DATA / "verified" / "factchecks.jsonl",
        "repost": SAMPLE_DATA / "reposts" / "harbour-bridge-repost.txt",
    }


def decode_text(data: bytes) -> str:
    """UTF-8 text (a byte-order mark allowed), or an InputError saying where it is not."""
    from credibility.inputs.loaders import decode_utf8

    return decode_utf8(data)


def read_queries(path: Path) -> list[tuple[str, str | ClaimQuery]]:
    """A batch of search queries: lines of ``id<TAB>text``; or, in a ``.jsonl`` file, objects with
    ``id`` and ``text`` and, when known, the ``speaker``, ``date`` and ``context`` of the text (the
    claim ranker weighs them)."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from exc
    queries: list[tuple[str, str | ClaimQuery]] = []
    for lineno, line in enumerate(decode_text(raw).splitlines(), start=1):
        if not line.strip():
            continue
        if Path(path).name.lower().endswith(".jsonl"):
            queries.append(_json_query(line, f"{path}:{lineno}"))
            continue
        query_id, sep, text = line.partition("\t")
        if not sep or not text.strip():
            raise InputError(f"{path}:{lineno}: expected id<TAB>text")
        queries.append((query_id.strip(), text.strip()))
    return queries


def _json_query(line: str, where: str) -> tuple[str, ClaimQuery]:
    try:
        raw = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(f"{where}: not a JSON object ({exc.msg})") from exc
    if not isinstance(raw, dict) or not str(raw.get("text") or "").strip() or raw.get("id") is None:
        raise InputError(f"{where}: expected a JSON object with id and text")
    fields = {name: str(raw.get(name) or "").strip() for name in ("text", "speaker", "date", "context")}
    return str(raw["id"]).strip(), ClaimQuery(**fields)


def _chain(*parts: Iterable[ArticleRecord | LoadProblem]) -> Iterator[ArticleRecord | LoadProblem]:
    for part in parts:
        yield from part
