"""Typed check results: what the engine said about an article, the same after reviewer decisions,
and their JSON form (with a loader back).

One module holds the labels, the one verdict rule and the result types, so the engine, the
decision store, the reports and the flows all read the same objects. Nothing here imports the
engine, FAISS or the model: a module that only reads results stays light.

A result is *reviewed* once the stored reviewer decisions were applied to it
(:mod:`credibility.review.apply`): dismissed flags carry a :class:`SentenceReview` with status
``dismissed`` (their label stays as the engine gave it), remembered confirmed lines take the
confirmed label, and the verdict is recounted by the same rule, keeping the engine's own view.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal, cast

from credibility.model.records import Evidence, Span

Label = Literal["supported", "altered", "unsupported", "injected", "debunked", "not_checked"]
LABELS: tuple[Label, ...] = ("supported", "altered", "unsupported", "injected", "debunked", "not_checked")
ArticleLabel = Literal["clean", "altered", "injected", "debunked", "unsupported", "mixed"]
ARTICLE_LABELS: tuple[ArticleLabel, ...] = (
    "clean",
    "altered",
    "injected",
    "debunked",
    "unsupported",
    "mixed",
)
#: Labels a reviewer must look at.
FLAGGED_LABELS: frozenset[str] = frozenset({"altered", "unsupported", "injected", "debunked"})

ChangeKind = Literal["number", "date", "name", "negation", "quantifier"]
ReviewStatus = Literal["dismissed", "confirmed", "confirmed_elsewhere"]


@dataclass(frozen=True, slots=True)
class Change:
    """One fact that differs between an article sentence and its evidence sentence."""

    kind: ChangeKind
    article_text: str  # the differing text on the article side ("" if absent there)
    evidence_text: str  # the differing text on the evidence side ("" if absent there)

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "article_text": self.article_text, "evidence_text": self.evidence_text}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Change:
        return cls(cast(ChangeKind, data["kind"]), str(data["article_text"]), str(data["evidence_text"]))


def evidence_from_dict(data: Mapping[str, Any]) -> Evidence:
    return Evidence(
        article_id=str(data["article_id"]),
        sentence_id=int(data["sentence_id"]),
        sentence=str(data.get("sentence", "")),
        title=str(data.get("title", "")),
        url=str(data.get("url", "")),
        source=str(data.get("source", "")),
        kind=str(data.get("kind", "")),
        claim=str(data.get("claim", "")),
        rating=str(data.get("rating", "")),
        verdict=str(data.get("verdict", "")),
        score=float(data.get("score", 0.0)),
    )


@dataclass(frozen=True, slots=True)
class SentenceReview:
    """A reviewer decision that applies to a sentence, and where it was made."""

    status: ReviewStatus
    decision: str  # confirmed | false_positive
    label: str  # the label the decision was about
    reviewer: str
    decided_at: str
    note: str = ""
    row_id: str = ""
    article_id: str = ""
    article_url: str = ""
    source: str = ""
    #: Set when the decision relabelled the sentence: what the engine had said.
    engine_label: str = ""
    engine_reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        data = {name: getattr(self, name) for name in self.__slots__}
        if not self.engine_label:
            data.pop("engine_label")
            data.pop("engine_reason")
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SentenceReview:
        return cls(**{name: str(data.get(name, "")) for name in cls.__slots__})  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class SentenceCheck:
    index: int
    text: str
    start: int
    end: int
    label: Label
    flags: tuple[str, ...] = ()
    reason: str = ""
    score: float | None = None
    evidence: Evidence | None = None
    changes: tuple[Change, ...] = ()
    review: SentenceReview | None = None
    #: The part of the sentence its evidence lacks (offsets within the sentence): a clause or a
    #: tail added to a copied sentence.
    added: Span | None = None

    @property
    def dismissed(self) -> bool:
        """A reviewer marked this flag a false positive (the engine's label is kept)."""
        return self.review is not None and self.review.status == "dismissed"

    @property
    def flagged(self) -> bool:
        """Needs a reviewer's look: a flagged label that no reviewer dismissed."""
        return self.label in FLAGGED_LABELS and not self.dismissed

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "index": self.index,
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "label": self.label,
            "flags": list(self.flags),
            "reason": self.reason,
            "score": self.score,
            "evidence": self.evidence.as_dict() if self.evidence else None,
            "changes": [c.as_dict() for c in self.changes],
        }
        if self.review is not None:
            data["review"] = self.review.as_dict()
        if self.added is not None:
            data["added"] = {"start": self.added.start, "end": self.added.end, "text": self.added.text}
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SentenceCheck:
        evidence = data.get("evidence")
        review = data.get("review")
        score = data.get("score")
        added = data.get("added")
        return cls(
            index=int(data["index"]),
            text=str(data["text"]),
            start=int(data["start"]),
            end=int(data["end"]),
            label=cast(Label, data["label"]),
            flags=tuple(data.get("flags", ())),
            reason=str(data.get("reason", "")),
            score=None if score is None else float(score),
            evidence=evidence_from_dict(evidence) if evidence else None,
            changes=tuple(Change.from_dict(c) for c in data.get("changes", ())),
            review=SentenceReview.from_dict(review) if review else None,
            added=Span(int(added["start"]), int(added["end"]), str(added["text"])) if added else None,
        )


