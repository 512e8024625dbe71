"""Numbers: digits, number words, ordinals, vague plurals, with their unit. A bare four-digit year
is read here too and handed back as a date."""

from __future__ import annotations

import re
from collections.abc import Sequence
from fractions import Fraction
from typing import NamedTuple

from credibility.text.facts.dates import _Date
from credibility.text.facts.tokens import (
    _A_OR_HALF,
    _CURRENCY_SYMS,
    _MAGS,
    _NUMBER_START,
    _ORD_SUFFIXES,
    _ORDINALS,
    _PLURALS,
    _TENS,
    _UNITS,
    _osa_within,
    _Tok,
    _words,
)

# Glued to digits ("$12m", "5k"); "m" is read as million, the newsroom sense.
_SUFFIX_MAGS = {**_MAGS, "m": 10**6, "k": 10**3, "b": 10**9}
_A_NUMBER = frozenset(_MAGS) | {"hundred", "dozen"}
# Words that announce an amount, not a year, before four digits.
_BEFORE_AMOUNT = frozenset(
    _words("than least about around nearly almost approximately roughly some over under exactly only just")
)
_CURRENCY_WORDS = {
    "dollar": "$",
    "dollars": "$",
    "usd": "$",
    "euro": "€",
    "euros": "€",
    "eur": "€",
    "pounds": "£",
    "gbp": "£",
    "sterling": "£",
    "yen": "¥",
    "yuan": "¥",
}
# "the one who", "no one": pronoun uses of "one" are not the number 1.
_ONE_PRONOUN_BEFORE = frozenset(
    {"the", "this", "that", "which", "every", "any", "each", "no", "someone", "anyone"}
)


# Exact values: ints, and Fractions for decimals ("3.2"), which floats would get wrong ("0.1 + 0.2").
_Value = int | Fraction


class _Num(NamedTuple):
    key: str  # exact identity: value and unit
    value: _Value | None  # None for unparseable digit strings ("1.2.3"), compared by key only
    unit: str  # "" | "%" | "pp" | "$" ... | "ord" | "~" (vague plural) | a glued suffix ("km")
    hi: int | None  # upper bound (exclusive) of a vague plural
    text: str


_THOUSANDS_RE = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_EURO_THOUSANDS_RE = re.compile(r"\d{1,3}(?:\.\d{3}){2,}")
_EURO_DECIMAL_RE = re.compile(r"\d+,\d{1,2}")
_PLAIN_RE = re.compile(r"\d+(?:\.\d+)?")


def _parse_digits(s: str) -> _Value | None:
    if s.isdigit():
        return int(s)
    if _THOUSANDS_RE.fullmatch(s):
        s = s.replace(",", "")
    elif _EURO_THOUSANDS_RE.fullmatch(s):
        s = s.replace(".", "")
    elif _EURO_DECIMAL_RE.fullmatch(s):
        s = s.replace(",", ".")
    if not _PLAIN_RE.fullmatch(s):
        return None
    return int(s) if s.isdigit() else Fraction(s)


def _fmt(v: _Value) -> str:
    if isinstance(v, int) or v.denominator == 1:
        return str(int(v))
    return f"{v.numerator}/{v.denominator}"


def _number_word_kind(w: str) -> str | None:
    if w in _UNITS:
        return "teen" if _UNITS[w] >= 10 else "unit"
    if w in _TENS:
        return "tens"
    if w == "hundred":
        return "hundred"
    if w in _MAGS:
        return "mag"
    if w == "dozen":
        return "dozen"
    if w in _ORDINALS:
        return "ord"
    return None


# Which kind of number word may follow which: "twenty one", "three hundred and five", not "one two".
# A multiplier needs a count before it: a bare "hundred" (as in "several hundred") is no value.
_FOLLOWS = {
    "unit": frozenset({None, "tens", "hundred", "mag", "and"}),
    "teen": frozenset({None, "hundred", "mag", "and"}),
    "tens": frozenset({None, "hundred", "mag", "and"}),
    "hundred": frozenset({"unit", "teen", "tens", "a"}),
    "mag": frozenset({"unit", "teen", "tens", "hundred", "a", "dozen"}),
    "dozen": frozenset({"unit", "teen", "a"}),
    "ord": frozenset({None, "tens", "hundred", "mag", "and"}),
}


