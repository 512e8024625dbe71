"""Map raw fact-check ratings to a small set of verdicts.

| verdict      | raw ratings                                                         |
|--------------|---------------------------------------------------------------------|
| `false`      | PolitiFact `pants-fire`, `false`; free text with "false", "fake", "hoax", "fabricated", "pants on fire", "incorrect", "wrong", "scam", "baseless", "no evidence" |
| `misleading` | PolitiFact `barely-true`; free text with "misleading", "mostly false", "missing context", "exaggerat", "distort", "out of context", "unproven", "unsupported", "miscaptioned", "satire" |
| `mixed`      | PolitiFact `half-true`; free text with "mixed", "half true", "partly", "partially" |
| `true`       | PolitiFact `mostly-true`, `true`; free text with "true", "correct", "accurate", "legit" |
| `other`      | PolitiFact flip-o-meter `full-flop`, `half-flip`, `no-flip`; any other non-empty rating |
| `unrated`    | no rating                                                           |

Free text is matched by the first rule that fires, in the order misleading,
mixed, false, true: "mostly false" is misleading, not false, and "half true" is
mixed, not true.
"""

from __future__ import annotations

import re
from typing import Literal

Verdict = Literal["false", "misleading", "mixed", "true", "unrated", "other"]
VERDICTS: tuple[Verdict, ...] = ("false", "misleading", "mixed", "true", "unrated", "other")
#: Verdicts that make a matching sentence `debunked`.
DEBUNKED_VERDICTS: frozenset[str] = frozenset({"false", "misleading"})

_EXACT: dict[str, Verdict] = {
    "pants-fire": "false",
    "pants on fire": "false",
    "pants on fire!": "false",
    "false": "false",
    "barely-true": "misleading",
    "barely true": "misleading",
    "mostly-false": "misleading",
    "mostly false": "misleading",
    "half-true": "mixed",
    "half true": "mixed",
    "mostly-true": "true",
    "mostly true": "true",
    "true": "true",
    "full-flop": "other",
    "half-flip": "other",
    "no-flip": "other",
}

_KEYWORDS: tuple[tuple[Verdict, re.Pattern[str]], ...] = (
    (
        "misleading",
        re.compile(
            r"mislead|mostly false|barely true|missing context|lacks context|exaggerat|distort"
            r"|out of context|unproven|unsupported|miscaptioned|satire|cherry"
        ),
    ),
    ("mixed", re.compile(r"\bmix|half[- ]true|partly|partially|mixture")),
    (
        "false",
        re.compile(
            r"\bfalse|\bfake|hoax|fabricat|pants on fire|incorrect|\bwrong|\bscam|baseless"
            r"|no evidence|debunk|not true|untrue|\bbogus"
        ),
    ),
    ("true", re.compile(r"\btrue|correct|accurate|\blegit|confirmed")),
)


def normalize_rating(rating: str | None) -> Verdict:
    """The verdict for a raw rating (PolitiFact slug or free-text ClaimReview rating)."""
    if rating is None:
        return "unrated"
    raw = " ".join(rating.strip().lower().split())
    if not raw:
        return "unrated"
    exact = _EXACT.get(raw)
    if exact is not None:
        return exact
    for verdict, pattern in _KEYWORDS:
        if pattern.search(raw):
            return verdict
    return "other"
