"""Train the claim ranker on the CheckThat! 2021 train splits; choose its threshold on dev.

    python -m benchmarks.train_claim_ranker              # writes credibility/engine/data/claim_ranker.json
    python -m benchmarks.train_claim_ranker --check      # scores the committed model, writes no model

The model (:mod:`credibility.engine.rerank`) orders the candidate claims of a sentence and gives
the probability that the sentence asserts each one. The candidates are what ``credibility search``
gathers: the 30 closest fact-checks by cosine (the best of each one's claim and title, from the
same encoder as the index) and the 10 best by BM25 over claim + title. Every query is seen twice,
with its context (2B: the transcript's speaker, the debate's date, the two lines before; 2A: the
tweet's date) and as bare text, which is all the check engine has. Lines of the 2B train
transcripts that no fact-check matched are added as queries with no right answer, so the
probability also learns what "no claim here" looks like.

A logistic regression (scikit-learn, standardised features, fixed seed) is fitted on the train
splits; its regularisation and the decision threshold for ``debunked`` are chosen on dev alone
(the threshold: the highest F0.5 of "the best candidate is a claim the sentence asserts" over dev
queries and dev transcript lines with no claim). Test splits are not used (nor available).

Writes the model and ``benchmarks/results/claim-ranker.json`` (train and dev MAP@k and MRR, with
and without the ranker, beside dense and BM25 order); ``benchmarks/RESULTS.md`` shows it.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import baselines
from benchmarks.baselines import CachedEncoder, Encoder
from benchmarks.data import (
    ClaimDoc,
    DataMissing,
    RetrievalTask,
    data_root,
    load_2a,
    load_2b,
    query_contexts,
    query_fields,
    transcript_lines,
)
from benchmarks.metrics import retrieval_report
from benchmarks.reposts import DEFAULT_CACHE, REPO_ROOT
from credibility.engine.rerank import (
    FEATURES,
    NEAR_VERBATIM,
    ClaimCandidate,
    ClaimQuery,
    ClaimRanker,
    LexicalIndex,
    features,
    terms,
)

MODEL_PATH = REPO_ROOT / "credibility" / "engine" / "data" / "claim_ranker.json"
REPORT_PATH = REPO_ROOT / "benchmarks" / "results" / "claim-ranker.json"
#: Candidates per query, as ``credibility search`` gathers them (see ``credibility.engine.search``).
DENSE_POOL = 30
LEXICAL_POOL = 10
#: Lines of the 2B transcripts no fact-check matched, used as queries with no right answer (per split).
NEGATIVE_LINES = 1500
#: A transcript line needs this many content words to count as a sentence that could make a claim.
MIN_NEGATIVE_TERMS = 6
C_GRID = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)
DEPTH = 20


def log(message: str) -> None:
    print(f"[ranker {datetime.now().strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@dataclass
class Group:
    """One query's candidates: features, labels, and the dense and BM25 orders to compare with."""

    task: str
    split: str
    qid: str
    #: The query as seen with its context (speaker, date, lines before) ...
    context: bool
    keys: list[str]
    rows: np.ndarray
    labels: np.ndarray
    relevant: set[str]
    dense: list[str]
    bm25: list[str]
    #: ... and as bare text (a query with no context is both, and seen once).
    bare: bool = False