def _word_value(w: str) -> int:
    return (
        _UNITS.get(w)
        or _TENS.get(w)
        or _ORDINALS.get(w)
        or _MAGS.get(w)
        or {"hundred": 100, "dozen": 12}.get(w, 0)
    )


def _hyphen_prefix(w: str) -> tuple[int, bool] | None:
    """Value of a number at the front of a hyphenated word ("four-day", "twenty-five-year-old",
    "second-largest") and whether it is an ordinal; None if the word does not start with one."""
    parts = w.split("-")
    k0 = _number_word_kind(parts[0])
    if k0 not in ("unit", "teen", "tens", "ord"):
        return None
    k1 = _number_word_kind(parts[1])
    if k0 == "tens" and k1 in ("unit", "ord"):
        return _word_value(parts[0]) + _word_value(parts[1]), k1 == "ord"
    return _word_value(parts[0]), k0 == "ord"


def _fuzzy_mag(w: str) -> int | None:
    """A magnitude word after digits, tolerating a typo ("billino", "milion")."""
    if w in _MAGS:
        return _MAGS[w]
    if len(w) >= 6:
        for mag in ("thousand", "million", "billion", "trillion"):
            if w[0] == mag[0] and _osa_within(w, mag, 1):
                return _MAGS[mag]
    return None


def _unit_after(toks: Sequence[_Tok], j: int, unit: str) -> tuple[str, int]:
    """The unit written after a number ("40%", "40 percent", "40 per cent", "5 percentage points",
    "5 dollars") and the index after it."""
    if j >= len(toks):
        return unit, j
    w = toks[j].lower
    if w in ("%", "percent", "pct"):
        return "%", j + 1
    if j + 1 < len(toks):
        w2 = toks[j + 1].lower
        if w == "per" and w2 == "cent":
            return "%", j + 2
        if w == "percentage" and w2 in ("point", "points"):
            return "pp", j + 2
    if w in _CURRENCY_WORDS and not unit:
        return _CURRENCY_WORDS[w], j + 1
    return unit, j


