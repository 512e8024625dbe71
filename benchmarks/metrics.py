"""Scores for the repost benchmark (sentence labels, copied-from) and claim retrieval (MAP@k, MRR).

Predicted sentences come from whatever splitter the system uses. Each one takes the gold
label of the gold unit it overlaps most (by characters), or of an inserted unit (injected,
debunked) it holds whole; sentences overlapping no unit
(whitespace, say) and those mapped to an ``ambiguous`` unit are not scored. Label P/R/F1,
flag F1, false-flag rates and the confusion matrix are over predicted sentences, so a
system is judged on the sentences it shows; altered recall per kind is per gold unit.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

LABELS = ("supported", "altered", "unsupported", "injected", "debunked", "not_checked")
#: A sentence is "flagged" when the system says it is anything but backed or unchecked.
FLAG_LABELS = frozenset({"altered", "unsupported", "injected", "debunked"})
ALTERATION_KINDS = ("number", "date", "person", "place", "organisation", "negation")


class Span(Protocol):
    @property
    def start(self) -> int: ...

    @property
    def end(self) -> int: ...


class Unit(Span, Protocol):
    @property
    def label(self) -> str: ...

    @property
    def kind(self) -> str: ...

    @property
    def ambiguous(self) -> bool: ...


class GoldArticle(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def source_id(self) -> str | None: ...

    @property
    def units(self) -> Sequence[Unit]: ...


@dataclass(frozen=True, slots=True)
class PredSentence:
    start: int
    end: int
    label: str


@dataclass
class ArticlePrediction:
    sentences: list[PredSentence] = field(default_factory=list)
    copied_from: list[str] = field(default_factory=list)


#: Gold labels of inserted material: a sentence that holds such a unit whole shows it to its reader.
INSERTED_LABELS = frozenset({"injected", "debunked"})


def best_unit(start: int, end: int, units: Sequence[Unit]) -> int | None:
    """Index of the unit a predicted sentence [start, end) is judged against.

    The unit it shares most characters with (ties to the first), except that a sentence holding
    a whole inserted unit (``injected`` or ``debunked``: a false claim glued to a copied
    sentence by a lost full stop, say) is judged against that insertion: whoever reads the
    sentence reads it, so calling the sentence ``supported`` misses it.
    """
    best, best_overlap = None, 0
    inserted, inserted_size = None, 0
    for index, unit in enumerate(units):
        overlap = min(end, unit.end) - max(start, unit.start)
        if overlap > best_overlap:
            best, best_overlap = index, overlap
        if (
            unit.label in INSERTED_LABELS
            and start <= unit.start
            and unit.end <= end
            and overlap > inserted_size
        ):
            inserted, inserted_size = index, overlap
    return inserted if inserted is not None else best


def prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


@dataclass(frozen=True, slots=True)
class Pair:
    gold: str
    kind: str
    pred: str


@dataclass(frozen=True, slots=True)
class UnitOutcome:
    """What the system said about one gold unit, over all its sentences mapped to it."""

    label: str
    kind: str
    predicted: frozenset[str]


def label_pairs(
    gold: GoldArticle, prediction: ArticlePrediction
) -> tuple[list[Pair], int, int, list[UnitOutcome]]:
    """(scored pairs, sentences skipped as ambiguous, gold units no sentence was mapped to,
    per-unit outcomes)."""
    pairs: list[Pair] = []
    skipped = 0
    predicted: dict[int, set[str]] = {}
    for sentence in prediction.sentences:
        index = best_unit(sentence.start, sentence.end, gold.units)
        if index is None:
            continue
        predicted.setdefault(index, set()).add(sentence.label)
        unit = gold.units[index]
        if unit.ambiguous:
            skipped += 1
            continue
        pairs.append(Pair(unit.label, unit.kind, sentence.label))
    unmapped = sum(1 for i, u in enumerate(gold.units) if i not in predicted and not u.ambiguous)
    outcomes = [
        UnitOutcome(u.label, u.kind, frozenset(predicted.get(i, ())))
        for i, u in enumerate(gold.units)
        if not u.ambiguous
    ]
    return pairs, skipped, unmapped, outcomes


def label_report(pairs: Sequence[Pair]) -> dict[str, Any]:
    """Per-label P/R/F1, flag P/R/F1, false-flag rates and the confusion matrix, over sentences."""
    labels = [label for label in LABELS if any(p.gold == label or p.pred == label for p in pairs)]
    per_label = {}
    for label in labels:
        tp = sum(1 for p in pairs if p.gold == label and p.pred == label)
        fp = sum(1 for p in pairs if p.gold != label and p.pred == label)
        fn = sum(1 for p in pairs if p.gold == label and p.pred != label)
        per_label[label] = prf(tp, fp, fn) | {"support": tp + fn}
    flag_tp = sum(1 for p in pairs if p.gold in FLAG_LABELS and p.pred in FLAG_LABELS)
    flag_fp = sum(1 for p in pairs if p.gold not in FLAG_LABELS and p.pred in FLAG_LABELS)
    flag_fn = sum(1 for p in pairs if p.gold in FLAG_LABELS and p.pred not in FLAG_LABELS)
    false_flags = {}
    for kind in ("verbatim", "light_edit"):
        group = [p for p in pairs if p.gold == "supported" and p.kind == kind]
        flagged = sum(1 for p in group if p.pred in FLAG_LABELS)
        false_flags[kind] = {"rate": flagged / len(group) if group else 0.0, "n": len(group)}
    # Page furniture the web noise adds (gold ``not_checked``): share buttons, ad slots, tracking links.
    furniture = [p for p in pairs if p.gold == "not_checked"]
    false_flags["boilerplate"] = {
        "rate": sum(1 for p in furniture if p.pred in FLAG_LABELS) / len(furniture) if furniture else 0.0,
        "n": len(furniture),
    }
    supported = [p for p in pairs if p.gold == "supported"]
    false_flags["all_supported"] = {
        "rate": sum(1 for p in supported if p.pred in FLAG_LABELS) / len(supported) if supported else 0.0,
        "n": len(supported),
    }
    confusion: dict[str, dict[str, int]] = {}
    for p in pairs:
        row = confusion.setdefault(p.gold, {})
        row[p.pred] = row.get(p.pred, 0) + 1
    return {
        "sentences": len(pairs),
        "accuracy": sum(1 for p in pairs if p.gold == p.pred) / len(pairs) if pairs else 0.0,
        "per_label": per_label,
        "flag": prf(flag_tp, flag_fp, flag_fn) | {"support": flag_tp + flag_fn},
        "false_flag_rate": false_flags,
        "confusion": confusion,
    }


def altered_by_kind(outcomes: Sequence[UnitOutcome]) -> dict[str, dict[str, Any]]:
    """Recall per change kind, per gold unit: found when any sentence mapped to the unit says
    ``altered`` (or, for flag recall, is flagged at all). Per unit, so a system whose splitter
    cuts an altered sentence in two is not penalised for the unchanged half."""
    by_kind = {}
    for kind in ALTERATION_KINDS:
        group = [o for o in outcomes if o.label == "altered" and o.kind == kind]
        by_kind[kind] = {
            "n": len(group),
            "altered_recall": sum(1 for o in group if "altered" in o.predicted) / len(group)
            if group
            else 0.0,
            "flag_recall": sum(1 for o in group if o.predicted & FLAG_LABELS) / len(group) if group else 0.0,
        }
    return by_kind


def copied_from_correct(gold_source: str | None, predicted: Iterable[str]) -> bool:
    """Right when the predicted set holds the gold source, or is empty for an unseen article."""
    predicted_set = set(predicted)
    if gold_source is None:
        return not predicted_set
    return gold_source in predicted_set


def evaluate_reposts(
    gold: Sequence[GoldArticle], predictions: Mapping[str, ArticlePrediction]
) -> dict[str, Any]:
    """Everything for one split: label report plus article-level copied_from accuracy."""
    pairs: list[Pair] = []
    outcomes: list[UnitOutcome] = []
    skipped = unmapped = missing = 0
    indexed_ok = indexed_n = unseen_ok = unseen_n = 0
    for article in gold:
        prediction = predictions.get(article.id)
        if prediction is None:
            missing += 1
            continue
        article_pairs, article_skipped, article_unmapped, article_outcomes = label_pairs(article, prediction)
        pairs.extend(article_pairs)
        outcomes.extend(article_outcomes)
        skipped += article_skipped
        unmapped += article_unmapped
        ok = copied_from_correct(article.source_id, prediction.copied_from)
        if article.source_id is None:
            unseen_n += 1
            unseen_ok += ok
        else:
            indexed_n += 1
            indexed_ok += ok
    report = label_report(pairs)
    report["altered_by_kind"] = altered_by_kind(outcomes)
    total = indexed_n + unseen_n
    report["copied_from"] = {
        "accuracy": (indexed_ok + unseen_ok) / total if total else 0.0,
        "indexed_accuracy": indexed_ok / indexed_n if indexed_n else 0.0,
        "unseen_accuracy": unseen_ok / unseen_n if unseen_n else 0.0,
        "articles": total,
    }
    report["articles"] = total
    report["articles_missing"] = missing
    report["sentences_ambiguous_skipped"] = skipped
    report["gold_units_unmapped"] = unmapped
    report["gold_counts"] = dict(sorted(Counter(p.gold for p in pairs).items()))
    return report


# --------------------------------------------------------------------------- retrieval


def average_precision_at_k(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    """CheckThat! 2021 task 2 AP@k: precision at each relevant hit within the top k, summed,
    divided by the number of relevant claims (not by min(k, R))."""
    if not relevant:
        return 0.0
    hits = 0
    total = 0.0
    seen: set[str] = set()
    for rank, doc in enumerate(ranked[:k], start=1):
        if doc in relevant and doc not in seen:
            hits += 1
            total += hits / rank
        seen.add(doc)
    return total / len(relevant)


def reciprocal_rank(ranked: Sequence[str], relevant: set[str]) -> float:
    for rank, doc in enumerate(ranked, start=1):
        if doc in relevant:
            return 1.0 / rank
    return 0.0


def map_at_k(runs: Mapping[str, Sequence[str]], qrels: Mapping[str, set[str]], k: int) -> float:
    """Mean over the judged queries; a query with no run scores 0."""
    if not qrels:
        return 0.0
    return sum(average_precision_at_k(runs.get(q, ()), rel, k) for q, rel in qrels.items()) / len(qrels)


def mrr(runs: Mapping[str, Sequence[str]], qrels: Mapping[str, set[str]]) -> float:
    if not qrels:
        return 0.0
    return sum(reciprocal_rank(runs.get(q, ()), rel) for q, rel in qrels.items()) / len(qrels)


def retrieval_report(
    runs: Mapping[str, Sequence[str]], qrels: Mapping[str, set[str]], ks: Sequence[int] = (1, 3, 5, 10)
) -> dict[str, Any]:
    report: dict[str, Any] = {f"map@{k}": map_at_k(runs, qrels, k) for k in ks}
    report["mrr"] = mrr(runs, qrels)
    report["queries"] = len(qrels)
    return report
