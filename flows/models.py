"""Typed flow parameters and results (pydantic, so they validate in the UI, the CLI and the API).

Results are small and JSON-friendly: the full check lives in the results store and
is passed around by its key, never as a model object.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


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


class CheckOutcome(BaseModel):
    """What a check returns to its caller: the stored result's key and the reviewer's summary."""

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
    def from_result(cls, check_key: str, result: dict[str, Any]) -> CheckOutcome:
        """Build from ``ArticleCheck.as_dict()`` (or a stored result)."""
        article, verdict = result["article"], result["verdict"]
        wanted = flagged_labels()
        flagged = []
        for sentence in result["sentences"]:
            if sentence["label"] not in wanted:
                continue
            evidence = sentence.get("evidence") or {}
            flagged.append(
                FlaggedSentence(
                    index=sentence["index"],
                    label=sentence["label"],
                    text=sentence["text"],
                    reason=sentence.get("reason", ""),
                    flags=list(sentence.get("flags", [])),
                    score=sentence.get("score"),
                    evidence_article_id=str(evidence.get("article_id", "")),
                    evidence_sentence=str(evidence.get("sentence", "")),
                    evidence_claim=str(evidence.get("claim", "")),
                    evidence_verdict=str(evidence.get("verdict", "")),
                    changes=list(sentence.get("changes", [])),
                )
            )
        return cls(
            check_key=check_key,
            article_id=article["id"],
            content_hash=article["content_hash"],
            title=article.get("title", ""),
            url=article.get("url", ""),
            input_name=article.get("input", ""),
            checked_at=article["checked_at"],
            label=verdict["label"],
            coverage=verdict["coverage"],
            counts=dict(verdict["counts"]),
            copied_from=list(verdict["copied_from"]),
            index_generation=int(verdict["engine"]["index_generation"]),
            flagged=flagged,
        )


def flagged_labels() -> frozenset[str]:
    # Imported here: credibility.engine.check pulls numpy and FAISS, too slow for a thin flow process.
    from credibility.engine.check import FLAGGED_LABELS

    return FLAGGED_LABELS


class Problem(BaseModel):
    """An input that was skipped, and why."""

    origin: str
    reason: str


class IngestSummary(BaseModel):
    added: int = 0
    replaced: int = 0
    unchanged: int = 0
    duplicates: int = 0
    failed: int = 0
    sentences_added: int = 0
    sentences_embedded: int = 0
    index_generation: int = 0
    problems: list[Problem] = Field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.replaced)

    def merge(self, other: IngestSummary) -> IngestSummary:
        numbers = {
            name: getattr(self, name) + getattr(other, name)
            for name in (
                "added",
                "replaced",
                "unchanged",
                "duplicates",
                "failed",
                "sentences_added",
                "sentences_embedded",
            )
        }
        return IngestSummary(
            **numbers,
            index_generation=max(self.index_generation, other.index_generation),
            problems=[*self.problems, *other.problems],
        )


class MonitorSummary(BaseModel):
    articles_seen: int = 0
    already_checked: int = 0
    checked: int = 0
    flagged: int = 0
    failed: int = 0
    csv_path: str = ""
    csv_rows_added: int = 0
    check_keys: list[str] = Field(default_factory=list)
    problems: list[Problem] = Field(default_factory=list)


class ReportSummary(BaseModel):
    csv_path: str
    checks: int
    rows: int
    decisions_kept: int
