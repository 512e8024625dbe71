"""Speed and scale, each pipeline figure beside a naive baseline measured in the same run.

The naive baseline is plain sentence-transformers ``encode`` of every sentence
(batch size 64) plus a flat FAISS search: no caching, no fast path, no dedup.
Every measurement runs in a fresh spawned process so peak memory (ru_maxrss) is
its own and no model or cache leaks from one measurement into another; model
load time is excluded from throughput (it is reported separately).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import re
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.data import DataMissing, PolitiFactArticle, data_root, load_politifact
from benchmarks.report import write_results_md
from benchmarks.run import RESULTS_DIR, RESULTS_MD, machine_info

SEED = 20261128


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _in_child(fn: Callable[..., dict[str, Any]], *args: Any) -> dict[str, Any]:
    """Run one measurement in a fresh process (spawn: no inherited model, cache or threads)."""
    ctx = mp.get_context("spawn")
    with ctx.Pool(1) as pool:
        return pool.apply(fn, args)


def subset(articles: Sequence[PolitiFactArticle], n: int) -> list[PolitiFactArticle]:
    """A fixed subset: the first ``n`` articles by id that have body text."""
    return sorted((a for a in articles if a.text.strip()), key=lambda a: a.id)[:n]


def _records(articles: Sequence[PolitiFactArticle]) -> list[Any]:
    from credibility.model.records import ArticleRecord

    return [
        ArticleRecord(
            id=a.id, text=a.text, title=a.title, url=a.url, kind="factcheck", claim=a.claim, rating=a.rating
        )
        for a in articles
    ]


# --- ingest -------------------------------------------------------------------------------
def pipeline_ingest(
    home: str, articles: list[PolitiFactArticle], backend: str, checkpoints: Sequence[int] = ()
) -> dict[str, Any]:
    """Ingest ``articles`` into a fresh index; ``checkpoints`` (article counts) time the same
    ingest as it grows, each part committed before the next, under ``growth``."""
    from credibility.embed.embedder import load_embedder
    from credibility.engine.ingest import ingest, open_writer
    from credibility.settings import Settings

    settings = Settings(home=Path(home), encoder_backend=backend)  # type: ignore[arg-type]
    t0 = time.perf_counter()
    embedder = load_embedder(settings)
    embedder.encode(["warm up"])
    load_s = time.perf_counter() - t0
    records = _records(articles)
    bounds = [k for k in sorted(set(checkpoints)) if 0 < k < len(records)] + [len(records)]
    growth: list[dict[str, Any]] = []
    added = embedded = 0
    t0 = time.perf_counter()
    with open_writer(settings, embedder) as writer:
        start, part_t0 = 0, t0
        for end in bounds:
            report = ingest(records[start:end], writer, embedder)
            added += report.sentences_added
            embedded += report.sentences_embedded
            now = time.perf_counter()
            growth.append(
                {
                    "articles": end,
                    "sentences": added,
                    "embedded": embedded,
                    "seconds": round(now - t0, 2),
                    "sentences_per_s": round(added / (now - t0), 1),
                    # This part alone: a slowdown as the index grows shows here first.
                    "part_sentences_per_s": round(report.sentences_added / (now - part_t0), 1),
                    "peak_rss_mb": round(_peak_rss_mb(), 1),
                }
            )
            start, part_t0 = end, now
    return {
        **growth[-1],
        "model_load_s": round(load_s, 2),
        "growth": growth,
    }


def _baseline_model() -> Any:
    from sentence_transformers import SentenceTransformer

    from credibility.embed.embedder import packaged_model_path

    return SentenceTransformer(str(packaged_model_path()), device="cpu")


def _all_sentences(articles: Sequence[PolitiFactArticle]) -> list[str]:
    from credibility.text.sentences import split_sentences

    sentences: list[str] = []
    for a in articles:
        sentences.extend(x for x in (a.title, a.claim) if x.strip())
        sentences.extend(s.text for s in split_sentences(a.text))
    return sentences


def baseline_ingest(articles: list[PolitiFactArticle]) -> dict[str, Any]:
    import faiss

    model = _baseline_model()
    model.encode(["warm up"])
    t0 = time.perf_counter()
    sentences = _all_sentences(articles)
    vectors = model.encode(sentences, batch_size=64, normalize_embeddings=True, convert_to_numpy=True)
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    seconds = time.perf_counter() - t0
    return {
        "articles": len(articles),
        "sentences": len(sentences),
        "embedded": len(sentences),
        "seconds": round(seconds, 2),
        "sentences_per_s": round(len(sentences) / seconds, 1),
        "peak_rss_mb": round(_peak_rss_mb(), 1),
    }


# --- check --------------------------------------------------------------------------------
_NUMBER = re.compile(r"\b\d[\d,]*\b")


def altered_copy(text: str, rng: random.Random) -> str:
    """Change roughly every third number: what an altered repost looks like to the pipeline."""

    def bump(match: re.Match[str]) -> str:
        if rng.random() > 0.33:
            return match.group()
        digits = match.group().replace(",", "")
        return str(int(digits) + rng.randint(1, 9))

    return _NUMBER.sub(bump, text)


WARMUP = "warmup"


def check_inputs(
    indexed: Sequence[PolitiFactArticle], unseen: Sequence[PolitiFactArticle], n: int
) -> dict[str, list[str]]:
    """The timed check sets, and under ``WARMUP`` one unseen article that none of them holds."""
    rng = random.Random(SEED)
    chosen = rng.sample(list(indexed), min(n, len(indexed)))
    return {
        "verbatim": [a.text for a in chosen],
        "altered": [altered_copy(a.text, rng) for a in chosen],
        "unseen": [a.text for a in list(unseen)[:n]],
        WARMUP: [a.text for a in list(unseen)[n : n + 1]],
    }


def _timed(inputs: dict[str, list[str]]) -> list[tuple[str, list[str]]]:
    return [(kind, texts) for kind, texts in inputs.items() if kind != WARMUP]


def pipeline_check(home: str, inputs: dict[str, list[str]], backend: str) -> dict[str, Any]:
    from credibility.embed.embedder import load_embedder
    from credibility.engine.check import CheckEngine
    from credibility.engine.ingest import open_reader
    from credibility.settings import Settings

    settings = Settings(home=Path(home), encoder_backend=backend)  # type: ignore[arg-type]
    embedder = load_embedder(settings)
    embedder.encode(["warm up"])
    engine = CheckEngine(open_reader(settings, embedder), embedder, settings)
    for text in inputs[WARMUP]:  # warm the way a long-lived worker is warm, outside the timed set
        engine.check(text)
    out: dict[str, Any] = {}
    for kind, texts in _timed(inputs):
        t0 = time.perf_counter()
        for text in texts:
            engine.check(text)
        seconds = time.perf_counter() - t0
        out[kind] = {
            "articles": len(texts),
            "seconds": round(seconds, 3),
            "articles_per_s": round(len(texts) / seconds, 2),
        }
    out["peak_rss_mb"] = round(_peak_rss_mb(), 1)
    return out


def baseline_check(home: str, inputs: dict[str, list[str]]) -> dict[str, Any]:
    import faiss

    from credibility.text.sentences import split_sentences
    from index.store import IndexReader

    reader = IndexReader.open(Path(home) / "index")
    _, vectors = reader.all_sentence_vectors()
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(np.ascontiguousarray(vectors))
    model = _baseline_model()

    def check(text: str) -> None:
        sentences = [s.text for s in split_sentences(text)]
        q = model.encode(sentences, batch_size=64, normalize_embeddings=True, convert_to_numpy=True)
        scores, _ = index.search(np.ascontiguousarray(q, dtype=np.float32), 1)
        _labels = scores[:, 0] >= 0.8  # one threshold: all the naive baseline decides

    for text in inputs[WARMUP]:
        check(text)
    out: dict[str, Any] = {}
    for kind, texts in _timed(inputs):
        t0 = time.perf_counter()
        for text in texts:
            check(text)
        seconds = time.perf_counter() - t0
        out[kind] = {
            "articles": len(texts),
            "seconds": round(seconds, 3),
            "articles_per_s": round(len(texts) / seconds, 2),
        }
    out["peak_rss_mb"] = round(_peak_rss_mb(), 1)
    return out


# --- scale --------------------------------------------------------------------------------
def jittered(base: np.ndarray, n: int, rng: np.random.Generator, scale: float = 0.03) -> np.ndarray:
    """``n`` unit vectors: real embeddings, repeated with small noise (no exact ties)."""
    reps = int(np.ceil(n / len(base)))
    out = np.empty((n, base.shape[1]), dtype=np.float32)
    for r in range(reps):
        lo, hi = r * len(base), min(n, (r + 1) * len(base))
        if lo >= hi:
            break
        block = base[: hi - lo] + rng.normal(0, scale, size=(hi - lo, base.shape[1])).astype(np.float32)
        out[lo:hi] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def scale_run(home: str, sizes: list[int], types: list[str], queries: int = 300) -> dict[str, Any]:
    import faiss

    from index.store import IndexReader
    from index.vectors import VectorIndex, VectorIndexParams

    reader = IndexReader.open(Path(home) / "index")
    _, base = reader.all_sentence_vectors()
    base = np.unique(base, axis=0)
    rng = np.random.default_rng(SEED)
    rows: list[dict[str, Any]] = []
    for n in sizes:
        data = jittered(base, n, rng)
        ids = np.arange(n, dtype=np.int64)
        # Queries: perturbed copies of stored vectors (like a lightly edited sentence).
        pick = rng.choice(n, size=queries, replace=False)
        q = data[pick] + rng.normal(0, 0.05, size=(queries, data.shape[1])).astype(np.float32)
        q /= np.linalg.norm(q, axis=1, keepdims=True)
        exact = None
        for index_type in types:
            params = VectorIndexParams(index_type=index_type)  # type: ignore[arg-type]
            t0 = time.perf_counter()
            index = VectorIndex.build(data.shape[1], params, ids, data)
            build_s = time.perf_counter() - t0
            size_bytes = len(faiss.serialize_index(index._index))
            _, found = index.search(q, 5)
            if index_type == "flat":
                exact = found
            recall = (
                float(np.mean([len(set(a) & set(b)) / 5 for a, b in zip(found, exact, strict=True)]))
                if exact is not None
                else None
            )
            batch_ms = []
            for start in range(0, min(queries, 300), 30):
                t0 = time.perf_counter()
                index.search(q[start : start + 30], 20)
                batch_ms.append((time.perf_counter() - t0) * 1000)
            rows.append(
                {
                    "sentences": n,
                    "index_type": index_type,
                    # Below 39 points per list IVF is not trained: the index stays exact.
                    "trained": index.is_trained_ivf if index_type == "ivf" else None,
                    "build_s": round(build_s, 2),
                    "bytes": size_bytes,
                    "mb_per_million": round(size_bytes / n * 1e6 / 1e6, 1),
                    "search_30_ms_median": round(statistics.median(batch_ms), 2),
                    "recall_at_5": None if recall is None else round(recall, 4),
                }
            )
            del index
    return {"rows": rows, "peak_rss_mb": round(_peak_rss_mb(), 1)}


def e2e_large(home: str, n: int, index_type: str, articles: dict[str, str], backend: str) -> dict[str, Any]:
    """30-sentence articles against an n-sentence index, end to end in the library (warm)."""
    from credibility.embed.embedder import load_embedder
    from credibility.engine.check import CheckEngine
    from credibility.engine.ingest import open_reader
    from credibility.settings import Settings
    from credibility.text.normalize import text_hash
    from index.store import IndexReader, IndexWriter, NewSentence

    source = IndexReader.open(Path(home) / "index")
    ids, base = source.all_sentence_vectors()
    rows = source.sentences(ids.tolist())
    texts = [rows[int(i)].text for i in ids]
    big_home = Path(home).parent / f"big-{n}-{index_type}"
    settings = Settings(home=big_home, encoder_backend=backend, index_type=index_type)  # type: ignore[arg-type]
    embedder = load_embedder(settings)
    t0 = time.perf_counter()
    if not (big_home / "index" / "config.json").exists():
        from credibility.engine.ingest import index_identity

        rng = np.random.default_rng(SEED)
        vectors = jittered(base, n, rng)
        # The real sentences first, as they are (a verbatim repost finds them by hash), then
        # jittered copies with their own texts up to n.
        vectors[: min(n, len(base))] = base[:n]

        def text_of(i: int) -> str:
            return texts[i] if i < len(texts) else f"{texts[i % len(texts)]} [copy {i}]"

        writer = IndexWriter.open(
            settings.index_dir,
            index_identity(settings, embedder),
            index_type=index_type,  # type: ignore[arg-type]
        )
        per_article = 40
        for a in range(0, n, per_article):
            chunk = range(a, min(n, a + per_article))
            sentences = [
                NewSentence(
                    "body",
                    k,
                    0,
                    10,
                    text_of(i),
                    text_hash(text_of(i)),
                )
                for k, i in enumerate(chunk)
            ]
            writer.store_vectors([s.norm_hash for s in sentences], vectors[list(chunk)])
            writer.put_article(
                {
                    "id": f"synthetic-{a}",
                    "url": "",
                    "title": "",
                    "source": "synthetic",
                    "published": "",
                    "kind": "reporting",
                    "content_hash": f"synthetic-{a}",
                    "claim": "",
                    "rating": "",
                    "verdict": "unrated",
                    "speaker": "",
                    "text": "",
                },
                sentences,
            )
        writer.commit()
        writer.close()
    build_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    reader = open_reader(settings, embedder)
    open_s = time.perf_counter() - t0
    engine = CheckEngine(reader, embedder, settings)
    from credibility.text.sentences import split_sentences

    out: dict[str, Any] = {
        "sentences_in_index": n,
        "index_type": reader.params.index_type,
        "build_s": round(build_s, 1),
        "open_s": round(open_s, 2),
    }
    for kind, article in articles.items():
        spans = split_sentences(article)[:30]
        text = " ".join(s.text for s in spans)
        # Warm: the model and index are loaded; the article itself is new to the engine each
        # time (its embedding cache is emptied), so every unseen sentence is encoded.
        engine.check(text)
        timings = []
        for _ in range(7):
            engine = CheckEngine(reader, embedder, settings)
            engine._memo.clear()  # the process's memo of encoded sentences would remember it
            t0 = time.perf_counter()
            engine.check(text)
            timings.append((time.perf_counter() - t0) * 1000)
        out[kind] = {"article_sentences": len(spans), "check_ms_median": round(statistics.median(timings), 1)}
    out["peak_rss_mb"] = round(_peak_rss_mb(), 1)
    # What the index folder holds on disk, per kind of file (FAISS, vectors, SQLite metadata).
    sizes: dict[str, float] = {}
    for path in (big_home / "index").rglob("*"):
        if path.is_file():
            kind = "faiss" if ".faiss" in path.name else "vectors" if "vectors" in path.name else "sqlite"
            sizes[kind] = sizes.get(kind, 0.0) + path.stat().st_size / 1e6
    out["disk_mb"] = {kind: round(mb, 1) for kind, mb in sorted(sizes.items())}
    return out


# --- the run ------------------------------------------------------------------------------
def run(
    *, quick: bool, work: Path, data: Path, backend: str, log: Callable[[str], None] = print
) -> dict[str, Any]:
    articles = load_politifact(data)
    n = 40 if quick else 2000
    pool = subset(articles, n + 200)
    indexed, unseen = pool[:n], pool[n:]
    started = time.perf_counter()
    results: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python -m benchmarks.speed" + (" --quick" if quick else "") + f" --backend {backend}",
        "machine": machine_info(),
        "backend": backend,
        "articles": n,
        "quick": quick,
    }
    home = Path(tempfile.mkdtemp(prefix="speed-", dir=work))
    try:
        growth_sizes = [] if quick else [n // 4, n // 2]
        log(f"speed: ingest {n} articles (pipeline, backend {backend}; timed at {[*growth_sizes, n]})")
        ingested = _in_child(pipeline_ingest, str(home / "main"), indexed, backend, growth_sizes)
        results["ingest_growth"] = ingested.pop("growth")
        results["ingest_pipeline"] = ingested
        log("speed: ingest (naive baseline)")
        results["ingest_baseline"] = _in_child(baseline_ingest, indexed)
        results["ingest_ratio"] = round(
            results["ingest_pipeline"]["sentences_per_s"] / results["ingest_baseline"]["sentences_per_s"], 2
        )
        log(
            f"speed: ingest {results['ingest_pipeline']['sentences_per_s']} vs"
            f" {results['ingest_baseline']['sentences_per_s']} sentences/s ({results['ingest_ratio']}x)"
        )

        inputs = check_inputs(indexed, unseen, 5 if quick else 100)
        log("speed: check throughput (pipeline, baseline)")
        results["check_pipeline"] = _in_child(pipeline_check, str(home / "main"), inputs, backend)
        results["check_baseline"] = _in_child(baseline_check, str(home / "main"), inputs)
        results["check_ratio"] = {
            kind: round(
                results["check_pipeline"][kind]["articles_per_s"]
                / results["check_baseline"][kind]["articles_per_s"],
                2,
            )
            for kind, _ in _timed(inputs)
        }
        log(f"speed: check ratios {results['check_ratio']}")
        sizes = [10_000, 20_000] if quick else [10_000, 100_000, 1_000_000]
        log(f"speed: search latency and recall at {sizes}")
        results["scale"] = _in_child(scale_run, str(home / "main"), sizes, ["flat", "ivf", "hnsw"])
        big = sizes[-1]
        log(f"speed: 30-sentence articles against a {big:,}-sentence index")
        samples = {"unseen": max(inputs["unseen"], key=len), "verbatim": max(inputs["verbatim"], key=len)}
        results["e2e_large"] = [_in_child(e2e_large, str(home / "main"), big, "ivf", samples, backend)]
    finally:
        shutil.rmtree(home, ignore_errors=True)
    results["runtime_seconds"] = round(time.perf_counter() - started, 1)
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.speed", description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--data", default=None)
    parser.add_argument("--work", default=str(Path(__file__).parent / "work"))
    parser.add_argument("--backend", default=os.environ.get("CREDIBILITY_ENCODER_BACKEND", "torch"))
    parser.add_argument("--out", default=None, help="write the JSON here")
    args = parser.parse_args(argv)
    try:
        root = data_root(args.data)
        work = Path(args.work)
        work.mkdir(parents=True, exist_ok=True)
        results = run(
            quick=args.quick,
            work=work,
            data=root,
            backend=args.backend,
            log=lambda m: print(m, file=sys.stderr),
        )
    except DataMissing as exc:
        print(f"benchmarks: {exc}", file=sys.stderr)
        return 2
    text = json.dumps(results, indent=2)
    if args.out:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text + "\n", encoding="utf-8")
        if out.parent.resolve() == RESULTS_DIR.resolve():
            write_results_md(RESULTS_DIR, RESULTS_MD)
            print(f"benchmarks: wrote {out} and refreshed {RESULTS_MD}", file=sys.stderr)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
