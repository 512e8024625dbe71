"""The claim ranker: which fact-checked claim, if any, does a sentence repeat?

Dense retrieval alone puts the right claim first for most tweets that copy a claim, but a
sentence that restates one in its own words ("veterans' unemployment is lower than the general
population's" for "Says veterans unemployment is lower than the national rate") often ranks it
below claims on the same topic. A second stage looks at each candidate claim with the
features a fact-checker would: how close the meanings are (cosine to the claim and to its
title), the words they share weighted by rarity (BM25 over the index's claims and titles, and
idf-weighted coverage both ways), shared and conflicting numbers, shared names, whether the
claim's speaker is the sentence's speaker or named around it, and how far apart the two dates
are when both are known.

A logistic model over those features (``data/claim_ranker.json``, trained by
``benchmarks/train_claim_ranker.py`` on the CheckThat! 2021 2A and 2B train splits) gives each
candidate a probability that the sentence asserts that claim. Candidates are ordered by it
(``credibility search``), and the check engine calls a sentence ``debunked`` when the best
claim's probability reaches the model's threshold, chosen on the dev splits.

Nothing here reads training data: the model is a small JSON file inside the package.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
import threading
import weakref
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib import resources
from typing import Any

import numpy as np

from credibility.model.records import ClaimQuery
from credibility.text.facts import compare_facts
from credibility.text.normalize import clean_text, normalize, text_hash
from index.store import ArticleRow, IndexReader, SentenceRow

__all__ = [
    "FEATURES",
    "ClaimCandidate",
    "ClaimQuery",
    "ClaimRanker",
    "LexicalIndex",
    "asserted_claim",
    "features",
    "lexical_index",
    "load_ranker",
    "rank_claims",
    "terms",
]

MODEL_RESOURCE = "claim_ranker.json"

#: The feature vector, in the model's order. Zero where a feature cannot be known (no speaker, no date).
FEATURES: tuple[str, ...] = (
    "cos_claim",  # cosine of the sentence to the claim
    "cos_title",  # ... to the fact-check's title (0 without one)
    "cos_best",  # the larger of the two
    "cos_gap",  # how far below the best candidate of this sentence
    "dense_rank",  # log(1 + rank by cos_best among the candidates)
    "bm25",  # BM25 of claim + title for the sentence, over the sum of the sentence's idf
    "bm25_gap",  # how far below the best candidate (same scale)
    "claim_cover",  # idf share of the claim's words that the sentence has
    "query_cover",  # idf share of the sentence's words that the claim or title has
    "title_cover",  # idf share of the title's words that the sentence has
    "numbers_shared",  # share of the claim's numbers that the sentence has
    "numbers_conflict",  # both have numbers and share none
    "names_shared",  # share of the claim's and title's names that the sentence has
    "names_missing",  # the claim names someone or something the sentence does not
    "speaker_given",  # the sentence's speaker is known
    "speaker_match",  # ... and is the claim's speaker
    "speaker_named",  # the claim's speaker is named in the sentence or its context
    "date_given",  # both dates are known
    "date_near",  # ... and within three days of each other
    "date_log_days",  # log(1 + days between them) / 8
    "date_claim_later",  # the claim is dated more than three days after the sentence
    "speaker_date_near",  # the sentence's speaker made the claim within three days (the same event)
    "query_words",  # log(1 + content words of the sentence)
    "claim_words",  # log(1 + content words of the claim)
)


# --------------------------------------------------------------------------- words

_TOKEN = re.compile(r"[^\W_]+(?:['.,][^\W_]+)*")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_STOP_WORDS = """a about above after again against all also am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had has
    have having he her here hers herself him himself his how i if in into is it its itself just me more
    most my myself no nor not now of off on once only or other our ours ourselves out over own same she
    should so some such than that the their theirs them themselves then there these they this those
    through to too under until up very was we were what when where which while who whom why will with
    would you your yours yourself yourselves says said say saying claim claims claimed photo video shows
    show image picture says' s t don won didn doesn isn wasn weren aren hasn haven hadn"""
_STOP = frozenset(_STOP_WORDS.split())
#: Words that open a claim with a capital letter and name nothing.
_NOT_NAMES = frozenset({"says", "say", "said", "the", "a", "an", "in", "on", "at", "as", "of", "if", "it"})


