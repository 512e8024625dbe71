"""Statistics of reviewer decisions: the false-positive rate per label, overall and by ISO week."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import Any

from credibility.model.result import LABELS
from credibility.store.decisions import DecisionStore


def _iso_week(timestamp: str) -> str:
    year, week, _ = dt.datetime.fromisoformat(timestamp).isocalendar()
    return f"{year}-W{week:02d}"


def _tally(counter: Counter[str]) -> dict[str, Any]:
    total = counter["confirmed"] + counter["false_positive"]
    return {
        "decisions": total,
        "confirmed": counter["confirmed"],
        "false_positive": counter["false_positive"],
        "false_positive_rate": round(counter["false_positive"] / total, 4) if total else None,
    }


def review_stats(store: DecisionStore) -> dict[str, Any]:
    """Current decisions per label, and the false-positive rate per label overall and per ISO week.

    A decision counts once, in the week it was last made (a changed decision moves).
    """
    overall: Counter[str] = Counter()
    by_label: defaultdict[str, Counter[str]] = defaultdict(Counter)
    by_week: defaultdict[str, Counter[str]] = defaultdict(Counter)
    by_week_label: defaultdict[str, defaultdict[str, Counter[str]]] = defaultdict(
        lambda: defaultdict(Counter)
    )
    reviewers: Counter[str] = Counter()
    for row in store.current():
        week = _iso_week(row.decided_at)
        overall[row.decision] += 1
        by_label[row.label][row.decision] += 1
        by_week[week][row.decision] += 1
        by_week_label[week][row.label][row.decision] += 1
        reviewers[row.reviewer] += 1
    history, changed = store.history_counts()
    label_order = [label for label in LABELS if label in by_label] + sorted(set(by_label) - set(LABELS))
    return {
        **_tally(overall),
        "by_label": {label: _tally(by_label[label]) for label in label_order},
        "by_week": {
            week: {
                **_tally(by_week[week]),
                "by_label": {
                    label: _tally(by_week_label[week][label])
                    for label in label_order
                    if label in by_week_label[week]
                },
            }
            for week in sorted(by_week)
        },
        "reviewers": dict(reviewers.most_common()),
        "history_entries": history,
        "changed_decisions": changed,
    }
