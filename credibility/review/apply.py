"""Applying stored reviewer decisions to a check result.

- ``false_positive`` *dismisses* the flag: the engine's label stays, the sentence gets a
  ``review`` (who, when, note), and it leaves the default CSV and HTML views.
- ``confirmed`` on an ``injected`` or ``debunked`` line is remembered by its text alone: the
  same line found anywhere else is flagged at once. Where the engine saw nothing wrong with it
  (``unsupported``, ``not_checked``) it takes the confirmed label with the flag
  ``confirmed_by_reviewer`` and a reason citing the decision; a ``supported`` sentence is left
  alone (verified reporting outranks a remembered decision, as in the engine's precedence).
- The verdict is recounted with the engine's one rule (:func:`article_verdict`), and the
  engine's own verdict is kept beside it.

Applying is idempotent: the engine's view is restored first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from credibility.model.records import Evidence
from credibility.model.result import (
    CONFIRMED_FLAG,
    FLAGGED_LABELS,
    ArticleCheck,
    EngineVerdict,
    Label,
    SentenceCheck,
    VerdictReview,
    article_verdict,
    coverage_of,
    label_counts,
)
from credibility.store.decisions import Decision, DecisionStore
from credibility.text.normalize import text_hash

#: Confirmed lines of these labels are flagged wherever the same text shows up again.
REMEMBERED_LABELS: frozenset[str] = frozenset({"injected", "debunked"})
#: Engine labels that a remembered confirmed decision overrides (nothing flagged them).
_PROMOTABLE_LABELS: frozenset[str] = frozenset({"unsupported", "not_checked"})


def evidence_key(evidence: Evidence | None) -> str:
    """The evidence part of a decision's key: ``article#sentence``, else the article, else ''."""
    if evidence is None:
        return ""
    return f"{evidence.article_id}#{evidence.sentence_id}"


def evidence_key_of(article_id: str, sentence_id: object) -> str:
    """:func:`evidence_key` from a CSV row's columns (either may be blank)."""
    if sentence_id not in (None, ""):
        return f"{article_id}#{sentence_id}"
    return article_id


def _citation_reason(d: Decision) -> str:
    url = f" ({d.article_url})" if d.article_url and d.article_url != d.article_id else ""
    where = f"article {d.article_id}{url}"
    note = f": {d.note}" if d.note else ""
    return f"confirmed {d.label} by reviewer {d.reviewer} on {d.decided_at[:10]} in {where}{note}"


def _remembered(decisions: Iterable[Decision]) -> dict[str, Decision]:
    """The confirmed remembered decision per sentence text: debunked outranks injected
    (the engine's precedence), then the latest decision."""
    best: dict[str, Decision] = {}
    for d in decisions:
        if d.decision != "confirmed" or d.label not in REMEMBERED_LABELS:
            continue
        current = best.get(d.norm_hash)
        if current is None or (d.label == "debunked", d.decided_at) > (
            current.label == "debunked",
            current.decided_at,
        ):
            best[d.norm_hash] = d
    return best


def apply_decisions(check: ArticleCheck, store: DecisionStore) -> ArticleCheck:
    """The check with the stored decisions applied (its reviewed form)."""
    base = check.engine_view()
    hashes = [text_hash(s.text) for s in base.sentences]
    decisions = store.for_sentences(hashes)
    exact = {d.key: d for d in decisions}
    remembered = _remembered(decisions)
    dismissed = confirmed = relabelled = 0
    sentences: list[SentenceCheck] = []
    for sentence, norm in zip(base.sentences, hashes, strict=True):
        label = sentence.label
        ev_key = evidence_key(sentence.evidence)
        other = remembered.get(norm) if label != "supported" else None
        promote = other is not None and label in _PROMOTABLE_LABELS
        # The decision made on this very flag; on a relabelled row it may be keyed by the new label.
        own = exact.get((norm, ev_key, label))
        if own is None and promote and other is not None:
            own = exact.get((norm, ev_key, other.label))
        if own is not None and own.decision == "false_positive":
            if label in FLAGGED_LABELS:
                sentence = replace(sentence, review=own.review("dismissed"))
                dismissed += 1
            sentences.append(sentence)
            continue
        if promote and other is not None:
            mine = own is not None and own.label == other.label  # confirmed on this very row
            cited = own if mine and own is not None else other
            reason = _citation_reason(cited) + (
                f"; the engine said {label}: {sentence.reason}" if sentence.reason else ""
            )
            sentence = replace(
                sentence,
                label=_as_label(other.label),
                flags=(*sentence.flags, CONFIRMED_FLAG),
                reason=reason,
                review=cited.review(
                    "confirmed" if mine else "confirmed_elsewhere",
                    engine_label=label,
                    engine_reason=sentence.reason,
                ),
            )
            relabelled += 1
            confirmed += 1
        elif own is not None:
            sentence = replace(sentence, review=own.review("confirmed"))
            confirmed += 1
        elif other is not None:
            sentence = replace(sentence, review=other.review("confirmed_elsewhere"))
            confirmed += 1
        sentences.append(sentence)
    verdict = base.verdict
    engine_view = None
    if relabelled:
        counts = label_counts(sentences)
        article_label, _ = article_verdict(counts)
        engine_view = EngineVerdict(verdict.label, dict(verdict.counts), verdict.coverage, verdict.reason)
        reason = (
            f"{article_label} after reviewer decisions (the engine said {verdict.label})"
            if article_label != verdict.label
            else verdict.reason
        )
        verdict = replace(
            verdict, label=article_label, counts=counts, coverage=coverage_of(counts), reason=reason
        )
    verdict = replace(
        verdict, review=VerdictReview(dismissed, confirmed, relabelled), engine_view=engine_view
    )
    return replace(base, sentences=tuple(sentences), verdict=verdict)


def _as_label(value: str) -> Label:
    if value == "debunked":
        return "debunked"
    return "injected"
