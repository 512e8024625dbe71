"""Typed flow parameters and results (pydantic, so they validate in the UI, the CLI and the API).

Results are small and JSON-friendly: the full check lives in the results store and
is passed around by its key, never as a model object. This module reads results only: it
imports neither the engine nor FAISS (a thin flow process starts fast).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from credibility.model.records import LoadProblem
from credibility.model.result import ArticleCheck, SentenceCheck
from credibility.model.watch import SourceRun


class CheckRequest(BaseModel):
    """One article to check, as the warm worker receives it."""

    model_config = ConfigDict(frozen=True)

    text: str = Field(min_length=1)
    title: str = ""
    url: str = ""
    input_name: str = ""
    #: The data folder (index + results store) the caller means; the worker keeps one warm index per home.
    home: str


class FlaggedSentence(BaseModel):
    index: int
    label: str
    text: str
    reason: str = ""
    flags: list[str] = Field(default_factory=list)
    score: float | None = None
    evidence_article_id: str = ""
    evidence_sentence: str = ""
    evidence_claim: str = ""
    evidence_verdict: str = ""
    changes: list[dict[str, Any]] = Field(default_factory=list)

    @classmethod
    def from_sentence(cls, sentence: SentenceCheck) -> FlaggedSentence:
        evidence = sentence.evidence
        return cls(
            index=sentence.index,
            label=sentence.label,
            text=sentence.text,
            reason=sentence.reason,
            flags=list(sentence.flags),
            score=sentence.score,
            evidence_article_id=evidence.article_id if evidence else "",
            evidence_sentence=evidence.sentence if evidence else "",
            evidence_claim=evidence.claim if evidence else "",
            evidence_verdict=evidence.verdict if evidence else "",
            changes=[c.as_dict() for c in sentence.changes],
        )


class CheckOutcome(BaseModel):
    """What a check returns to its caller: the stored result's key and the reviewer's summary
    (reviewer decisions applied: a dismissed flag is not listed)."""

    check_key: str
    article_id: str
    content_hash: str
    title: str = ""
    url: str = ""
    input_name: str = ""
    checked_at: str
    label: str
    coverage: float
    counts: dict[str, int]
    copied_from: list[str]
    index_generation: int
    flagged: list[FlaggedSentence]
    csv_path: str = ""
    csv_rows_added: int = 0
    #: host-pid of the process that ran the check (the warm worker, or the flow's own process).
    checked_by: str = ""

    @classmethod
    def from_check(cls, check_key: str, check: ArticleCheck) -> CheckOutcome:
        """Build from a reviewed check result."""
        article, verdict = check.article, check.verdict
        return cls(
            check_key=check_key,
            article_id=article.id,
            content_hash=article.content_hash,
            title=article.title,
            url=article.url,
            input_name=article.input,
            checked_at=article.checked_at,
            label=verdict.label,
            coverage=verdict.coverage,
            counts=dict(verdict.counts),
            copied_from=list(verdict.copied_from),
            index_generation=verdict.engine.index_generation,
            flagged=[FlaggedSentence.from_sentence(s) for s in check.flagged],
        )


class MonitorSummary(BaseModel):
    articles_seen: int = 0
    already_checked: int = 0
    checked: int = 0
    flagged: int = 0
    #: Articles that could not be fetched, extracted or checked (in sources that did not fail).
    failed: int = 0
    #: Sources of the monitor list, and those that failed as a whole this run.
    sources: int = 0
    sources_failed: int = 0
    csv_path: str = ""
    csv_rows_added: int = 0
    check_keys: list[str] = Field(default_factory=list)
    problems: list[LoadProblem] = Field(default_factory=list)
    #: What the run did with each source (fetched, unchanged, failed and why, not due).
    source_runs: list[SourceRun] = Field(default_factory=list)


class ReportSummary(BaseModel):
    csv_path: str
    checks: int
    rows: int
    #: Decisions typed into the file being rebuilt, stored in the decision store first.
    decisions_imported: int
