"""Similarity measures the check engine decides with: content words, trigrams, monotonic alignment."""

from __future__ import annotations

import re

import numpy as np

from credibility.text.normalize import normalize, web_text, web_text_with_offsets

_WORD = re.compile(r"[^\W\d_]{3,}|\d+(?:[.,]\d+)*")
#: Words too common to say what a sentence is about.
STOPWORDS = frozenset(
    [
        "the",
        "and",
        "for",
        "that",
        "with",
        "this",
        "from",
        "have",
        "has",
        "had",
        "was",
        "were",
        "are",
        "been",
        "being",
        "will",
        "would",
        "could",
        "should",
        "said",
        "says",
        "not",
        "but",
        "its",
        "their",
        "they",
        "them",
        "his",
        "her",
        "she",
        "him",
        "who",
        "whom",
        "which",
        "what",
        "when",
        "where",
        "why",
        "how",
        "than",
        "then",
        "there",
        "here",
        "also",
        "into",
        "onto",
        "over",
        "under",
        "about",
        "after",
        "before",
        "while",
        "during",
        "through",
        "per",
        "our",
        "your",
        "you",
        "all",
        "any",
        "some",
        "most",
        "more",
        "many",
        "much",
        "such",
        "only",
        "own",
        "same",
        "other",
        "another",
        "each",
        "every",
        "both",
        "can",
        "may",
        "might",
        "must",
        "shall",
        "just",
        "very",
        "too",
        "out",
        "off",
        "upon",
        "against",
        "between",
        "among",
        "within",
        "without",
        "again",
        "further",
        "once",
        "because",
        "until",
        "whether",
        "either",
        "neither",
        "nor",
        "yet",
        "still",
        "even",
        "ever",
    ]
)


def content_words(text: str) -> frozenset[str]:
    words = set()
    for word in _WORD.findall(text.casefold()):
        if word in STOPWORDS:
            continue
        # A crude stem: plural and possessive endings should not hide a shared word.
        words.add(word[:-1] if len(word) > 4 and word.endswith("s") else word)
    return frozenset(words)


def dice(a: frozenset[str], b: frozenset[str]) -> float:
    """Dice coefficient of two sets (content words, character trigrams): 1.0 when they are equal."""
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


def containment(part: frozenset[str], whole: frozenset[str]) -> float:
    return len(part & whole) / len(part) if part else 0.0


def align(similarity: np.ndarray, floor: float) -> list[tuple[int, int]]:
    """Monotonic alignment maximising the summed (similarity - floor) of aligned pairs.

    Pairs below ``floor`` never align; rows and columns may be skipped for free, so an
    inserted sentence becomes a gap and a dropped source sentence costs nothing.
    """
    n, m = similarity.shape
    if n == 0 or m == 0:
        return []
    gain = np.where(similarity >= floor, similarity - floor + 1e-6, -np.inf).tolist()
    # Plain lists: element access on numpy arrays costs ~10x more in this inner loop.
    score = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(1, n + 1):
        row_gain = gain[i - 1]
        prev = score[i - 1]
        current = score[i]
        for j in range(1, m + 1):
            best = prev[j] if prev[j] >= current[j - 1] else current[j - 1]
            diagonal = prev[j - 1] + row_gain[j - 1]
            current[j] = diagonal if diagonal > best else best
    pairs: list[tuple[int, int]] = []
    i, j = n, m
    while i > 0 and j > 0:
        if score[i][j] == score[i - 1][j]:
            i -= 1
        elif score[i][j] == score[i][j - 1]:
            j -= 1
        else:
            pairs.append((i - 1, j - 1))
            i, j = i - 1, j - 1
    pairs.reverse()
    return pairs


def trigrams(text: str) -> frozenset[str]:
    """Character trigrams of the normalized text."""
    key = normalize(text)
    return frozenset(key[k : k + 3] for k in range(max(1, len(key) - 2)))


#: An added run needs this many words (and characters) to be a clause, not an edit.
ADDED_MIN_WORDS = 5
ADDED_MIN_CHARS = 25
#: ... and the rest of the evidence sentence must be in the article sentence: a copy plus an
#: addition, not a paraphrase that happens to be longer.
ADDED_MIN_KEPT = 0.8
_TOKEN = re.compile(r"\w+(?:['’.,\-]\w+)*")


def added_span(article: str, evidence: str) -> tuple[int, int] | None:
    """The longest run of words the article sentence adds to its evidence sentence, as character
    offsets in the article sentence, when the article keeps the evidence almost whole.

    A tail ("..., and officials admitted the vaccine contains microchips") or a clause repeated
    many times is such a run; a light edit, a changed word or a paraphrase is not.
    """
    from difflib import SequenceMatcher

    # Words as the page shows them: "&quot;" or a soft hyphen inside a word is no added word.
    shown, spans = web_text_with_offsets(article)
    art = [(spans[m.start()][0], spans[m.end() - 1][1], m.group().casefold()) for m in _TOKEN.finditer(shown)]
    ev = [m.group().casefold() for m in _TOKEN.finditer(web_text(evidence))]
    if len(art) < len(ev) + ADDED_MIN_WORDS or not ev:
        return None
    matcher = SequenceMatcher(None, ev, [w for _, _, w in art], autojunk=False)
    kept = sum(block.size for block in matcher.get_matching_blocks())
    if kept < ADDED_MIN_KEPT * len(ev):
        return None
    best: tuple[int, int] | None = None
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        extra = (j2 - j1) - (i2 - i1) if op == "replace" else (j2 - j1 if op == "insert" else 0)
        if extra < ADDED_MIN_WORDS:
            continue
        start, end = art[j1][0], art[j2 - 1][1]
        if end - start >= ADDED_MIN_CHARS and (best is None or end - start > best[1] - best[0]):
            best = (start, end)
    return best
