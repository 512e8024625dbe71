"""Repost generator: news pages built from PolitiFact articles with known, sentence-level truth.

An INDEXED part of the corpus is what the detector gets to index; an UNSEEN part never is.
A repost of an indexed article keeps most sentences verbatim, lightly edits some (gold
``supported``), alters facts in others (gold ``altered``) and slips in foreign material
(``injected`` / ``debunked``). Whole unseen articles are reposts too (``unsupported``).

Ground truth must be true, not just intended: roughly one sentence in eight in PolitiFact
recurs in other articles, so every inserted or unseen sentence is looked up in the indexed
part (exact normalised key, character 5-gram Jaccard, and containment, since another
splitter may cut sentences differently) and dropped when it is in fact there; every
alteration is checked to differ from its source, not to occur in the indexed part, and not
to match some other indexed sentence better than it matches its source.

Reposts then carry web noise (``_Noise``): entities, smart punctuation, no-break spaces,
invisible characters, re-wrapped lines, merged and split paragraphs, dropped sentences and
lines of page furniture (gold ``not_checked``); it changes characters, never what a sentence
says.

Gold is a list of character spans (units) over the repost text, so an evaluator can map any
sentence splitter's output onto it by overlap. Everything is deterministic for a seed.

    python -m benchmarks.reposts --out benchmarks/work/demo --indexed 150 --reposts 40
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from benchmarks.data import POLITIFACT, DataMissing, PolitiFactArticle, data_root, load_politifact, require
from benchmarks.lexicon import ALTERATIONS, Alteration, Lexicon, build_lexicon, surname_of
from benchmarks.textkit import (
    NearDupIndex,
    char_grams,
    jaccard,
    normalize,
    split_sentences,
    stable_hash,
    text_key,
)

GENERATOR_VERSION = "6"
REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_WORK = REPO_ROOT / "benchmarks" / "work"
DEFAULT_CACHE = REPO_ROOT / "benchmarks" / "cache"

FALSE_RATINGS = frozenset({"false", "pants-fire"})
SUPPORTED, ALTERED, UNSUPPORTED, INJECTED, DEBUNKED = (
    "supported",
    "altered",
    "unsupported",
    "injected",
    "debunked",
)
#: Gold label of page furniture the noise adds (share buttons, ad slots, tracking links): the
#: engine's ``not_checked``; flagging such a line counts as a false flag.
NOT_CHECKED = "not_checked"

LIGHT_EDITS = ("punctuation", "quotes", "whitespace", "line_break", "typo", "function_word")
#: What copying a page across the web does to its text (see ``_Noise``).
NOISE_KINDS = (
    "smart_punctuation",
    "html_entities",
    "nbsp",
    "soft_hyphens",
    "zero_width",
    "hard_wrap",
    "merge_paragraphs",
    "split_paragraphs",
    "drop_sentences",
    "tracking_lines",
)


@dataclass(frozen=True)
class GeneratorConfig:
    seed: int = 13
    #: Share of articles (by id hash, out of 100) in the INDEXED pool; the rest is UNSEEN.
    indexed_percent: int = 50
    n_indexed: int = 2000
    n_reposts: int = 300
    n_unseen_reposts: int = 60
    #: Reposts keep at most this many sentences of their source (an excerpt, as pages do).
    max_sentences: int = 40
    min_sentences: int = 5
    light_edit_rate: float = 0.10
    altered_rate: float = 0.12
    min_insertions: int = 1
    max_insertions: int = 3
    insertion_weights: tuple[tuple[str, float], ...] = (
        ("unseen_sentence", 0.35),
        ("promo", 0.2),
        ("photo_credit", 0.15),
        ("debunked", 0.3),
    )
    #: How often each kind of alteration is tried first (kinds that a repost offers no
    #: sentence for fall through to the next).
    alteration_weights: tuple[tuple[str, float], ...] = (
        ("number", 1.0),
        ("date", 1.0),
        ("person", 1.0),
        ("place", 1.0),
        ("organisation", 1.0),
        ("negation", 1.0),
    )
    #: Web noise: for each kind (``NOISE_KINDS``), the share of reposts that carry it. A page
    #: passes through a CMS, feeds and copy-paste: curly quotes, entities left escaped, no-break
    #: spaces, invisible characters, re-wrapped lines, paragraphs joined or broken, a caption
    #: lost, share buttons and tracking links. With these rates ~99% of reposts carry some.
    #: All zero: the clean generator (version 5 text, same units).
    noise_rates: tuple[tuple[str, float], ...] = (
        ("smart_punctuation", 0.5),
        ("html_entities", 0.15),
        ("nbsp", 0.35),
        ("soft_hyphens", 0.1),
        ("zero_width", 0.1),
        ("hard_wrap", 0.25),
        ("merge_paragraphs", 0.3),
        ("split_paragraphs", 0.3),
        ("drop_sentences", 0.3),
        ("tracking_lines", 0.5),
    )
    boilerplate_min_articles: int = 20
    near_dup_threshold: float = 0.8
    #: Supported sentences this close to a false claim are marked ambiguous (see GoldUnit).
    claim_quote_threshold: float = 0.5
    lexicon_texts: int = 2000


# --------------------------------------------------------------------------- corpus cleaning


@dataclass(frozen=True, slots=True)
class CleanArticle:
    id: str
    title: str
    url: str
    speaker: str
    claim: str
    rating: str
    stated: str
    paragraphs: tuple[tuple[str, ...], ...]

    @property
    def text(self) -> str:
        return "\n".join(" ".join(p) for p in self.paragraphs)

    @property
    def sentences(self) -> list[str]:
        return [s for p in self.paragraphs for s in p]


FEATURED = "Featured Fact-check"
_BYLINE = re.compile(r"^By .{2,80} • ")
_URL_ONLY = re.compile(r"^(?:https?://|www\.)\S*$")
# The "Share the Facts" widget: its text differs per page (it repeats the claim), so the
# frequency rule cannot catch it.
_SHARE_WIDGET = re.compile(r"^Share the Facts\b")
# Editorial notes PolitiFact words slightly differently from page to page (so the frequency
# rule misses some variants): the Facebook fact-checking partnership, comment invitations.
_NOTES = re.compile(
    r"flagged (?:as part of|this).{0,60}(?:false news|misinformation)|partnership with Facebook"
    r"|available at IFCN|comment on this item",
    re.IGNORECASE,
)
_LETTERS = re.compile(r"[A-Za-z]{2}")


def _raw_lines(text: str) -> list[str]:
    """Lines with the "Featured Fact-check" sidebar cut out: it shows another article's claim."""
    lines = text.split("\n")
    out = []
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        if line == FEATURED:
            end = next(
                (j for j in range(i + 1, min(len(lines), i + 80)) if _BYLINE.match(lines[j].strip())), None
            )
            i = (end + 1) if end is not None else i + 1
            continue
        if line and not _SHARE_WIDGET.match(line):
            out.append(line)
        i += 1
    return out


