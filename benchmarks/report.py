"""Render ``benchmarks/RESULTS.md`` from the result files in ``benchmarks/results/``."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from benchmarks.metrics import ALTERATION_KINDS, LABELS

_ORDER = {"full": 0, "quick": 1}


def _f(value: Any) -> str:
    return f"{value:.3f}" if isinstance(value, int | float) else "–"


def _pct(value: Any) -> str:
    return f"{100 * value:.1f}%" if isinstance(value, int | float) else "–"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return [*lines, ""]


def _systems(reposts: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    out = []
    naive = reposts.get("naive_baseline")
    if naive:
        out.append((f"naive baseline (t={naive['threshold']:.3f})", naive))
    if reposts.get("pipeline"):
        out.append(("pipeline", reposts["pipeline"]))
    return out


def render_run(result: Mapping[str, Any]) -> list[str]:
    machine = result.get("machine", {})
    stats = result.get("dataset", {})
    lines = [
        f"## {result['name']} — {result.get('date', '?')}",
        "",
        f"- Command: `{result.get('command', '?')}`",
        f"- Machine: {machine.get('cpu', '?')}, {machine.get('cores', '?')} cores"
        f" (Python {machine.get('python', '?')})",
        f"- Pipeline encoder backend: `{result.get('encoder_backend', 'torch')}`",
        f"- Runtime: {result.get('runtime_seconds', 0):.0f} s (model loads and indexing included;"
        f" baseline embeddings cache: {result.get('baseline_embedding_cache', {})})",
    ]
    if stats:  # a CheckThat!-only run (--skip-reposts) has none
        lines.append(
            f"- Repost data: {stats.get('indexed_articles', '?')} indexed articles"
            f" ({stats.get('indexed_texts', '?')} sentences, titles and claims),"
            f" reposts dev/test {stats.get('reposts', {}).get('dev', '?')}/{stats.get('reposts', {}).get('test', '?')}"
            f" ({stats.get('reposts_of_unseen', '?')} of unseen articles), gold units {stats.get('labels', {})}"
        )
    for part, status in sorted(result.get("pipeline_status", {}).items()):
        if status != "ok":
            lines.append(f"- Pipeline {part}: {status}")
    lines.append("")

    reposts = result.get("reposts", {})
    systems = _systems(reposts)
    if systems:
        lines += [
            "### Repost detection",
            "",
            "Sentences from each system's own splitter, mapped to the gold unit they overlap most."
            " Flagged = altered, unsupported, injected or debunked. The baseline threshold is tuned on DEV.",
            "",
        ]
        rows = []
        for system, data in systems:
            for split in ("dev", "test"):
                r = data.get(split)
                if not r:
                    continue
                rows.append(
                    [
                        system,
                        split,
                        str(r["sentences"]),
                        _f(r["flag"]["precision"]),
                        _f(r["flag"]["recall"]),
                        _f(r["flag"]["f1"]),
                        _pct(r["false_flag_rate"]["verbatim"]["rate"]),
                        _pct(r["false_flag_rate"]["light_edit"]["rate"]),
                        _pct(r["false_flag_rate"]["boilerplate"]["rate"])
                        if r["false_flag_rate"].get("boilerplate", {}).get("n")
                        else "–",
                        _f(r["accuracy"]),
                        _f(r["copied_from"]["accuracy"]),
                    ]
                )
        lines += _table(
            [
                "system",
                "split",
                "sentences",
                "flag P",
                "flag R",
                "flag F1",
                "false flags verbatim",
                "false flags light edit",
                "false flags page furniture",
                "label accuracy",
                "copied_from acc.",
            ],
            rows,
        )
        label_rows = []
        kind_rows = []
        for system, data in systems:
            r = data.get("test")
            if not r:
                continue
            label_rows.append(
                [system]
                + [
                    f"{_f(r['per_label'][label]['f1'])} ({r['per_label'][label]['support']})"
                    if label in r["per_label"]
                    else "–"
                    for label in LABELS
                ]
            )
            kind_rows.append(
                [system]
                + [
                    f"{_pct(r['altered_by_kind'][k]['altered_recall'])} / {_pct(r['altered_by_kind'][k]['flag_recall'])}"
                    f" (n={r['altered_by_kind'][k]['n']})"
                    for k in ALTERATION_KINDS
                ]
            )
        if label_rows:
            lines += ["Per-label F1 on TEST (support):", ""]
            lines += _table(["system", *LABELS], label_rows)
            lines += ["Altered sentences on TEST, recall as `altered` / as any flag:", ""]
            lines += _table(["system", *ALTERATION_KINDS], kind_rows)
            for system, data in systems:
                confusion = data["test"]["confusion"]
                preds = sorted({p for row in confusion.values() for p in row})
                lines += [f"Confusion on TEST, {system} (rows gold, columns predicted):", ""]
                lines += _table(
                    ["gold \\ predicted", *preds],
                    [[g] + [str(confusion[g].get(p, 0)) for p in preds] for g in sorted(confusion)],
                )

    retrieval = result.get("retrieval", {})
    if retrieval:
        ct = result.get("config", {}).get("checkthat", {})
        lines += [
            "### Claim retrieval (CheckThat! 2021 task 2A tweets→Snopes, 2B debates→PolitiFact)",
            "",
            f"Documents are title + claim. MAP@k as the CheckThat! scorer computes it; MRR over the top"
            f" {ct.get('depth', '?')}. Queries per split: {ct.get('queries_per_split') or 'all'};"
            f" corpus: {ct.get('corpus_size') or 'all claims'}"
            + (" (relevant claims of those queries plus distractors)." if ct.get("corpus_size") else "."),
            "",
        ]
        rows = []
        for task, splits in retrieval.items():
            for split, systems_ in splits.items():
                for system, r in systems_.items():
                    rows.append(
                        [
                            task.upper(),
                            split,
                            system,
                            str(r["queries"]),
                            _f(r.get("map@1")),
                            _f(r.get("map@3")),
                            _f(r.get("map@5")),
                            _f(r.get("map@10")),
                            _f(r.get("mrr")),
                        ]
                    )
        lines += _table(
            ["task", "split", "system", "queries", "MAP@1", "MAP@3", "MAP@5", "MAP@10", "MRR"], rows
        )

    speed = result.get("speed")
    # A named side run (another encoder backend, say) measures quality only: no speed section.
    if speed or result["name"] in _ORDER:
        lines += ["### Speed and scale", ""]
    if speed:
        try:
            lines += render_speed(speed)
        except (KeyError, TypeError, ValueError, ZeroDivisionError):  # older or partial: show it raw
            lines += _render_any(speed)
    elif result["name"] in _ORDER:
        lines += [
            "Not measured yet: filled in from the `speed` key of this results file, or from"
            f" `benchmarks/results/speed-{result['name']}.json` (e.g. `python -m benchmarks.speed"
            f" --out benchmarks/results/speed-{result['name']}.json`).",
            "",
        ]
    timings = result.get("timings")
    if timings:
        lines += ["Stage wall times (s): " + ", ".join(f"{k} {v}" for k, v in timings.items()), ""]
    return lines


#: The speed issue's targets: (label, how to read it from a speed section, passes).
SPEED_TARGETS: tuple[tuple[str, str], ...] = (
    ("ingest sentences/s, pipeline / baseline", ">= 3x"),
    ("verbatim repost check articles/s, pipeline / baseline", ">= 20x"),
    ("30-sentence article against the largest index, warm", "< 300 ms"),
    ("IVF and HNSW recall@5 against exact search at the largest size", ">= 0.99"),
)


def _speed_target_rows(speed: Mapping[str, Any]) -> list[list[str]]:
    rows: list[list[str]] = []
    ingest = float(speed["ingest_ratio"])
    rows.append([SPEED_TARGETS[0][0], SPEED_TARGETS[0][1], f"{ingest:.2f}x", _yes(ingest >= 3)])
    verbatim = float(speed["check_ratio"]["verbatim"])
    rows.append([SPEED_TARGETS[1][0], SPEED_TARGETS[1][1], f"{verbatim:.1f}x", _yes(verbatim >= 20)])
    for e2e in speed.get("e2e_large", []):
        worst = max(
            float(v["check_ms_median"])
            for v in e2e.values()
            if isinstance(v, Mapping) and "check_ms_median" in v
        )
        label = f"{SPEED_TARGETS[2][0]} ({e2e['sentences_in_index']:,} sentences, {e2e['index_type']})"
        rows.append([label, SPEED_TARGETS[2][1], f"{worst:.0f} ms", _yes(worst < 300)])
    scale_rows = speed["scale"]["rows"]
    largest = max(int(r["sentences"]) for r in scale_rows)
    for r in scale_rows:
        if int(r["sentences"]) == largest and r["index_type"] != "flat" and r.get("recall_at_5") is not None:
            recall = float(r["recall_at_5"])
            label = f"{r['index_type']} recall@5 at {largest:,} sentences"
            rows.append([label, SPEED_TARGETS[3][1], f"{recall:.4f}", _yes(recall >= 0.99)])
    return rows


def _yes(ok: bool) -> str:
    return "met" if ok else "**not met**"


#: The newcomer table's targets (issue 15): row key -> (wanted, passes).
NEWCOMER_TARGETS: dict[str, tuple[str, Any]] = {
    "ingest": (">= 3x", lambda r: r["ratio"] >= 3),
    "check_10": (">= 10x", lambda r: r["ratio"] >= 10),
    "check_big": ("<= 1.5 s", lambda r: r["credibility_s"] <= 1.5),
    "help": ("<= 0.3 s", lambda r: r["credibility_s"] <= 0.3),
}


def render_newcomer(newcomer: Mapping[str, Any]) -> list[str]:
    """What a newcomer sees: whole ``credibility`` processes with default settings against the plain
    script, in the same run."""
    load = newcomer.get("load_average", {})
    lines = [
        "What a newcomer sees: each row is one whole process (interpreter start, imports, model load"
        f" included), `credibility` with default settings (encoder `{newcomer.get('encoder_backend')}`,"
        f" index `{newcomer.get('index_type')}`) against a plain sentence-transformers + flat FAISS"
        " script (`PLAIN_SCRIPT` in `benchmarks/speed.py`: naive splitter, one threshold) on the same"
        " inputs in the same run; ratio = plain seconds / credibility seconds; median (best) of the runs."
        f" Load average during the runs {load.get('min', '?')}-{load.get('max', '?')} (2 cores).",
        "",
    ]
    rows = []
    for key, r in newcomer.get("rows", {}).items():
        wanted, passes = NEWCOMER_TARGETS.get(key, ("", None))
        why = "encoder export" if key == "ingest" else "language identifier's cache written"
        extra = f"; first run in a fresh home {r['first_run_s']} s ({why})" if "first_run_s" in r else ""
        rows.append(
            [
                str(r["label"]) + extra,
                f"{r['credibility_s']} ({r['credibility_best_s']})",
                f"{r['plain_s']} ({r['plain_best_s']})",
                str(r["runs"]),
                f"{r['ratio']:.2f}x",
                f"{wanted} {_yes(bool(passes(r)))}" if passes else "",
            ]
        )
    lines += _table(["whole process", "credibility s", "plain script s", "runs", "ratio", "target"], rows)
    return lines


def render_speed(speed: Mapping[str, Any]) -> list[str]:
    """The speed section as tables: targets, the newcomer's whole processes, ingest, check, scale,
    end to end."""
    if "newcomer" in speed and "ingest_pipeline" not in speed:  # a newcomer-only run
        return [
            f"Measured {speed.get('date', '?')} by `{speed.get('command', 'python -m benchmarks.speed')}`.",
            "",
            *render_newcomer(speed.get("newcomer", {})),
        ]
    machine = speed.get("machine", {})
    lines = [
        f"Measured {speed.get('date', '?')} by `{speed.get('command', 'python -m benchmarks.speed')}`"
        f" on {machine.get('cpu', '?')}, {machine.get('cores', '?')} cores, in"
        f" {speed.get('runtime_seconds', '?')} s. Pipeline encoder backend `{speed['backend']}`;"
        " the naive baseline is sentence-transformers (torch) `encode` of every sentence, batch size 64,"
        " and a flat FAISS search, no caching, no fast path. Every row runs in a fresh process; model"
        " load time is left out of throughput.",
        "",
        "Targets:",
        "",
    ]
    lines += _table(["target", "wanted", "measured", ""], _speed_target_rows(speed))
    if speed.get("newcomer"):
        lines += render_newcomer(speed["newcomer"])

    ip, ib = speed["ingest_pipeline"], speed["ingest_baseline"]
    lines += [f"Ingest of {speed['articles']:,} PolitiFact articles (first by id, with body text):", ""]
    lines += _table(
        ["system", "sentences", "embedded", "seconds", "sentences/s", "peak RSS MB", "ratio"],
        [
            [
                f"pipeline ({speed['backend']})",
                f"{ip['sentences']:,}",
                f"{ip['embedded']:,}",
                str(ip["seconds"]),
                str(ip["sentences_per_s"]),
                str(ip["peak_rss_mb"]),
                f"{speed['ingest_ratio']:.2f}x",
            ],
            [
                "naive baseline",
                f"{ib['sentences']:,}",
                f"{ib['embedded']:,}",
                str(ib["seconds"]),
                str(ib["sentences_per_s"]),
                str(ib["peak_rss_mb"]),
                "1x",
            ],
        ],
    )
    growth = speed.get("ingest_growth") or []
    if len(growth) > 1:
        lines += ["Pipeline ingest as the input grows:", ""]
        lines += _table(
            [
                "articles",
                "sentences",
                "embedded",
                "seconds",
                "sentences/s",
                "this part, sentences/s",
                "peak RSS MB",
            ],
            [
                [
                    str(g["articles"]),
                    f"{g['sentences']:,}",
                    f"{g['embedded']:,}",
                    str(g["seconds"]),
                    str(g["sentences_per_s"]),
                    str(g.get("part_sentences_per_s", "")),
                    str(g["peak_rss_mb"]),
                ]
                for g in growth
            ],
        )

    cp, cb = speed["check_pipeline"], speed["check_baseline"]
    kinds = [k for k in ("verbatim", "altered", "unseen") if k in cp]
    lines += ["Check throughput (articles/s; altered = every third number changed):", ""]
    lines += _table(
        ["reposts", "articles", "pipeline", "baseline", "ratio"],
        [
            [
                kind,
                str(cp[kind]["articles"]),
                str(cp[kind]["articles_per_s"]),
                str(cb[kind]["articles_per_s"]),
                f"{speed['check_ratio'][kind]:.1f}x",
            ]
            for kind in kinds
        ],
    )
    lines += [
        f"Peak RSS: pipeline {cp.get('peak_rss_mb', '?')} MB, baseline {cb.get('peak_rss_mb', '?')} MB.",
        "",
        "Search at scale (real sentence embeddings of the ingested articles, jittered copies past"
        " them; 30 queries a batch, k = 20; recall@5 against exact search):",
        "",
    ]
    lines += _table(
        ["sentences", "index", "build s", "MB per million sentences", "search 30 ms", "recall@5"],
        [
            [
                f"{r['sentences']:,}",
                str(r["index_type"]) + (" (too small to train: exact)" if r.get("trained") is False else ""),
                str(r["build_s"]),
                str(r["mb_per_million"]),
                str(r["search_30_ms_median"]),
                "exact" if r["index_type"] == "flat" else _f(r.get("recall_at_5")),
            ]
            for r in speed["scale"]["rows"]
        ],
    )
    e2e_rows = []
    for e2e in speed.get("e2e_large", []):
        for kind in ("unseen", "verbatim"):
            if kind in e2e:
                e2e_rows.append(
                    [
                        f"{e2e['sentences_in_index']:,}",
                        str(e2e["index_type"]),
                        kind,
                        str(e2e[kind]["article_sentences"]),
                        str(e2e[kind]["check_ms_median"]),
                        str(e2e.get("open_s", "")),
                        str(e2e.get("peak_rss_mb", "")),
                    ]
                )
    if e2e_rows:
        lines += ["One article end to end in the library (`CheckEngine.check`, warm, median of 7):", ""]
        lines += _table(
            ["index sentences", "index", "article", "sentences", "check ms", "index open s", "peak RSS MB"],
            e2e_rows,
        )
        for e2e in speed.get("e2e_large", []):
            if e2e.get("disk_mb"):
                parts = ", ".join(f"{kind} {mb:,} MB" for kind, mb in e2e["disk_mb"].items())
                lines += [f"Index folder at {e2e['sentences_in_index']:,} sentences on disk: {parts}.", ""]
    return lines


def _render_any(value: Any, prefix: str = "") -> list[str]:
    """A generic rendering for sections this module does not know the shape of."""
    if isinstance(value, Mapping):
        lines: list[str] = []
        for key, item in value.items():
            if isinstance(item, Mapping | list):
                lines.append(f"{prefix}- **{key}**")
                lines += _render_any(item, prefix + "  ")
            else:
                lines.append(f"{prefix}- {key}: {item}")
        return lines + ([""] if not prefix else [])
    if isinstance(value, list):
        lines = []
        for item in value:
            if isinstance(item, Mapping):
                lines.append(f"{prefix}- " + ", ".join(f"{k}: {v}" for k, v in item.items()))
            else:
                lines.append(f"{prefix}- {item}")
        return lines + ([""] if not prefix else [])
    return [f"{prefix}{value}", ""]


_QUERY_FORMS = {
    ("2a", "text"): "tweet text",
    ("2a", "context"): "+ tweet date",
    ("2b", "text"): "line text",
    ("2b", "context"): "+ speaker, date, 2 lines",
}


def render_claim_ranker(report: Mapping[str, Any]) -> list[str]:
    """The claim ranker's training run (``benchmarks/results/claim-ranker.json``)."""
    decision = report.get("decision_dev", {})
    pools = report.get("pools", {})
    lines = [
        f"## Claim ranker — {report.get('date', '?')}",
        "",
        f"- Command: `{report.get('command', 'python -m benchmarks.train_claim_ranker')}` (seed"
        f" {report.get('seed', '?')}): a logistic model over the features of"
        " `credibility/engine/rerank.py`, fitted on the CheckThat! 2021 2A and 2B **train** splits;"
        f" regularisation (C = {report.get('C', '?')}) and the `debunked` threshold chosen on **dev**.",
        f"- Candidates per query as `credibility search` gathers them: the {pools.get('dense', '?')} closest"
        f" fact-checks by cosine and the {pools.get('lexical', '?')} best by BM25 (claim + title).",
        f"- Threshold {report.get('threshold', '?')} on the probability that the sentence asserts its best"
        f" claim: on dev ({decision.get('queries', '?')} queries and 2B transcript lines with no claim,"
        f" {decision.get('asserting', '?')} of them asserting their best candidate) precision"
        f" {_f(decision.get('precision'))}, recall {_f(decision.get('recall'))}.",
        *(
            [
                f"- The check engine's rule (that threshold, or a claim the sentence nearly copies: cosine"
                f" >= {report['decision_dev_engine'].get('near_verbatim')} or the same words) on the same"
                f" dev set: precision {_f(report['decision_dev_engine'].get('precision'))}, recall"
                f" {_f(report['decision_dev_engine'].get('recall'))}"
                f" ({report['decision_dev_engine'].get('flagged')} flagged)."
            ]
            if report.get("decision_dev_engine")
            else []
        ),
        "- dense = the candidates by cosine (the pipeline without the ranker); pool = share of queries"
        " with a relevant claim among the candidates (the ranker's ceiling).",
        "",
    ]
    rows = []
    for task, splits in report.get("retrieval", {}).items():
        for split in ("train", "dev"):
            for form, r in splits.get(split, {}).items():
                rows.append(
                    [
                        task.upper(),
                        split,
                        _QUERY_FORMS.get((task, form), form),
                        str(r["ranker"].get("queries", "?")),
                        _f(r.get("pool_recall")),
                        *(
                            f"{_f(r[system].get('map@5'))} / {_f(r[system].get('mrr'))}"
                            for system in ("bm25", "dense", "ranker")
                        ),
                    ]
                )
    lines += _table(
        ["task", "split", "query", "queries", "pool", "BM25 MAP@5 / MRR", "dense", "ranker"], rows
    )
    coefficients = report.get("coefficients", {})
    if coefficients:
        ordered = sorted(coefficients.items(), key=lambda kv: -abs(kv[1]))
        lines += [
            "Coefficients (standardised features, largest first): "
            + ", ".join(f"{name} {value:+.2f}" for name, value in ordered),
            "",
        ]
    return lines


