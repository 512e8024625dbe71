"""Find the verified articles closest to a text: one result per article, best first."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from credibility.embed.embedder import Embedder
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


def search_vectors(reader: IndexReader, queries: np.ndarray, k: int = 5) -> list[list[Evidence]]:
    """Top ``k`` articles per query vector, each with its best-matching sentence."""
    # Several sentences of one article often fill the top hits: over-fetch, then group.
    hits = reader.search(queries, max(k * 8, 32))
    sentences = reader.sentences(sid for row in hits for sid, _ in row)
    articles = reader.articles(s.article_id for s in sentences.values())
    results: list[list[Evidence]] = []
    for row in hits:
        best: dict[str, Evidence] = {}
        for sid, score in row:
            sentence = sentences.get(sid)
            if sentence is None or sentence.article_id in best:
                continue  # removed since this snapshot, or a weaker hit of an article already listed
            article = articles.get(sentence.article_id)
            if article is None:
                continue
            best[article.id] = evidence_for(sentence, article, score)
            if len(best) == k:
                break
        results.append(list(best.values()))
    return results


def search_texts(
    reader: IndexReader, embedder: Embedder, texts: Sequence[str], k: int = 5
) -> list[list[Evidence]]:
    if not texts:
        return []
    return search_vectors(reader, embedder.encode(list(texts)), k)
