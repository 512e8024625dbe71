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


def build_big_home(
    source_home: Path, big_home: Path, n: int, index_type: str, backend: str
) -> tuple[Any, Any]:
    """An ``n``-sentence index at ``big_home``: the real sentences of ``source_home`` as they are (a
    verbatim repost finds them by hash), then jittered copies of their vectors with their own texts
    up to ``n``, 40 to an article. Kept if it exists. Returns (settings, embedder)."""
    from credibility.embed.embedder import load_embedder
    from credibility.settings import Settings
    from credibility.text.normalize import text_hash
    from index.store import IndexReader, IndexWriter, NewSentence

    settings = Settings(home=big_home, encoder_backend=backend, index_type=index_type)  # type: ignore[arg-type]
    embedder = load_embedder(settings)
    if (big_home / "index" / "config.json").exists():
        return settings, embedder
    from credibility.engine.ingest import index_identity

    source = IndexReader.open(source_home / "index")
    ids, base = source.all_sentence_vectors()
    rows = source.sentences(ids.tolist())
    texts = [rows[int(i)].text for i in ids]
    source.close()
    rng = np.random.default_rng(SEED)
    vectors = jittered(base, n, rng)
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
            NewSentence("body", k, 0, 10, text_of(i), text_hash(text_of(i))) for k, i in enumerate(chunk)
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
    return settings, embedder


def e2e_large(home: str, n: int, index_type: str, articles: dict[str, str], backend: str) -> dict[str, Any]:
    """30-sentence articles against an n-sentence index, end to end in the library (warm)."""
    from credibility.engine.check import CheckEngine
    from credibility.engine.ingest import open_reader

    big_home = Path(home).parent / f"big-{n}-{index_type}"
    t0 = time.perf_counter()
    settings, embedder = build_big_home(Path(home), big_home, n, index_type, backend)
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


# --- the newcomer's view: whole processes -------------------------------------------------
#: What a newcomer writes first: sentence-transformers and a flat FAISS index, a naive splitter,
#: one threshold. Imports at the top, as such a script has them (its ``--help`` pays them too).
PLAIN_SCRIPT = r'''"""A plain checker: sentence-transformers embeddings, a flat FAISS index, one threshold."""
import argparse
import json
import re
from pathlib import Path

import faiss
import numpy as np
from sentence_transformers import SentenceTransformer

SPLIT = re.compile(r"(?<=[.!?])\s+")


def sentences(text):
    return [s.strip() for s in SPLIT.split(text) if s.strip()]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", required=True)
    commands = parser.add_subparsers(dest="command", required=True)
    ingest = commands.add_parser("ingest")
    ingest.add_argument("jsonl")
    ingest.add_argument("out")
    check = commands.add_parser("check")
    check.add_argument("index")
    check.add_argument("files", nargs="+")
    args = parser.parse_args()
    model = SentenceTransformer(args.model, device="cpu")
    if args.command == "ingest":
        texts = []
        for line in open(args.jsonl, encoding="utf-8"):
            record = json.loads(line)
            texts += [x for x in (record.get("title", ""), record.get("claim", "")) if x.strip()]
            texts += sentences(record["text"])
        vectors = model.encode(texts, batch_size=64, normalize_embeddings=True, convert_to_numpy=True)
        index = faiss.IndexFlatIP(vectors.shape[1])
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        Path(args.out).mkdir(parents=True, exist_ok=True)
        faiss.write_index(index, str(Path(args.out) / "index.faiss"))
        (Path(args.out) / "sentences.json").write_text(json.dumps(texts))
        return
    index = faiss.read_index(str(Path(args.index) / "index.faiss"))
    texts = json.loads((Path(args.index) / "sentences.json").read_text())
    for name in args.files:
        found = sentences(Path(name).read_text(encoding="utf-8"))
        queries = model.encode(found, batch_size=64, normalize_embeddings=True, convert_to_numpy=True)
        scores, ids = index.search(np.ascontiguousarray(queries, dtype=np.float32), 1)
        rows = [
            {"text": t, "supported": bool(s[0] >= 0.8), "closest": texts[i[0]] if i[0] >= 0 else None}
            for t, s, i in zip(found, scores, ids)
        ]
        print(json.dumps({"input": name, "sentences": rows}))


main()
'''


