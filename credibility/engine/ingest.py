"""Add verified articles and fact-checks to the index.

Update rules (per article id):
- same id, same content hash: nothing changes;
- same id, new content: its sentences are replaced;
- new id whose content hash is already indexed: recorded as a duplicate of that
  article (copies of one wire story are one origin) and not indexed twice.

Only sentences whose normalized text has never been embedded go to the encoder:
repeated sentences (boilerplate, quotes, wire copies) reuse the stored vector.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from credibility.embed.embedder import Embedder
from credibility.errors import InputError
from credibility.model.records import ArticleRecord, IngestReport, LoadProblem
from credibility.model.verdicts import normalize_rating
from credibility.settings import Settings
from credibility.text.normalize import NORMALIZATION_VERSION, content_hash, text_hash
from credibility.text.sentences import split_sentences
from index.store import IndexIdentity, IndexReader, IndexWriter, NewSentence, SearchParams

Outcome = Literal["added", "replaced", "unchanged", "duplicate", "failed"]


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


def prepare(record: ArticleRecord) -> PreparedArticle:
    """Split an article into title, claim and body sentences (offsets into each field)."""
    if not record.id.strip():
        raise InputError("record has an empty id")
    if not record.text.strip() and not record.claim.strip():
        raise InputError("record has neither text nor claim")
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
    return PreparedArticle(record, article_content_hash(record), tuple(sentences))


def index_identity(settings: Settings, embedder: Embedder) -> IndexIdentity:
    return IndexIdentity(
        model=settings.model,
        dimension=embedder.dimension,
        encoder_backend=embedder.backend,
        normalization_version=NORMALIZATION_VERSION,
    )


def open_reader(settings: Settings, embedder: Embedder) -> IndexReader:
    """The committed index at ``settings.index_dir``, refused if built with another model."""
    search = SearchParams(ivf_nprobe=settings.ivf_nprobe, hnsw_ef_search=settings.hnsw_ef_search)
    return IndexReader.open(settings.index_dir, index_identity(settings, embedder), search)


def open_writer(settings: Settings, embedder: Embedder, *, lock_timeout: float = 0.0) -> IndexWriter:
    auto = settings.index_type == "auto"
    return IndexWriter.open(
        settings.index_dir,
        index_identity(settings, embedder),
        index_type="flat" if auto else settings.index_type,  # type: ignore[arg-type]
        auto_ivf_threshold=settings.auto_ivf_threshold if auto else None,
        lock_timeout=lock_timeout,
    )


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
) -> IngestReport:
    """Apply the update rules to every record; commits every ``commit_every`` articles and at the end."""
    tally = _Tally()
    since_commit = 0
    for batch in _batches(items, batch_size):
        prepared: list[PreparedArticle] = []
        for item in batch:
            if isinstance(item, LoadProblem):
                tally.problems.append(item)
                if on_article:
                    on_article(item.origin, "failed")
                continue
            try:
                prepared.append(prepare(item))
            except InputError as exc:
                tally.problems.append(LoadProblem(item.origin or item.id, str(exc)))
                if on_article:
                    on_article(item.origin or item.id, "failed")
        for article_id, outcome in _apply_batch(prepared, writer, embedder, tally):
            tally.bump(outcome)
            if on_article:
                on_article(article_id, outcome)
        since_commit += len(batch)
        if since_commit >= commit_every:
            writer.commit()
            since_commit = 0
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


def _batches(
    items: Iterable[ArticleRecord | LoadProblem], size: int
) -> Iterator[list[ArticleRecord | LoadProblem]]:
    batch: list[ArticleRecord | LoadProblem] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