_NAIVE_SPLIT = re.compile(r"(?<=[.!?])\s+")


class Corpus:
    """PolitiFact with its recurring boilerplate removed: lines and sentences found in
    >= ``min_articles`` articles.

    The sidebar, rating explanations, "Click here for more on the six PolitiFact ratings",
    Facebook-partnership notes and share links recur across thousands of pages; a repost
    built from them would test nothing, and indexing them would make every page
    "supported". Counting is done on exact strings over the whole corpus (cheap); sentence
    splitting happens per article, when an article is first used, because splitting all
    19k articles takes longer than the rest of a quick run.
    """

    def __init__(self, articles: Sequence[PolitiFactArticle], min_articles: int = 20) -> None:
        self.min_articles = min_articles
        self.meta = {a.id: a for a in articles}
        self.ids = [a.id for a in articles]
        raw_lines = {a.id: _raw_lines(a.text) for a in articles}
        line_counts: Counter[str] = Counter()
        for lines in raw_lines.values():
            line_counts.update(set(lines))
        self._lines: dict[str, list[str]] = {}
        sentence_counts: Counter[str] = Counter()
        dropped = 0
        for article_id, lines in raw_lines.items():
            kept = [line for line in lines if line_counts[line] < min_articles and not _URL_ONLY.match(line)]
            dropped += len(lines) - len(kept)
            self._lines[article_id] = kept
            # A cheap split for counting; a sentence of the real splitter that spans several
            # of these pieces simply is not counted as boilerplate (the safe direction).
            sentence_counts.update({piece for line in kept for piece in _NAIVE_SPLIT.split(line)})
        self._boilerplate = {k for k, c in sentence_counts.items() if c >= min_articles}
        self._clean: dict[str, CleanArticle] = {}
        self.stats: dict[str, Any] = {
            "articles": len(articles),
            "boilerplate_min_articles": min_articles,
            "boilerplate_lines_dropped": dropped,
            "boilerplate_sentences_known": len(self._boilerplate),
            "boilerplate_sentences_dropped": 0,
        }

    def has_text(self, article_id: str) -> bool:
        return bool(self._lines.get(article_id))

    def text(self, article_id: str) -> str:
        """Cleaned text without sentence splitting (for the lexicon)."""
        return "\n".join(self._lines[article_id])

    def article(self, article_id: str) -> CleanArticle:
        cached = self._clean.get(article_id)
        if cached is not None:
            return cached
        raw = self.meta[article_id]
        paragraphs: list[tuple[str, ...]] = []
        for line in self._lines[article_id]:
            pieces = [line[s:e] for s, e in split_sentences(line)]
            kept = tuple(
                p
                for p in pieces
                if p not in self._boilerplate and _LETTERS.search(p) and not _NOTES.search(p)
            )
            self.stats["boilerplate_sentences_dropped"] += len(pieces) - len(kept)
            if kept:
                paragraphs.append(kept)
        article = CleanArticle(
            id=raw.id,
            title=raw.title.strip(),
            url=raw.url,
            speaker=raw.speaker.strip(),
            claim=raw.claim.strip(),
            rating=raw.rating,
            stated=raw.stated,
            paragraphs=tuple(paragraphs),
        )
        self._clean[article_id] = article
        return article


# --------------------------------------------------------------------------- gold records


@dataclass(frozen=True, slots=True)
class GoldUnit:
    """One sentence-sized piece of a repost: ``text[start:end]`` with its true label.

    ``kind``: verbatim / light_edit (supported); number, date, person, place, organisation,
    negation (altered); unseen_sentence, promo, photo_credit (injected); false_claim
    (debunked); unseen_article (unsupported); boilerplate (not_checked: a share button, an ad
    slot or a tracking link the web noise adds). ``ambiguous`` marks a supported sentence that
    quotes a claim rated false: "supported" and "debunked" are both defensible, so the
    metrics leave it out. ``noise``: the web-noise kinds that changed this unit's characters
    (comma-separated; "hard_wrap" when a line break falls inside it); the label is the same
    with or without them.
    """

    start: int
    end: int
    label: str
    kind: str
    source_sentence: str | None = None
    detail: str = ""
    source_id: str | None = None
    ambiguous: bool = False
    noise: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Repost:
    id: str
    split: str
    #: The indexed article it copies (gold ``copied_from``); None for an unseen article.
    source_id: str | None
    origin_id: str
    text: str
    units: list[GoldUnit]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "split": self.split,
            "source_id": self.source_id,
            "origin_id": self.origin_id,
            "text": self.text,
            "units": [u.to_dict() for u in self.units],
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Repost:
        return cls(
            id=raw["id"],
            split=raw["split"],
            source_id=raw.get("source_id"),
            origin_id=raw.get("origin_id") or "",
            text=raw["text"],
            units=[GoldUnit(**u) for u in raw["units"]],
        )


@dataclass
class Benchmark:
    config: GeneratorConfig
    indexed: list[CleanArticle]
    reposts: list[Repost]
    stats: dict[str, Any] = field(default_factory=dict)

    def split(self, name: str) -> list[Repost]:
        return [r for r in self.reposts if r.split == name]


# --------------------------------------------------------------------------- light edits

_FUNCTION_SWAPS = {
    "that": "which",
    "which": "that",
    "although": "though",
    "though": "although",
    "about": "around",
    "around": "about",
    "among": "amongst",
    "amongst": "among",
    "until": "till",
    "while": "whilst",
    "upon": "on",
    "toward": "towards",
    "towards": "toward",
    "whether": "if",
}
_FUNCTION_WORD = re.compile(r"\b(" + "|".join(_FUNCTION_SWAPS) + r")\b", re.IGNORECASE)
_LONG_WORD = re.compile(r"\b[A-Za-z]{8,}\b")


