"""Add verified articles and fact-checks to the index.

Update rules (per article id):
- same id, same content hash: nothing changes;
- same id, new content: its sentences are replaced;
- new id whose content hash is already indexed: recorded as a duplicate of that
  article (copies of one wire story are one origin) and not indexed twice.

Only sentences whose normalized text has never been embedded go to the encoder:
repeated sentences (boilerplate, quotes, wire copies) reuse the stored vector.

Bounds: an article over the article bound (``max_article_chars`` characters or
``max_article_sentences`` sentences) or holding a lone surrogate is refused with its
origin, and the rest of the batch goes on; sentences are cut at
:data:`~credibility.text.sentences.MAX_SENTENCE_CHARS`; a batch embedded together holds
at most ``batch_size`` articles and :data:`BATCH_SENTENCES` sentences.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from filelock import FileLock

from credibility.embed.embedder import Embedder
from credibility.embed.onnx_model import ENCODER_FORMAT_VERSION, ONNX_BACKENDS, vectors_compatible_since
from credibility.errors import InputError
from credibility.model.records import ArticleRecord, IngestReport, LoadProblem
from credibility.model.verdicts import normalize_rating
from credibility.settings import Settings
from credibility.text.normalize import NORMALIZATION_VERSION, content_hash, lone_surrogate, text_hash
from credibility.text.sentences import split_sentences
from index.store import (
    IndexIdentity,
    IndexReader,
    IndexWriter,
    NewSentence,
    ReembedReport,
    SearchParams,
    acquire_writer_lock,
    reembed,
)

Outcome = Literal["added", "replaced", "unchanged", "duplicate", "failed"]

#: The batch bound: articles are prepared and embedded together until their sentences reach this
#: (or ``batch_size`` articles), so an ingest's memory does not grow with the size of its articles.
BATCH_SENTENCES = 20_000


@dataclass(frozen=True, slots=True)
class PreparedArticle:
    """An article split into the sentences to index, with its content hash."""

    record: ArticleRecord
    content_hash: str
    sentences: tuple[NewSentence, ...]

    def row(self) -> dict[str, Any]:
        r = self.record
        return {
            "id": r.id,
            "url": r.url,
            "title": r.title,
            "source": r.source,
            "published": r.published,
            "kind": r.kind,
            "content_hash": self.content_hash,
            "claim": r.claim,
            "rating": r.rating,
            "verdict": normalize_rating(r.rating) if r.kind == "factcheck" else "unrated",
            "speaker": r.speaker,
            "text": r.text,
        }


def article_content_hash(record: ArticleRecord) -> str:
    return content_hash(record.kind, record.text, record.claim, record.rating)


def prepare(
    record: ArticleRecord, *, max_chars: int | None = None, max_sentences: int | None = None
) -> PreparedArticle:
    """Split an article into title, claim and body sentences (offsets into each field).

    Raises :class:`InputError` for an unusable record: no id, no text, a lone surrogate in a
    field, or over the article bound (``max_chars`` characters, ``max_sentences`` sentences)."""
    if not record.id.strip():
        raise InputError("record has an empty id")
    if not record.text.strip() and not record.claim.strip():
        raise InputError("record has neither text nor claim")
    for name in ("id", "text", "title", "claim", "url", "source", "published", "rating", "speaker"):
        where = lone_surrogate(getattr(record, name))
        if where is not None:
            raise InputError(
                f"field {name!r} holds a lone surrogate {where} (half of an emoji or other character "
                "outside the BMP): not valid Unicode text; fix the record"
            )
    size = len(record.text) + len(record.title) + len(record.claim)
    if max_chars is not None and size > max_chars:
        raise InputError(
            f"the article is {size:,} characters, above the {max_chars:,}-character article bound "
            "(CREDIBILITY_MAX_ARTICLE_CHARS); split it or raise the bound"
        )
    sentences: list[NewSentence] = []

    def add(role: str, start: int, end: int, text: str) -> None:
        if text.strip():
            sentences.append(NewSentence(role, len(sentences), start, end, text, text_hash(text)))

    if record.title.strip():
        title = record.title.strip()
        add("title", 0, len(title), title)
    if record.claim.strip():
        claim = record.claim.strip()
        add("claim", 0, len(claim), claim)
    for span in split_sentences(record.text):
        add("body", span.start, span.end, span.text)
    if max_sentences is not None and len(sentences) > max_sentences:
        raise InputError(
            f"the article has {len(sentences):,} sentences, above the {max_sentences:,}-sentence article "
            "bound (CREDIBILITY_MAX_ARTICLE_SENTENCES); split it or raise the bound"
        )
    return PreparedArticle(record, article_content_hash(record), tuple(sentences))


def index_identity(settings: Settings, embedder: Embedder) -> IndexIdentity:
    # ``format_version`` is optional on an embedder (absent or 0: no export, as for torch and fakes).
    # A wrapper of an ONNX embedder that does not pass it on (a Dask fan-out, vectors primed ahead)
    # gives vectors of this version's export: the only one an ONNX embedder here loads.
    version = int(getattr(embedder, "format_version", 0) or 0)
    if not version and embedder.backend in ONNX_BACKENDS:
        version = ENCODER_FORMAT_VERSION
    return IndexIdentity(
        model=settings.model,
        dimension=embedder.dimension,
        encoder_backend=embedder.backend,
        normalization_version=NORMALIZATION_VERSION,
        encoder_format_version=version,
        encoder_compatible_since=vectors_compatible_since(embedder.backend) if version else 0,
    )


def reembed_index(
    settings: Settings,
    embedder: Embedder,
    *,
    index_type: Literal["flat", "ivf", "hnsw"] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    lock_timeout: float = 0.0,
) -> ReembedReport:
    """Re-embed every stored sentence of the index with ``embedder`` into a new index, swapped in
    atomically (see :mod:`index.reembed`); the index then records ``embedder``'s backend."""
    return reembed(
        settings.index_dir,
        index_identity(settings, embedder),
        embedder.encode,
        index_type=index_type,
        on_progress=on_progress,
        lock_timeout=lock_timeout,
    )