@dataclass
class Corpus:
    """One task's claims with their vectors and a BM25 index over claim + title."""

    docs: list[ClaimDoc]
    claim_vectors: np.ndarray
    title_vectors: np.ndarray
    has_title: np.ndarray
    lexical: LexicalIndex

    @classmethod
    def build(cls, docs: Sequence[ClaimDoc], encoder: Encoder) -> Corpus:
        docs = [d for d in docs if d.claim.strip()]
        claims = encoder.encode([d.claim.strip() for d in docs])
        titles = encoder.encode([d.title.strip() or d.claim.strip() for d in docs])
        has_title = np.array([bool(d.title.strip()) for d in docs])
        lexical = LexicalIndex((d.id, f"{d.claim} {d.title}") for d in docs)
        return cls(list(docs), claims, titles, has_title, lexical)

    def candidates(self, query: ClaimQuery, vector: np.ndarray) -> tuple[list[ClaimCandidate], list[str]]:
        """The pool for one query (dense first, then BM25 additions) and the BM25 order."""
        cos_claim = self.claim_vectors @ vector
        cos_title = np.where(self.has_title, self.title_vectors @ vector, 0.0)
        best = np.maximum(cos_claim, np.where(self.has_title, cos_title, -1.0))
        dense = np.argsort(-best, kind="stable")[:DENSE_POOL].tolist()
        lexical = self.lexical.top(terms(query.text), max(LEXICAL_POOL, DEPTH))
        position = {d.id: i for i, d in enumerate(self.docs)}
        pool = list(dict.fromkeys([*dense, *(position[key] for key, _ in lexical[:LEXICAL_POOL])]))
        out = [
            ClaimCandidate(
                key=self.docs[i].id,
                claim=self.docs[i].claim,
                title=self.docs[i].title,
                speaker=self.docs[i].speaker,
                date=self.docs[i].date,
                cos_claim=float(cos_claim[i]),
                cos_title=float(cos_title[i]),
            )
            for i in pool
        ]
        return out, [key for key, _ in lexical]


def _queries(
    root: Path, task: RetrievalTask, split: str
) -> dict[str, tuple[ClaimQuery, ClaimQuery, set[str]]]:
    """Each judged query of a split: (with context, bare text, relevant claim ids)."""
    qrels = {q: rel for q, rel in task.qrels.get(split, {}).items() if task.queries.get(q)}
    fields = query_fields(root, task, qrels)
    return {
        qid: (ClaimQuery(task.queries[qid], **fields.get(qid, {})), ClaimQuery(task.queries[qid]), relevant)
        for qid, relevant in qrels.items()
    }


def _negative_lines(root: Path, task: RetrievalTask, split: str, n: int, seed: int) -> dict[str, ClaimQuery]:
    """Transcript lines of this split's debates that no fact-check was matched to (with context)."""
    judged = {q for rel in task.qrels.values() for q in rel}
    names = sorted({q.rsplit("_", 1)[0] for q in task.qrels.get(split, {})})
    lines: list[str] = []
    for name in names:
        for number, (_speaker, sentence) in sorted(transcript_lines(root, name).items()):
            qid = f"{name}_{number:04d}"
            if qid not in judged and qid not in task.queries and len(terms(sentence)) >= MIN_NEGATIVE_TERMS:
                lines.append(qid)
    rng = random.Random(f"{seed}-{split}")
    chosen = sorted(rng.sample(lines, min(n, len(lines))))
    contexts = query_contexts(root, chosen)
    by_name: dict[str, dict[int, tuple[str, str]]] = {}
    out = {}
    for qid in chosen:
        name, line = qid.rsplit("_", 1)
        if name not in by_name:
            by_name[name] = transcript_lines(root, name)
        ctx = contexts[qid]
        sentence = by_name[name][int(line)][1]
        out[qid] = ClaimQuery(sentence, speaker=ctx.speaker, date=ctx.date, context=ctx.before)
    return out


def build_groups(
    corpus: Corpus,
    task_name: str,
    split: str,
    queries: Mapping[str, tuple[ClaimQuery, ClaimQuery, set[str]]],
    encoder: Encoder,
) -> list[Group]:
    qids = list(queries)
    vectors = encoder.encode([queries[q][0].text for q in qids]) if qids else np.zeros((0, 1))
    groups = []
    for qid, vector in zip(qids, vectors, strict=True):
        full, bare, relevant = queries[qid]
        for context, query in ((True, full), (False, bare)):
            if not context and full == bare:
                continue
            pool, bm25_order = corpus.candidates(query, vector)
            rows = features(query, pool, corpus.lexical)
            keys = [c.key for c in pool]
            dense = [c.key for c in sorted(pool, key=lambda c: -max(c.cos_claim, c.cos_title))]
            labels = np.array([key in relevant for key in keys], dtype=np.int64)
            group = Group(task_name, split, qid, context, keys, rows, labels, relevant, dense, bm25_order)
            group.bare = not context or full == bare
            groups.append(group)
    return groups


