"""The runner end to end on tiny synthetic data, with a fake pipeline CLI and a fake encoder."""

from __future__ import annotations

import json
import sys
import textwrap
from dataclasses import replace
from pathlib import Path

import pytest

import benchmarks.baselines
from benchmarks import run
from benchmarks.pipeline import Engine, EngineError, prediction_from_check

FAKE_CLI = textwrap.dedent(
    """
    import collections, json, re, sys
    from pathlib import Path

    args = sys.argv[1:]
    home = Path(args[args.index("--home") + 1])
    if args[:2] == ["index", "add"]:
        home.mkdir(parents=True, exist_ok=True)
        with (home / "records.jsonl").open("a", encoding="utf-8") as out:
            out.write(Path(args[-1]).read_text(encoding="utf-8"))
        sys.exit(0)
    records = [json.loads(x) for x in (home / "records.jsonl").read_text(encoding="utf-8").splitlines()]
    if args[0] == "check":
        known = {}
        for r in records:
            for s in re.split(r"(?<=[.!?])\\s+", r["text"].replace("\\n", " ")):
                known[s.strip()] = r["id"]
        for name in args[args.index("--json") + 1 :]:
            text = open(name, encoding="utf-8", newline="").read()
            sentences, owners = [], collections.Counter()
            for m in re.finditer(r"[^\\s.!?][^.!?\\n]*[.!?]*", text):
                owner = known.get(m.group(0).strip())
                label = "supported" if owner else "unsupported"
                owners.update([owner] if owner else [])
                sentences.append({"index": len(sentences), "text": m.group(0), "start": m.start(),
                                  "end": m.end(), "label": label})
            copied = [owners.most_common(1)[0][0]] if owners else []
            print(json.dumps({"article": {"input": name}, "verdict": {"label": "x", "copied_from": copied},
                              "sentences": sentences}))
    elif args[0] == "search":
        path = args[args.index("--queries") + 1]
        for line in open(path, encoding="utf-8"):
            if path.endswith(".jsonl"):
                query = json.loads(line)
                qid, text = query["id"], query["text"] + " " + query.get("speaker", "")
            else:
                qid, _, text = line.rstrip("\\n").partition("\\t")
            words = set(re.findall(r"\\w+", text.lower()))
            ranked = sorted(records, key=lambda r: -len(words & set(re.findall(r"\\w+", (r["title"] + " " + r["claim"]).lower()))))
            print(json.dumps({"query_id": qid, "results": [{"article_id": r["id"], "score": 1.0} for r in ranked[:5]]}))
    """
)


def _args(tmp_path: Path, data: Path, *extra: str) -> list[str]:
    return [
        "--quick",
        "--data",
        str(data),
        "--work",
        str(tmp_path / "work"),
        "--cache",
        str(tmp_path / "cache"),
        "--results-dir",
        str(tmp_path / "results"),
        "--results-md",
        str(tmp_path / "RESULTS.md"),
        *extra,
    ]


def test_missing_data_exits_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run.main(_args(tmp_path, tmp_path / "nowhere")) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "politifact/articles.jsonl.gz" in err and "CREDIBILITY_BENCH_DATA" in err