def open_reader(settings: Settings, embedder: Embedder) -> IndexReader:
    """The committed index at ``settings.index_dir``, refused if built with another model."""
    search = SearchParams(ivf_nprobe=settings.ivf_nprobe, hnsw_ef_search=settings.hnsw_ef_search)
    return IndexReader.open(settings.index_dir, index_identity(settings, embedder), search)


def open_writer(
    settings: Settings, embedder: Embedder, *, lock_timeout: float = 0.0, lock: FileLock | None = None
) -> IndexWriter:
    auto = settings.index_type == "auto"
    return IndexWriter.open(
        settings.index_dir,
        index_identity(settings, embedder),
        index_type="flat" if auto else settings.index_type,  # type: ignore[arg-type]
        auto_ivf_threshold=settings.auto_ivf_threshold if auto else None,
        lock_timeout=lock_timeout,
        lock=lock,
    )


@contextlib.contextmanager
def writing(
    settings: Settings, embedder: Callable[[], Embedder], *, lock_timeout: float = 0.0
) -> Iterator[tuple[IndexWriter, Embedder]]:
    """The index writer and the embedder, the writer lock taken *before* the embedder is loaded:
    a second writer hears "locked" at once, not after a model load. Commits on success."""
    lock = acquire_writer_lock(settings.index_dir, lock_timeout)
    try:
        loaded = embedder()
        writer = open_writer(settings, loaded, lock=lock)
    except BaseException:
        lock.release()
        raise
    with writer:
        yield writer, loaded


@dataclass
class _Tally:
    counts: dict[str, int] = field(default_factory=dict)
    problems: list[LoadProblem] = field(default_factory=list)
    sentences_added: int = 0
    sentences_embedded: int = 0

    def bump(self, outcome: str, n: int = 1) -> None:
        self.counts[outcome] = self.counts.get(outcome, 0) + n

    def report(self) -> IngestReport:
        c = self.counts
        return IngestReport(
            added=c.get("added", 0),
            replaced=c.get("replaced", 0),
            unchanged=c.get("unchanged", 0),
            duplicates=c.get("duplicate", 0),
            failed=len(self.problems),
            sentences_added=self.sentences_added,
            sentences_embedded=self.sentences_embedded,
            problems=tuple(self.problems),
        )