def _stem(word: str) -> str:
    if word.endswith("'s"):
        word = word[:-2]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def terms(text: str) -> list[str]:
    """Content words of a text, case-folded and lightly stemmed, in order (repeats kept)."""
    out = []
    for token in _TOKEN.findall(normalize(text)):
        if token in _STOP or (len(token) < 2 and not token.isdigit()):
            continue
        out.append(_stem(token))
    return out


def numbers(text: str) -> frozenset[str]:
    """The numbers of a text, without thousands separators ("1,000" and "1000" are one number)."""
    found = set()
    for match in _NUMBER.findall(clean_text(text)):
        value = match.replace(",", "")
        if value.count(".") > 1:
            continue
        value = value.rstrip("0").rstrip(".") if "." in value else value.lstrip("0") or "0"
        found.add(value)
    return frozenset(found)


def names(text: str) -> frozenset[str]:
    """Capitalised words that are not the first of a sentence: names of people, places, bodies."""
    found = set()
    for sentence in re.split(r"(?<=[.!?:;\"])\s+", clean_text(text)):
        words = _TOKEN.findall(sentence)
        for k, word in enumerate(words):
            if k == 0 and word.casefold() in _NOT_NAMES | _STOP:
                continue
            if word[:1].isupper() and len(word) > 1 and word.casefold() not in _STOP:
                found.add(_stem(word.casefold()))
    return frozenset(found)


def person_words(name: str) -> frozenset[str]:
    """The words of a speaker's name that identify them (no initials, no titles)."""
    return frozenset(
        w for w in (_stem(t) for t in _TOKEN.findall(normalize(name))) if len(w) > 2 and w not in _STOP
    )


_MONTHS = {
    m: i
    for i, names_ in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for m in names_
}
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_MONTH_FIRST = re.compile(r"\b([A-Za-z]{3,9})\.? (\d{1,2}),? (\d{4})\b")
_DAY_FIRST = re.compile(r"\b(\d{1,2}) ([A-Za-z]{3,9})\.?,? (\d{4})\b")


def parse_date(text: str) -> dt.date | None:
    """The first date in a text: ISO ("2020-01-14"), "January 14, 2020" or "14 January 2020"."""
    if not text:
        return None
    match = _ISO_DATE.search(text)
    try:
        if match:
            return dt.date(int(match[1]), int(match[2]), int(match[3]))
        match = _MONTH_FIRST.search(text)
        if match and match[1].casefold() in _MONTHS:
            return dt.date(int(match[3]), _MONTHS[match[1].casefold()], int(match[2]))
        match = _DAY_FIRST.search(text)
        if match and match[2].casefold() in _MONTHS:
            return dt.date(int(match[3]), _MONTHS[match[2].casefold()], int(match[1]))
    except ValueError:
        return None
    return None


# --------------------------------------------------------------------------- BM25


class LexicalIndex:
    """BM25 (k1 1.2, b 0.75) over short documents: each fact-check's claim and title."""

    K1 = 1.2
    B = 0.75

    def __init__(self, docs: Iterable[tuple[str, str]]) -> None:
        self.keys: list[str] = []
        self.lengths: list[int] = []
        self._postings: dict[str, list[tuple[int, int]]] = {}
        for key, text in docs:
            counts = Counter(terms(text))
            doc = len(self.keys)
            self.keys.append(key)
            self.lengths.append(sum(counts.values()))
            for term, tf in counts.items():
                self._postings.setdefault(term, []).append((doc, tf))
        self.n = len(self.keys)
        self.avgdl = (sum(self.lengths) / self.n) if self.n else 1.0
        self.avgdl = max(self.avgdl, 1.0)
        self._idf: dict[str, float] = {}  # the index never changes once built

    def idf(self, term: str) -> float:
        value = self._idf.get(term)
        if value is None:
            df = len(self._postings.get(term, ()))
            value = self._idf[term] = math.log(1.0 + (self.n - df + 0.5) / (df + 0.5))
        return value

    def score(self, query: Sequence[str], doc_terms: Sequence[str]) -> float:
        """BM25 of one document (given by its terms) for a query (its terms)."""
        counts = Counter(doc_terms)
        norm = self.K1 * (1 - self.B + self.B * len(doc_terms) / self.avgdl)
        total = 0.0
        for term in set(query):
            tf = counts.get(term, 0)
            if tf:
                total += self.idf(term) * tf * (self.K1 + 1) / (tf + norm)
        return total

    def top(self, query: Sequence[str], n: int) -> list[tuple[str, float]]:
        """The ``n`` best documents for a query (positive scores only), best first."""
        scores: dict[int, float] = {}
        for term in set(query):
            postings = self._postings.get(term)
            if not postings:
                continue
            idf = self.idf(term)
            for doc, tf in postings:
                norm = self.K1 * (1 - self.B + self.B * self.lengths[doc] / self.avgdl)
                scores[doc] = scores.get(doc, 0.0) + idf * tf * (self.K1 + 1) / (tf + norm)
        best = sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))[:n]
        return [(self.keys[doc], score) for doc, score in best]


