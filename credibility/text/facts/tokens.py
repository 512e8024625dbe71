"""Tokens of a sentence, and what its readers share: the tokenizer, the number words every reader
must tell apart, the words that send a token to the marker reader, and a string distance."""

from __future__ import annotations

import re
from typing import NamedTuple


def _words(text: str) -> list[str]:
    return text.split()


# --------------------------------------------------------------------------------------------------
# Tokens

# Numbers with glued letters ("21st", "1.5bn", "5pm"), dotted acronyms ("U.S.", "p.m."), words with
# inner apostrophes and hyphens ("didn't", "Haftar's", "al-Assad"), any other character.
_TOKEN_RE = re.compile(
    r"(\d+(?:[.,]\d+)*)([^\W\d_]*)"
    r"|((?:[^\W\d_]\.){2,})"
    r"|([^\W\d_]+(?:'[^\W\d_]+)*(?:-[^\W\d_]+(?:'[^\W\d_]+)*)*)"
    r"|(\S)"
)


class _Tok(NamedTuple):
    kind: str  # "num" | "acr" | "word" | "sym"
    text: str
    lower: str  # for numbers: the digits only
    start: int
    end: int
    suf: str  # letters glued to a number ("st", "bn", "km", "pm"), lower case


class _Scan(NamedTuple):
    toks: list[_Tok]
    lower_words: set[str]  # words written in lower case
    caps: list[int]  # indexes of capitalised words and acronyms: names, months, weekdays
    date_cands: list[int]
    num_cands: list[int]
    marker_cands: list[int]


# NamedTuple's generated __new__ is a Python call per token; building the tuple directly is ~2x faster.
_new_tok = tuple.__new__


def _scan(text: str) -> _Scan:
    """Tokens, and which of them each reader may care about, so that each visits only those.

    This loop is the largest cost of extraction, hence ``findall`` (no match objects) and offsets
    recovered with ``str.find`` (only whitespace lies between two tokens)."""
    toks: list[_Tok] = []
    lower_words: set[str] = set()
    caps: list[int] = []
    date_cands: list[int] = []
    num_cands: list[int] = []
    marker_cands: list[int] = []
    pos = 0
    find = text.find
    for num, suf, acr, word, sym in _TOKEN_RE.findall(text):
        i = len(toks)
        if word:
            start = find(word, pos)
            pos = start + len(word)
            w = word.lower()
            toks.append(_new_tok(_Tok, ("word", word, w, start, pos, "")))
            if word.islower():
                lower_words.add(w)
            else:
                caps.append(i)
                date_cands.append(i)
            if w in _NUMBER_START or w in _A_OR_HALF or ("-" in w and w.split("-", 1)[0] in _NUMBER_START):
                num_cands.append(i)
            if w in _MARKER_WORDS or w.endswith("n't"):
                marker_cands.append(i)
        elif num:
            whole = num + suf
            start = find(whole, pos)
            pos = start + len(whole)
            toks.append(_new_tok(_Tok, ("num", whole, num, start, pos, suf.lower())))
            num_cands.append(i)
            date_cands.append(i)
        elif acr:
            start = find(acr, pos)
            pos = start + len(acr)
            toks.append(_new_tok(_Tok, ("acr", acr, acr.lower(), start, pos, "")))
            caps.append(i)
        else:
            start = find(sym, pos)
            pos = start + 1
            toks.append(_new_tok(_Tok, ("sym", sym, sym, start, pos, "")))
    return _Scan(toks, lower_words, caps, date_cands, num_cands, marker_cands)


# --------------------------------------------------------------------------------------------------
# Word tables shared by the readers

_UNITS = {
    w: i
    for i, w in enumerate(
        _words(
            "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
            "sixteen seventeen eighteen nineteen"
        )
    )
}
_TENS = {w: 10 * i for i, w in enumerate(_words("twenty thirty forty fifty sixty seventy eighty ninety"), 2)}
_ORDINALS = {
    w: i
    for i, w in enumerate(
        _words(
            "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth "
            "fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth"
        ),
        1,
    )
}
_ORDINALS.update(
    {w: 10 * i for i, w in enumerate(_words("twentieth thirtieth fortieth fiftieth sixtieth seventieth"), 2)}
)
_ORDINALS.update({"eightieth": 80, "ninetieth": 90, "hundredth": 100, "thousandth": 1000, "millionth": 10**6})
_MAGS = {
    "thousand": 10**3,
    "million": 10**6,
    "mn": 10**6,
    "mln": 10**6,
    "billion": 10**9,
    "bn": 10**9,
    "bln": 10**9,
    "trillion": 10**12,
    "tn": 10**12,
    "trn": 10**12,
}
_ORD_SUFFIXES = frozenset({"st", "nd", "rd", "th"})
# Vague plurals: "hundreds" is some value in [100, 1000).
_PLURALS = {
    "dozens": 12,
    "tens": 10,
    "hundreds": 100,
    "thousands": 10**3,
    "millions": 10**6,
    "billions": 10**9,
}
_A_OR_HALF = frozenset({"a", "an", "half"})
_NUMBER_WORDS = frozenset(_UNITS) | frozenset(_TENS) | frozenset(_ORDINALS) | frozenset(_MAGS) | {"hundred"}
_NUMBER_START = _NUMBER_WORDS | frozenset(_PLURALS)
_CURRENCY_SYMS = {"$": "$", "€": "€", "£": "£", "¥": "¥"}


# Words that send a token to the marker reader (negations and quantifiers).
_MARKER_WORDS = frozenset(
    _words(
        "not cannot no never nobody nothing nowhere without neither nor none more at upwards greater less "
        "fewer up just close nearly almost virtually over above exceeding under below all every everyone "
        "everybody everything each most majority minority many numerous countless lot lots plenty some "
        "several handful few half"
    )
)
# Words whose meaning holds a negation ("denied" = "said it did not"): counted on the polarity side.
_IMPLICIT_NEGATORS = frozenset(
    _words(
        "deny denies denied denying denial refuse refuses refused refusing refusal decline declines declined "
        "declining fail fails failed failing failure reject rejects rejected rejecting withhold withholds "
        "withheld withholding lack lacks lacked lacking absence keep keeps kept keeping stay stays stayed "
        "staying remain remains remained remaining"
    )
)
_MARKER_WORDS |= _IMPLICIT_NEGATORS
# Deletions and transpositions of "never" (none is an English word) and "nto".
_NEVER_TYPOS = frozenset({"nevr", "nver", "neer", "neve", "neevr", "nevre", "nveer", "nto"})
_MARKER_WORDS |= _NEVER_TYPOS


# --------------------------------------------------------------------------------------------------
# String distance (number typos, name typos)


def _osa_within(a: str, b: str, k: int) -> bool:
    """Optimal-string-alignment distance of a and b is at most k (k is 1 or 2)."""
    if abs(len(a) - len(b)) > k:
        return False
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > k:
            return False
        prev2, prev = prev, cur
    return prev[-1] <= k