@dataclass(frozen=True, slots=True)
class EngineInfo:
    version: str
    model: str
    encoder_backend: str
    index_generation: int
    settings_hash: str

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EngineInfo:
        return cls(
            version=str(data["version"]),
            model=str(data["model"]),
            encoder_backend=str(data["encoder_backend"]),
            index_generation=int(data["index_generation"]),
            settings_hash=str(data["settings_hash"]),
        )


@dataclass(frozen=True, slots=True)
class VerdictReview:
    """How many of an article's sentences reviewer decisions touched."""

    dismissed: int = 0
    confirmed: int = 0
    relabelled: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"dismissed": self.dismissed, "confirmed": self.confirmed, "relabelled": self.relabelled}


@dataclass(frozen=True, slots=True)
class EngineVerdict:
    """The engine's own verdict, kept when reviewer decisions changed the counts."""

    label: ArticleLabel
    counts: dict[str, int]
    coverage: float
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "counts": dict(self.counts),
            "coverage": self.coverage,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class Verdict:
    label: ArticleLabel
    copied_from: tuple[str, ...]
    coverage: float
    counts: dict[str, int]
    engine: EngineInfo
    reason: str = ""
    review: VerdictReview | None = None
    engine_view: EngineVerdict | None = None

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "label": self.label,
            "copied_from": list(self.copied_from),
            "coverage": self.coverage,
            "counts": dict(self.counts),
            "engine": self.engine.as_dict(),
            "reason": self.reason,
        }
        if self.engine_view is not None:
            data["engine_view"] = self.engine_view.as_dict()
        if self.review is not None:
            data["review"] = self.review.as_dict()
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Verdict:
        review = data.get("review")
        view = data.get("engine_view")
        return cls(
            label=cast(ArticleLabel, data["label"]),
            copied_from=tuple(data.get("copied_from", ())),
            coverage=float(data["coverage"]),
            counts={str(k): int(v) for k, v in data["counts"].items()},
            engine=EngineInfo.from_dict(data["engine"]),
            reason=str(data.get("reason", "")),
            review=VerdictReview(**review) if review else None,
            engine_view=EngineVerdict(
                label=view["label"],
                counts=dict(view["counts"]),
                coverage=view["coverage"],
                reason=view["reason"],
            )
            if view
            else None,
        )


@dataclass(frozen=True, slots=True)
class ArticleInfo:
    id: str
    content_hash: str
    input: str = ""
    url: str = ""
    title: str = ""
    checked_at: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ArticleInfo:
        return cls(**{name: str(data.get(name, "")) for name in cls.__slots__})