# --------------------------------------------------------------------------- features


@dataclass(frozen=True, slots=True)
class ClaimCandidate:
    """A fact-check that the sentence may repeat, with the sentence's cosines to its claim and title."""

    key: str
    claim: str
    title: str
    speaker: str
    date: str
    cos_claim: float
    cos_title: float
    #: The stored sentence (claim or title) closest to the query, for evidence; -1 outside an index.
    sentence_id: int = -1
    #: The stored claim sentence closest to the query; -1 outside an index.
    claim_id: int = -1


def _cover(part: Iterable[str], whole: set[str], lexical: LexicalIndex) -> float:
    return _weighted_cover({t: lexical.idf(t) for t in set(part)}, whole)


def _weighted_cover(weights: dict[str, float], whole: set[str]) -> float:
    """The IDF share of ``weights``' terms found in ``whole``."""
    total = sum(weights.values())
    return sum(w for t, w in weights.items() if t in whole) / total if total else 0.0


@dataclass(frozen=True)
class _ClaimSide:
    """The text analysis of one fact-check's side of a pair: the same for every sentence it meets."""

    claim_terms: tuple[str, ...]
    title_terms: tuple[str, ...]
    claim_term_set: frozenset[str]
    numbers: frozenset[str]
    names: frozenset[str]
    speaker_words: frozenset[str]
    date: dt.date | None


@lru_cache(maxsize=4096)
def _claim_side(claim: str, title: str, speaker: str, date: str) -> _ClaimSide:
    # One fact-check is a candidate for many sentences of an article (its claim matches each
    # sentence that restates it): analysing it once, and reading only its claim and title rows,
    # took the ranker from 0.19 to 0.10 s of checking 10 verbatim reposts (profiled).
    claim_terms = tuple(terms(claim))
    return _ClaimSide(
        claim_terms=claim_terms,
        title_terms=tuple(terms(title)),
        claim_term_set=frozenset(claim_terms),
        numbers=numbers(claim),
        names=names(claim) | names(title),
        speaker_words=person_words(speaker),
        date=parse_date(date),
    )