# --------------------------------------------------------------------------- fitting and scoring


def fit(groups: Sequence[Group], c: float, seed: int) -> ClaimRanker:
    from sklearn.linear_model import LogisticRegression

    x = np.vstack([g.rows for g in groups])
    y = np.concatenate([g.labels for g in groups])
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    model = LogisticRegression(C=c, max_iter=5000, random_state=seed)
    model.fit((x - mean) / scale, y)
    return ClaimRanker(
        features=FEATURES,
        mean=mean,
        scale=scale,
        coef=model.coef_[0].astype(np.float64),
        intercept=float(model.intercept_[0]),
        threshold=0.5,
        meta={},
    )


def ranked(groups: Sequence[Group], ranker: ClaimRanker | None) -> dict[str, list[str]]:
    """Run per query id: the ranker's order, or the dense order without a ranker."""
    runs = {}
    for g in groups:
        if ranker is None:
            runs[g.qid] = g.dense[:DEPTH]
        else:
            p = ranker.probabilities(g.rows)
            order = np.argsort(-p, kind="stable")
            runs[g.qid] = [g.keys[i] for i in order[:DEPTH]]
    return runs


def report_for(groups: Sequence[Group], ranker: ClaimRanker) -> dict[str, Any]:
    qrels = {g.qid: g.relevant for g in groups if g.relevant}
    judged = [g for g in groups if g.relevant]
    return {
        "bm25": retrieval_report({g.qid: g.bm25[:DEPTH] for g in judged}, qrels),
        "dense": retrieval_report(ranked(judged, None), qrels),
        "ranker": retrieval_report(ranked(judged, ranker), qrels),
        "pool_recall": sum(bool(set(g.keys) & g.relevant) for g in judged) / max(1, len(judged)),
    }


def decisions(groups: Sequence[Group], ranker: ClaimRanker) -> tuple[np.ndarray, np.ndarray]:
    """(best candidate's probability, whether the sentence asserts it) per query."""
    scores, truth = [], []
    for g in groups:
        p = ranker.probabilities(g.rows)
        best = int(np.argmax(p)) if len(p) else -1
        scores.append(float(p[best]) if best >= 0 else 0.0)
        truth.append(bool(best >= 0 and g.labels[best]))
    return np.array(scores), np.array(truth)


def engine_decisions(groups: Sequence[Group], ranker: ClaimRanker) -> tuple[int, int, int]:
    """The check engine's rule (``asserted_claim``): in the ranker's order, the first candidate
    whose probability reaches the threshold or whose claim the query nearly copies
    (:data:`NEAR_VERBATIM`). Returns (asserting queries, flagged, flagged right)."""
    cos = FEATURES.index("cos_claim")
    asserting = flagged = right = 0
    for g in groups:
        p = ranker.probabilities(g.rows)
        order = np.argsort(-p, kind="stable")
        asserting += int(bool(len(p)) and bool(g.labels[order[0]]))
        for i in order:
            if p[i] >= ranker.threshold or g.rows[i, cos] >= NEAR_VERBATIM:
                flagged += 1
                right += int(g.labels[i])
                break
    return asserting, flagged, right


