"""Text handling for the benchmark generator: its own sentence splitter, normalisation and
near-duplicate index.

None of this is shared with the detector in ``credibility/``: if the two used the same
splitter or the same normalisation, the benchmark could pass by construction.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

# --------------------------------------------------------------------------- normalisation

_FOLD = str.maketrans(
    {
        "“": '"',
        "”": '"',
        "„": '"',
        "«": '"',
        "»": '"',
        "‘": "'",
        "’": "'",
        "‚": "'",
        "\u00a0": " ",
        "–": "-",
        "—": "-",
    }
)
_NON_WORD = re.compile(r"[^0-9a-z]+")


def normalize(text: str) -> str:
    """Lower case, letters and digits only, single spaces: the key for "same sentence"."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).translate(_FOLD)
    return _NON_WORD.sub(" ", text.lower()).strip()


def text_key(text: str) -> str:
    return hashlib.blake2b(normalize(text).encode("utf-8"), digest_size=12).hexdigest()


def stable_hash(*parts: str) -> int:
    """A process-independent hash (Python's ``hash`` is salted per process)."""
    digest = hashlib.blake2b("\x1f".join(parts).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def char_grams(text: str, n: int = 5) -> set[str]:
    norm = normalize(text)
    if len(norm) <= n:
        return {norm} if norm else set()
    return {norm[i : i + n] for i in range(len(norm) - n + 1)}


def jaccard(a: set[str], b: set[str]) -> float:
    if not a and not b:
        return 1.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


# --------------------------------------------------------------------------- sentence splitting

# Abbreviations after which a period does not end a sentence (lower case, no period).
# Titles, months and AP-style state abbreviations are what PolitiFact prose is full of.
ABBREVIATIONS = frozenset(
    str.split(
        """
    mr mrs ms dr sen sens rep reps gov govs lt gen col maj capt sgt adm cmdr del rev hon pres prof
    st ste mt ft jr sr inc co corp ltd no nos vs v e.g i.e a.m p.m approx dept univ assn
    jan feb mar apr jun jul aug sep sept oct nov dec
    ala ariz ark calif colo conn fla ga ill ind kan ky la md mass mich minn miss mo mont neb nev
    okla ore pa tenn tex va vt wash wis wyo
    """
    )
)

_BOUNDARY = re.compile(r"(?:[.!?]+|…)[\"”’')\]]*(?=\s+[\"“‘'(\[]{0,2}[A-Z0-9])")
_TOKEN_BEFORE = re.compile(r"(\S+)$")
_DOTTED = re.compile(r"^(?:[A-Za-z]\.)+[A-Za-z]$")


def _is_abbreviation(text: str, period_at: int, after: str) -> bool:
    match = _TOKEN_BEFORE.search(text, 0, period_at)
    if not match:
        return False
    token = match.group(1).lstrip("\"“‘'([")
    if not token:
        return False
    if len(token) == 1 and token.isalpha() and token.isupper():
        return True  # an initial: "John F. Kennedy"
    if _DOTTED.match(token):
        return True  # "U.S", "D.C"
    lowered = token.lower()
    if lowered in ("no", "nos"):
        return after.lstrip()[:1].isdigit()  # "No. 5", but "the answer was no. Then"
    return lowered in ABBREVIATIONS


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans ``(start, end)`` of ``text``, whitespace trimmed; newlines always split."""
    spans: list[tuple[int, int]] = []
    line_start = 0
    for line in text.split("\n"):
        _split_line(line, line_start, spans)
        line_start += len(line) + 1
    return spans


def _split_line(line: str, offset: int, spans: list[tuple[int, int]]) -> None:
    start = 0
    for match in _BOUNDARY.finditer(line):
        mark = match.group(0)
        # 'said "no."' ends a sentence whatever the word: abbreviations are not quoted
        if mark == "." and _is_abbreviation(line, match.start(), line[match.end() :]):
            continue
        _emit(line, start, match.end(), offset, spans)
        start = match.end()
    _emit(line, start, len(line), offset, spans)


def _emit(line: str, start: int, end: int, offset: int, spans: list[tuple[int, int]]) -> None:
    piece = line[start:end]
    stripped = piece.strip()
    if not stripped:
        return
    lead = len(piece) - len(piece.lstrip())
    spans.append((offset + start + lead, offset + start + lead + len(stripped)))


def sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


# --------------------------------------------------------------------------- near-duplicate index


@dataclass(frozen=True, slots=True)
class Match:
    position: int
    similarity: float


class NearDupIndex:
    """Exact-key and character n-gram Jaccard look-up over a fixed set of sentences.

    Candidates come from prefix filtering (Chaudhuri et al., "A primitive operator for
    similarity joins"): with grams ordered rarest first, two sets with Jaccard >= t must
    share a gram within the first ``|x| - ceil(t*|x|) + 1`` grams of each. That makes the
    look-up exact (no false negatives, unlike MinHash) while the probed posting lists stay
    short because the prefixes hold the rare grams.
    """

    def __init__(self, texts: Sequence[str], threshold: float = 0.8, n: int = 5) -> None:
        self.threshold = threshold
        self.n = n
        self.texts = list(texts)
        self._joined: str | None = None
        self._starts: dict[tuple[str, ...], list[int]] | None = None
        self.keys: dict[str, int] = {}
        vocab: dict[str, int] = {}
        gram_ids: list[np.ndarray] = []
        for position, text in enumerate(self.texts):
            self.keys.setdefault(text_key(text), position)
            gram_ids.append(
                np.asarray(
                    sorted(vocab.setdefault(g, len(vocab)) for g in char_grams(text, n)), dtype=np.int64
                )
            )
        self._vocab = vocab
        freq = np.zeros(len(vocab) + 1, dtype=np.int64)
        for gram_set in gram_ids:
            freq[gram_set] += 1
        # rank: rarest first, ties broken by id so the order is total and reproducible
        order = np.lexsort((np.arange(len(vocab)), freq[: len(vocab)]))
        self._rank = np.empty(len(vocab), dtype=np.int64)
        self._rank[order] = np.arange(len(vocab), dtype=np.int64)
        self._sets = gram_ids
        self._postings: dict[int, list[int]] = {}
        for position, gram_set in enumerate(gram_ids):
            for gram in self._prefix(gram_set):
                self._postings.setdefault(int(gram), []).append(position)

    def __len__(self) -> int:
        return len(self.texts)

    def _prefix_length(self, size: int) -> int:
        if size == 0:
            return 0
        return size - int(np.ceil(self.threshold * size - 1e-9)) + 1

    def _prefix(self, ids: np.ndarray) -> np.ndarray:
        ordered = ids[np.argsort(self._rank[ids], kind="stable")]
        return ordered[: self._prefix_length(len(ids))]

    def contains_exact(self, text: str) -> bool:
        return text_key(text) in self.keys

    def similar(self, text: str, threshold: float | None = None) -> list[Match]:
        """Indexed sentences with Jaccard >= threshold (>= the index's own), best first."""
        limit = self.threshold if threshold is None else max(threshold, self.threshold)
        grams = char_grams(text, self.n)
        known = np.asarray(sorted(self._vocab[g] for g in grams if g in self._vocab), dtype=np.int64)
        unknown = len(grams) - len(known)
        if len(known) == 0:
            return []
        # Grams the index never saw sort first (they are rarer than anything indexed), so they
        # use up prefix slots without matching anything.
        prefix_len = self._prefix_length(len(grams)) - unknown
        if prefix_len <= 0:
            return []
        probe = known[np.argsort(self._rank[known], kind="stable")][:prefix_len]
        candidates: set[int] = set()
        for gram in probe:
            candidates.update(self._postings.get(int(gram), ()))
        matches = []
        for position in candidates:
            other = self._sets[position]
            inter = len(np.intersect1d(known, other, assume_unique=True))
            sim = inter / (len(grams) + len(other) - inter)
            if sim >= limit:
                matches.append(Match(position, sim))
        matches.sort(key=lambda m: (-m.similarity, m.position))
        return matches

    def contained(self, text: str, min_words: int = 5) -> bool:
        """The normalised text occurs inside some indexed text (word-aligned).

        Another splitter may cut an indexed "sentence" of ours in two; each half is then a
        sentence it can find verbatim, so a half must count as present.
        """
        norm = normalize(text)
        if len(norm.split()) < min_words:
            return self.contains_exact(text)
        if self._joined is None:
            # normalised texts hold only [a-z0-9 ], so " | " keeps matches inside one text
            self._joined = " | " + " | ".join(normalize(t) for t in self.texts) + " | "
        return f" {norm} " in self._joined

    def contains_indexed(self, text: str, min_words: int = 5) -> bool:
        """Some indexed text of >= ``min_words`` words occurs inside the text (word-aligned):
        the other half of the splitter problem, where our sentence is the longer one."""
        if self._starts is None:
            self._starts = {}
            for position, other in enumerate(self.texts):
                words = normalize(other).split()
                if len(words) >= min_words:
                    self._starts.setdefault(tuple(words[:min_words]), []).append(position)
        words = normalize(text).split()
        padded = f" {' '.join(words)} "
        for i in range(len(words) - min_words + 1):
            for position in self._starts.get(tuple(words[i : i + min_words]), ()):
                if f" {normalize(self.texts[position])} " in padded:
                    return True
        return False

    def is_present(self, text: str) -> bool:
        """In the index: same normalised text, a near duplicate, inside an indexed text, or
        holding one."""
        return (
            self.contains_exact(text)
            or self.contained(text)
            or self.contains_indexed(text)
            or bool(self.similar(text))
        )


def unique(items: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for item in items:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out