def features(query: ClaimQuery, candidates: Sequence[ClaimCandidate], lexical: LexicalIndex) -> np.ndarray:
    """One row of :data:`FEATURES` per candidate (ranks and gaps are among these candidates)."""
    rows = np.zeros((len(candidates), len(FEATURES)), dtype=np.float64)
    if not candidates:
        return rows
    q_terms = terms(query.text)
    q_set = set(q_terms)
    q_weights = {t: lexical.idf(t) for t in q_set}
    q_idf = sum(q_weights.values()) or 1.0
    q_numbers = numbers(query.text)
    around = f"{query.text} {query.context}"
    around_words = person_words(around) | person_words(query.speaker)
    speaker_words = person_words(query.speaker)
    q_date = parse_date(query.date)
    around_normalized = normalize(around)
    col = {name: k for k, name in enumerate(FEATURES)}
    for i, c in enumerate(candidates):
        side = _claim_side(c.claim, c.title, c.speaker, c.date)
        claim_terms, title_terms = list(side.claim_terms), list(side.title_terms)
        doc_terms = claim_terms + title_terms
        row = rows[i]
        row[col["cos_claim"]] = c.cos_claim
        row[col["cos_title"]] = c.cos_title
        row[col["cos_best"]] = max(c.cos_claim, c.cos_title)
        row[col["bm25"]] = lexical.score(q_terms, doc_terms) / q_idf
        row[col["claim_cover"]] = _cover(claim_terms, q_set, lexical)
        row[col["query_cover"]] = _weighted_cover(q_weights, set(doc_terms))
        row[col["title_cover"]] = _cover(title_terms, q_set, lexical)
        c_numbers = side.numbers
        if c_numbers:
            shared = len(c_numbers & q_numbers)
            row[col["numbers_shared"]] = shared / len(c_numbers)
            row[col["numbers_conflict"]] = float(bool(q_numbers) and not shared)
        c_names = side.names
        if c_names:
            found = len(c_names & q_set) + sum(1 for n in c_names - q_set if n in around_normalized)
            row[col["names_shared"]] = min(1.0, found / len(c_names))
            row[col["names_missing"]] = float(found == 0)
        claim_speaker = side.speaker_words
        if speaker_words:
            row[col["speaker_given"]] = 1.0
            row[col["speaker_match"]] = float(bool(claim_speaker & speaker_words))
        if claim_speaker:
            row[col["speaker_named"]] = float(bool(claim_speaker & around_words))
        c_date = side.date
        if q_date is not None and c_date is not None:
            days = abs((q_date - c_date).days)
            row[col["date_given"]] = 1.0
            row[col["date_near"]] = float(days <= 3)
            row[col["date_log_days"]] = math.log1p(days) / 8
            row[col["date_claim_later"]] = float((c_date - q_date).days > 3)
            row[col["speaker_date_near"]] = row[col["speaker_match"]] * row[col["date_near"]]
        row[col["query_words"]] = math.log1p(len(q_set))
        row[col["claim_words"]] = math.log1p(len(side.claim_term_set))
    best = rows[:, col["cos_best"]]
    order = np.argsort(-best, kind="stable")
    ranks = np.empty(len(candidates))
    ranks[order] = np.arange(len(candidates))
    rows[:, col["dense_rank"]] = np.log1p(ranks)
    rows[:, col["cos_gap"]] = best.max() - best
    rows[:, col["bm25_gap"]] = rows[:, col["bm25"]].max() - rows[:, col["bm25"]]
    return rows


# --------------------------------------------------------------------------- the model


@dataclass(frozen=True)
class ClaimRanker:
    """A logistic model over :data:`FEATURES`: P(the sentence asserts the claim)."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    #: The probability at which the check engine calls a sentence a repeat of the claim (chosen on dev).
    threshold: float
    meta: dict[str, Any]

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> ClaimRanker:
        names_ = tuple(raw["features"])
        if names_ != FEATURES:
            raise ValueError(f"the claim ranker was trained on other features: {names_}")
        return cls(
            features=names_,
            mean=np.asarray(raw["mean"], dtype=np.float64),
            scale=np.asarray(raw["scale"], dtype=np.float64),
            coef=np.asarray(raw["coef"], dtype=np.float64),
            intercept=float(raw["intercept"]),
            threshold=float(raw["threshold"]),
            meta=dict(raw.get("meta", {})),
        )

    @cached_property
    def digest(self) -> str:
        """A short hash of the model, recorded in every check's settings hash."""
        blob = json.dumps(self.to_dict(), sort_keys=True).encode()
        return hashlib.blake2b(blob, digest_size=6).hexdigest()

    def to_dict(self) -> dict[str, Any]:
        return {
            "features": list(self.features),
            "mean": [round(float(v), 6) for v in self.mean],
            "scale": [round(float(v), 6) for v in self.scale],
            "coef": [round(float(v), 6) for v in self.coef],
            "intercept": round(self.intercept, 6),
            "threshold": round(self.threshold, 4),
            "meta": self.meta,
        }

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        if len(rows) == 0:
            return np.zeros(0)
        z = ((rows - self.mean) / self.scale) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))


@lru_cache(maxsize=1)
def load_ranker() -> ClaimRanker:
    """The committed model (``credibility/engine/data/claim_ranker.json``)."""
    text = resources.files("credibility.engine").joinpath("data", MODEL_RESOURCE).read_text(encoding="utf-8")
    return ClaimRanker.from_dict(json.loads(text))


# --------------------------------------------------------------------------- against an index