def choose_threshold(scores: np.ndarray, truth: np.ndarray, beta: float = 0.5) -> dict[str, float]:
    """The threshold with the highest F-beta (precision first), and its precision and recall."""
    best = {"threshold": 0.5, "f": -1.0, "precision": 0.0, "recall": 0.0}
    positives = int(truth.sum())
    for t in np.round(np.arange(0.05, 0.96, 0.01), 2):
        flagged = scores >= t
        tp = int((flagged & truth).sum())
        precision = tp / flagged.sum() if flagged.sum() else 0.0
        recall = tp / positives if positives else 0.0
        f = (1 + beta**2) * precision * recall / (beta**2 * precision + recall) if tp else 0.0
        if f > best["f"]:
            best = {"threshold": float(t), "f": f, "precision": precision, "recall": recall}
    return best


def _engine_decision(groups: Sequence[Group], ranker: ClaimRanker) -> dict[str, float]:
    asserting, flagged, right = engine_decisions(groups, ranker)
    return {
        "near_verbatim": NEAR_VERBATIM,
        "flagged": flagged,
        "precision": right / flagged if flagged else 0.0,
        "recall": right / asserting if asserting else 0.0,
    }


def _round(obj: Any) -> Any:
    if isinstance(obj, float):
        return round(obj, 4)
    if isinstance(obj, dict):
        return {k: _round(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_round(v) for v in obj]
    return obj


# --------------------------------------------------------------------------- the run


def train(
    root: Path,
    encoder: Encoder,
    *,
    seed: int = 13,
    negatives: int = NEGATIVE_LINES,
    committed: ClaimRanker | None = None,
) -> tuple[ClaimRanker, dict[str, Any]]:
    """Fit on train, choose C and the threshold on dev; or only score ``committed``."""
    started = time.perf_counter()
    groups: dict[tuple[str, str], list[Group]] = {}
    negative_groups: dict[str, list[Group]] = {}
    for task in (load_2a(root), load_2b(root)):
        log(f"{task.name}: encoding {len(task.corpus)} claims and titles")
        corpus = Corpus.build(task.corpus, encoder)
        for split in ("train", "dev"):
            queries = _queries(root, task, split)
            log(f"{task.name} {split}: {len(queries)} queries")
            groups[(task.name, split)] = build_groups(corpus, task.name, split, queries, encoder)
            if task.name == "2b":
                lines = _negative_lines(root, task, split, negatives, seed)
                log(f"2b {split}: {len(lines)} transcript lines with no claim")
                negative_groups[split] = build_groups(
                    corpus,
                    "2b",
                    split,
                    {q: (v, ClaimQuery(v.text), set()) for q, v in lines.items()},
                    encoder,
                )
    train_groups = [g for (_, split), gs in groups.items() if split == "train" for g in gs]
    train_groups += negative_groups.get("train", [])
    dev_judged = [g for (_, split), gs in groups.items() if split == "dev" for g in gs]
    dev_all = dev_judged + negative_groups.get("dev", [])

    def dev_map(ranker: ClaimRanker) -> float:
        values = []
        for task_name in ("2a", "2b"):
            for context in (True, False):
                chosen = [g for g in dev_judged if g.task == task_name and (g.context if context else g.bare)]
                if chosen:
                    values.append(report_for(chosen, ranker)["ranker"]["map@5"])
        return float(np.mean(values)) if values else 0.0

    search: dict[str, float] = {}
    if committed is None:
        best_c, best_score, model = C_GRID[0], -1.0, None
        for c in C_GRID:
            candidate = fit(train_groups, c, seed)
            score = dev_map(candidate)
            search[str(c)] = score
            log(f"C={c}: dev MAP@5 (mean over tasks and context) {score:.4f}")
            if score > best_score:
                best_c, best_score, model = c, score, candidate
        assert model is not None
        scores, truth = decisions(dev_all, model)
        decision = choose_threshold(scores, truth)
        ranker = ClaimRanker(
            features=model.features,
            mean=model.mean,
            scale=model.scale,
            coef=model.coef,
            intercept=model.intercept,
            threshold=decision["threshold"],
            meta={
                "trained": "CheckThat! 2021 2A + 2B train splits (with and without query context) "
                "and 2B train transcript lines with no claim; C and threshold chosen on dev",
                "script": "python -m benchmarks.train_claim_ranker",
                "seed": seed,
                "C": best_c,
                "dense_pool": DENSE_POOL,
                "lexical_pool": LEXICAL_POOL,
            },
        )
    else:
        ranker = committed
        scores, truth = decisions(dev_all, ranker)
    final_scores, final_truth = decisions(dev_all, ranker)
    flagged = final_scores >= ranker.threshold
    tp = int((flagged & final_truth).sum())
    report: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python -m benchmarks.train_claim_ranker",
        "seed": seed,
        "C": ranker.meta.get("C"),
        "c_search_dev_map5": search,
        "pools": {"dense": DENSE_POOL, "lexical": LEXICAL_POOL},
        "train_rows": int(sum(len(g.rows) for g in train_groups)),
        "threshold": ranker.threshold,
        "decision_dev": {
            "queries": len(final_truth),
            "asserting": int(final_truth.sum()),
            "flagged": int(flagged.sum()),
            "precision": tp / flagged.sum() if flagged.sum() else 0.0,
            "recall": tp / final_truth.sum() if final_truth.sum() else 0.0,
        },
        "decision_dev_engine": _engine_decision(dev_all, ranker),
        "coefficients": dict(zip(FEATURES, (float(v) for v in ranker.coef), strict=True)),
        "retrieval": {},
    }
    for (task_name, split), gs in groups.items():
        for context in (True, False):
            chosen = [g for g in gs if (g.context if context else g.bare)]
            if not chosen:
                continue
            label = "context" if context else "text"
            report["retrieval"].setdefault(task_name, {}).setdefault(split, {})[label] = report_for(
                chosen, ranker
            )
    report["runtime_seconds"] = round(time.perf_counter() - started, 1)
    return ranker, _round(report)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.train_claim_ranker", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--data", help="data folder (default: $CREDIBILITY_BENCH_DATA or ../shared/data)")
    parser.add_argument(
        "--cache", default=str(DEFAULT_CACHE), help="embedding cache (shared with the baselines)"
    )
    parser.add_argument("--no-cache", action="store_true")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument(
        "--negatives", type=int, default=NEGATIVE_LINES, help="2B lines with no claim, per split"
    )
    parser.add_argument("--model", default=str(MODEL_PATH), help="where the model goes")
    parser.add_argument("--report", default=str(REPORT_PATH), help="where the figures go")
    parser.add_argument("--check", action="store_true", help="score the model at --model; write no model")
    args = parser.parse_args(argv)
    cache = None if args.no_cache else Path(args.cache) / "embeddings"
    encoder = CachedEncoder(baselines.MiniLMEncoder(), cache)
    committed = None
    if args.check:
        committed = ClaimRanker.from_dict(json.loads(Path(args.model).read_text(encoding="utf-8")))
    try:
        ranker, report = train(
            data_root(args.data), encoder, seed=args.seed, negatives=args.negatives, committed=committed
        )
    except DataMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not args.check:
        model_path = Path(args.model)
        model_path.parent.mkdir(parents=True, exist_ok=True)
        model_path.write_text(json.dumps(ranker.to_dict(), indent=1) + "\n", encoding="utf-8")
        log(f"wrote {model_path} ({model_path.stat().st_size:,} bytes)")
    report_path = Path(args.report)
    report_path.parent.mkdir(parents=True, exist_ok=True)
    report_path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    log(f"wrote {report_path}")
    for task_name, splits in report["retrieval"].items():
        for split, variants in splits.items():
            for label, rows in variants.items():
                cells = ", ".join(
                    f"{name} {rows[name]['map@5']:.3f}/{rows[name]['mrr']:.3f}"
                    for name in ("bm25", "dense", "ranker")
                )
                log(f"{task_name} {split} {label}: MAP@5/MRR {cells}; pool recall {rows['pool_recall']:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
