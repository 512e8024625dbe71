"""The facts of a sentence (extracted once, cached) and their comparison between two sentences."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import NamedTuple

from credibility.model.result import Change, ChangeKind
from credibility.text.facts.dates import _Date, _read_dates
from credibility.text.facts.directions import _Direction, _read_directions
from credibility.text.facts.markers import _QUANT_CLASS_FAMILY, _Marker, _read_markers
from credibility.text.facts.names import _ALIASES, _DEMONYMS, _PARTICLES, _Name, _read_names
from credibility.text.facts.numbers import _Num, _read_numbers
from credibility.text.facts.tokens import _osa_within, _scan
from credibility.text.normalize import clean_text


class _Facts(NamedTuple):
    numbers: tuple[_Num, ...]
    dates: tuple[_Date, ...]
    names: tuple[_Name, ...]
    negations: tuple[_Marker, ...]
    quantifiers: tuple[_Marker, ...]
    directions: tuple[_Direction, ...]
    lower_words: frozenset[str]  # words written in lower case (a capitalised twin is not a name)
    signature: frozenset[str]


# --------------------------------------------------------------------------------------------------
# Extraction (cached per sentence: the engine compares one sentence with many)


def _signature(
    nums: Iterable[_Num],
    dates: Iterable[_Date],
    names: Iterable[_Name],
    negs: list[_Marker],
    qs: Iterable[_Marker],
    directions: Iterable[_Direction],
) -> frozenset[str]:
    # A multiset as a set: the k-th occurrence of a key is "key#k".
    sig: set[str] = {f"neg:{len(negs)}"}
    for prefix, items in (("num:", nums), ("date:", dates), ("q:", qs), ("dir:", directions)):
        for item in items:
            key = prefix + item.key
            k = 1
            while f"{key}#{k}" in sig:
                k += 1
            sig.add(f"{key}#{k}")
    sig.update(f"name:{x.canon}|{int(x.adjective)}" for x in names)
    return frozenset(sig)


#: The facts of a sentence are read from its first this many characters. The splitter cuts
#: sentences at the same bound (``MAX_SENTENCE_CHARS``); a title or a claim, which it does not
#: split, is bounded here: pairing facts costs up to quadratic time in their number, so an
#: unbounded number-heavy "sentence" of 1 MB would take an hour. Bounded, a comparison of two
#: sentences at the bound takes milliseconds (tests/credibility/text/test_text_fuzz.py).
MAX_FACT_CHARS = 2_000


@lru_cache(maxsize=65536)
def _extract(sentence: str) -> _Facts:
    text = clean_text(sentence[:MAX_FACT_CHARS])
    toks, lower_words, caps, date_cands, num_cands, marker_cands = _scan(text)
    used: set[int] = set()
    dates = _read_dates(toks, text, used, date_cands)
    nums, years = _read_numbers(toks, text, used, num_cands)
    dates.extend(years)
    negs, quants = _read_markers(toks, marker_cands)
    names = _read_names(toks, text, used, caps)
    directions = _read_directions(text)
    return _Facts(
        tuple(nums),
        tuple(dates),
        tuple(names),
        tuple(negs),
        tuple(quants),
        tuple(directions),
        frozenset(lower_words),
        _signature(nums, dates, names, negs, quants, directions),
    )


def fact_signature(sentence: str) -> frozenset[str]:
    """The facts of a sentence as comparable keys (cached). Two sentences with equal signatures have
    no change between them, so a caller may skip ``compare_facts`` for them."""
    return _extract(sentence).signature


# --------------------------------------------------------------------------------------------------
# Comparison


def _multiset_diff(a: Sequence[str], b: Sequence[str]) -> tuple[list[int], list[int]]:
    """Indexes of the items of a and of b left once equal keys are matched one-to-one."""
    if not a or not b:
        return list(range(len(a))), list(range(len(b)))
    pool = Counter(b)
    left_a: list[int] = []
    for idx, k in enumerate(a):
        if pool[k] > 0:
            pool[k] -= 1
        else:
            left_a.append(idx)
    pool = Counter(a)
    left_b: list[int] = []
    for idx, k in enumerate(b):
        if pool[k] > 0:
            pool[k] -= 1
        else:
            left_b.append(idx)
    return left_a, left_b


def _nums_match(a: _Num, b: _Num) -> bool:
    if a.value is None or b.value is None:
        return a.key == b.key
    if a.unit == "~" or b.unit == "~":
        vague, exact = (a, b) if a.unit == "~" else (b, a)
        if exact.unit == "~" or vague.value is None or vague.hi is None or exact.value is None:
            return a.key == b.key
        return vague.value <= exact.value < vague.hi
    # A unit on one side only is a paraphrase ("$5m" / "5m", "third" / "3").
    return a.value == b.value and (a.unit == b.unit or not a.unit or not b.unit or "ord" in (a.unit, b.unit))


def _pair_leftovers(a: list[_Num], b: list[_Num]) -> tuple[list[_Num], list[_Num]]:
    rest_b = list(b)
    rest_a: list[_Num] = []
    for x in a:
        for k, y in enumerate(rest_b):
            if _nums_match(x, y):
                del rest_b[k]
                break
        else:
            rest_a.append(x)
    return rest_a, rest_b


def _word_match(a: str, b: str) -> bool:
    if a == b:
        return True
    if _ALIASES.get(a, a) == _ALIASES.get(b, b):
        return True
    if (a in _DEMONYMS) != (b in _DEMONYMS):
        # "Russian" / "Russia", "Turkish" / "Turkey": the country's word is mostly a prefix.
        dem, other = (a, b) if a in _DEMONYMS else (b, a)
        p = 0
        while p < min(len(dem), len(other)) and dem[p] == other[p]:
            p += 1
        if p >= 3 and len(other) - p <= 4:
            return True
    shortest = min(len(a), len(b))
    if a[0] != b[0] or shortest < 4 or (shortest == 4 and len(a) == len(b)):
        return False  # short names differ by one letter for real: Iran / Iraq, Mali / Bali
    return _osa_within(a, b, 2 if shortest >= 10 else 1)  # "Erdgoan", "Hafter", "Qatr"


def _initials(tokens: Sequence[str]) -> str:
    return "".join(t[0] for t in tokens if t not in _PARTICLES)


def _names_match(a: _Name, b: _Name) -> bool:
    return a.canon == b.canon or _tokens_match(a.tokens, a.canon, b.tokens, b.canon)


@lru_cache(maxsize=65536)  # the same names meet again and again across the engine's pairs
def _tokens_match(ta: tuple[str, ...], ca: str, tb: tuple[str, ...], cb: str) -> bool:
    for tx, cx, ty, cy in ((ta, ca, tb, cb), (tb, cb, ta, ca)):
        # "UAE" / "United Arab Emirates", "Britain" (alias "uk") / "United Kingdom".
        if len(tx) == 1 and len(ty) > 1 and cx in (_initials(ty), _initials(cy.split())):
            return True
    short, long_ = (ta, tb) if len(ta) <= len(tb) else (tb, ta)
    core = [w for w in short if w not in _PARTICLES] or list(short)
    # An acronym inside a name stands for a run of the other's words ("UN Security Council").
    content = [w for w in long_ if w not in _PARTICLES]
    runs = {
        "".join(w[0] for w in content[k : k + m]) for m in range(2, 6) for k in range(len(content) - m + 1)
    }
    if all(w in runs or any(_word_match(w, v) for v in long_) for w in core):
        return True
    # A name written as one word on one side ("Al Qaeda" / "Alqaeda").
    ja, jb = "".join(ta), "".join(tb)
    return len(ja) >= 8 and ja[0] == jb[0] and _osa_within(ja, jb, 1)


def _unmatched_names(a: Sequence[_Name], b: Sequence[_Name], b_lower: frozenset[str]) -> list[_Name]:
    out: list[_Name] = []
    seen = {y.canon for y in b}  # exact matches first, and each name once
    for x in a:
        if x.canon in seen:
            continue
        seen.add(x.canon)
        if len(x.tokens) == 1 and not x.acronym and x.tokens[0] in b_lower:
            continue  # "the Army" / "the army": a case difference, not another name
        if not any(_names_match(x, y) for y in b):
            out.append(x)
    return out


def _compare_markers(kind: ChangeKind, a: Sequence[_Marker], b: Sequence[_Marker]) -> list[Change]:
    left_a, left_b = _multiset_diff([m.key for m in a], [m.key for m in b])
    if not left_a and not left_b:
        return []
    if kind == "negation":
        if len(a) == len(b):
            return []  # "never" for "not": the same polarity
        return [Change(kind, ", ".join(a[i].text for i in left_a), ", ".join(b[i].text for i in left_b))]
    changes: list[Change] = []
    for family in ("amount", "bound"):
        fa = [a[i] for i in left_a if _QUANT_CLASS_FAMILY[a[i].key] == family]
        fb = [b[i] for i in left_b if _QUANT_CLASS_FAMILY[b[i].key] == family]
        changes.extend(Change(kind, x.text, y.text) for x, y in zip(fa, fb, strict=False))
    return changes


def compare_facts(article_sentence: str, evidence_sentence: str) -> list[Change]:
    """The facts that differ between an article sentence and its aligned evidence sentence.

    Order: numbers, dates, names, negation, quantifiers; within a kind, in article order.
    """
    fa = _extract(article_sentence)
    fb = _extract(evidence_sentence)
    if fa.signature == fb.signature:
        return []
    changes: list[Change] = []

    # Numbers and dates: exact keys first, then value-level matches, then a year read as a number on
    # one side only ("2020 people").
    ia, ib = _multiset_diff([x.key for x in fa.numbers], [x.key for x in fb.numbers])
    nums_a, nums_b = _pair_leftovers([fa.numbers[i] for i in ia], [fb.numbers[i] for i in ib])
    da, db = _multiset_diff([x.key for x in fa.dates], [x.key for x in fb.dates])
    dates_a = [fa.dates[i] for i in da]
    dates_b = [fb.dates[i] for i in db]
    for dates, nums in ((dates_a, nums_b), (dates_b, nums_a)):
        for d in list(dates):
            if d.key.startswith("year:"):
                twin = next((x for x in nums if x.key == f"{d.key[5:]}|"), None)
                if twin is not None:
                    dates.remove(d)
                    nums.remove(twin)
    if nums_a and nums_b:
        changes.extend(Change("number", x.text, y.text) for x, y in zip(nums_a, nums_b, strict=False))
    if dates_a and dates_b:
        seen: set[tuple[str, str]] = set()
        for part in ("time", "decade", "year", "month", "day", "wd"):
            pa = [d for d in dates_a if d.key.split(":", 1)[0] == part]
            pb = [d for d in dates_b if d.key.split(":", 1)[0] == part]
            for x, y in zip(pa, pb, strict=False):
                if (x.text, y.text) not in seen:  # "January 6" / "June 7" differ in two parts: one change
                    seen.add((x.text, y.text))
                    changes.append(Change("date", x.text, y.text))

    # Names: a swap needs an unmatched name on both sides; demonyms pair only with demonyms.
    names_a = _unmatched_names(fa.names, fb.names, fb.lower_words)
    if names_a:
        names_b = _unmatched_names(fb.names, fa.names, fa.lower_words)
        for adjective in (False, True):
            xa = [x for x in names_a if x.adjective == adjective]
            xb = [x for x in names_b if x.adjective == adjective]
            changes.extend(Change("name", x.text, y.text) for x, y in zip(xa, xb, strict=False))

    # Compass directions ("northern" for "southern" districts) are places too: a change needs a
    # direction on both sides (one only is a detail added or dropped); one inside a name already
    # found changed ("North Korea") is not counted twice.
    da_left, db_left = _multiset_diff([x.key for x in fa.directions], [x.key for x in fb.directions])
    if da_left and db_left:
        named = " ".join(c.article_text.casefold() for c in changes if c.kind == "name")
        for i, j in zip(da_left, db_left, strict=False):
            ours, theirs = fa.directions[i], fb.directions[j]
            if ours.text.casefold() not in named:
                changes.append(Change("name", ours.text, theirs.text))

    changes.extend(_compare_markers("negation", fa.negations, fb.negations))
    changes.extend(_compare_markers("quantifier", fa.quantifiers, fb.quantifiers))
    return changes
