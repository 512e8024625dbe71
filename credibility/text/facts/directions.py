"""Compass directions: "the northern districts" and "the southern districts" are different places.

A direction is a qualifier of a place that the name reader does not see when it is written in lower
case ("north of the city", "the eastern suburbs"). Forms of one direction are one key: "north-east",
"northeast", "north-eastern", "northeasterly" and "north-eastwards" are all ``northeast``.
"""

from __future__ import annotations

import re
from typing import NamedTuple

_DIRECTION = re.compile(
    r"\b(north|south|east|west)(?:[- ]?(east|west))?(?:ern|erly|wards?|bound)?\b", re.IGNORECASE
)


class _Direction(NamedTuple):
    key: str  # northeast
    text: str  # as written: "north-eastern"


def _read_directions(text: str) -> list[_Direction]:
    """The compass directions of ``text``, in order (a lone "East" of a name such as "East Timor"
    included: its country is then a name as well, and "West Timor" differs in both)."""
    out = []
    for match in _DIRECTION.finditer(text):
        first, second = match.group(1).lower(), (match.group(2) or "").lower()
        if second and first in ("east", "west"):
            # "east west" is two directions, not one ("the east-west line").
            out.append(_Direction(first, match.group(1)))
            out.append(_Direction(second, match.group(2)))
            continue
        out.append(_Direction(first + second, match.group(0)))
    return out