def _clean_env(cache: Path) -> dict[str, str]:
    """A newcomer's environment: no ``CREDIBILITY_*`` setting (defaults everywhere), the hub off (as
    the CLI and the Makefile set it); the per-user cache folder inside the run's work folder.
    Python writes its bytecode as it does by default: a sandbox that sets PYTHONDONTWRITEBYTECODE
    (this build machine does) recompiles the project's modules in every process, 0.07 s a run
    that no user pays (the plain script's libraries were compiled when pip installed them)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("CREDIBILITY_") and k != "PYTHONDONTWRITEBYTECODE"
    }
    env.update(
        {"HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false", "CREDIBILITY_CACHE_DIR": str(cache)}
    )
    return env


def _whole(command: Sequence[str], env: dict[str, str]) -> float:
    """Wall seconds of one process, from its start to its exit."""
    import subprocess

    started = time.perf_counter()
    done = subprocess.run(list(command), env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):  # 1: a check flagged something
        raise RuntimeError(f"{' '.join(command[:4])} ... failed ({done.returncode}): {done.stderr[-2000:]}")
    return seconds


def _repeat(command: Sequence[str], env: dict[str, str], times: int) -> dict[str, float]:
    seconds = [_whole(command, env) for _ in range(times)]
    return {"median_s": round(statistics.median(seconds), 3), "best_s": round(min(seconds), 3), "runs": times}


def _politifact_jsonl(articles: Sequence[PolitiFactArticle], path: Path) -> Path:
    """The articles as PolitiFact's own JSONL records (what ``index add`` and the plain script read)."""
    with open(path, "w", encoding="utf-8") as out:
        for a in articles:
            record = {"id": a.id, "url": a.url, "title": a.title, "speaker": a.speaker, "claim": a.claim}
            record.update({"rating": a.rating, "stated": a.stated, "text": a.text})
            out.write(json.dumps(record) + "\n")
    return path


def _plain_index_of(home: Path, out: Path) -> None:
    """The plain script's index files, holding the vectors and texts of a pipeline index."""
    import faiss

    from index.store import IndexReader

    reader = IndexReader.open(home / "index")
    ids, vectors = reader.all_sentence_vectors()
    rows = reader.sentences(ids.tolist())
    reader.close()
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    out.mkdir(parents=True, exist_ok=True)
    faiss.write_index(index, str(out / "index.faiss"))
    (out / "sentences.json").write_text(json.dumps([rows[int(i)].text for i in ids]), encoding="utf-8")


def _loadavg() -> float:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:  # pragma: no cover - not on Unix
        return -1.0