#: Fact-checks per reader (and generation) as one BM25 index over claim + title.
_LEXICAL: weakref.WeakKeyDictionary[IndexReader, tuple[int, LexicalIndex]] = weakref.WeakKeyDictionary()
_LEXICAL_LOCK = threading.Lock()


def lexical_index(reader: IndexReader) -> LexicalIndex:
    """BM25 over the claim and title of every fact-check in the index (built once per generation)."""
    with _LEXICAL_LOCK:
        held = _LEXICAL.get(reader)
        if held is not None and held[0] == reader.generation:
            return held[1]
    ids = reader.article_ids("factcheck")
    docs: list[tuple[str, str]] = []
    for start in range(0, len(ids), 2000):
        for article in reader.articles(ids[start : start + 2000]).values():
            if article.claim and article.duplicate_of is None:
                docs.append((article.id, f"{article.claim} {article.title}"))
    built = LexicalIndex(docs)
    with _LEXICAL_LOCK:
        _LEXICAL[reader] = (reader.generation, built)
    return built


class CandidatePool:
    """Fact-checks' rows, claim and title sentence ids and vectors, read from the index once for
    all the sentences of one article (its sentences share most of their candidates)."""

    def __init__(self, reader: IndexReader) -> None:
        self.reader = reader
        self._articles: dict[str, ArticleRow | None] = {}
        self._roles: dict[str, list[tuple[int, str]]] = {}
        self._vectors: dict[int, np.ndarray] = {}

    def load(self, article_ids: Sequence[str]) -> dict[str, ArticleRow]:
        missing = [aid for aid in dict.fromkeys(article_ids) if aid not in self._articles]
        if missing:
            found = self.reader.articles(missing)
            for aid in missing:
                self._articles[aid] = found.get(aid)
            with_claim = [aid for aid in missing if found.get(aid) is not None and found[aid].claim]
            roles = self.reader.sentence_ids_by_role(with_claim, ("claim", "title"))
            for aid in with_claim:
                self._roles[aid] = roles.get(aid, [])
            ids = [sid for aid in with_claim for sid, _ in self._roles[aid]]
            for sid, row in zip(ids, self.reader.vectors(ids), strict=True):
                self._vectors[sid] = row
        return {aid: row for aid in article_ids if (row := self._articles.get(aid)) is not None}

    def roles(self, article_id: str) -> list[tuple[int, str]]:
        return self._roles.get(article_id, [])

    def vectors(self, sentence_ids: Sequence[int]) -> np.ndarray:
        return np.stack([self._vectors[sid] for sid in sentence_ids])


def candidates_for(
    reader: IndexReader, vector: np.ndarray, article_ids: Sequence[str], pool: CandidatePool | None = None
) -> list[ClaimCandidate]:
    """These fact-checks (those with a claim) as candidates for one sentence vector, cosines
    from the stored vectors of their claim and title sentences (read through ``pool`` when given)."""
    pool = pool or CandidatePool(reader)
    articles = pool.load(article_ids)
    rows: list[tuple[str, list[int], list[int]]] = []
    wanted: list[int] = []
    with_claim = [aid for aid in dict.fromkeys(article_ids) if aid in articles and articles[aid].claim]
    for aid in with_claim:
        claim_ids = [sid for sid, role in pool.roles(aid) if role == "claim"]
        title_ids = [sid for sid, role in pool.roles(aid) if role == "title"]
        if not claim_ids:
            continue
        rows.append((aid, claim_ids, title_ids))
        wanted.extend(claim_ids + title_ids)
    cosines = dict(zip(wanted, (pool.vectors(wanted) @ vector).tolist(), strict=True)) if wanted else {}
    out = []
    for aid, claim_ids, title_ids in rows:
        article = articles[aid]
        best = max(claim_ids + title_ids, key=lambda sid: cosines[sid])
        best_claim = max(claim_ids, key=lambda sid: cosines[sid])
        out.append(
            ClaimCandidate(
                key=aid,
                claim=article.claim,
                title=article.title,
                speaker=article.speaker,
                date=article.published,
                cos_claim=max(cosines[s] for s in claim_ids),
                cos_title=max((cosines[s] for s in title_ids), default=0.0),
                sentence_id=best,
                claim_id=best_claim,
            )
        )
    return out


