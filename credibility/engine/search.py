"""Find the verified articles closest to a text: one result per article, best first."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from credibility.embed.embedder import Embedder
from credibility.engine.rerank import ClaimQuery, rank_claims
from credibility.model.records import Evidence
from index.store import ArticleRow, IndexReader, SentenceRow


def evidence_for(sentence: SentenceRow, article: ArticleRow, score: float) -> Evidence:
    return Evidence(
        article_id=article.id,
        sentence_id=sentence.id,
        sentence=sentence.text,
        title=article.title,
        url=article.url,
        source=article.source,
        kind=article.kind,
        claim=article.claim,
        rating=article.rating,
        verdict=article.verdict,
        score=round(float(score), 4),
    )


#: Fact-checks the claim ranker orders per query: the closest by cosine, and the best by BM25 over
#: claim + title (the pools the ranker was trained with: ``benchmarks/train_claim_ranker.py``).
RERANK_DENSE_POOL = 30
RERANK_LEXICAL_POOL = 10


def search_vectors(
    reader: IndexReader,
    queries: np.ndarray,
    k: int = 5,
    claims: Sequence[ClaimQuery] | None = None,
) -> list[list[Evidence]]:
    """Top ``k`` articles per query vector, each with its best-matching sentence.

    With ``claims`` (the query texts, and what is known around them), the fact-checks among the
    results are ordered by the claim ranker (:mod:`credibility.engine.rerank`), which also brings
    in fact-checks that share the query's rare words; other articles keep their places by cosine.
    ``score`` stays the cosine of the evidence sentence."""
    # Several sentences of one article often fill the top hits: over-fetch, then group.
    depth = max(k * 8, 32) if claims is None else max(k * 8, 4 * RERANK_DENSE_POOL)
    hits = reader.search(queries, depth)
    sentences = reader.sentences(sid for row in hits for sid, _ in row)
    articles = reader.articles(s.article_id for s in sentences.values())
    results: list[list[Evidence]] = []
    for n, row in enumerate(hits):
        best: dict[str, Evidence] = {}
        for sid, score in row:
            sentence = sentences.get(sid)
            if sentence is None or sentence.article_id in best:
                continue  # removed since this snapshot, or a weaker hit of an article already listed
            article = articles.get(sentence.article_id)
            if article is None:
                continue
            best[article.id] = evidence_for(sentence, article, score)
            if claims is None and len(best) == k:
                break
        found = list(best.values())
        if claims is not None:
            found = _rerank_claims(reader, claims[n], queries[n], found, articles, k)
        results.append(found[:k])
    return results


def _rerank_claims(
    reader: IndexReader,
    query: ClaimQuery,
    vector: np.ndarray,
    found: list[Evidence],
    articles: dict[str, ArticleRow],
    k: int,
) -> list[Evidence]:
    """The first ``k`` results with their fact-check places refilled in the claim ranker's order."""
    is_claim = [
        articles[e.article_id].kind == "factcheck" and bool(articles[e.article_id].claim) for e in found
    ]
    pool = [e.article_id for e, claim in zip(found, is_claim, strict=True) if claim][
        : max(k, RERANK_DENSE_POOL)
    ]
    if not pool:
        return found
    ranked = rank_claims(reader, query, vector, pool, lexical_pool=RERANK_LEXICAL_POOL)
    by_id = {e.article_id: e for e in found}
    extra = reader.articles(c.key for c, _ in ranked if c.key not in articles)
    rows = reader.sentences(c.sentence_id for c, _ in ranked if c.key not in by_id)
    order: list[Evidence] = []
    for candidate, _ in ranked:
        if candidate.key in by_id:
            order.append(by_id[candidate.key])
            continue
        article = articles.get(candidate.key) or extra.get(candidate.key)
        sentence = rows.get(candidate.sentence_id)
        if article is not None and sentence is not None:
            cosine = candidate.cos_claim if sentence.role == "claim" else candidate.cos_title
            order.append(evidence_for(sentence, article, cosine))
    refill = iter(order)
    out: list[Evidence] = []
    for evidence, claim in zip(found, is_claim, strict=True):
        if len(out) == k:
            break
        if not claim:
            out.append(evidence)
            continue
        nxt = next(refill, None)
        if nxt is not None:
            out.append(nxt)
    # Fewer results than k: the ranked fact-checks not placed yet follow.
    placed = {e.article_id for e in out}
    out.extend(e for e in order if e.article_id not in placed)
    return out[:k]


def search_texts(
    reader: IndexReader,
    embedder: Embedder,
    texts: Sequence[str],
    k: int = 5,
    claims: Sequence[ClaimQuery] | None = None,
    *,
    rerank: bool = True,
) -> list[list[Evidence]]:
    """Search with the texts' own vectors; fact-checks in the claim ranker's order (``claims``: the
    texts with what is known around them, by default the bare texts; ``rerank=False``: by cosine)."""
    if not texts:
        return []
    if rerank and claims is None:
        claims = [ClaimQuery(text) for text in texts]
    return search_vectors(reader, embedder.encode(list(texts)), k, claims if rerank else None)
