"""Dates: month names, weekdays, days of month, years next to a month, decades, clock times."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from credibility.text.facts.tokens import _ORD_SUFFIXES, _Tok, _words

_MONTHS = {
    w: i
    for i, w in enumerate(
        _words("january february march april may june july august september october november december"), 1
    )
}
_MONTH_ABBR = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "sept": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_WEEKDAYS = {w: i for i, w in enumerate(_words("monday tuesday wednesday thursday friday saturday sunday"))}


class _Date(NamedTuple):
    key: str  # "month:1", "day:6", "year:2020", "wd:0", "time:3:00", "decade:1990"
    text: str


def _day_at(toks: Sequence[_Tok], j: int) -> int | None:
    """The day of month written at toks[j] ("6", "6th"), if any."""
    if 0 <= j < len(toks):
        t = toks[j]
        if t.kind == "num" and t.lower.isdigit() and (not t.suf or t.suf in _ORD_SUFFIXES):
            day = int(t.lower)
            if 1 <= day <= 31:
                return day
    return None


def _year_at(toks: Sequence[_Tok], j: int) -> int | None:
    if 0 <= j < len(toks):
        t = toks[j]
        if t.kind == "num" and not t.suf and len(t.lower) == 4 and t.lower.isdigit():
            return int(t.lower)
    return None


def _month_at(toks: Sequence[_Tok], i: int) -> int | None:
    t = toks[i]
    if t.kind != "word" or not t.text[0].isupper():
        return None
    nxt = i + 1
    if t.lower in _MONTHS:
        # "May" and "March" are also words and names ("Theresa May"): a month next to a day or year,
        # or after a lower-case word.
        if t.lower not in ("may", "march"):
            return _MONTHS[t.lower]
        near_number = _day_at(toks, nxt) is not None or _year_at(toks, nxt) is not None
        near_number = near_number or _day_at(toks, i - 1) is not None
        prev = toks[i - 1] if i > 0 else None
        # Mid-sentence and not after a capitalised word ("Theresa May", "Mrs May", "the Long March").
        mid_sentence = prev is not None and prev.kind == "word" and prev.text.islower()
        return _MONTHS[t.lower] if near_number or mid_sentence else None
    if t.lower in _MONTH_ABBR:
        dotted = nxt < len(toks) and toks[nxt].text == "."
        if dotted or _day_at(toks, nxt) is not None or _year_at(toks, nxt) is not None:
            return _MONTH_ABBR[t.lower]
    return None


_AMPM = frozenset({"am", "pm", "a.m.", "p.m."})
_DECADE_RE = re.compile(r"(?:19|20)\d0")


def _time_at(toks: Sequence[_Tok], i: int) -> tuple[str, int] | None:
    """A clock time starting at toks[i] ("5pm", "10.30pm", "4:17 a.m.", "15:00") as its key and the
    index of its last token. am/pm is dropped: "3 p.m." == "15:00" == "3:00" (a 12-hour swap is rare,
    a 24-hour rewrite common)."""
    t = toks[i]
    hour, _, minute = t.lower.partition(".")
    ampm = t.suf in ("am", "pm")
    j = i
    if not ampm:
        if t.suf or minute or len(hour) > 2:
            return None
        colon = toks[i + 1] if i + 1 < len(toks) else None
        if colon is not None and colon.text == ":" and colon.start == t.end and i + 2 < len(toks):
            mins = toks[i + 2]
            if (
                mins.kind != "num"
                or mins.start != colon.end
                or len(mins.lower) != 2
                or mins.suf not in ("", "am", "pm")
            ):
                return None
            minute, j = mins.lower, i + 2
            ampm = mins.suf != ""
        if not ampm and j + 1 < len(toks) and toks[j + 1].lower in _AMPM:
            ampm, j = True, j + 1
        if not ampm and j == i:
            return None
    if not hour.isdigit() or int(hour) > 24 or (minute and (len(minute) != 2 or int(minute) > 59)):
        return None
    return f"time:{int(hour) % 12}:{minute or '00'}", j


def _read_dates(toks: Sequence[_Tok], text: str, used: set[int], cands: Sequence[int]) -> list[_Date]:
    out: list[_Date] = []
    for i in cands:
        if i in used:
            continue
        t = toks[i]
        if t.kind == "num":
            clock = _time_at(toks, i)
            if clock is not None:
                out.append(_Date(clock[0], text[t.start : toks[clock[1]].end]))
                used.update(range(i, clock[1] + 1))
            elif t.suf == "s" and _DECADE_RE.fullmatch(t.lower):  # "1990s"
                out.append(_Date(f"decade:{t.lower}", t.text))
                used.add(i)
            continue
        if t.kind != "word" or not t.text[0].isupper():
            continue
        base = t.lower.removesuffix("'s")
        wd = _WEEKDAYS.get(base)
        if wd is None and base.endswith("s"):  # "on Mondays"
            wd = _WEEKDAYS.get(base[:-1])
        if wd is not None:
            out.append(_Date(f"wd:{wd}", t.text))
            used.add(i)
            continue
        month = _month_at(toks, i)
        if month is None:
            continue
        first, last = i, i
        parts = [f"month:{month}"]
        j = i + 1
        if j < len(toks) and toks[j].text == "." and toks[i].lower in _MONTH_ABBR:
            last = j
            j += 1
        day = _day_at(toks, j) if j not in used else None
        if day is not None and not (j + 1 < len(toks) and toks[j + 1].text == ":"):
            parts.append(f"day:{day}")
            last = j
            j += 1
            if j < len(toks) and toks[j].text == ",":
                j += 1
        else:  # "6 January", "6th of January"
            k = i - 1
            if k >= 0 and toks[k].lower == "of":
                k -= 1
            day = _day_at(toks, k) if k not in used else None
            if day is not None:
                parts.append(f"day:{day}")
                first = k
        year = _year_at(toks, j)
        if year is not None and 1000 <= year <= 2999:
            parts.append(f"year:{year}")
            last = j
        used.update(range(first, last + 1))
        span = text[toks[first].start : toks[last].end]
        out.extend(_Date(p, span) for p in parts)
    return out