def newcomer(
    work: Path,
    indexed: Sequence[PolitiFactArticle],
    unseen: Sequence[PolitiFactArticle],
    *,
    big: int,
    repeats: int,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """What a newcomer sees: every figure is one whole process (interpreter start, imports and model
    load included) of the ``credibility`` command with default settings, beside the plain script
    (``PLAIN_SCRIPT``) on the same inputs in the same run; ratio = plain seconds / ours."""
    from credibility.embed.base import packaged_model_path
    from credibility.settings import Settings
    from credibility.text.sentences import split_sentences

    cli = str(Path(sys.executable).parent / "credibility")
    env = _clean_env(work / "user-cache")
    plain = work / "plain.py"
    plain.write_text(PLAIN_SCRIPT, encoding="utf-8")
    plain_cmd = [sys.executable, str(plain), "--model", str(packaged_model_path())]
    data = _politifact_jsonl(indexed, work / "articles.jsonl")
    home, plain_index = work / "home", work / "plain-index"
    rows: dict[str, Any] = {}
    loads = [_loadavg()]

    def pair(key: str, label: str, ours: dict[str, float], theirs: dict[str, float], **extra: Any) -> None:
        rows[key] = {
            "label": label,
            "credibility_s": ours["median_s"],
            "credibility_best_s": ours["best_s"],
            "plain_s": theirs["median_s"],
            "plain_best_s": theirs["best_s"],
            "runs": ours["runs"],
            "ratio": round(theirs["median_s"] / ours["median_s"], 2),
            **extra,
        }
        loads.append(_loadavg())
        log(
            f"speed: newcomer {label}: {ours['median_s']} s, plain script {theirs['median_s']} s"
            f" ({rows[key]['ratio']}x)"
        )

    def add(into: Path) -> list[str]:
        return [cli, "index", "add", "--no-progress", "--kind", "factcheck", "--home", str(into), str(data)]

    # Ingest into a fresh home; the first run also exports the default encoder (once per home), so
    # the timed one goes into a second fresh home with that export copied in.
    first = _whole(add(home), env)
    again = work / "home-again"
    if (home / "encoders").is_dir():
        shutil.copytree(home / "encoders", again / "encoders")
    ours = _whole(add(again), env)
    theirs = _whole([*plain_cmd, "ingest", str(data), str(plain_index)], env)
    config = json.loads((home / "index" / "config.json").read_text(encoding="utf-8"))
    pair(
        "ingest",
        f"ingest {len(indexed):,} articles",
        {"median_s": round(ours, 3), "best_s": round(ours, 3), "runs": 1},
        {"median_s": round(theirs, 3), "best_s": round(theirs, 3), "runs": 1},
        first_run_s=round(first, 2),
        sentences=sum(len(split_sentences(a.text)) for a in indexed),
    )

    # Ten verbatim reposts in one process, then one of them alone.
    rng = random.Random(SEED)
    reposts = work / "reposts"
    reposts.mkdir()
    files = []
    for n, a in enumerate(rng.sample(list(indexed), min(10, len(indexed)))):
        files.append(reposts / f"repost-{n:02d}.txt")
        files[-1].write_text(a.text, encoding="utf-8")
    # The first check in a fresh user cache also writes the language identifier's decompressed
    # model (once per user, ~0.4 s): timed on its own, then the runs a user makes every day.
    check_10 = [cli, "check", "--home", str(home), *map(str, files)]
    first_check = _whole(check_10, env)
    pair(
        "check_10",
        f"check {len(files)} verbatim reposts in one process",
        _repeat(check_10, env, repeats),
        _repeat([*plain_cmd, "check", str(plain_index), *map(str, files)], env, repeats),
        first_run_s=round(first_check, 2),
    )
    pair(
        "check_one",
        f"one-shot check of a verbatim repost ({len(split_sentences(files[0].read_text(encoding='utf-8')))}"
        f" sentences, {len(indexed):,}-article index)",
        _repeat([cli, "check", "--home", str(home), str(files[0])], env, repeats),
        _repeat([*plain_cmd, "check", str(plain_index), str(files[0])], env, repeats),
    )

    # A new 40-sentence article against a big index (the real sentences, jittered copies past them),
    # of the index type the defaults give.
    forty = min(unseen, key=lambda a: abs(len(split_sentences(a.text)) - 40))
    article = work / "article-40.txt"
    article.write_text(forty.text, encoding="utf-8")
    default = Settings()
    index_type = "flat" if default.index_type == "auto" else default.index_type
    big_home = work / f"big-{big}"
    if (home / "encoders").is_dir():
        shutil.copytree(home / "encoders", big_home / "encoders")
    build_big_home(home, big_home, big, index_type, default.encoder_backend)
    _plain_index_of(big_home, work / "plain-big")
    pair(
        "check_big",
        f"one-shot check of a new {len(split_sentences(forty.text))}-sentence article,"
        f" {big:,}-sentence {index_type} index",
        _repeat([cli, "check", "--home", str(big_home), str(article)], env, repeats),
        _repeat([*plain_cmd, "check", str(work / "plain-big"), str(article)], env, repeats),
    )
    pair(
        "help",
        "`--help`",
        _repeat([cli, "--help"], env, repeats),
        _repeat([*plain_cmd, "--help"], env, repeats),
    )
    return {
        "encoder_backend": config.get("encoder_backend"),
        "index_type": index_type,
        "articles": len(indexed),
        "big_index_sentences": big,
        "load_average": {"min": min(loads), "max": max(loads)},
        "rows": rows,
    }


# --- the run ------------------------------------------------------------------------------
#: Articles the newcomer table ingests (quick, full), and the index of its one-shot latency row.
NEWCOMER_ARTICLES = (40, 300)
NEWCOMER_BIG_INDEX = 100_000


def run(
    *,
    quick: bool,
    work: Path,
    data: Path,
    backend: str,
    log: Callable[[str], None] = print,
    newcomer_only: bool = False,
) -> dict[str, Any]:
    articles = load_politifact(data)
    n = 40 if quick else 2000
    pool = subset(articles, n + 200)
    indexed, unseen = pool[:n], pool[n:]
    started = time.perf_counter()
    results: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python -m benchmarks.speed"
        + (" --quick" if quick else "")
        + (" --newcomer-only" if newcomer_only else f" --backend {backend}"),
        "machine": machine_info(),
        "backend": backend,
        "articles": n,
        "quick": quick,
    }
    count = NEWCOMER_ARTICLES[0 if quick else 1]
    log(f"speed: newcomer table (whole processes, default settings, {count} articles)")
    newcomer_dir = Path(tempfile.mkdtemp(prefix="newcomer-", dir=work))
    try:
        results["newcomer"] = newcomer(
            newcomer_dir,
            pool[:count],
            unseen,
            big=NEWCOMER_BIG_INDEX,
            repeats=3 if quick else 5,
            log=log,
        )
    finally:
        shutil.rmtree(newcomer_dir, ignore_errors=True)
    if newcomer_only:
        results["runtime_seconds"] = round(time.perf_counter() - started, 1)
        return results
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
    parser.add_argument(
        "--newcomer-only",
        action="store_true",
        help="only the newcomer table (whole CLI processes, default settings)",
    )
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
            newcomer_only=args.newcomer_only,
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
