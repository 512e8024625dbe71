"""Negations and quantifiers: negators, quantifier words and bounds before a number."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from credibility.text.facts.tokens import (
    _CURRENCY_SYMS,
    _IMPLICIT_NEGATORS,
    _MAGS,
    _NEVER_TYPOS,
    _NUMBER_WORDS,
    _PLURALS,
    _Tok,
)

# "not only X but Y", "not least" do not deny anything.
_NEG_SKIP_AFTER_NOT = frozenset({"only", "just", "least", "merely", "simply"})
_QUANT_CLASS_FAMILY = {
    "all": "amount",
    "most": "amount",
    "many": "amount",
    "some": "amount",
    "few": "amount",
    "none": "amount",
    "half": "amount",
    ">=": "bound",
    "<=": "bound",
}


_DENY = frozenset({"deny", "denies", "denied", "denying", "denial"})
_REFUSE = frozenset(
    {"refuse", "refuses", "refused", "refusing", "refusal", "reject", "rejects", "rejected", "rejecting"}
)
_WITHHOLD = frozenset({"withhold", "withholds", "withheld", "withholding"})
_LACK = frozenset({"lack", "lacks", "lacked", "lacking", "absence"})
# Only with "to" do these deny an action ("declined to comment", "failed to pay"); "sales declined",
# "a failure" say nothing about polarity.
_BEFORE_TO = frozenset(
    {
        "decline",
        "declines",
        "declined",
        "declining",
        "fail",
        "fails",
        "failed",
        "failing",
        "failure",
        "refusal",
    }
)
# "kept quiet about", "remained silent on": silence about a thing is not saying it.
_SILENCE_VERBS = frozenset(
    {
        "keep",
        "keeps",
        "kept",
        "keeping",
        "stay",
        "stays",
        "stayed",
        "staying",
        "remain",
        "remains",
        "remained",
        "remaining",
    }
)
_SILENT = frozenset({"quiet", "silent", "mum"})


def _implicit_negation(toks: Sequence[_Tok], lw: Sequence[str], i: int) -> tuple[str, int] | None:
    """A word (or phrase) at ``i`` whose meaning holds a negation: (its text, tokens it spans)."""
    w = lw[i]
    nxt = lw[i + 1] if i + 1 < len(lw) else ""
    prev = lw[i - 1] if i > 0 else ""
    if w in _BEFORE_TO:
        return (f"{toks[i].text} to", 2) if nxt == "to" else None
    if w in _SILENCE_VERBS:
        return (" ".join(t.text for t in toks[i : i + 2]), 2) if nxt in _SILENT else None
    if w in _DENY or w in _REFUSE or w in _WITHHOLD:
        return toks[i].text, 1
    if w in _LACK:
        # "a lack of", "the absence of", "lacked": a noun before "of", or the verb.
        return (toks[i].text, 1) if nxt == "of" or prev not in ("a", "the") or w != "absence" else None
    return None


class _Marker(NamedTuple):
    key: str  # canonical negator ("not", "never"...) or quantifier class ("all", ">=")
    text: str


def _number_follows(toks: Sequence[_Tok], j: int) -> bool:
    while j < len(toks) and (toks[j].lower in ("a", "an") or toks[j].text in _CURRENCY_SYMS):
        j += 1
    if j >= len(toks):
        return False
    t = toks[j]
    if t.kind in ("num", "time"):
        return True
    first = t.lower.split("-")[0]
    return first in _NUMBER_WORDS or first in _PLURALS or first in ("half", "dozen", "third", "quarter")


_GE_PAIRS = {("more", "than"), ("at", "least"), ("upwards", "of"), ("greater", "than")}
_LE_PAIRS = {
    ("less", "than"),
    ("fewer", "than"),
    ("at", "most"),
    ("up", "to"),
    ("just", "under"),
    ("close", "to"),
}
_GE_SINGLE = frozenset({"over", "above", "exceeding"})
_LE_SINGLE = frozenset({"under", "below", "nearly", "almost"})


#: Tokens that end a clause: a negator before one does not pair with a "without" after it.
_CLAUSE_BREAKS = frozenset({",", ";", ":", "but", "and", "or", "because", "while", "although", "though"})


def _same_clause(lw: Sequence[str], negator: int, i: int) -> bool:
    """Whether the "without" at ``i`` closes a "not ... without" necessity with the negator at
    ``negator``: in the same clause and at most eight words before it."""
    return i - negator <= 8 and not any(w in _CLAUSE_BREAKS for w in lw[negator + 1 : i])


def _read_markers(toks: Sequence[_Tok], cands: Sequence[int]) -> tuple[list[_Marker], list[_Marker]]:
    negs: list[_Marker] = []
    quants: list[_Marker] = []
    if not cands:
        return negs, quants
    lw = [t.lower for t in toks]
    n = len(toks)
    seen_neither = False
    skip_to = 0
    # Token index of each plain negator ("not", "n't", "cannot", "never", "no") and its place in negs.
    not_at: list[tuple[int, int]] = []
    for i in cands:
        if i < skip_to:
            continue
        w = lw[i]
        prev = lw[i - 1] if i > 0 else ""
        nxt = lw[i + 1] if i + 1 < n else ""
        nxt2 = lw[i + 2] if i + 2 < n else ""
        t = toks[i]
        # ---- negation
        if w == "not":
            if nxt not in _NEG_SKIP_AFTER_NOT and prev not in ("or", "if"):
                not_at.append((i, len(negs)))
                negs.append(_Marker("not", t.text))
        elif w.endswith("n't") or w == "cannot":
            not_at.append((i, len(negs)))
            negs.append(_Marker("not", t.text))
        elif w == "no":
            if nxt == "longer":
                negs.append(_Marker("no longer", " ".join((t.text, toks[i + 1].text))))
                skip_to = i + 2
                continue
            if nxt in ("more", "less", "fewer") and nxt2 == "than":
                quants.append(
                    _Marker("<=" if nxt == "more" else ">=", " ".join(x.text for x in toks[i : i + 3]))
                )
                skip_to = i + 3
                continue
            if not (nxt == "." and i + 2 < n and toks[i + 2].kind == "num"):  # "No. 10"
                if nxt == "one":
                    negs.append(_Marker("no one", f"{t.text} {toks[i + 1].text}"))
                    skip_to = i + 2
                    continue
                not_at.append((i, len(negs)))
                negs.append(_Marker("no", t.text))
        elif w == "without" and not_at and _same_clause(lw, not_at[-1][0], i):
            # "could not keep running without X", "no peace without justice": a necessity, said
            # positively elsewhere ("X was needed to keep it running"); the two negators cancel.
            del negs[not_at.pop()[1]]
        elif w in ("never", "nobody", "nothing", "nowhere", "without"):
            if w == "never":
                not_at.append((i, len(negs)))
            negs.append(_Marker(w, t.text))
        elif w in _NEVER_TYPOS:  # a typo must not flip the sentence: "nevr", "nto"
            negs.append(_Marker("not" if w == "nto" else "never", t.text))
        elif w in _IMPLICIT_NEGATORS:
            found = _implicit_negation(toks, lw, i)
            if found is not None:
                negs.append(_Marker("implicit", found[0]))
                skip_to = i + found[1]
                continue
        elif w == "neither":
            seen_neither = True
            negs.append(_Marker(w, t.text))
        elif w == "nor":
            if not seen_neither:  # "neither X nor Y" is one negation
                negs.append(_Marker(w, t.text))
        elif w == "none":
            # Both: "none" vs "all" is a quantifier swap, an added "none" flips the sentence.
            negs.append(_Marker("none", t.text))
            quants.append(_Marker("none", t.text))
        # ---- bounds before a number
        elif (w, nxt) in _GE_PAIRS or (w, nxt) in _LE_PAIRS:
            if _number_follows(toks, i + 2):
                quants.append(
                    _Marker(">=" if (w, nxt) in _GE_PAIRS else "<=", f"{t.text} {toks[i + 1].text}")
                )
                skip_to = i + 2
                continue
        elif w in ("nearly", "almost", "virtually") and nxt == "all":
            quants.append(_Marker("most", f"{t.text} {toks[i + 1].text}"))
            skip_to = i + 2
            continue
        elif w in _GE_SINGLE or w in _LE_SINGLE:
            if _number_follows(toks, i + 1):
                quants.append(_Marker(">=" if w in _GE_SINGLE else "<=", t.text))
        # ---- amounts
        elif w == "all":
            if prev not in ("at", "after", "above", "for") and nxt not in ("but", "right"):
                quants.append(_Marker("all", t.text))
        elif w in ("every", "everyone", "everybody", "everything") or (w == "each" and nxt != "other"):
            quants.append(_Marker("all", t.text))
        elif w == "most" or w == "majority":
            if w == "majority" or prev not in ("the", "a", "at"):  # "the most powerful" is a superlative
                quants.append(_Marker("most", t.text))
        elif w == "minority":
            quants.append(_Marker("few", t.text))
        elif w in ("many", "numerous", "countless"):
            if w != "many" or prev not in ("how", "as"):
                quants.append(_Marker("many", t.text))
        elif w in ("lot", "lots", "plenty") and nxt == "of":
            quants.append(_Marker("many", t.text))
        elif w == "some":
            if not _number_follows(toks, i + 1):  # "some 200 people" means about 200
                quants.append(_Marker("some", t.text))
        elif w == "several" or (w == "handful" and prev == "a"):
            quants.append(_Marker("some", t.text))
        elif w == "few":
            if prev == "a" and (lw[i - 2] if i > 1 else "") not in ("only", "just"):
                quants.append(_Marker("many" if (lw[i - 2] if i > 1 else "") == "quite" else "some", t.text))
            else:
                quants.append(_Marker("few", t.text))
        elif w == "half" and not (nxt in ("a", "an") and nxt2 in _MAGS):
            quants.append(_Marker("half", t.text))
    return negs, quants