def light_edit(sentence: str, kind: str, rng: random.Random) -> tuple[str, str] | None:
    """A meaning-preserving edit of one kind, as (new sentence, detail), or None if none applies."""
    if kind == "punctuation":
        options: list[tuple[str, str]] = []
        commas = [m.start() for m in re.finditer(r",(?= )", sentence)]
        if commas:
            at = rng.choice(commas)
            options.append((sentence[:at] + sentence[at + 1 :], "dropped a comma"))
        joins = [m.start() for m in re.finditer(r"(?<=[a-z]) (?:but|and) (?=[a-z])", sentence)]
        if joins:
            at = rng.choice(joins)
            options.append((sentence[:at] + "," + sentence[at:], "added a comma"))
        if " -- " in sentence:
            options.append((sentence.replace(" -- ", " — ", 1), "dash style"))
        elif "—" in sentence:
            options.append((sentence.replace("—", " -- ", 1).replace("  ", " "), "dash style"))
        return rng.choice(options) if options else None
    if kind == "quotes":
        if '"' in sentence:
            parts = sentence.split('"')
            out = parts[0]
            for i, part in enumerate(parts[1:]):
                out += ("“" if i % 2 == 0 else "”") + part
            return out, "straight to curly double quotes"
        if "“" in sentence or "”" in sentence:
            return sentence.replace("“", '"').replace("”", '"'), "curly to straight double quotes"
        if "’" in sentence:
            return sentence.replace("’", "'"), "curly to straight apostrophes"
        if "'" in sentence:
            return sentence.replace("'", "’"), "straight to curly apostrophes"
        return None
    if kind == "whitespace":
        if "\u00a0" in sentence:
            return sentence.replace("\u00a0", " "), "no-break spaces to spaces"
        spaces = [m.start() for m in re.finditer(" ", sentence)]
        if not spaces:
            return None
        at = rng.choice(spaces)
        return sentence[:at] + "  " + sentence[at + 1 :], "doubled a space"
    if kind == "line_break":
        spaces = [m.start() for m in re.finditer(" ", sentence) if 0.3 < m.start() / len(sentence) < 0.7]
        if not spaces:
            return None
        at = rng.choice(spaces)
        return sentence[:at] + "\n" + sentence[at + 1 :], "line break inside the sentence"
    if kind == "typo":
        words = list(_LONG_WORD.finditer(sentence))
        rng.shuffle(words)
        for word_match in words:
            word = word_match.group(0)
            i = rng.randrange(1, len(word) - 2)
            variants = [
                word[:i] + word[i + 1] + word[i] + word[i + 2 :],  # swap two letters
                word[:i] + word[i + 1 :],  # drop one
                word[:i] + word[i] + word[i:],  # double one
            ]
            rng.shuffle(variants)
            for variant in variants:
                if variant != word:
                    start, end = word_match.span()
                    return sentence[:start] + variant + sentence[end:], f"{word} -> {variant}"
        return None
    if kind == "function_word":
        matches = list(_FUNCTION_WORD.finditer(sentence))
        if not matches:
            return None
        match = rng.choice(matches)
        old = match.group(0)
        new = _FUNCTION_SWAPS[old.lower()]
        new = new.capitalize() if old[:1].isupper() else new
        return sentence[: match.start()] + new + sentence[match.end() :], f"{old} -> {new}"
    raise ValueError(f"unknown light edit {kind!r}")


# --------------------------------------------------------------------------- helpers


def claim_sentence(claim: str) -> str:
    """A claim as a page would print it: no leading "Says", no wrapping quotes, a final stop."""
    text = claim.strip()
    if text.startswith("Says "):
        text = text[5:].strip()
        text = text[:1].upper() + text[1:]
    # only a single pair of wrapping quotes: '"A" and "B"' must keep its quotes
    if len(text) > 2 and (
        (text[0] == text[-1] == '"' and text.count('"') == 2)
        or (text[0] == "“" and text[-1] == "”" and text.count("“") == 1 and text.count("”") == 1)
    ):
        text = text[1:-1].strip()
    if text and text[-1] not in ".!?\"”'’":
        text += "."
    return text


def _weighted_order(rng: random.Random, weights: Iterable[tuple[str, float]]) -> list[str]:
    """A random permutation where heavier items tend to come first."""
    keyed = [(rng.random() ** (1.0 / w), name) for name, w in weights if w > 0]
    return [name for _, name in sorted(keyed, reverse=True)]


def _weighted_choice(rng: random.Random, weights: Sequence[tuple[str, float]]) -> str:
    total = sum(w for _, w in weights)
    point = rng.random() * total
    for name, weight in weights:
        point -= weight
        if point <= 0:
            return name
    return weights[-1][0]


def _truncate(paragraphs: Sequence[Sequence[str]], limit: int) -> list[list[str]]:
    out: list[list[str]] = []
    count = 0
    for paragraph in paragraphs:
        if count >= limit:
            break
        take = list(paragraph[: limit - count])
        count += len(take)
        out.append(take)
    return out


def published_date(stated: str) -> str:
    """ISO date from PolitiFact's "stated on October 22, 2019 in ..." (the claim date), or ""."""
    match = re.search(r"([A-Z][a-z]+ \d{1,2}, \d{4})", stated)
    if not match:
        return ""
    try:
        return datetime.strptime(match.group(1), "%B %d, %Y").date().isoformat()
    except ValueError:
        return ""


def factcheck_record(article: CleanArticle) -> dict[str, str]:
    """The INDEXED part as ``credibility index add --kind factcheck`` reads it (JSONL)."""
    return {
        "id": article.id,
        "title": article.title,
        "url": article.url,
        "source": "politifact",
        "published": published_date(article.stated),
        "text": article.text,
        "claim": article.claim,
        "rating": article.rating,
        "speaker": article.speaker,
    }


# --------------------------------------------------------------------------- generator


@dataclass
class _Piece:
    text: str
    label: str
    kind: str
    source_sentence: str | None = None
    detail: str = ""
    source_id: str | None = None
    ambiguous: bool = False
    own_paragraph: bool = False
    noise: str = ""


