"""Small frozen records passed between the library's parts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ArticleKind = Literal["reporting", "factcheck"]
ARTICLE_KINDS: tuple[ArticleKind, ...] = ("reporting", "factcheck")

SentenceRole = Literal["body", "claim", "title"]


@dataclass(frozen=True, slots=True)
class ArticleRecord:
    """One verified article or fact-check, as read from a file, feed or page."""

    id: str
    text: str = ""
    title: str = ""
    url: str = ""
    source: str = ""
    published: str = ""
    kind: ArticleKind = "reporting"
    claim: str = ""
    rating: str = ""
    speaker: str = ""
    #: Where the record came from ("articles.jsonl:12"), for messages only.
    origin: str = ""


@dataclass(frozen=True, slots=True)
class Span:
    """A sentence of a text with its character offsets: ``text == source[start:end]``."""

    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class LoadProblem:
    """An input (or one line of it) that could not be read; the rest of the batch goes on."""

    origin: str
    message: str


@dataclass(frozen=True, slots=True)
class IngestReport:
    """What an ingest did, article by article, and the index generation it committed."""

    added: int = 0
    replaced: int = 0
    unchanged: int = 0
    duplicates: int = 0
    failed: int = 0
    sentences_added: int = 0
    sentences_embedded: int = 0
    problems: tuple[LoadProblem, ...] = field(default_factory=tuple)
    index_generation: int = 0

    @property
    def changed(self) -> bool:
        """Whether the index holds anything new (an update event is due)."""
        return bool(self.added or self.replaced)

    def merge(self, other: IngestReport) -> IngestReport:
        """The two reports added up (the later generation kept)."""
        counts = {
            name: getattr(self, name) + getattr(other, name)
            for name in self.__slots__
            if name not in ("problems", "index_generation")
        }
        return IngestReport(
            **counts,
            problems=(*self.problems, *other.problems),
            index_generation=max(self.index_generation, other.index_generation),
        )


@dataclass(frozen=True, slots=True)
class Evidence:
    """The best verified match for a sentence or query: one record everywhere (JSON, CSV, search)."""

    article_id: str
    sentence_id: int
    sentence: str
    title: str
    url: str
    source: str
    kind: str
    claim: str
    rating: str
    verdict: str
    score: float

    def as_dict(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in self.__slots__}


@dataclass(frozen=True, slots=True)
class ClaimQuery:
    """A text to match against fact-checked claims, with what is known around it (the claim
    ranker weighs each: ``credibility.engine.rerank``)."""

    text: str
    #: Who says it, when known (a transcript's speaker, the person an article quotes).
    speaker: str = ""
    #: When it was said or published, when known (ISO date or "January 14, 2020").
    date: str = ""
    #: Words around it: the article's title, neighbouring sentences (searched for the claim's speaker).
    context: str = ""