@dataclass(frozen=True, slots=True)
class ArticleCheck:
    """One article's check: every sentence with its label, and the article's verdict."""

    article: ArticleInfo
    verdict: Verdict
    sentences: tuple[SentenceCheck, ...]
    text: str = field(default="", repr=False)

    @property
    def reviewed(self) -> bool:
        """Whether reviewer decisions were applied (even if none matched)."""
        return self.verdict.review is not None

    @property
    def flagged(self) -> tuple[SentenceCheck, ...]:
        """The sentences a reviewer must look at (dismissed flags left out)."""
        return tuple(s for s in self.sentences if s.flagged)

    def as_dict(self, *, with_text: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "article": self.article.as_dict(),
            "verdict": self.verdict.as_dict(),
            "sentences": [s.as_dict() for s in self.sentences],
        }
        if with_text:
            data["text"] = self.text
        return data

    def to_json(self, *, with_text: bool = False) -> str:
        return json.dumps(self.as_dict(with_text=with_text), ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ArticleCheck:
        return cls(
            article=ArticleInfo.from_dict(data["article"]),
            verdict=Verdict.from_dict(data["verdict"]),
            sentences=tuple(SentenceCheck.from_dict(s) for s in data["sentences"]),
            text=str(data.get("text", "")),
        )

    @classmethod
    def from_json(cls, payload: str) -> ArticleCheck:
        return cls.from_dict(json.loads(payload))

    def engine_view(self) -> ArticleCheck:
        """The result as the engine gave it, with any reviewer decisions taken off."""
        if not self.reviewed:
            return self
        sentences = []
        for s in self.sentences:
            if s.review is not None and s.review.engine_label:
                s = replace(
                    s,
                    label=cast(Label, s.review.engine_label),
                    reason=s.review.engine_reason,
                    flags=tuple(f for f in s.flags if f != CONFIRMED_FLAG),
                )
            sentences.append(replace(s, review=None))
        verdict = self.verdict
        if verdict.engine_view is not None:
            view = verdict.engine_view
            verdict = replace(
                verdict,
                label=view.label,
                counts=dict(view.counts),
                coverage=view.coverage,
                reason=view.reason,
            )
        return replace(
            self, sentences=tuple(sentences), verdict=replace(verdict, review=None, engine_view=None)
        )


#: Flag of a sentence relabelled by a reviewer's earlier decision about the same line.
CONFIRMED_FLAG = "confirmed_by_reviewer"


def label_counts(sentences: Iterable[SentenceCheck]) -> dict[str, int]:
    counter = Counter(s.label for s in sentences)
    return {label: counter.get(label, 0) for label in LABELS}


def coverage_of(counts: Mapping[str, int]) -> float:
    """Supported sentences over checkable ones (everything but ``not_checked``)."""
    checkable = sum(counts.values()) - counts.get("not_checked", 0)
    return round(counts.get("supported", 0) / checkable, 4) if checkable else 0.0


def article_verdict(counts: Mapping[str, int]) -> tuple[ArticleLabel, str]:
    """The article-level label and its reason, from the sentence label counts: the one rule."""
    checkable = sum(counts.values()) - counts.get("not_checked", 0)
    supported = counts.get("supported", 0)
    if counts.get("debunked"):
        return "debunked", "repeats a claim fact-checkers rated false or misleading"
    if counts.get("injected"):
        return "injected", "copies verified reporting with foreign material inserted"
    if counts.get("altered"):
        return "altered", "copies verified reporting with changed facts"
    if checkable and supported == checkable:
        return "clean", "every checkable sentence is backed by verified reporting"
    if supported == 0:
        return "unsupported", "no sentence is backed by verified reporting"
    return "mixed", "some sentences are backed by verified reporting, others are not"