_BREAK = None
_DROPPED = _Piece("", "", "dropped")
_PROMO_FORMATS = ("READ ALSO: {}", "READ ALSO {}", "Read also: {}", "RELATED: {}", "READ MORE: {}")
_PHOTO_FORMATS = (
    "(Photo by {name}/{agency} via Getty Images)",
    "(Photo: {name}/{agency})",
    "{name}/{agency} photo",
    "Photo by {name} for {agency}",
)
_AGENCIES = (
    "AFP",
    "AP",
    "Reuters",
    "Bloomberg",
    "NurPhoto",
    "Anadolu Agency",
    "SOPA Images",
    "Tribune News Service",
)


# --------------------------------------------------------------------------- web noise

#: Page furniture a copied page keeps: share buttons, ad slots, newsletter boxes, tracking links.
_TRACKING_LINES = (
    "Advertisement",
    "ADVERTISEMENT",
    "Story continues below advertisement",
    "Share on Facebook",
    "Share on Twitter",
    "Share this article",
    "Click here to subscribe to our newsletter.",
    "Click here to read more.",
    "Sign up for our daily newsletter",
    "Follow us on Twitter",
    "{url}",
    "{url}",
)
_SITES = (
    "www.dailynewsfeed.net",
    "news.patriotwire.org",
    "thedailyreport.co",
    "www.worldnewsnow24.com",
    "politicsinsider.info",
)
_UTM = (
    "utm_source=facebook&utm_medium=social&utm_campaign={slug}",
    "utm_source=twitter&utm_medium=social",
    "utm_source=newsletter&utm_medium=email&utm_campaign=daily",
    "utm_source=rss&utm_medium=feed&utm_content={slug}",
)
#: Smart punctuation to HTML entities, as a feed or a double-escaping CMS leaves them ("&" first).
_ENTITY_STYLES: dict[str, tuple[tuple[str, str], ...]] = {
    "numeric": (
        ("&", "&amp;"),
        ("’", "&#8217;"),
        ("‘", "&#8216;"),
        ("“", "&#8220;"),
        ("”", "&#8221;"),
        ("—", "&#8212;"),
        ("–", "&#8211;"),
        ("…", "&#8230;"),
        ("\u00a0", "&#160;"),
    ),
    "named": (
        ("&", "&amp;"),
        ("’", "&rsquo;"),
        ("‘", "&lsquo;"),
        ("“", "&ldquo;"),
        ("”", "&rdquo;"),
        ("—", "&mdash;"),
        ("–", "&ndash;"),
        ("…", "&hellip;"),
        ("\u00a0", "&nbsp;"),
    ),
    # a plain-text page escaped once too often
    "basic": (("&", "&amp;"), ('"', "&quot;"), ("'", "&#39;"), ("\u00a0", "&nbsp;")),
}
_ZERO_WIDTH = ("\u200b", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff")
_NOISE_WORD = re.compile(r"[A-Za-z]+")
_SOURCE_KINDS = frozenset({"verbatim", "light_edit", "unseen_article"})


def smart_punctuation(text: str) -> str:
    """Straight quotes to curly ones (opening after a space or bracket), "--" to a dash, "..." to "…"."""
    out = []
    for i, ch in enumerate(text):
        before = text[i - 1] if i else " "
        opening = before.isspace() or before in "([{—–-/"
        if ch == '"':
            out.append("“" if opening else "”")
        elif ch == "'":
            after = text[i + 1] if i + 1 < len(text) else " "
            out.append("‘" if opening and not after.isdigit() else "’")
        else:
            out.append(ch)
    text = "".join(out).replace(" -- ", " — ").replace("--", "—").replace(" - ", " – ")
    return text.replace("...", "…")


def html_entities(text: str, style: str) -> str:
    for char, entity in _ENTITY_STYLES[style]:
        text = text.replace(char, entity)
    return text


def no_break_spaces(text: str, share: float, rng: random.Random) -> str:
    """Some spaces (and every one between a number and its word: "5 million") become U+00A0."""
    chars = list(text)
    for i, ch in enumerate(chars):
        if ch == " " and 0 < i < len(chars) - 1:
            glued = chars[i - 1].isdigit() and chars[i + 1].isalpha()
            if glued or rng.random() < share:
                chars[i] = "\u00a0"
    return "".join(chars)


def soft_hyphens(text: str, share: float, rng: random.Random) -> str:
    """U+00AD at a hyphenation point or two inside some long words (an invisible character)."""

    def hyphenate(match: re.Match[str]) -> str:
        word = match.group(0)
        if len(word) < 8 or rng.random() >= share:
            return word
        points = sorted(rng.sample(range(3, len(word) - 2), min(2, len(word) - 5)))
        for at in reversed(points[: rng.randint(1, 2)]):
            word = word[:at] + "\u00ad" + word[at:]
        return word

    return _NOISE_WORD.sub(hyphenate, text)


def zero_width(text: str, share: float, rng: random.Random) -> str:
    """Zero-width characters inside some words or right after them (editor and tracking residue)."""

    def insert(match: re.Match[str]) -> str:
        word = match.group(0)
        if len(word) < 2 or rng.random() >= share:
            return word
        at = rng.randrange(1, len(word) + 1)
        return word[:at] + rng.choice(_ZERO_WIDTH) + word[at:]

    return _NOISE_WORD.sub(insert, text)


def hard_wrap(text: str, width: int) -> str:
    """Lines longer than ``width`` broken at their last plain space that fits (one character for
    one: offsets hold). No-break spaces are not broken at."""
    chars = list(text)
    line_start = 0
    while line_start < len(text):
        line_end = text.find("\n", line_start)
        line_end = len(text) if line_end < 0 else line_end
        start = line_start
        while line_end - start > width:
            cut = text.rfind(" ", start + 1, start + width + 1)
            if cut < 0:
                cut = text.find(" ", start + width + 1, line_end)
                if cut < 0:
                    break
            chars[cut] = "\n"
            start = cut + 1
        line_start = line_end + 1
    return "".join(chars)


def _tracking_line(template: str, article: CleanArticle, rng: random.Random) -> str:
    if "{url}" not in template:
        return template
    slug = "-".join(re.findall(r"[a-z0-9]+", article.title.lower())[:8]) or "story"
    query = rng.choice(_UTM).format(slug=slug)
    day = rng.randrange(1, 29)
    url = f"https://{rng.choice(_SITES)}/{rng.randrange(2015, 2024)}/{rng.randrange(1, 13):02d}/{day:02d}/{slug}/"
    return template.format(url=f"{url}?{query}")


class _Noise:
    """One repost's web noise: which kinds it carries (``GeneratorConfig.noise_rates``) and how
    much of each, drawn from its own seeded generator, so the rest of the repost (sentences,
    alterations, insertions) is the same with or without noise."""

    def __init__(self, config: GeneratorConfig, repost_id: str) -> None:
        self.rng = rng = random.Random(stable_hash(str(config.seed), "noise", repost_id))
        rates = dict(config.noise_rates)
        # every knob is drawn whatever is chosen, so one kind's rate does not move another's draws
        draws = {kind: rng.random() for kind in NOISE_KINDS}
        self.kinds = frozenset(k for k in NOISE_KINDS if draws[k] < rates.get(k, 0.0))
        self.entity_style = rng.choice(sorted(_ENTITY_STYLES))
        self.nbsp_share = rng.uniform(0.02, 0.1)
        self.nbsp_joiner = rng.random() < 0.5
        self.shy_share = rng.uniform(0.2, 0.5)
        self.zw_share = rng.uniform(0.02, 0.06)
        self.width = rng.randint(60, 80)
        self.merge_share = rng.uniform(0.3, 0.7)
        self.split_share = rng.uniform(0.1, 0.3)
        self.drops = rng.randint(1, 2)
        self.tracking = rng.randint(1, 3)

    # ---- structure

    def structure(
        self, items: list[_Piece | None], article: CleanArticle, min_kept: int
    ) -> list[_Piece | None]:
        rng = self.rng
        if "drop_sentences" in self.kinds:
            # a caption-like line (short, or no final stop) goes first; never under min_kept sentences
            pool = [i for i, p in enumerate(items) if p is not None and p.kind in _SOURCE_KINDS]
            texts = {i: p.text for i, p in enumerate(items) if p is not None}
            for _ in range(min(self.drops, max(0, len(pool) - min_kept))):
                weights = [
                    5.0 if len(texts[i]) < 80 or texts[i][-1:] not in ".!?\"”'’" else 1.0 for i in pool
                ]
                at = rng.choices(pool, weights)[0]
                pool.remove(at)
                items[at] = _DROPPED
            items = [p for p in items if p is not _DROPPED]
        if "merge_paragraphs" in self.kinds:
            merged: list[_Piece | None] = []
            for i, item in enumerate(items):
                before = merged[-1] if merged else None
                after = items[i + 1] if i + 1 < len(items) else None
                if (
                    item is None
                    and before is not None
                    and after is not None
                    and not before.own_paragraph
                    and not after.own_paragraph
                    and rng.random() < self.merge_share
                ):
                    continue
                merged.append(item)
            items = merged
        if "split_paragraphs" in self.kinds:
            split: list[_Piece | None] = []
            for item in items:
                before = split[-1] if split else None
                if (
                    item is not None
                    and before is not None
                    and not item.own_paragraph
                    and not before.own_paragraph
                    and rng.random() < self.split_share
                ):
                    split.append(_BREAK)
                split.append(item)
            items = split
        if "tracking_lines" in self.kinds:
            for _ in range(self.tracking):
                breaks = [i for i, p in enumerate(items) if p is None] + [len(items)]
                at = rng.choice(breaks)
                line = _tracking_line(rng.choice(_TRACKING_LINES), article, rng)
                piece = _Piece(line, NOT_CHECKED, "boilerplate", None, "", None, own_paragraph=True)
                items[at:at] = [_BREAK, piece, _BREAK]
        return items

    # ---- characters

    def characters(self, piece: _Piece) -> _Piece:
        text, applied = piece.text, []
        steps = (
            ("smart_punctuation", lambda t: smart_punctuation(t)),
            ("nbsp", lambda t: no_break_spaces(t, self.nbsp_share, self.rng)),
            ("soft_hyphens", lambda t: soft_hyphens(t, self.shy_share, self.rng)),
            ("zero_width", lambda t: zero_width(t, self.zw_share, self.rng)),
            ("html_entities", lambda t: html_entities(t, self.entity_style)),
        )
        for kind, step in steps:
            # a tracking link keeps its characters, but not its "&" when the page escapes them
            if kind in self.kinds and (piece.kind != "boilerplate" or kind == "html_entities"):
                changed = step(text)
                if changed != text:
                    applied.append(kind)
                    text = changed
        return replace(piece, text=text, noise=",".join(applied)) if applied else piece

    def joiner(self) -> str:
        """What separates two sentences of a paragraph: a space, or a no-break space and a space."""
        if "nbsp" in self.kinds and self.nbsp_joiner:
            return (
                html_entities("\u00a0", self.entity_style) + " "
                if "html_entities" in self.kinds
                else "\u00a0 "
            )
        return " "

    def apply(
        self, items: list[_Piece | None], article: CleanArticle, min_kept: int, stats: Counter[str]
    ) -> tuple[str, list[GoldUnit]]:
        for kind in self.kinds:
            stats[f"noise:{kind}"] += 1
        items = self.structure(items, article, min_kept)
        items = [None if p is None else self.characters(p) for p in items]
        text, units = _render(items, self.joiner())
        if "hard_wrap" in self.kinds:
            text = hard_wrap(text, self.width)
            units = [
                replace(u, noise=",".join(filter(None, (u.noise, "hard_wrap"))))
                if "\n" in text[u.start : u.end]
                else u
                for u in units
            ]
        return text, units


class _Generator:
    def __init__(
        self,
        config: GeneratorConfig,
        indexed: list[CleanArticle],
        foreign: Sequence[CleanArticle],
        lexicon: Lexicon,
    ) -> None:
        self.config = config
        self.lexicon = lexicon
        self.foreign = foreign
        index_texts = [s for a in indexed for s in a.sentences]
        index_texts += [a.title for a in indexed if a.title] + [a.claim for a in indexed if a.claim]
        self.index = NearDupIndex(index_texts, threshold=config.near_dup_threshold)
        # One-sentence claims only: a splitter cuts a longer one in pieces, and a fact-check
        # body often quotes one of the pieces word for word, which blurs the gold label.
        self.false_articles = [
            a
            for a in indexed
            if a.rating in FALSE_RATINGS and len(split_sentences(claim_sentence(a.claim))) == 1
        ]
        self.false_claims = NearDupIndex(
            [claim_sentence(a.claim) for a in indexed if a.rating in FALSE_RATINGS and a.claim],
            threshold=config.claim_quote_threshold,
        )
        self.stats: Counter[str] = Counter()

    # ---- sentences of the source

    def _quotes_false_claim(self, sentence: str, article: CleanArticle) -> bool:
        if self.false_claims.similar(sentence):
            return True
        if article.rating in FALSE_RATINGS and article.claim:
            claim = char_grams(claim_sentence(article.claim))
            if claim and len(claim & char_grams(sentence)) / len(claim) >= 0.7:
                return True
        return False

    def _valid_alteration(self, source: str, alt: Alteration) -> bool:
        if normalize(alt.text) == normalize(source) or alt.new not in alt.text:
            return False
        if self.index.contained(alt.text):
            return False
        own = jaccard(char_grams(alt.text), char_grams(source))
        source_norm = normalize(source)
        # Some other indexed sentence resembling the altered one more than its source does
        # would make "altered" debatable (it may just be the fact as reported elsewhere).
        return all(
            normalize(self.index.texts[m.position]) == source_norm or m.similarity <= own
            for m in self.index.similar(alt.text)
        )

    def _plan(self, sentences: Sequence[str], article: CleanArticle, rng: random.Random) -> list[_Piece]:
        """Decide each sentence's fate: altered (kind first, then a sentence that allows it),
        light edit, or verbatim.

        Choosing the kind before the sentence evens out the kinds: nearly every sentence can
        be negated, few name a place, so sentence-first choice would be mostly negations.
        """
        n = len(sentences)
        pieces: list[_Piece | None] = [None] * n
        wanted = sum(rng.random() < self.config.altered_rate for _ in range(n))
        for _ in range(wanted):
            alt_at = self._alter_one(sentences, pieces, article, rng)
            if alt_at is None:
                self.stats["alteration_not_possible"] += 1
                continue
            index, alt = alt_at
            pieces[index] = _Piece(alt.text, ALTERED, alt.kind, sentences[index], alt.detail, article.id)
        for index, sentence in enumerate(sentences):
            if pieces[index] is not None:
                continue
            piece = None
            if rng.random() < self.config.light_edit_rate:
                for kind in rng.sample(LIGHT_EDITS, len(LIGHT_EDITS)):
                    edited = light_edit(sentence, kind, rng)
                    if edited is not None and edited[0] != sentence:
                        piece = self._supported(
                            edited[0], sentence, article, "light_edit", f"{kind}: {edited[1]}"
                        )
                        break
            pieces[index] = piece or self._supported(sentence, sentence, article, "verbatim", "")
        return [p for p in pieces if p is not None]

    def _alter_one(
        self,
        sentences: Sequence[str],
        pieces: Sequence[_Piece | None],
        article: CleanArticle,
        rng: random.Random,
    ) -> tuple[int, Alteration] | None:
        free = [i for i, p in enumerate(pieces) if p is None]
        for kind in _weighted_order(rng, self.config.alteration_weights):
            rng.shuffle(free)
            for index in free:
                alt = ALTERATIONS[kind](sentences[index], article.text, self.lexicon, rng)
                if alt is None:
                    continue
                if self._valid_alteration(sentences[index], alt):
                    return index, alt
                self.stats["alterations_rejected"] += 1
        return None

    def _supported(self, text: str, source: str, article: CleanArticle, kind: str, detail: str) -> _Piece:
        ambiguous = self._quotes_false_claim(source, article)
        return _Piece(text, SUPPORTED, kind, source, detail, article.id, ambiguous)

    # ---- foreign material

    def _foreign_article(self, rng: random.Random) -> CleanArticle:
        return self.foreign[rng.randrange(len(self.foreign))]

    def _insertion(
        self, kind: str, article: CleanArticle, taken: set[str], rng: random.Random
    ) -> _Piece | None:
        for _ in range(30):
            piece = self._candidate(kind, article, rng)
            if piece is None:
                continue
            key = text_key(piece.text)
            if key in taken:
                continue
            if kind != "debunked" and (
                self.index.is_present(piece.text)
                or (piece.source_sentence is not None and self.index.is_present(piece.source_sentence))
            ):
                # in fact in the indexed part: calling it "injected" would be false
                self.stats[f"insertion_in_index:{kind}"] += 1
                continue
            taken.add(key)
            return piece
        self.stats[f"insertion_failed:{kind}"] += 1
        return None

    def _candidate(self, kind: str, article: CleanArticle, rng: random.Random) -> _Piece | None:
        if kind == "unseen_sentence":
            other = self._foreign_article(rng)
            pool = [s for s in other.sentences if 40 <= len(s) <= 300 and len(s.split()) >= 6]
            if not pool:
                return None
            sentence = rng.choice(pool)
            return _Piece(sentence, INJECTED, kind, sentence, "", other.id, own_paragraph=rng.random() < 0.5)
        if kind == "promo":
            other = self._foreign_article(rng)
            if not other.title:
                return None
            line = rng.choice(_PROMO_FORMATS).format(other.title)
            return _Piece(line, INJECTED, kind, other.title, "", other.id, own_paragraph=True)
        if kind == "photo_credit":
            people = self.lexicon.persons
            if len(people) < 2:
                return None
            first = people[rng.randrange(len(people))].split()[0]
            last = surname_of(people[rng.randrange(len(people))])
            line = rng.choice(_PHOTO_FORMATS).format(name=f"{first} {last}", agency=rng.choice(_AGENCIES))
            return _Piece(line, INJECTED, kind, None, "", None, own_paragraph=True)
        if kind == "debunked":
            claims = [a for a in self.false_articles if a.id != article.id]
            if not claims:
                return None
            other = claims[rng.randrange(len(claims))]
            sentence = claim_sentence(other.claim)
            return _Piece(
                sentence,
                DEBUNKED,
                "false_claim",
                other.claim,
                other.rating,
                other.id,
                own_paragraph=rng.random() < 0.5,
            )
        raise ValueError(f"unknown insertion {kind!r}")

    # ---- whole reposts

    def indexed_repost(self, article: CleanArticle, split: str) -> Repost:
        rng = random.Random(stable_hash(str(self.config.seed), "repost", article.id))
        paragraphs = _truncate(article.paragraphs, self.config.max_sentences)
        total = sum(len(p) for p in paragraphs)
        count = rng.randint(self.config.min_insertions, self.config.max_insertions)
        gaps = sorted(rng.sample(range(1, total), min(count, total - 1))) if total > 1 else []
        taken = {text_key(s) for p in paragraphs for s in p}
        planned = iter(self._plan([s for p in paragraphs for s in p], article, rng))
        items: list[_Piece | None] = []
        position = 0
        for p_index, paragraph in enumerate(paragraphs):
            if p_index:
                items.append(_BREAK)
            for _ in paragraph:
                items.append(next(planned))
                position += 1
                while gaps and gaps[0] == position:
                    gaps.pop(0)
                    kind = _weighted_choice(rng, self.config.insertion_weights)
                    piece = self._insertion(kind, article, taken, rng)
                    if piece is None:
                        continue
                    items.extend([_BREAK, piece, _BREAK] if piece.own_paragraph else [piece])
        repost_id = f"rp-{article.id}"
        text, units = _Noise(self.config, repost_id).apply(
            items, article, self.config.min_sentences, self.stats
        )
        return Repost(repost_id, split, article.id, article.id, text, units)

    def unseen_repost(self, article: CleanArticle, split: str) -> Repost | None:
        items: list[_Piece | None] = []
        kept = 0
        for p_index, paragraph in enumerate(_truncate(article.paragraphs, self.config.max_sentences)):
            if p_index:
                items.append(_BREAK)
            for sentence in paragraph:
                if self.index.is_present(sentence):
                    # the sentence is in the index after all (PolitiFact repeats itself)
                    self.stats["unseen_sentence_in_index"] += 1
                    continue
                items.append(_Piece(sentence, UNSUPPORTED, "unseen_article", sentence, "", article.id))
                kept += 1
        if kept < self.config.min_sentences:
            return None
        repost_id = f"ru-{article.id}"
        text, units = _Noise(self.config, repost_id).apply(
            items, article, self.config.min_sentences, self.stats
        )
        return Repost(repost_id, split, None, article.id, text, units)


def _render(items: Sequence[_Piece | None], joiner: str = " ") -> tuple[str, list[GoldUnit]]:
    """Join pieces into a page: sentences by ``joiner`` (a space), paragraphs by a blank line."""
    text = ""
    units: list[GoldUnit] = []
    pending_break = False
    for item in items:
        if item is None:
            pending_break = bool(text)
            continue
        if text:
            text += "\n\n" if pending_break else joiner
        pending_break = False
        start = len(text)
        text += item.text
        units.append(
            GoldUnit(
                start=start,
                end=len(text),
                label=item.label,
                kind=item.kind,
                source_sentence=item.source_sentence,
                detail=item.detail,
                source_id=item.source_id,
                ambiguous=item.ambiguous,
                noise=item.noise,
            )
        )
    return text, units


def _split_of(seed: int, article_id: str) -> str:
    return "dev" if stable_hash(str(seed), "split", article_id) % 2 == 0 else "test"


def partition(corpus: Corpus, config: GeneratorConfig) -> tuple[list[str], list[str]]:
    """Ids of the (INDEXED, UNSEEN) parts, by id hash; INDEXED is the first ``n_indexed`` of its pool.

    An article's pool does not depend on the sizes asked for, so a quick run's index is a
    subset of a full run's and no article is indexed in one run and unseen in another.
    """
    seed = str(config.seed)
    usable = [i for i in corpus.ids if corpus.has_text(i)]
    in_pool = {i: stable_hash(seed, "pool", i) % 100 < config.indexed_percent for i in usable}
    pool = sorted((i for i in usable if in_pool[i]), key=lambda i: stable_hash(seed, "rank", i))
    unseen = sorted((i for i in usable if not in_pool[i]), key=lambda i: stable_hash(seed, "rank", i))
    indexed: list[str] = []
    for article_id in pool:
        if len(indexed) >= config.n_indexed:
            break
        if corpus.article(article_id).sentences:
            indexed.append(article_id)
    return indexed, unseen


class _LazyArticles(Sequence[CleanArticle]):
    """The unseen articles that feed insertions, split into sentences only when drawn."""

    def __init__(self, corpus: Corpus, ids: list[str]) -> None:
        self._corpus = corpus
        self._ids = ids

    def __len__(self) -> int:
        return len(self._ids)

    def __getitem__(self, index: int) -> CleanArticle:  # type: ignore[override]
        return self._corpus.article(self._ids[index])


def generate(corpus: Corpus, lexicon: Lexicon, config: GeneratorConfig) -> Benchmark:
    started = time.perf_counter()
    seed = str(config.seed)
    indexed_ids, unseen_ids = partition(corpus, config)
    indexed = [corpus.article(i) for i in indexed_ids]
    candidates = sorted(
        (a for a in indexed if len(a.sentences) >= config.min_sentences),
        key=lambda a: stable_hash(seed, "repost", a.id),
    )
    sources = candidates[: config.n_reposts]
    # Unseen reposts come first in hash order (twice as many are held back, as some turn out
    # too short once their indexed sentences are dropped); the rest feed insertions.
    reserve = unseen_ids[: config.n_unseen_reposts * 2]
    foreign = _LazyArticles(corpus, unseen_ids[len(reserve) :])
    generator = _Generator(config, indexed, foreign, lexicon)
    reposts = [generator.indexed_repost(a, _split_of(config.seed, a.id)) for a in sources]
    made = 0
    for article_id in reserve:
        if made >= config.n_unseen_reposts:
            break
        article = corpus.article(article_id)
        if len(article.sentences) < config.min_sentences:
            continue
        repost = generator.unseen_repost(article, _split_of(config.seed, article_id))
        if repost is not None:
            reposts.append(repost)
            made += 1
    stats: dict[str, Any] = dict(sorted(generator.stats.items()))
    labels: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    for repost in reposts:
        for unit in repost.units:
            labels[unit.label] += 1
            kinds[f"{unit.label}/{unit.kind}"] += 1
            if unit.ambiguous:
                labels["ambiguous"] += 1
    stats.update(
        {
            "indexed_articles": len(indexed),
            "indexed_texts": len(generator.index),
            "unseen_articles": len(unseen_ids),
            "reposts": {s: sum(r.split == s for r in reposts) for s in ("dev", "test")},
            "reposts_of_indexed": len(sources),
            "reposts_of_unseen": made,
            "units": sum(
                labels[k] for k in (SUPPORTED, ALTERED, UNSUPPORTED, INJECTED, DEBUNKED, NOT_CHECKED)
            ),
            "labels": dict(sorted(labels.items())),
            "kinds": dict(sorted(kinds.items())),
            "corpus": dict(corpus.stats),
            "seconds": round(time.perf_counter() - started, 2),
        }
    )
    return Benchmark(config, indexed, reposts, stats)


# --------------------------------------------------------------------------- corpus preparation


def prepare_corpus(
    root: Path, config: GeneratorConfig, cache_dir: Path | None = DEFAULT_CACHE
) -> tuple[Corpus, Lexicon]:
    """The cleaned corpus and the lexicon; the lexicon is cached (JSON) by data file and settings."""
    path = require(root, POLITIFACT)
    corpus = Corpus(load_politifact(root), config.boilerplate_min_articles)
    stat = path.stat()
    key_src = f"{GENERATOR_VERSION}|{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|"
    key_src += f"{config.boilerplate_min_articles}|{config.lexicon_texts}|{config.seed}"
    key = hashlib.sha256(key_src.encode()).hexdigest()[:16]
    cache_file = cache_dir / f"lexicon-{key}.json" if cache_dir else None
    if cache_file and cache_file.exists():
        raw = json.loads(cache_file.read_text(encoding="utf-8"))
        lexicon = Lexicon(
            persons=raw["persons"], places=raw["places"], orgs=raw["orgs"], acronyms=raw["acronyms"]
        )
    else:
        sample = sorted(
            (i for i in corpus.ids if corpus.has_text(i)),
            key=lambda i: stable_hash(str(config.seed), "lexicon", i),
        )[: config.lexicon_texts]
        lexicon = build_lexicon((a.speaker for a in corpus.meta.values()), (corpus.text(i) for i in sample))
        if cache_file:
            cache_file.parent.mkdir(parents=True, exist_ok=True)
            payload = {"persons": lexicon.persons, "places": lexicon.places, "orgs": lexicon.orgs}
            payload["acronyms"] = lexicon.acronyms
            tmp = cache_file.with_suffix(".tmp")
            tmp.write_text(json.dumps(payload), encoding="utf-8")
            tmp.replace(cache_file)
    corpus.stats["lexicon"] = {
        "persons": len(lexicon.persons),
        "places": {k: len(v) for k, v in lexicon.places.items()},
        "organisations": len(lexicon.orgs),
        "acronyms": len(lexicon.acronyms),
    }
    return corpus, lexicon


# --------------------------------------------------------------------------- files


def write_benchmark(bench: Benchmark, out: Path) -> dict[str, Path]:
    """indexed.jsonl (factcheck records), reposts-{dev,test}.jsonl, texts/<id>.txt, stats.json."""
    out.mkdir(parents=True, exist_ok=True)
    paths = {"indexed": out / "indexed.jsonl", "stats": out / "stats.json", "texts": out / "texts"}
    with paths["indexed"].open("w", encoding="utf-8") as handle:
        for article in bench.indexed:
            handle.write(json.dumps(factcheck_record(article), ensure_ascii=False) + "\n")
    for split in ("dev", "test"):
        paths[split] = out / f"reposts-{split}.jsonl"
        with paths[split].open("w", encoding="utf-8") as handle:
            for repost in bench.split(split):
                handle.write(json.dumps(repost.to_dict(), ensure_ascii=False) + "\n")
    paths["texts"].mkdir(exist_ok=True)
    for repost in bench.reposts:
        # newline="" so the offsets in the gold match what a reader with newline="" sees
        with (paths["texts"] / f"{repost.id}.txt").open("w", encoding="utf-8", newline="") as handle:
            handle.write(repost.text)
    paths["stats"].write_text(
        json.dumps({"config": asdict(bench.config), "stats": bench.stats}, indent=2) + "\n", encoding="utf-8"
    )
    return paths


def read_reposts(path: Path) -> list[Repost]:
    with path.open(encoding="utf-8") as handle:
        return [Repost.from_dict(json.loads(line)) for line in handle if line.strip()]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.reposts", description=__doc__.split("\n")[0])
    parser.add_argument("--data", help="data folder (default: $CREDIBILITY_BENCH_DATA or ../shared/data)")
    parser.add_argument("--out", type=Path, default=DEFAULT_WORK / "reposts")
    parser.add_argument("--seed", type=int, default=GeneratorConfig.seed)
    parser.add_argument("--indexed", type=int, default=GeneratorConfig.n_indexed)
    parser.add_argument("--reposts", type=int, default=GeneratorConfig.n_reposts)
    parser.add_argument("--unseen-reposts", type=int, default=GeneratorConfig.n_unseen_reposts)
    parser.add_argument("--max-sentences", type=int, default=GeneratorConfig.max_sentences)
    parser.add_argument("--light-edit-rate", type=float, default=GeneratorConfig.light_edit_rate)
    parser.add_argument("--altered-rate", type=float, default=GeneratorConfig.altered_rate)
    parser.add_argument("--no-noise", action="store_true", help="no web noise (clean text)")
    args = parser.parse_args(argv)
    config = GeneratorConfig(
        seed=args.seed,
        n_indexed=args.indexed,
        n_reposts=args.reposts,
        n_unseen_reposts=args.unseen_reposts,
        max_sentences=args.max_sentences,
        light_edit_rate=args.light_edit_rate,
        altered_rate=args.altered_rate,
    )
    if args.no_noise:
        config = replace(config, noise_rates=tuple((kind, 0.0) for kind in NOISE_KINDS))
    try:
        corpus, lexicon = prepare_corpus(data_root(args.data), config)
    except DataMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    bench = generate(corpus, lexicon, config)
    write_benchmark(bench, args.out)
    print(json.dumps(bench.stats, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