def ingest(
    items: Iterable[ArticleRecord | LoadProblem],
    writer: IndexWriter,
    embedder: Embedder,
    *,
    commit_every: int = 2000,
    batch_size: int = 64,
    on_article: Callable[[str, Outcome], None] | None = None,
    max_article_chars: int | None = None,
    max_article_sentences: int | None = None,
    batch_sentences: int = BATCH_SENTENCES,
) -> IngestReport:
    """Apply the update rules to every record; commits every ``commit_every`` articles and at the end.

    A bad record (a :class:`LoadProblem`, or one ``prepare`` refuses) is reported with its origin
    and skipped; the rest of the batch goes on."""
    tally = _Tally()
    since_commit = 0
    prepared: list[PreparedArticle] = []
    pending_sentences = 0
    seen = 0

    def flush() -> None:
        nonlocal prepared, pending_sentences, since_commit, seen
        for article_id, outcome in _apply_batch(prepared, writer, embedder, tally):
            tally.bump(outcome)
            if on_article:
                on_article(article_id, outcome)
        since_commit += seen
        prepared, pending_sentences, seen = [], 0, 0
        if since_commit >= commit_every:
            writer.commit()
            since_commit = 0

    for item in items:
        seen += 1
        if isinstance(item, LoadProblem):
            tally.problems.append(item)
            if on_article:
                on_article(item.origin, "failed")
        else:
            try:
                article = prepare(item, max_chars=max_article_chars, max_sentences=max_article_sentences)
            except InputError as exc:
                tally.problems.append(LoadProblem(item.origin or item.id, str(exc)))
                if on_article:
                    on_article(item.origin or item.id, "failed")
            else:
                prepared.append(article)
                pending_sentences += len(article.sentences)
        if seen >= batch_size or pending_sentences >= batch_sentences:
            flush()
    if seen:
        flush()
    writer.commit()
    return tally.report()


def _apply_batch(
    prepared: list[PreparedArticle], writer: IndexWriter, embedder: Embedder, tally: _Tally
) -> Iterator[tuple[str, Outcome]]:
    # Pass 1: decide each article's fate before embedding anything.
    plans: list[tuple[PreparedArticle, Outcome, str | None]] = []
    origin_in_batch: dict[str, str] = {}
    for article in prepared:
        existing = writer.article(article.record.id)
        if existing is not None and existing.content_hash == article.content_hash:
            plans.append((article, "unchanged", None))
            continue
        origin = origin_in_batch.get(article.content_hash) or writer.find_origin_by_content(
            article.content_hash, article.record.id
        )
        outcome: Outcome = "replaced" if existing is not None else "added"
        if origin is not None:
            plans.append((article, "duplicate", origin))
            continue
        origin_in_batch[article.content_hash] = article.record.id
        plans.append((article, outcome, None))
    # Pass 2: embed every sentence text the index has never seen, once.
    to_index = [a for a, outcome, _ in plans if outcome in ("added", "replaced")]
    embed_needed(writer, embedder, to_index, tally)
    # Pass 3: write.
    for article, outcome, origin in plans:
        if outcome == "unchanged":
            yield article.record.id, outcome
            continue
        orphans = writer.delete_article(article.record.id)
        if origin is not None:
            writer.put_article({**article.row(), "duplicate_of": origin}, ())
        else:
            writer.put_article(article.row(), article.sentences)
            tally.sentences_added += len(article.sentences)
        if orphans:
            _promote(orphans[0], writer, embedder, tally)
        yield article.record.id, outcome


def embed_needed(
    writer: IndexWriter, embedder: Embedder, articles: list[PreparedArticle], tally: _Tally
) -> None:
    texts_by_hash: dict[str, str] = {}
    for article in articles:
        for sentence in article.sentences:
            texts_by_hash.setdefault(sentence.norm_hash, sentence.text)
    known = writer.cached_hashes(texts_by_hash)
    missing = [(h, t) for h, t in texts_by_hash.items() if h not in known]
    if not missing:
        return
    # Length-sorted batches waste less padding in the encoder.
    missing.sort(key=lambda pair: len(pair[1]))
    vectors = embedder.encode([t for _, t in missing])
    writer.store_vectors([h for h, _ in missing], vectors)
    tally.sentences_embedded += len(missing)


def _promote(heir_id: str, writer: IndexWriter, embedder: Embedder, tally: _Tally) -> None:
    """A duplicate whose origin went away becomes the origin: index its own sentences."""
    payload = writer.article_payload(heir_id)
    if payload is None:
        return
    record = ArticleRecord(
        id=payload["id"],
        text=payload["text"],
        title=payload["title"],
        url=payload["url"],
        source=payload["source"],
        published=payload["published"],
        kind=payload["kind"],
        claim=payload["claim"],
        rating=payload["rating"],
        speaker=payload["speaker"],
    )
    article = prepare(record)
    embed_needed(writer, embedder, [article], tally)
    writer.put_article(article.row(), article.sentences)


def remove(ids: Iterable[str], writer: IndexWriter, embedder: Embedder) -> tuple[list[str], list[str]]:
    """Retract articles. Returns (removed ids, unknown ids)."""
    removed: list[str] = []
    unknown: list[str] = []
    tally = _Tally()
    for article_id in ids:
        if writer.article(article_id) is None:
            unknown.append(article_id)
            continue
        orphans = writer.delete_article(article_id)
        if orphans:
            _promote(orphans[0], writer, embedder, tally)
        removed.append(article_id)
    writer.commit()
    return removed, unknown
