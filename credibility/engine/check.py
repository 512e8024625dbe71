"""The check engine: label every sentence of an article against the verified index.

How a check runs:

1. Split the text into sentences; set aside those with nothing to verify
   (``not_checked``: bylines, datelines, share text, other languages ...).
2. Fast path: sentences whose normalized text is stored in the index take their
   vector from the index. In a repost, a lightly edited sentence (character-trigram
   similarity of at least ``check_near_duplicate`` to a sentence of the article that
   the verbatim sentences copy) is matched to that sentence by its text. Only the
   rest go to the encoder.
3. Nearest neighbours of every sentence; the verified articles that many
   sentences match strongly are the article's *sources* (a repost copies them).
4. Each source is aligned with the article by a monotonic alignment over the
   similarity matrix (a repost keeps its source's order): a paraphrase shows as
   a pair in its slot, an insertion as a gap. Similarity alone cannot separate
   a paraphrase from an invented in-topic sentence, the slot can.
5. Every aligned or near match goes through the fact comparison (numbers,
   dates, names, negation, quantifiers): a one-character edit can turn 12 into 120.
6. Labels follow the documented precedence: supported-by-reporting, then
   debunked, then altered, then injected (inside copied text) or unsupported.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from credibility import __version__
from credibility.embed.embedder import Embedder
from credibility.engine.memo import memo_for
from credibility.engine.rerank import CLAIM_CANDIDATES, CandidatePool, asserted_claim, load_ranker
from credibility.engine.search import evidence_for
from credibility.engine.similarity import added_span, align, containment, content_words, dice, trigrams
from credibility.errors import InputError
from credibility.model.records import Span
from credibility.model.result import (
    ArticleCheck,
    ArticleInfo,
    Change,
    EngineInfo,
    Label,
    SentenceCheck,
    Verdict,
    article_verdict,
    coverage_of,
    label_counts,
)
from credibility.model.verdicts import DEBUNKED_VERDICTS
from credibility.settings import Settings
from credibility.text.facts import compare_facts
from credibility.text.normalize import normalize, scrub_surrogates, text_hash
from credibility.text.promos import PROMO_SENTENCE as _PROMO
from credibility.text.sentences import split_sentences
from credibility.text.triage import triage_sentence
from index.store import ArticleRow, IndexReader, SentenceRow

#: Bumped whenever the same text and index can get different labels: 3 = added clauses judged on
#: their own, implicit negation and capitals in the fact comparison, web-noise-proof keys (normalization 2);
#: 4 = the claim ranker weighs the article's title and the two sentences before each sentence;
#: 5 = compass directions are compared, and "not ... without" is a necessity, not two negations.
ENGINE_VERSION = "5"


def settings_hash(settings: Settings) -> str:
    """Hash of the settings that change labels, so any result can be reproduced."""
    relevant = {k: v for k, v in settings.model_dump().items() if k.startswith("check_")}
    relevant["model"] = settings.model
    relevant["encoder_backend"] = settings.encoder_backend
    relevant["claim_ranker"] = load_ranker().digest
    blob = json.dumps(relevant, sort_keys=True, default=str).encode()
    return hashlib.blake2b(blob, digest_size=6).hexdigest()


def check_article_bounds(text: str, max_chars: int) -> None:
    """Refuse an article over the article bound (characters), before any work is done on it."""
    if len(text) > max_chars:
        raise InputError(
            f"the article is {len(text):,} characters, above the {max_chars:,}-character article bound "
            "(CREDIBILITY_MAX_ARTICLE_CHARS); split it or raise the bound"
        )


def check_sentence_bound(sentences: int, max_sentences: int) -> None:
    if sentences > max_sentences:
        raise InputError(
            f"the article has {sentences:,} sentences, above the {max_sentences:,}-sentence article "
            "bound (CREDIBILITY_MAX_ARTICLE_SENTENCES); split it or raise the bound"
        )


def article_id_for(text: str, url: str = "") -> str:
    return url or "sha1-" + hashlib.sha1(normalize(text).encode("utf-8")).hexdigest()[:16]


@dataclass
class _Candidate:
    """What the engine knows about one checkable sentence while it decides."""

    position: int  # index into the checkable list
    span: Span
    words: frozenset[str]
    norm_hash: str
    hits: list[tuple[SentenceRow, ArticleRow, float]] = field(default_factory=list)
    aligned: tuple[SentenceRow, ArticleRow, float] | None = None
    aligned_accepted: bool = False
    #: A sentence of a copied article that this one nearly repeats, and their text similarity.
    near: tuple[SentenceRow, float] | None = None
    #: The alignment paired it with that sentence (a near duplicate anywhere else is re-checked).
    near_in_place: bool = False
    #: Its vector (a near duplicate's is its sentence's), for the claim ranker.
    vector: np.ndarray | None = None
    #: Its closest debunked claims (sentence id, cosine), searched for all candidates at once.
    claim_hits: list[tuple[int, float]] | None = None


#: Near-duplicate matching needs this many normalized characters: on shorter sentences one edit
#: moves the trigram similarity too far for it to mean "the same sentence, lightly edited".
NEAR_DUPLICATE_MIN_CHARS = 40


#: A near duplicate whose stand-in vector comes this close to a debunked claim's threshold goes to
#: the encoder: its edit may be what makes it the claim, and only its own vector can tell.
NEAR_DUPLICATE_CLAIM_MARGIN = 0.15


#: Trigram sets ignore repetition and additions: a near duplicate must also be about as long as the
#: sentence it repeats (a clause appended or repeated goes through the full path, which sees it).
NEAR_DUPLICATE_MAX_LENGTH_RATIO = 1.2


def _similar_length(a: str, b: str) -> bool:
    la, lb = len(normalize(a)), len(normalize(b))
    return max(la, lb) <= NEAR_DUPLICATE_MAX_LENGTH_RATIO * max(1, min(la, lb))


class CheckEngine:
    """Checks articles against an open index. Holds no per-article state; reuse it."""

    def __init__(self, reader: IndexReader, embedder: Embedder, settings: Settings) -> None:
        self.reader = reader
        self.embedder = embedder
        self.settings = settings
        self._memo = memo_for(embedder)

    def engine_info(self) -> EngineInfo:
        return EngineInfo(
            version=f"{__version__}+engine{ENGINE_VERSION}",
            model=self.settings.model,
            encoder_backend=self.embedder.backend,
            index_generation=self.reader.generation,
            settings_hash=settings_hash(self.settings),
        )

    # --- the public entry point --------------------------------------------------------
    def check(self, text: str, *, title: str = "", url: str = "", input_name: str = "") -> ArticleCheck:
        # A lone surrogate (half an emoji, from JSON) cannot be encoded: it becomes U+FFFD, one
        # character for one, so offsets hold. Refusing the article instead would let a content
        # farm escape every check with one such character.
        text, title, url, input_name = (scrub_surrogates(s) for s in (text, title, url, input_name))
        size = len(text.encode("utf-8"))
        if size > self.settings.max_check_bytes:
            raise InputError(
                f"the article is {size:,} bytes, above the {self.settings.max_check_bytes:,}-byte cap "
                "(raise CREDIBILITY_MAX_CHECK_BYTES to check it)"
            )
        check_article_bounds(text, self.settings.max_article_chars)
        if not text.strip():
            raise InputError("the article is empty")
        spans = split_sentences(text)
        if not spans:
            raise InputError("the article has no sentences")
        check_sentence_bound(len(spans), self.settings.max_article_sentences)
        results: dict[int, SentenceCheck] = {}
        candidates: list[_Candidate] = []
        for n, span in enumerate(spans):
            triage = triage_sentence(span.text, cache_dir=self.settings.cache_dir)
            if triage is not None:
                results[n] = SentenceCheck(
                    n, span.text, span.start, span.end, "not_checked", reason=triage.reason
                )
            else:
                candidates.append(_Candidate(n, span, content_words(span.text), text_hash(span.text)))
        if candidates:
            # A near duplicate the alignment does not keep in its slot goes to the full path, and
            # the rest is matched again; after two rounds every sentence takes the full path.
            no_near: set[int] = set()
            for round_ in range(3):
                vectors = self._match(candidates, no_near)
                sources = self._sources(candidates)
                self._align(candidates, sources, vectors)
                misplaced = {
                    k for k, c in enumerate(candidates) if c.near is not None and not c.near_in_place
                }
                if not misplaced:
                    break
                no_near = no_near | misplaced if round_ == 0 else set(range(len(candidates)))
            self._search_claims(candidates)
            pool = CandidatePool(self.reader)  # the fact-checks' rows, read once for the article
            for candidate in candidates:
                # The claim ranker's context, as it was trained with (2B: the two lines before).
                before = [spans[k].text for k in range(max(0, candidate.position - 2), candidate.position)]
                context = " ".join([title, *before]).strip()
                results[candidate.position] = self._label(candidate, bool(sources), sources, pool, context)
            self._smooth_split_sentences(candidates, results)
        else:
            sources = []
        sentences = tuple(results[n] for n in range(len(spans)))
        verdict = self._verdict(sentences, sources)
        info = ArticleInfo(
            id=article_id_for(text, url),
            content_hash=text_hash(text),
            input=input_name,
            url=url,
            title=title,
            checked_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        )
        return ArticleCheck(info, verdict, sentences, text)

    # --- steps -------------------------------------------------------------------------
    def _match(self, candidates: list[_Candidate], no_near: set[int]) -> np.ndarray:
        """Fill each candidate's matches; returns the sentence vectors.

        Fast path: a sentence whose normalized text is stored in the index takes its
        vector from the index and its matches from the exact lookup (score 1.0), so it
        needs neither the encoder nor a nearest-neighbour search. A near duplicate (see
        ``_near_duplicates``; not those in ``no_near``) is matched to its sentence by text
        and stands in the alignment at that sentence's slot only; one the alignment does
        not keep there, or that comes near a debunked claim, goes through the full path.
        Facts are compared and labels decided as on the full path.
        """
        hashes = [c.norm_hash for c in candidates]
        fast = self.settings.check_fast_path
        exact = self.reader.sentences_by_hash(hashes, self.settings.check_neighbours) if fast else {}
        cached = self.reader.cached_vectors(hashes)
        # Near duplicates are chosen from the text and the index alone (not from this process's
        # memo), so the same article gets the same result whatever was checked before it.
        near: dict[int, tuple[SentenceRow, float]] = {}
        if fast and self.settings.check_near_duplicate < 1.0:
            skip = no_near | {i for i, h in enumerate(hashes) if h in cached}
            near = self._near_duplicates(candidates, exact, skip)
        limit = self.settings.check_embedding_cache
        cached.update(self._memo.get((h for h in hashes if h not in cached), limit))
        vectors = np.zeros((len(candidates), self.reader.dimension), dtype=np.float32)
        for i, h in enumerate(hashes):
            if h in cached:
                vectors[i] = cached[h]
        found: dict[int, list[tuple[SentenceRow, float]]] = {}
        # Each sentence's closest debunked claims, kept for the claim ranker (``_search_claims``
        # searches only the sentences not searched here); its matches hold the closest three.
        claims_of: dict[int, list[tuple[int, float]]] = {}
        verdicts = sorted(DEBUNKED_VERDICTS)
        if near:
            positions = sorted(near)
            stand_ins = self.reader.vectors([near[i][0].id for i in positions])
            claim_hits = self.reader.search_claims(stand_ins, CLAIM_CANDIDATES, verdicts)
            claim_rows = self.reader.sentences(sid for row in claim_hits for sid, _ in row)
            close = self.settings.check_claim_score - NEAR_DUPLICATE_CLAIM_MARGIN
            for k, (i, row) in enumerate(zip(positions, claim_hits, strict=True)):
                if row and row[0][1] >= close:
                    del near[i]
                    continue
                vectors[i] = stand_ins[k]
                claims_of[i] = row
                found[i] = [(claim_rows[sid], score) for sid, score in row[:3] if sid in claim_rows]
            # Its sentence, and that sentence's verbatim copies in other articles (a syndicated
            # story), at their text similarity: what a search with a vector of its own would put
            # first, so the sources are counted as on the full path.
            copies = self.reader.sentences_by_hash(
                {near[i][0].norm_hash for i in near}, self.settings.check_neighbours
            )
            for i, (own, text_similarity) in near.items():
                same_text = [own, *(r for r in copies.get(own.norm_hash, ()) if r.id != own.id)]
                pairs = [(r, text_similarity) for r in same_text] + found.get(i, [])
                found[i] = sorted(pairs, key=lambda pair: -pair[1])
        to_encode = [i for i, h in enumerate(hashes) if h not in cached and i not in near]
        if to_encode:
            vectors[to_encode] = self.embedder.encode([candidates[i].span.text for i in to_encode])
            self._memo.put({hashes[i]: vectors[i] for i in to_encode}, limit)
        to_search = [i for i, h in enumerate(hashes) if h not in exact and i not in near]
        hits = self.reader.search(vectors[to_search], self.settings.check_neighbours) if to_search else []
        rows = self.reader.sentences(sid for row in hits for sid, _ in row)
        for i, row in zip(to_search, hits, strict=True):
            found[i] = [(rows[sid], score) for sid, score in row if sid in rows]
        exact_positions = [i for i, h in enumerate(hashes) if h in exact]
        if exact_positions:
            # A verbatim sentence may still quote a debunked claim (the precedence flag needs it):
            # the claims are a small index, searched for these sentences only.
            claim_hits = self.reader.search_claims(vectors[exact_positions], CLAIM_CANDIDATES, verdicts)
            claim_rows = self.reader.sentences(sid for row in claim_hits for sid, _ in row)
            for i, row in zip(exact_positions, claim_hits, strict=True):
                claims_of[i] = row
                near_claims = [(claim_rows[sid], score) for sid, score in row[:3] if sid in claim_rows]
                found[i] = [(r, 1.0) for r in exact[hashes[i]]] + near_claims
        articles = self.reader.articles(row.article_id for pairs in found.values() for row, _ in pairs)
        for i, candidate in enumerate(candidates):
            candidate.hits = [
                (row, articles[row.article_id], score)
                for row, score in found.get(i, [])
                if row.article_id in articles
            ]
            candidate.near = near.get(i)
            candidate.vector = vectors[i]
            candidate.claim_hits = claims_of.get(i)
            candidate.near_in_place = False
            candidate.aligned, candidate.aligned_accepted = None, False
        return vectors

    def _near_duplicates(
        self, candidates: list[_Candidate], exact: dict[str, list[SentenceRow]], skip: set[int]
    ) -> dict[int, tuple[SentenceRow, float]]:
        """Sentences that nearly repeat a sentence of the article the verbatim ones copy.

        The copied articles are ranked as ``_sources`` ranks them, from the exact matches alone.
        Each other sentence of 40+ characters is compared by character trigrams with their
        sentences that no sentence copies verbatim; at ``check_near_duplicate`` or above (a
        changed number, name or word) it is that sentence, lightly edited. Its score is that text
        similarity. A sentence claimed by two is left to the encoder for all but the closest.
        """
        copied = self._ranked_sources(
            [{r.article_id for r in exact.get(c.norm_hash, ()) if r.role != "claim"} for c in candidates]
        )
        pending = [
            i
            for i, c in enumerate(candidates)
            if c.norm_hash not in exact
            and i not in skip
            and len(normalize(c.span.text)) >= NEAR_DUPLICATE_MIN_CHARS
        ]
        if not copied or not pending:
            return {}
        rows = [
            row
            for article_id in copied
            for row in self.reader.article_sentences(article_id)
            if row.role != "claim" and row.norm_hash not in exact
        ]
        row_grams = [trigrams(row.text) for row in rows]
        # Never under the source score: a near duplicate counts towards its source.
        threshold = max(self.settings.check_near_duplicate, self.settings.check_source_score)
        best_for_row: dict[int, tuple[int, float]] = {}
        for i in pending:
            grams = trigrams(candidates[i].span.text)
            best, best_similarity = -1, 0.0
            for j, other in enumerate(row_grams):
                similarity = dice(grams, other)
                if similarity > best_similarity:
                    best, best_similarity = j, similarity
            if (
                best >= 0
                and best_similarity >= threshold
                and best_similarity > best_for_row.get(best, (i, 0.0))[1]
                and _similar_length(candidates[i].span.text, rows[best].text)
            ):
                best_for_row[best] = (i, best_similarity)
        return {i: (rows[j], round(similarity, 4)) for j, (i, similarity) in best_for_row.items()}

    def _sources(self, candidates: list[_Candidate]) -> list[str]:
        """Verified articles that this one copies: many of its sentences match them strongly."""
        return self._ranked_sources(
            [
                {
                    article.id
                    for sentence, article, score in candidate.hits
                    if score >= self.settings.check_source_score and sentence.role != "claim"
                }
                for candidate in candidates
            ]
        )

    def _ranked_sources(self, matched: list[set[str]]) -> list[str]:
        """The articles that enough sentences match (one set of article ids per sentence), most first."""
        support: Counter[str] = Counter()
        for articles in matched:
            support.update(articles)
        needed = max(
            self.settings.check_source_min_sentences,
            int(np.ceil(self.settings.check_source_min_share * len(matched))),
        )
        ranked = [aid for aid, count in support.most_common() if count >= needed]
        return ranked[: self.settings.check_max_sources]

    def _align(self, candidates: list[_Candidate], sources: list[str], queries: np.ndarray) -> None:
        if not sources:
            return
        for source_id in sources:
            article = self.reader.article(source_id)
            if article is None:
                continue
            rows = [r for r in self.reader.article_sentences(source_id) if r.role != "claim"]
            if not rows:
                continue
            source_vectors = self.reader.vectors([r.id for r in rows])
            similarity = queries @ source_vectors.T
            slot = {row.id: j for j, row in enumerate(rows)}
            for i, candidate in enumerate(candidates):
                if candidate.near is not None and candidate.near[0].id in slot:
                    # A near duplicate's row is its stand-in's (its sentence's similarities to the
                    # others), with its own slot at their text similarity: under a verbatim copy.
                    similarity[i, slot[candidate.near[0].id]] = candidate.near[1]
            for i, j in align(similarity, self.settings.check_align_floor):
                score = float(similarity[i, j])
                candidate = candidates[i]
                if candidate.near is not None:
                    if rows[j].id == candidate.near[0].id:
                        candidate.near_in_place = True
                        candidate.aligned = (rows[j], article, score)
                elif candidate.aligned is None or score > candidate.aligned[2]:
                    candidate.aligned = (rows[j], article, score)
        for candidate in candidates:
            if candidate.near is not None:
                candidate.aligned_accepted = candidate.near_in_place
            elif candidate.aligned is not None:
                sentence, _, score = candidate.aligned
                bonus = self.settings.check_lexical_weight * dice(
                    candidate.words, content_words(sentence.text)
                )
                candidate.aligned_accepted = score >= 0.9 or score + bonus >= self.settings.check_align_accept

    def _best(
        self, candidate: _Candidate, *, roles: tuple[str, ...], verdicts: frozenset[str] | None = None
    ) -> tuple[SentenceRow, ArticleRow, float] | None:
        for sentence, article, score in candidate.hits:  # hits are best first
            if sentence.role not in roles:
                continue
            if verdicts is not None and article.verdict not in verdicts:
                continue
            return sentence, article, score
        return None

    def _search_claims(self, candidates: list[_Candidate]) -> None:
        """The closest debunked claims of each candidate that ``_match`` did not search, in one
        search for the article."""
        wanted = [c for c in candidates if c.vector is not None and c.claim_hits is None]
        if not wanted:
            return
        vectors = np.stack([c.vector for c in wanted if c.vector is not None])
        found = self.reader.search_claims(vectors, CLAIM_CANDIDATES, sorted(DEBUNKED_VERDICTS))
        for candidate, hits in zip(wanted, found, strict=True):
            candidate.claim_hits = hits

    def _debunked_claim(
        self, candidate: _Candidate, pool: CandidatePool | None = None, context: str = ""
    ) -> tuple[SentenceRow, ArticleRow, float] | None:
        """The debunked claim the sentence asserts, as the claim ranker decides (see ``asserted_claim``);
        ``context``: the article's title and the sentences before it (who said it, as in 2B)."""
        if candidate.vector is None:
            return None
        factchecks = [article.id for _, article, _ in candidate.hits if article.kind == "factcheck"]
        return asserted_claim(
            self.reader,
            candidate.span.text,
            candidate.vector,
            factchecks,
            DEBUNKED_VERDICTS,
            hits=candidate.claim_hits,
            pool=pool,
            context=context,
        )

    def _label(
        self,
        c: _Candidate,
        in_repost: bool,
        sources: list[str],
        pool: CandidatePool | None = None,
        context: str = "",
    ) -> SentenceCheck:
        span = c.span

        def result(label: Label, **details: Any) -> SentenceCheck:
            return SentenceCheck(c.position, span.text, span.start, span.end, label, **details)

        is_promo = bool(_PROMO.match(span.text))
        claim = self._debunked_claim(c, pool, context)

        # The reporting match: the aligned slot when accepted, else a strong free match.
        reporting: tuple[SentenceRow, ArticleRow, float] | None = None
        how = ""
        if c.aligned is not None and c.aligned_accepted:
            reporting, how = c.aligned, "aligned"
        elif not (in_repost and is_promo):
            best = self._best(c, roles=("body", "title"))
            true_claim = self._best(c, roles=("claim",), verdicts=frozenset({"true"}))
            if true_claim is not None and (best is None or true_claim[2] > best[2]):
                best = true_claim
            if best is not None and best[2] >= self.settings.check_free_altered:
                reporting, how = best, "free"
        changes: tuple[Change, ...] = ()
        added: tuple[int, int] | None = None
        if reporting is not None:
            sentence, article, score = reporting
            # Identical normalized text cannot differ in a fact: skip the comparison.
            if sentence.norm_hash != c.norm_hash:
                # A clause added to a copied sentence is judged on its own; the facts of the rest
                # are compared with the evidence.
                added = added_span(span.text, sentence.text)
                kept = span.text if added is None else span.text[: added[0]] + span.text[added[1] :]
                changes = tuple(compare_facts(kept, sentence.text))
            if how == "free" and not changes and score < self.settings.check_free_support:
                reporting = None  # a near match with no changed fact is not support on its own
            elif how == "free" and claim is not None and claim[1].id == article.id:
                # The fact-check restating the claim it debunks is no support for the claim.
                reporting = None
        if reporting is not None and not changes and added is not None:
            flagged = self._added_clause(c, reporting, added)
            if flagged is not None:
                return flagged
        if reporting is not None and not changes:
            sentence, article, score = reporting
            flags = ["exact"] if c.norm_hash == sentence.norm_hash else []
            if c.near is not None:
                flags.append("near_duplicate")
            if claim is not None:
                flags.append("quotes_debunked_claim")
            if flags[:1] == ["exact"]:
                where = "verbatim"
            elif c.near is not None:
                where = f"nearly verbatim (text similarity {score:.2f}) in its place in"
            else:
                where = "in its place in" if how == "aligned" else "in"
            return result(
                "supported",
                flags=tuple(flags),
                reason=f"{where} verified article {article.id}",
                score=round(score, 4),
                evidence=evidence_for(sentence, article, score),
            )
        inside = in_repost and not (c.aligned is not None and c.aligned_accepted)
        if claim is not None:
            sentence, article, score = claim
            debunked_flags = ["injected"] if inside else []
            if is_promo:
                debunked_flags.append("promo")
            return result(
                "debunked",
                flags=tuple(debunked_flags),
                reason=f"matches a claim rated {article.rating or article.verdict!r} ({article.verdict})"
                + (f" by {article.source}" if article.source else ""),
                score=round(score, 4),
                evidence=evidence_for(sentence, article, score),
            )
        if reporting is not None and changes:
            sentence, article, score = reporting
            described = "; ".join(
                f"{ch.kind}: {ch.evidence_text or '-'} -> {ch.article_text or '-'}" for ch in changes
            )
            return result(
                "altered",
                flags=("near_duplicate",) if c.near is not None else (),
                reason=f"near match of verified article {article.id} with changed facts ({described})",
                score=round(score, 4),
                evidence=evidence_for(sentence, article, score),
                changes=changes,
            )
        best_any = c.hits[0] if c.hits else None
        evidence = evidence_for(best_any[0], best_any[1], best_any[2]) if best_any else None
        score_any = round(best_any[2], 4) if best_any else None
        if in_repost:
            what = "promotional line" if is_promo else "sentence"
            return result(
                "injected",
                flags=("promo",) if is_promo else (),
                reason=f"{what} not in the source ({', '.join(sources)}) that the rest of the article copies",
                score=score_any,
                evidence=evidence,
            )
        return result(
            "unsupported",
            reason="no verified sentence says this"
            + (f" (closest {score_any:.2f})" if score_any is not None else " (the index is empty)"),
            score=score_any,
            evidence=evidence,
        )

    def _added_clause(
        self, c: _Candidate, reporting: tuple[SentenceRow, ArticleRow, float], added: tuple[int, int]
    ) -> SentenceCheck | None:
        """A copied sentence with something added: the addition is injected, or debunked when it
        repeats a claim fact-checkers rated false. None when the addition is verified reporting
        too (two copied sentences joined by a lost full stop)."""
        sentence, article, score = reporting
        start, end = added
        part = Span(start, end, c.span.text[start:end])
        # Words of the same verified article (the next sentence, joined by a lost full stop or
        # a line break) are copied too, not added.
        source_text = " ".join(row.text for row in self.reader.article_sentences(article.id))
        if normalize(part.text) in normalize(source_text):
            return None
        vector = self.embedder.encode([part.text])
        shown = part.text if len(part.text) <= 120 else part.text[:117] + "..."
        base = f"adds \u201c{shown}\u201d to a sentence of verified article {article.id}"
        claim = self._claim_for_vector(part.text, vector)
        if claim is None:
            strong = [
                sid for sid, s in self.reader.search(vector, 5)[0] if s >= self.settings.check_free_support
            ]
            if any(row.role != "claim" for row in self.reader.sentences(strong).values()):
                return None
        if claim is not None:
            claim_sentence, claim_article, claim_score = claim
            return SentenceCheck(
                c.position,
                c.span.text,
                c.span.start,
                c.span.end,
                "debunked",
                flags=("added_clause", "injected"),
                reason=f"{base}; the addition matches a claim rated "
                f"{claim_article.rating or claim_article.verdict!r} ({claim_article.verdict})"
                + (f" by {claim_article.source}" if claim_article.source else ""),
                score=round(claim_score, 4),
                evidence=evidence_for(claim_sentence, claim_article, claim_score),
                added=part,
            )
        return SentenceCheck(
            c.position,
            c.span.text,
            c.span.start,
            c.span.end,
            "injected",
            flags=("added_clause",),
            reason=f"{base} (characters {start}-{end} are not in it)",
            score=round(score, 4),
            evidence=evidence_for(sentence, article, score),
            added=part,
        )

    def _claim_for_vector(
        self, text: str, vector: np.ndarray
    ) -> tuple[SentenceRow, ArticleRow, float] | None:
        """The debunked claim a piece of text repeats, if any (its own vector, the claim ranker's decision)."""
        return asserted_claim(self.reader, text, vector, (), DEBUNKED_VERDICTS)

    def _smooth_split_sentences(
        self, candidates: list[_Candidate], results: dict[int, SentenceCheck]
    ) -> None:
        """A sentence broken in two by a stray line break: a fragment inside its neighbour's evidence is supported."""
        for k, candidate in enumerate(candidates):
            current = results[candidate.position]
            if current.label not in ("injected", "unsupported") or "promo" in current.flags:
                continue
            for neighbour in (
                candidates[k - 1] if k else None,
                candidates[k + 1] if k + 1 < len(candidates) else None,
            ):
                if neighbour is None:
                    continue
                other = results[neighbour.position]
                if other.label != "supported" or other.evidence is None:
                    continue
                if (
                    len(candidate.words) >= 2
                    and containment(candidate.words, content_words(other.evidence.sentence)) >= 0.9
                ):
                    results[candidate.position] = SentenceCheck(
                        candidate.position,
                        current.text,
                        current.start,
                        current.end,
                        "supported",
                        flags=("fragment",),
                        reason=f"part of a sentence of verified article {other.evidence.article_id} split by a line break",
                        score=other.score,
                        evidence=other.evidence,
                    )
                    break

    def _verdict(self, sentences: Sequence[SentenceCheck], sources: list[str]) -> Verdict:
        counts = label_counts(sentences)
        label, reason = article_verdict(counts)
        return Verdict(label, tuple(sources), coverage_of(counts), counts, self.engine_info(), reason)


def check_text(
    text: str,
    *,
    reader: IndexReader,
    embedder: Embedder,
    settings: Settings,
    title: str = "",
    url: str = "",
    input_name: str = "",
) -> ArticleCheck:
    """Check one article against an open index (the library's one-call entry point)."""
    return CheckEngine(reader, embedder, settings).check(text, title=title, url=url, input_name=input_name)