_PAIR_KINDS = {
    "pf_restatement": "PolitiFact claim / its own restatement (paraphrase)",
    "ct2a_match": "2A tweet / the Snopes claim it repeats (paraphrase)",
    "pf_other_article": "PolitiFact sentence / closest sentence of another fact-check (in topic)",
    "ct2a_other_claim": "2A tweet / closest claim it does not repeat (in topic)",
}


def render_paraphrase(report: Mapping[str, Any]) -> list[str]:
    """The paraphrase dev set (``benchmarks/results/paraphrase.json``)."""
    real = report.get("real", {})
    rule = real.get("rule", {})
    floor, ceiling = real.get("grey_zone", ["?", "?"])
    lines = [
        f"## Paraphrase dev set — {report.get('date', '?')}",
        "",
        f"- Command: `{report.get('command', 'python -m benchmarks.paraphrase')}`"
        f" ({report.get('runtime_seconds', '?')} s); see `benchmarks/paraphrase.py` for how the pairs are made.",
        f"- Real pairs with cosine in [{floor}, {ceiling}) (the zone where the slot rule decides):"
        f" accepted by the engine's aligned-slot rule (cosine >= 0.9 or cosine +"
        f" {rule.get('lexical_weight', '?')} x content-word dice >= {rule.get('align_accept', '?')}), and by"
        f" that rule or BERTScore-style token F1 >= {real.get('token_threshold', '?')} (threshold chosen on"
        f" train: in-topic acceptance may rise by at most {real.get('token_budget', '?')}).",
        "- Paraphrase rows should be accepted (retention), in-topic rows rejected (the rest of the row"
        " is acceptance, so lower is better).",
        "",
        "| pairs | split | in zone / all | median cosine | median token F1 | accepted: rule | rule or token F1 |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in real.get("pairs", []):
        lines.append(
            f"| {_PAIR_KINDS.get(row['kind'], row['kind'])} | {row['split']} | {row['pairs']} /"
            f" {row['all_pairs']} | {row['median_cosine']:.3f} | {row['median_token_f1']:.3f} |"
            f" {_pct(row['accepted_rule'])} | {_pct(row['accepted_rule_or_token'])} |"
        )
    hand = report.get("handwritten", {})
    summary = hand.get("summary", {})
    if summary:
        lines += [
            "",
            "Hand-written variants of the sample articles (`benchmarks/data/handwritten-paraphrases.json`),"
            " each in its source sentence's place in an otherwise verbatim repost, checked by the whole"
            " engine with default settings:",
            "",
            "| variant | expected | as expected |",
            "|---|---|---|",
        ]
        expected = {"paraphrase": "supported", "fabrication": "flagged", "altered": "altered"}
        for kind, counts in summary.items():
            lines.append(f"| {kind} | {expected.get(kind, '?')} | {counts['ok']} of {counts['cases']} |")
        misses = [r for r in hand.get("rows", []) if not r.get("ok")]
        if misses:
            lines += ["", "Not as expected:", ""]
            lines += [f"- {r['kind']} → `{r['label']}`: {r['text']} ({r['reason']})" for r in misses]
    lines.append("")
    return lines


def render_grey_zone(report: Mapping[str, Any]) -> list[str]:
    """The token-level second look at grey-zone pairs (``benchmarks/results/grey-zone.json``)."""
    low, high = report.get("band", ["?", "?"])
    rule = report.get("rule", {})
    models = report.get("models", {})
    has_unmatched = "unmatched" in models
    lines = [
        f"## Grey zone: a token-level second look — {report.get('date', '?')}",
        "",
        f"- Command: `{report.get('command', 'python -m benchmarks.grey_zone')}`"
        f" ({report.get('runtime_seconds', '?')} s, encoder `{report.get('encoder_backend', '?')}`);"
        " see `benchmarks/grey_zone.py`.",
        f"- The paraphrase dev set's real pairs with cosine in [{low}, {high}): the slot rule (cosine +"
        f" {rule.get('lexical_weight', '?')} x content-word dice >= {rule.get('align_accept', '?')}), then the"
        " rule with a veto by a logistic model over cosine, dice, BERTScore-style token F1 and the weakest"
        " matched word piece (fitted on train, veto threshold chosen on dev), free and with non-negative"
        " weights"
        + (
            "; and a veto when both sentences have a large share of word pieces the other matches nowhere"
            " (best match under 0.5; threshold chosen on dev)."
            if has_unmatched
            else "."
        ),
        "- Paraphrase rows should be accepted (retention), in-topic rows rejected.",
        "",
        "| pairs | split | pairs in band | rule | rule + free veto | rule + non-negative veto |"
        + (" rule + unmatched veto |" if has_unmatched else ""),
        "|---|---|---|---|---|---|" + ("---|" if has_unmatched else ""),
    ]
    for row in report.get("pairs", []):
        lines.append(
            f"| {_PAIR_KINDS.get(row['kind'], row['kind'])} | {row['split']} | {row['pairs']} |"
            f" {_pct(row['accepted_rule'])} | {_pct(row.get('accepted_free', 0))} |"
            f" {_pct(row.get('accepted_non_negative', 0))} |"
            + (f" {_pct(row.get('accepted_unmatched', 0))} |" if has_unmatched else "")
        )
    for name, model in models.items():
        if "coefficients" in model:
            weights = ", ".join(f"{k} {v:+.2f}" for k, v in model["coefficients"].items())
            lines.append(
                f"\n- {name.replace('_', '-')} model (standardised features): {weights}; veto below"
                f" P {model.get('threshold', '?')}"
            )
        else:
            lines.append(
                f"\n- unmatched veto: both sides' unmatched share above {model.get('veto_above', '?')}"
            )
    lines += [
        "",
        "The free model's gain rests on the weakest piece with a negative weight: in these pairs a"
        " paraphrase joins a long text and a short one whose extra words match nothing, which a repost's"
        " rewording does not; held to non-negative weights, the token features get weight 0 and the veto"
        " is a stricter cosine + dice line. The engine keeps the slot rule.",
        "",
    ]
    sweep = report.get("accept_sweep")
    if sweep:
        counts = sweep.get("handwritten", {})
        chosen = sweep.get("chosen_on_train", {})
        lines += [
            "### The slot rule's line is the precision setting",
            "",
            "`CREDIBILITY_CHECK_ALIGN_ACCEPT` (default"
            f" {rule.get('align_accept', '?')}): a sentence in its source sentence's slot is kept as"
            " `supported` when cosine + 0.35 x content-word dice reaches it (or cosine >= 0.9). Acceptance on"
            " the dev pairs above, and of the hand-written variants by the same rule (the engine's other"
            " checks, such as changed facts, come on top):",
            "",
            "| line | PolitiFact restatements kept | 2A matches kept | in-topic PolitiFact accepted |"
            f" in-topic 2A accepted | hand-written paraphrases kept (of {counts.get('paraphrase', '?')}) |"
            f" hand-written fabrications accepted (of {counts.get('fabrication', '?')}) |",
            "|---|---|---|---|---|---|---|",
        ]
        for row in sweep.get("rows", []):
            lines.append(
                f"| {row['accept']:.2f} | {_pct(row.get('pf_restatement', 0))} | {_pct(row.get('ct2a_match', 0))} |"
                f" {_pct(row.get('pf_other_article', 0))} | {_pct(row.get('ct2a_other_claim', 0))} |"
                f" {row['handwritten_paraphrases']} | {row['handwritten_fabrications']} |"
            )
        lines += [
            "",
            "Chosen on the train pairs when an accepted in-topic pair weighs 1, 2 or 3 times a lost"
            " paraphrase: " + ", ".join(f"{float(w):g}x → {a:.2f}" for w, a in chosen.items()) + ".",
            "",
        ]
    return lines


def render_cross_encoder(report: Mapping[str, Any]) -> list[str]:
    """A cross-encoder trained on the real pairs as a grey-zone veto (``cross-encoder.json``)."""
    aucs = report.get("dev_auc", {})
    handwritten = report.get("handwritten", [])
    rewordings = [r for r in handwritten if r["kind"] == "paraphrase"]
    inventions = [r for r in handwritten if r["kind"] == "fabrication"]

    def passing(rows: list[dict[str, Any]], threshold: float | None) -> int:
        return sum(bool(r.get("rule")) and (threshold is None or r["probability"] >= threshold) for r in rows)

    lines = [
        f"## Grey zone: a cross-encoder trained on the real pairs — {report.get('date', '?')}",
        "",
        f"- Command: `{report.get('command', 'python -m benchmarks.cross_encoder')}`"
        f" ({report.get('runtime_seconds', '?')} s); see `benchmarks/cross_encoder.py`.",
        f"- The packaged MiniLM fine-tuned as a cross-encoder on the {report.get('train_pairs', '?')} train"
        f" pairs of the paraphrase dev set ({report.get('epochs', '?')} epochs), as a veto on the slot rule."
        f" On the dev pairs in the grey zone, rewordings against in-topic pairs: AUC"
        f" {aucs.get('cross_encoder', '?')}, against {aucs.get('rule_line', '?')} for the rule's cosine +"
        " dice score. The hand-written variants (each against the source sentence whose place it takes in a"
        " repost; no rule or model was tuned on them) are counted by the same rule and veto.",
        "",
        "| veto below P | PolitiFact restatements kept | 2A matches kept | in-topic PolitiFact accepted |"
        f" in-topic 2A accepted | hand-written rewordings kept (of {len(rewordings)}) |"
        f" hand-written inventions accepted (of {len(inventions)}) |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in report.get("dev_veto", []):
        threshold = row.get("veto_below")
        lines.append(
            f"| {'rule alone' if threshold is None else threshold} | {_pct(row.get('pf_restatement', 0))} |"
            f" {_pct(row.get('ct2a_match', 0))} | {_pct(row.get('pf_other_article', 0))} |"
            f" {_pct(row.get('ct2a_other_claim', 0))} | {passing(rewordings, threshold)} |"
            f" {passing(inventions, threshold)} |"
        )
    if handwritten:
        lines += [
            "",
            "P(same statement) of each hand-written variant:",
            "",
            "| variant | P | text |",
            "|---|---|---|",
        ]
        for row in sorted(handwritten, key=lambda r: (r["kind"], -r["probability"])):
            lines.append(f"| {row['kind']} | {row['probability']:.3f} | {row['text']} |")
    thresholds = [row.get("veto_below") for row in report.get("dev_veto", []) if row.get("veto_below")]
    if handwritten and thresholds:
        first = thresholds[0]
        kept, stopped = passing(rewordings, None), passing(inventions, None)
        lines += [
            "",
            f"At the mildest veto ({first}) it stops {stopped - passing(inventions, first)} of the {stopped}"
            f" hand-written inventions the rule accepts, and {kept - passing(rewordings, first)} of the {kept}"
            " rewordings the rule keeps: it has learnt much of what a PolitiFact restatement looks like,"
            " which a faithful rewording in a repost often is not. Sending that many rewordings to review"
            " would undo the paraphrase retention the issue asks for, and the model would bring torch and"
            " 90 MB of weights back into a check that runs without them, so nothing is wired into the engine.",
        ]
    lines.append("")
    return lines


def render(
    results: Sequence[Mapping[str, Any]],
    ranker: Mapping[str, Any] | None = None,
    paraphrase: Mapping[str, Any] | None = None,
    grey_zone: Mapping[str, Any] | None = None,
    cross_encoder: Mapping[str, Any] | None = None,
) -> str:
    lines = [
        "# Benchmark results",
        "",
        "Written by `python -m benchmarks.run` from `benchmarks/results/*.json`; do not edit by hand.",
        "",
        "- `make bench-quick` = `python -m benchmarks.run --quick` (small index, CheckThat! subsets), then"
        " `python -m benchmarks.speed --quick --backend onnx-int8`: a few minutes",
        "- `make bench` = `python -m benchmarks.run`, then `python -m benchmarks.speed --backend onnx-int8`"
        " (2,000-article speed subset, 1M-sentence indexes)",
        "- Other runs (`--name`, e.g. the repost benchmark with another encoder backend) render beside them.",
        "- Data: `--data DIR` or `CREDIBILITY_BENCH_DATA` (default `../shared/data`).",
        "",
    ]
    lines += render_overview(results)
    if ranker:
        lines += render_claim_ranker(ranker)
    if grey_zone:
        lines += render_grey_zone(grey_zone)
    if cross_encoder:
        lines += render_cross_encoder(cross_encoder)
    if paraphrase:
        lines += render_paraphrase(paraphrase)
    for result in results:
        lines += render_run(result)
    return "\n".join(lines).rstrip() + "\n"


def render_overview(results: Sequence[Mapping[str, Any]]) -> list[str]:
    """One line per run: repost detection on TEST, so encoder backends and code versions compare."""
    rows = []
    for result in results:
        test = result.get("reposts", {}).get("pipeline", {}).get("test")
        if not test:
            continue
        labels = [v["f1"] for v in test["per_label"].values() if v.get("support")]
        baseline = result.get("reposts", {}).get("naive_baseline", {}).get("test")
        rows.append(
            [
                str(result["name"]),
                str(result.get("date", "?")),
                f"`{result.get('encoder_backend', 'torch')}`",
                str(result.get("config", {}).get("generator", {}).get("n_indexed", "?")),
                str(test["articles"]),
                _f(test["flag"]["f1"]),
                _f(sum(labels) / len(labels)) if labels else "–",
                _f(test["accuracy"]),
                _f(baseline["flag"]["f1"]) if baseline else "–",
            ]
        )
    if not rows:
        return []
    return [
        "## Runs at a glance (repost detection, TEST split)",
        "",
        *_table(
            [
                "run",
                "date",
                "encoder",
                "indexed articles",
                "reposts",
                "pipeline flag F1",
                "pipeline macro F1",
                "label accuracy",
                "baseline flag F1",
            ],
            rows,
        ),
    ]


def _read(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def load_results(results_dir: Path) -> list[dict[str, Any]]:
    """Run results, each with its speed section: its own ``speed`` key, else ``speed-<name>.json``."""
    loaded = []
    for path in sorted(results_dir.glob("*.json")):
        data = _read(path)
        if not isinstance(data, dict) or "name" not in data or path.name.startswith("speed"):
            continue
        if not data.get("speed"):
            data["speed"] = _read(results_dir / f"speed-{data['name']}.json")
        loaded.append(data)
    loaded.sort(key=lambda r: (_ORDER.get(str(r["name"]), 2), str(r["name"])))
    return loaded


#: The claim ranker's training figures (``python -m benchmarks.train_claim_ranker``), beside the runs.
CLAIM_RANKER_REPORT = "claim-ranker.json"
#: The paraphrase dev set (``python -m benchmarks.paraphrase``).
PARAPHRASE_REPORT = "paraphrase.json"
#: The token-level second look at grey-zone pairs (``python -m benchmarks.grey_zone``).
GREY_ZONE_REPORT = "grey-zone.json"
#: A cross-encoder trained on the real pairs, as a grey-zone veto (``python -m benchmarks.cross_encoder``).
CROSS_ENCODER_REPORT = "cross-encoder.json"


def write_results_md(results_dir: Path, target: Path) -> None:
    ranker = _read(results_dir / CLAIM_RANKER_REPORT)
    paraphrase = _read(results_dir / PARAPHRASE_REPORT)
    grey_zone = _read(results_dir / GREY_ZONE_REPORT)
    cross_encoder = _read(results_dir / CROSS_ENCODER_REPORT)
    target.write_text(
        render(
            load_results(results_dir),
            ranker if isinstance(ranker, dict) else None,
            paraphrase if isinstance(paraphrase, dict) else None,
            grey_zone if isinstance(grey_zone, dict) else None,
            cross_encoder if isinstance(cross_encoder, dict) else None,
        ),
        encoding="utf-8",
    )