def rank_claims(
    reader: IndexReader,
    query: ClaimQuery,
    vector: np.ndarray,
    article_ids: Sequence[str],
    *,
    lexical_pool: int = 0,
    ranker: ClaimRanker | None = None,
    pool: CandidatePool | None = None,
) -> list[tuple[ClaimCandidate, float]]:
    """Candidate fact-checks of one sentence with the ranker's probability, most probable first.

    ``article_ids`` are the dense candidates (others than fact-checks with a claim are left out);
    ``lexical_pool`` adds that many BM25 candidates over the index's claims and titles."""
    ranker = ranker or load_ranker()
    lexical = lexical_index(reader)
    ids = list(dict.fromkeys(article_ids))
    if lexical_pool:
        seen = set(ids)
        ids.extend(key for key, _ in lexical.top(terms(query.text), lexical_pool) if key not in seen)
    candidates = candidates_for(reader, vector, ids, pool)
    probabilities = ranker.probabilities(features(query, candidates, lexical))
    order = np.argsort(-probabilities, kind="stable")
    return [(candidates[i], float(probabilities[i])) for i in order]


#: Debunked claims searched for each sentence, beside the fact-checks among its matches.
CLAIM_CANDIDATES = 5
#: Below this cosine to every debunked claim a sentence is not ranked at all (no claim on dev that
#: the ranker accepts is further away; it keeps unrelated sentences cheap).
CLAIM_FLOOR = 0.5
#: A sentence this close to a claim (cosine), or with the claim's very words (normalized), repeats
#: it whatever the ranker's probability: CheckThat! holds few verbatim repeats, and the logistic
#: model, which weighs a candidate against the others, is unsure of them. On dev every sentence
#: whose closest claim was this close asserted it (14 of 14 from 0.85; train: 29 of 32 from 0.9,
#: the 3 others near-copies of the judged claim).
NEAR_VERBATIM = 0.9


def asserted_claim(
    reader: IndexReader,
    text: str,
    vector: np.ndarray,
    factchecks: Sequence[str],
    verdicts: Iterable[str],
    *,
    hits: Sequence[tuple[int, float]] | None = None,
    pool: CandidatePool | None = None,
    context: str = "",
) -> tuple[SentenceRow, ArticleRow, float] | None:
    """The claim rated with one of ``verdicts`` that ``text`` asserts, or None.

    The candidates are the closest such claims and the fact-checks already matched
    (``factchecks``: claims of other verdicts rank beside them, as in training). In the ranker's
    order, the first one rated with ``verdicts`` that the text repeats (its probability reaches the
    ranker's threshold, or the text is a near-verbatim copy: :data:`NEAR_VERBATIM`) wins, unless
    the text negates it ("5G masts do not spread viruses" agrees with the fact-check). Returns its
    claim sentence, its article and the cosine between them. ``hits``: the text's
    :data:`CLAIM_CANDIDATES` closest claims of these verdicts, where the caller searched them
    for many texts at once; ``pool``: the index rows read for the other sentences of its article."""
    wanted = sorted(verdicts)
    pool = pool or CandidatePool(reader)
    if hits is None:
        hits = reader.search_claims(vector.reshape(1, -1), CLAIM_CANDIDATES, wanted)[0]
    if not hits or hits[0][1] < CLAIM_FLOOR:
        return None
    rows = reader.sentences(sid for sid, _ in hits)
    ids = [*(rows[sid].article_id for sid, _ in hits if sid in rows), *factchecks]
    ranker = load_ranker()
    query = ClaimQuery(text, context=context)
    ranked = rank_claims(reader, query, vector.reshape(-1), ids, ranker=ranker, pool=pool)
    articles = pool.load([c.key for c, _ in ranked])
    claims = reader.sentences(c.claim_id for c, _ in ranked)
    own_hash = text_hash(text)
    for candidate, probability in ranked:
        article = articles.get(candidate.key)
        claim = claims.get(candidate.claim_id)
        if article is None or claim is None or article.verdict not in wanted:
            continue
        verbatim = claim.norm_hash == own_hash or candidate.cos_claim >= NEAR_VERBATIM
        if probability < ranker.threshold and not verbatim:
            continue
        if any(change.kind == "negation" for change in compare_facts(text, claim.text)):
            continue
        return claim, article, 1.0 if claim.norm_hash == own_hash else candidate.cos_claim
    return None