def test_runner_with_fake_pipeline(
    tmp_path: Path, synth_data_dir: Path, word_hash_encoder: type, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(benchmarks.baselines, "MiniLMEncoder", word_hash_encoder)
    quick = run.PRESETS["quick"]
    # no web noise: the fake pipeline finds sentences by their exact text
    clean = replace(
        quick.generator, noise_rates=tuple((kind, 0.0) for kind, _ in quick.generator.noise_rates)
    )
    monkeypatch.setitem(run.PRESETS, "quick", replace(quick, ct_pipeline_context=True, generator=clean))
    script = tmp_path / "fake_cli.py"
    script.write_text(FAKE_CLI, encoding="utf-8")
    assert run.main(_args(tmp_path, synth_data_dir, "--cli", f"{sys.executable} {script}")) == 0
    results = json.loads((tmp_path / "results" / "quick.json").read_text(encoding="utf-8"))
    assert set(results["pipeline_status"].values()) == {"ok"}
    pipeline = results["reposts"]["pipeline"]
    assert pipeline["test"]["articles"] + pipeline["dev"]["articles"] == sum(
        results["dataset"]["reposts"].values()
    )
    # the fake pipeline finds verbatim sentences, so it must not flag them
    assert pipeline["dev"]["false_flag_rate"]["verbatim"]["rate"] == 0.0
    assert results["reposts"]["naive_baseline"]["dev"]["flag"]["f1"] > 0
    assert set(results["retrieval"]) == {"2a", "2b"}
    assert {"bm25", "minilm", "pipeline", run.NO_RANKER, run.WITH_CONTEXT["2b"]} <= set(
        results["retrieval"]["2b"]["dev"]
    )
    assert run.WITH_CONTEXT["2a"] in results["retrieval"]["2a"]["dev"]
    # the JSONL queries carry what is known around each 2B line
    (query,) = [
        json.loads(line)
        for line in (tmp_path / "work" / "quick" / "queries-2b-dev-context.jsonl").read_text().splitlines()
        if json.loads(line)["id"] == "20200101_debate_0007"
    ]
    assert query["speaker"] == "Speaker" and query["date"] == "2020-01-01" and "Line 6" in query["context"]
    assert results["speed"] is None
    md = (tmp_path / "RESULTS.md").read_text(encoding="utf-8")
    assert "## quick" in md and "| pipeline |" in md and "MAP@5" in md and "cores" in md


def test_checkthat_alone_with_skip_reposts(
    tmp_path: Path, synth_data_dir: Path, word_hash_encoder: type, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(benchmarks.baselines, "MiniLMEncoder", word_hash_encoder)
    script = tmp_path / "fake_cli.py"
    script.write_text(FAKE_CLI, encoding="utf-8")
    extra = ("--skip-reposts", "--name", "checkthat", "--cli", f"{sys.executable} {script}")
    assert run.main(_args(tmp_path, synth_data_dir, *extra)) == 0
    results = json.loads((tmp_path / "results" / "checkthat.json").read_text(encoding="utf-8"))
    assert results["reposts"] == {} and results["dataset"] == {}
    assert "pipeline" in results["retrieval"]["2b"]["dev"]
    md = (tmp_path / "RESULTS.md").read_text(encoding="utf-8")
    assert "## checkthat" in md and "Repost data" not in md and "Runs at a glance" not in md


def test_runner_reports_baselines_when_the_engine_is_missing(
    tmp_path: Path, synth_data_dir: Path, word_hash_encoder: type, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(benchmarks.baselines, "MiniLMEncoder", word_hash_encoder)
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "quick.json").write_text(json.dumps({"name": "quick", "speed": {"p50_ms": 12}}))
    assert run.main(_args(tmp_path, synth_data_dir, "--cli", str(tmp_path / "no-such-credibility"))) == 0
    results = json.loads((tmp_path / "results" / "quick.json").read_text(encoding="utf-8"))
    assert results["pipeline_status"]["reposts"].startswith("check engine not available")
    assert "pipeline" not in results["reposts"] and "naive_baseline" in results["reposts"]
    assert results["speed"] == {"p50_ms": 12}  # kept from the speed benchmarks
    md = (tmp_path / "RESULTS.md").read_text(encoding="utf-8")
    assert "check engine not available" in md and "p50_ms: 12" in md


def test_engine_errors_and_parsing(tmp_path: Path) -> None:
    with pytest.raises(EngineError, match="could not start"):
        Engine([str(tmp_path / "missing")]).index_add(tmp_path, "factcheck", tmp_path / "x.jsonl")
    failing = Engine([sys.executable, "-c", "import sys; sys.stderr.write('boom\\\\n'); sys.exit(3)"])
    with pytest.raises(EngineError, match="exited 3: boom"):
        failing.check(tmp_path, [tmp_path / "a.txt"])
    obj = {
        "verdict": {"copied_from": ["a1", {"id": "a2"}]},
        "sentences": [{"start": 0, "end": 5, "label": "altered"}, {"start": "bad"}],
    }
    prediction = prediction_from_check(obj)
    assert prediction.copied_from == ["a1", "a2"]
    assert [(s.start, s.end, s.label) for s in prediction.sentences] == [(0, 5, "altered")]


def test_results_md_picks_up_a_separate_speed_file(tmp_path: Path) -> None:
    from benchmarks.report import write_results_md

    results = tmp_path / "results"
    results.mkdir()
    (results / "full.json").write_text(json.dumps({"name": "full", "speed": None}), encoding="utf-8")
    (results / "speed-full.json").write_text(json.dumps({"ingest_ratio": 3.5}), encoding="utf-8")
    write_results_md(results, tmp_path / "RESULTS.md")
    md = (tmp_path / "RESULTS.md").read_text(encoding="utf-8")
    assert "## full" in md and "ingest_ratio: 3.5" in md and "## speed" not in md


def test_speed_section_renders_as_tables_with_targets(tmp_path: Path) -> None:
    from benchmarks.report import write_results_md

    ingest = {"articles": 4, "sentences": 100, "embedded": 80, "seconds": 1.0, "peak_rss_mb": 500.0}
    speed = {
        "backend": "onnx-int8",
        "articles": 4,
        "ingest_pipeline": {**ingest, "sentences_per_s": 300.0},
        "ingest_baseline": {**ingest, "embedded": 100, "sentences_per_s": 100.0},
        "ingest_ratio": 3.0,
        "ingest_growth": [],
        "check_pipeline": {"verbatim": {"articles": 2, "seconds": 0.1, "articles_per_s": 20.0}},
        "check_baseline": {"verbatim": {"articles": 2, "seconds": 2.0, "articles_per_s": 1.0}},
        "check_ratio": {"verbatim": 20.0},
        "scale": {
            "rows": [
                {"sentences": 1000, "index_type": t, "build_s": 0.1, "mb_per_million": 1544.0,
                 "search_30_ms_median": 1.0, "recall_at_5": r}
                for t, r in (("flat", 1.0), ("ivf", 0.95), ("hnsw", 0.999))
            ]
        },
        "e2e_large": [
            {"sentences_in_index": 1000, "index_type": "ivf",
             "unseen": {"article_sentences": 30, "check_ms_median": 120.0}}
        ],
    }  # fmt: skip
    results = tmp_path / "results"
    results.mkdir()
    (results / "full.json").write_text(json.dumps({"name": "full", "speed": speed}), encoding="utf-8")
    write_results_md(results, tmp_path / "RESULTS.md")
    md = (tmp_path / "RESULTS.md").read_text(encoding="utf-8")
    assert "| ingest sentences/s, pipeline / baseline | >= 3x | 3.00x | met |" in md
    assert "| verbatim repost check articles/s, pipeline / baseline | >= 20x | 20.0x | met |" in md
    assert "| ivf recall@5 at 1,000 sentences | >= 0.99 | 0.9500 | **not met** |" in md
    assert "| hnsw recall@5 at 1,000 sentences | >= 0.99 | 0.9990 | met |" in md
    assert "| 1,000 | ivf | unseen | 30 | 120.0 |" in md