def _read_numbers(
    toks: Sequence[_Tok], text: str, used: set[int], cands: Sequence[int]
) -> tuple[list[_Num], list[_Date]]:
    nums: list[_Num] = []
    years: list[_Date] = []
    n = len(toks)
    for i in cands:
        if i in used:
            continue
        t = toks[i]
        w = t.lower
        if t.kind == "word":
            if w == "half":  # only "half a million"; otherwise a quantifier
                if not (i + 2 < n and toks[i + 1].lower in ("a", "an") and toks[i + 2].lower in _A_NUMBER):
                    continue
            elif w in _A_OR_HALF:  # only "a dozen", "a million"
                if not (i + 1 < n and toks[i + 1].lower in _A_NUMBER):
                    continue
            elif w not in _NUMBER_START and not ("-" in w and w.split("-", 1)[0] in _NUMBER_START):
                continue
            if w == "one" and i > 0 and toks[i - 1].lower in _ONE_PRONOUN_BEFORE:
                continue
        elif t.kind != "num":
            continue
        start_i = i
        unit = ""
        if i > 0 and toks[i - 1].text in _CURRENCY_SYMS:
            unit = _CURRENCY_SYMS[toks[i - 1].text]
            start_i = i - 1
        j = i + 1
        value: _Value
        hi: int | None = None
        is_year = False

        if t.kind == "num":
            parsed = _parse_digits(w)
            if parsed is None:  # "1.2.3": compared as written
                nums.append(_Num(f"raw:{w}|{unit}", None, unit, None, text[toks[start_i].start : t.end]))
                continue
            value = parsed
            if t.suf in _ORD_SUFFIXES:
                unit = "ord"
            elif t.suf in _SUFFIX_MAGS:
                value *= _SUFFIX_MAGS[t.suf]
            elif t.suf:
                unit = unit or t.suf  # "5km", "10mg"
            else:
                # Digits then magnitudes: "12 million", "1.5 billion", "2 dozen".
                mag = _fuzzy_mag(toks[j].lower) if j < n and toks[j].kind == "word" else None
                while mag is not None:
                    value *= mag
                    j += 1
                    mag = _fuzzy_mag(toks[j].lower) if j < n and toks[j].kind == "word" else None
                if j < n and toks[j].lower == "dozen":
                    value *= 12
                    j += 1
                is_year = (
                    j == i + 1
                    and not unit
                    and len(w) == 4
                    and w.isdigit()
                    and 1900 <= int(w) <= 2099
                    and not (i > 0 and toks[i - 1].lower in _BEFORE_AMOUNT)  # "more than 2000 km"
                )
        elif w in _PLURALS:
            # "hundreds", "tens of thousands": a range, not a value.
            lo = _PLURALS[w]
            if j + 1 < n and toks[j].lower == "of" and toks[j + 1].lower in _PLURALS:
                lo *= _PLURALS[toks[j + 1].lower]
                j += 2
            elif w == "tens":
                continue
            value = 20 if w == "dozens" else lo
            hi = 100 if w == "dozens" else lo * 10
            unit = "~"
        elif w == "half":  # "half a million"
            value = _word_value(toks[i + 2].lower) // 2  # magnitudes are even
            j = i + 3
        elif "-" in w and not all(_number_word_kind(p) for p in w.split("-")):
            prefix = _hyphen_prefix(w)  # "four-day", "second-largest"
            if prefix is None:
                continue
            value = prefix[0]
            unit = "ord" if prefix[1] else unit
        else:
            # Number words: "twelve", "three hundred and five", "twenty-first", "a dozen", "a million".
            total = 0
            current = 0
            last: str | None = "a" if w in ("a", "an") else None
            j = i + 1 if last else i
            ordinal = False
            while j < n and toks[j].kind == "word" and not ordinal:
                tw = toks[j].lower
                if tw == "and" and last in ("hundred", "mag") and j + 1 < n:
                    nxt_kind = _number_word_kind(toks[j + 1].lower.split("-")[0])
                    if nxt_kind not in ("unit", "teen", "tens", "ord"):
                        break
                    last, j = "and", j + 1
                    continue
                parts = tw.split("-") if "-" in tw else [tw]
                kinds = [_number_word_kind(p) for p in parts]
                if len(parts) == 2 and not (kinds[0] == "tens" and kinds[1] in ("unit", "ord")):
                    break  # only "twenty-one" / "twenty-first"
                kind0 = kinds[0]
                if kind0 is None or len(parts) > 2 or last not in _FOLLOWS[kind0]:
                    break
                for p, k in zip(parts, kinds, strict=True):
                    v = _word_value(p)
                    if k in ("unit", "teen", "tens", "ord"):
                        current += v
                        ordinal = ordinal or k == "ord"
                    elif k in ("hundred", "dozen"):
                        current = (current or 1) * v
                    else:
                        total += (current or 1) * v
                        current = 0
                    last = k
                j += 1
            if last in (None, "a", "and"):
                continue
            value = total + current
            if ordinal:
                unit = "ord"
        if unit != "ord":
            unit, j = _unit_after(toks, j, unit)
            is_year = is_year and j == i + 1
        span = text[toks[start_i].start : toks[j - 1].end]
        used.update(range(i, j))
        if is_year:
            years.append(_Date(f"year:{w}", span))
            continue
        key = f"~{_fmt(value)}" if unit == "~" else f"{_fmt(value)}|{unit}"
        nums.append(_Num(key, value, unit, hi, span))
    return nums, years
