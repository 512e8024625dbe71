"""Run the benchmarks: repost detection and CheckThat! claim retrieval, pipeline vs baselines.

    python -m benchmarks.run --quick     # a few minutes: 30 indexed articles, 26 reposts, CheckThat subsets
    python -m benchmarks.run             # full: 400 indexed articles, 240 reposts, all 2A/2B queries

Writes ``benchmarks/results/<name>.json`` and rewrites ``benchmarks/RESULTS.md``. The data
folder comes from ``--data``, ``CREDIBILITY_BENCH_DATA`` or ``../shared/data``; a missing
file stops the run with exit status 2 before anything heavy starts.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import baselines
from benchmarks.baselines import (
    CachedEncoder,
    Encoder,
    NaiveRepostBaseline,
    PysbdSplitter,
    bm25_runs,
    dense_runs,
    naive_predictions,
    tune_threshold,
)
from benchmarks.data import (
    CT2A_DIR,
    CT2B_DIR,
    POLITIFACT,
    ClaimDoc,
    DataMissing,
    PolitiFactArticle,
    RetrievalTask,
    data_root,
    load_2a,
    load_2b,
    query_fields,
    require,
)
from benchmarks.metrics import ArticlePrediction, evaluate_reposts, retrieval_report
from benchmarks.pipeline import Engine, EngineError, input_stem, prediction_from_check
from benchmarks.reposts import (
    DEFAULT_CACHE,
    DEFAULT_WORK,
    REPO_ROOT,
    Benchmark,
    GeneratorConfig,
    Repost,
    generate,
    prepare_corpus,
    published_date,
    write_benchmark,
)
from benchmarks.textkit import stable_hash
from credibility.settings import DEFAULT_ENCODER_BACKEND

RESULTS_DIR = REPO_ROOT / "benchmarks" / "results"
RESULTS_MD = REPO_ROOT / "benchmarks" / "RESULTS.md"
RETRIEVAL_DEPTH = 20
CT_CONTEXT_LINES = 2
#: Pipeline rows of the CheckThat! table beside "pipeline" (the claim ranker on the bare text).
NO_RANKER = "pipeline, no claim ranker"
WITH_CONTEXT = {"2a": "pipeline + tweet date", "2b": "pipeline + speaker, date, 2 lines"}


@dataclass(frozen=True)
class RunConfig:
    name: str
    generator: GeneratorConfig
    #: CheckThat! queries per split (None: all) and corpus size (None: all; else the relevant
    #: claims of the chosen queries plus hash-chosen distractors).
    ct_queries: int | None
    ct_corpus: int | None
    ct_splits: tuple[str, ...]
    command: str
    #: Also search with what is known around each query (JSONL: 2B speaker, date and the lines
    #: before; 2A the tweet's date), through the pipeline (one more model load).
    ct_pipeline_context: bool = True


PRESETS = {
    # Sized for a 2-core machine, where MiniLM embeds roughly 20-40 PolitiFact sentences a
    # second: every indexed sentence is embedded twice (baseline and pipeline).
    "quick": RunConfig(
        name="quick",
        generator=GeneratorConfig(n_indexed=30, n_reposts=20, n_unseen_reposts=6, max_sentences=16),
        ct_queries=20,
        ct_corpus=150,
        ct_splits=("dev",),
        command="python -m benchmarks.run --quick",
        ct_pipeline_context=False,
    ),
    "full": RunConfig(
        name="full",
        generator=GeneratorConfig(n_indexed=400, n_reposts=200, n_unseen_reposts=40, max_sentences=25),
        ct_queries=None,
        ct_corpus=None,
        ct_splits=("dev", "train"),
        command="python -m benchmarks.run",
    ),
}


@dataclass
class Timer:
    """Wall time per stage (summed when a stage runs more than once)."""

    stages: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.stages[name] = round(self.stages.get(name, 0.0) + time.perf_counter() - started, 2)


def log(message: str) -> None:
    print(f"[bench {datetime.now().strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- machine


def machine_info() -> dict[str, Any]:
    model = ""
    cores = 0
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name") and not model:
                model = line.split(":", 1)[1].strip()
            if line.startswith("processor"):
                cores += 1
    except OSError:
        pass
    return {
        "cpu": model or platform.processor() or "unknown",
        "cores": cores or os.cpu_count() or 0,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


# --------------------------------------------------------------------------- CheckThat! subsets


def ct_subset(
    task: RetrievalTask, split: str, n_queries: int | None, corpus_size: int | None, seed: int
) -> tuple[dict[str, str], dict[str, set[str]], list[ClaimDoc]]:
    qrels = {q: rel for q, rel in task.qrels.get(split, {}).items() if q in task.queries}
    qids = sorted(qrels, key=lambda q: stable_hash(str(seed), task.name, q))
    if n_queries is not None:
        qids = qids[:n_queries]
    chosen = {q: qrels[q] for q in qids}
    corpus = task.corpus
    if corpus_size is not None:
        relevant = set().union(*chosen.values()) if chosen else set()
        keep = [d for d in corpus if d.id in relevant]
        others = sorted(
            (d for d in corpus if d.id not in relevant), key=lambda d: stable_hash(str(seed), d.id)
        )
        corpus = sorted(keep + others[: max(0, corpus_size - len(keep))], key=lambda d: d.id)
    return {q: task.queries[q] for q in qids}, chosen, corpus


def claim_record(doc: ClaimDoc, source: str, published: str = "") -> dict[str, str]:
    # Text stays empty: the baselines see title + claim only, and embedding 19k full
    # PolitiFact articles would take the pipeline hours on a laptop. The claim's speaker and
    # date go in as a fact-check carries them (the claim ranker weighs them).
    return {
        "id": doc.id,
        "title": doc.title,
        "url": doc.url,
        "source": source,
        "published": published or doc.date,
        "text": "",
        "claim": doc.claim,
        "rating": doc.rating,
        "speaker": doc.speaker,
    }


def write_queries(path: Path, queries: Mapping[str, str]) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        for qid, text in queries.items():
            flat = re.sub(r"\s+", " ", text).strip()
            handle.write(f"{qid}\t{flat}\n")


def write_context_queries(
    path: Path, queries: Mapping[str, str], fields: Mapping[str, Mapping[str, str]]
) -> None:
    """The JSONL form of a queries file: text plus speaker, date and context where known."""
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        for qid, text in queries.items():
            record = {"id": qid, "text": re.sub(r"\s+", " ", text).strip(), **fields.get(qid, {})}
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")


# --------------------------------------------------------------------------- the run


def run(config: RunConfig, args: argparse.Namespace) -> dict[str, Any]:
    started = time.perf_counter()
    timer = Timer()
    root = data_root(args.data)
    require(root, POLITIFACT)
    if not args.skip_checkthat:
        for relative in (
            f"{CT2A_DIR}/vclaims.jsonl.gz",
            f"{CT2A_DIR}/tweets-train-dev.tsv",
            f"{CT2A_DIR}/qrels-train.tsv",
            f"{CT2A_DIR}/qrels-dev.tsv",
            f"{CT2B_DIR}/iclaims.queries",
            f"{CT2B_DIR}/train.tsv",
            f"{CT2B_DIR}/dev.tsv",
        ):
            require(root, relative)
    cache = None if args.no_cache else Path(args.cache)
    work = Path(args.work) / config.name
    shutil.rmtree(work, ignore_errors=True)  # generated files only; stale homes would mislead
    work.mkdir(parents=True)
    gen_config = config.generator

    log("preparing the PolitiFact corpus (boilerplate, lexicon)")
    with timer.stage("prepare_corpus"):
        corpus, lexicon = prepare_corpus(root, gen_config, cache)
    bench: Benchmark | None = None
    if not args.skip_reposts:
        log("generating reposts")
        with timer.stage("generate"):
            bench = generate(corpus, lexicon, gen_config)
        paths = write_benchmark(bench, work)
        log(f"{bench.stats['reposts']} reposts, {bench.stats['units']} gold units -> {work}")

    results: dict[str, Any] = {
        "name": config.name,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": config.command,
        "machine": machine_info(),
        # The pipeline CLI reads its settings from the environment, as a user's would.
        "encoder_backend": os.environ.get("CREDIBILITY_ENCODER_BACKEND", DEFAULT_ENCODER_BACKEND),
        "config": {
            "generator": asdict(gen_config),
            "checkthat": {
                "queries_per_split": config.ct_queries,
                "corpus_size": config.ct_corpus,
                "splits": list(config.ct_splits),
                "depth": RETRIEVAL_DEPTH,
                "context_lines_2b": CT_CONTEXT_LINES,
            },
        },
        "dataset": bench.stats if bench is not None else {},
        "reposts": {},
        "retrieval": {},
        "pipeline_status": {},
    }

    # looked up at call time so tests can swap in a fake model
    encoder = CachedEncoder(baselines.MiniLMEncoder(), cache / "embeddings" if cache else None)
    engine, engine_error = _locate_engine(args)
    if bench is not None:
        naive = NaiveRepostBaseline(encoder, PysbdSplitter())
        log("naive baseline: embedding the indexed sentences")
        with timer.stage("baseline_index"):
            naive.index(bench.indexed)
        dev, test = bench.split("dev"), bench.split("test")
        with timer.stage("baseline_score"):
            scored = naive.score(dev + test)
        threshold, dev_f1 = tune_threshold(dev, scored)
        predictions = naive_predictions(scored, threshold)
        results["reposts"]["naive_baseline"] = {
            "threshold": threshold,
            "indexed_sentences": naive.indexed_sentences,
            "dev": evaluate_reposts(dev, predictions),
            "test": evaluate_reposts(test, predictions),
        }
        log(f"naive baseline: t={threshold:.3f}, dev flag F1 {dev_f1:.3f}")

        if engine is None:
            results["pipeline_status"]["reposts"] = engine_error
        else:
            pipeline = _pipeline_reposts(engine, bench, paths, work, timer, results)
            if pipeline is not None:
                results["reposts"]["pipeline"] = pipeline

    if not args.skip_checkthat:
        articles = list(corpus.meta.values())
        results["retrieval"] = _checkthat(
            config, root, articles, encoder, engine, engine_error, work, timer, results
        )
    results["timings"] = timer.stages
    results["baseline_embedding_cache"] = {"hits": encoder.hits, "misses": encoder.misses}
    results["runtime_seconds"] = round(time.perf_counter() - started, 1)
    return results


def _locate_engine(args: argparse.Namespace) -> tuple[Engine | None, str | None]:
    if args.no_pipeline:
        return None, "skipped (--no-pipeline)"
    try:
        return Engine.locate(args.cli), None
    except EngineError as exc:
        return None, f"check engine not available: {exc}"


def _pipeline_reposts(
    engine: Engine,
    bench: Benchmark,
    paths: dict[str, Path],
    work: Path,
    timer: Timer,
    results: dict[str, Any],
) -> dict[str, Any] | None:
    home = work / "home-reposts"
    shutil.rmtree(home, ignore_errors=True)
    reposts: list[Repost] = bench.split("dev") + bench.split("test")
    files = [paths["texts"] / f"{r.id}.txt" for r in reposts]
    try:
        log("pipeline: indexing the INDEXED part")
        with timer.stage("pipeline_index_reposts"):
            engine.index_add(home, "factcheck", paths["indexed"])
        log(f"pipeline: checking {len(files)} reposts")
        with timer.stage("pipeline_check"):
            outputs = engine.check(home, files)
    except EngineError as exc:
        results["pipeline_status"]["reposts"] = f"check engine not available: {exc}"
        log(results["pipeline_status"]["reposts"])
        return None
    with (work / "pipeline-check.jsonl").open("w", encoding="utf-8") as handle:
        for obj in outputs:
            handle.write(json.dumps(obj, ensure_ascii=False) + "\n")
    predictions: dict[str, ArticlePrediction] = {}
    for repost, obj in zip(reposts, outputs, strict=True):
        predictions[input_stem(obj) or repost.id] = prediction_from_check(obj)
    results["pipeline_status"]["reposts"] = "ok"
    return {
        "dev": evaluate_reposts(bench.split("dev"), predictions),
        "test": evaluate_reposts(bench.split("test"), predictions),
    }


def _checkthat(
    config: RunConfig,
    root: Path,
    articles: list[PolitiFactArticle],
    encoder: Encoder,
    engine: Engine | None,
    engine_error: str | None,
    work: Path,
    timer: Timer,
    results: dict[str, Any],
) -> dict[str, Any]:
    stated = {a.id: published_date(a.stated) for a in articles}
    with timer.stage("load_checkthat"):
        tasks = {
            "2a": (load_2a(root), None),
            "2b": (load_2b(root, articles), load_2b(root, articles, context=CT_CONTEXT_LINES)),
        }
    out: dict[str, Any] = {}
    indexed_homes: set[str] = set()
    for name, (task, with_context) in tasks.items():
        out[name] = {}
        for split in config.ct_splits:
            queries, qrels, corpus = ct_subset(
                task, split, config.ct_queries, config.ct_corpus, config.generator.seed
            )
            log(f"CheckThat {name} {split}: {len(queries)} queries, {len(corpus)} claims")
            rows: dict[str, Any] = {}
            with timer.stage(f"bm25_{name}"):
                runs = bm25_runs(corpus, queries, RETRIEVAL_DEPTH)
            rows["bm25"] = retrieval_report(runs, qrels)
            with timer.stage(f"minilm_{name}"):
                runs = dense_runs(corpus, queries, RETRIEVAL_DEPTH, encoder)
            rows["minilm"] = retrieval_report(runs, qrels)
            if with_context is not None:
                ctx_queries = {q: with_context.queries[q] for q in queries}
                label = f"+{CT_CONTEXT_LINES} lines context"
                runs = bm25_runs(corpus, ctx_queries, RETRIEVAL_DEPTH)
                rows[f"bm25 {label}"] = retrieval_report(runs, qrels)
                runs = dense_runs(corpus, ctx_queries, RETRIEVAL_DEPTH, encoder)
                rows[f"minilm {label}"] = retrieval_report(runs, qrels)
            status_key = f"search_{name}_{split}"
            if engine is None:
                results["pipeline_status"][status_key] = (engine_error or "").replace(
                    "check engine", "search"
                )
            else:
                # one home per distinct corpus: the full run indexes each corpus once for both splits
                corpus_key = f"{stable_hash(name, *(d.id for d in corpus)):x}"
                home = work / f"home-{name}-{corpus_key}"
                query_file = work / f"queries-{name}-{split}.tsv"
                write_queries(query_file, queries)
                try:
                    if corpus_key not in indexed_homes:
                        shutil.rmtree(home, ignore_errors=True)
                        home.mkdir(parents=True)
                        records = work / f"claims-{name}-{corpus_key}.jsonl"
                        source = "politifact" if name == "2b" else "snopes"
                        with records.open("w", encoding="utf-8") as handle:
                            for doc in corpus:
                                record = claim_record(doc, source, stated.get(doc.id, ""))
                                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
                        with timer.stage(f"pipeline_index_{name}"):
                            engine.index_add(home, "factcheck", records)
                        indexed_homes.add(corpus_key)
                    with timer.stage(f"pipeline_search_{name}"):
                        runs = engine.search(
                            home,
                            query_file,
                            RETRIEVAL_DEPTH,
                            env={"CREDIBILITY_SEARCH_CLAIM_RANKER": "false"},
                        )
                    rows[NO_RANKER] = retrieval_report(runs, qrels)
                    with timer.stage(f"pipeline_search_{name}"):
                        runs = engine.search(home, query_file, RETRIEVAL_DEPTH)
                    rows["pipeline"] = retrieval_report(runs, qrels)
                    if config.ct_pipeline_context:
                        # the JSONL queries: speaker, date and lines before (2B), the tweet's date (2A)
                        ctx_file = work / f"queries-{name}-{split}-context.jsonl"
                        write_context_queries(ctx_file, queries, query_fields(root, task, queries))
                        with timer.stage(f"pipeline_search_{name}"):
                            runs = engine.search(home, ctx_file, RETRIEVAL_DEPTH)
                        rows[WITH_CONTEXT[name]] = retrieval_report(runs, qrels)
                    results["pipeline_status"][status_key] = "ok"
                except EngineError as exc:
                    results["pipeline_status"][status_key] = f"search not available: {exc}"
                    log(results["pipeline_status"][status_key])
            out[name][split] = rows
    return out


# --------------------------------------------------------------------------- files


def write_results(results: dict[str, Any], results_dir: Path) -> Path:
    results_dir.mkdir(parents=True, exist_ok=True)
    path = results_dir / f"{results['name']}.json"
    if path.exists() and "speed" not in results:
        # the speed benchmarks (added separately) may have filled this in; keep it
        try:
            previous = json.loads(path.read_text(encoding="utf-8"))
            if previous.get("speed") is not None:
                results["speed"] = previous["speed"]
        except (OSError, json.JSONDecodeError):
            pass
    results.setdefault("speed", None)
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small run (a few minutes)")
    parser.add_argument("--name", help="results name (default: quick or full)")
    parser.add_argument("--data", help="data folder (default: $CREDIBILITY_BENCH_DATA or ../shared/data)")
    parser.add_argument("--work", default=str(DEFAULT_WORK), help="where generated files go")
    parser.add_argument("--cache", default=str(DEFAULT_CACHE), help="baseline embedding and lexicon cache")
    parser.add_argument("--no-cache", action="store_true")
    parser.add_argument("--results-dir", default=str(RESULTS_DIR))
    parser.add_argument("--results-md", default=str(RESULTS_MD))
    parser.add_argument("--no-pipeline", action="store_true", help="baselines only")
    parser.add_argument("--cli", help="command line of the pipeline CLI (default: `credibility`)")
    parser.add_argument("--skip-checkthat", action="store_true")
    parser.add_argument("--skip-reposts", action="store_true", help="CheckThat! claim retrieval only")
    parser.add_argument("--seed", type=int)
    parser.add_argument("--indexed", type=int, help="indexed articles")
    parser.add_argument("--reposts", type=int, help="reposts of indexed articles")
    parser.add_argument("--unseen-reposts", type=int)
    parser.add_argument("--ct-queries", type=int, help="CheckThat! queries per split (0: all)")
    parser.add_argument("--no-noise", action="store_true", help="reposts without web noise (clean text)")
    args = parser.parse_args(argv)

    config = PRESETS["quick" if args.quick else "full"]
    overrides = {
        "seed": args.seed,
        "n_indexed": args.indexed,
        "n_reposts": args.reposts,
        "n_unseen_reposts": args.unseen_reposts,
    }
    generator = replace(config.generator, **{k: v for k, v in overrides.items() if v is not None})
    if args.no_noise:
        generator = replace(generator, noise_rates=tuple((kind, 0.0) for kind, _ in generator.noise_rates))
    config = replace(config, generator=generator, name=args.name or config.name)
    if args.ct_queries is not None:
        config = replace(config, ct_queries=args.ct_queries or None)
    if argv is None:
        config = replace(config, command=" ".join(["python -m benchmarks.run", *sys.argv[1:]]))
    try:
        results = run(config, args)
    except DataMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    path = write_results(results, Path(args.results_dir))
    from benchmarks.report import write_results_md

    write_results_md(Path(args.results_dir), Path(args.results_md))
    log(f"wrote {path} and {args.results_md} in {results['runtime_seconds']:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
