"""Readers for the benchmark data sets (PolitiFact articles, CheckThat! 2021 task 2A and 2B).

The data lives outside the repository (read-only); its folder comes from, in order,
an explicit ``--data`` argument, ``CREDIBILITY_BENCH_DATA``, or ``../shared/data``
next to the repository root. A missing file raises :class:`DataMissing`, which the
command-line entry points turn into a one-line message and exit status 2.
"""

from __future__ import annotations

import gzip
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

DATA_ENV = "CREDIBILITY_BENCH_DATA"
REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data"

POLITIFACT = "politifact/articles.jsonl.gz"
CT2A_DIR = "checkthat2021-2a"
CT2B_DIR = "checkthat2021-2b"


class DataMissing(Exception):
    """A benchmark data file is not where it should be."""


def data_root(explicit: str | Path | None = None) -> Path:
    if explicit:
        return Path(explicit)
    env = os.environ.get(DATA_ENV)
    if env:
        return Path(env)
    return DEFAULT_DATA


def require(root: Path, relative: str) -> Path:
    path = root / relative
    if not path.exists():
        raise DataMissing(
            f"benchmark data file missing: {path} "
            f"(point {DATA_ENV} or --data at the folder holding politifact/, {CT2A_DIR}/ and {CT2B_DIR}/)"
        )
    return path


@dataclass(frozen=True, slots=True)
class PolitiFactArticle:
    id: str
    url: str
    title: str
    speaker: str
    claim: str
    rating: str
    stated: str
    text: str


def load_politifact(root: Path) -> list[PolitiFactArticle]:
    path = require(root, POLITIFACT)
    articles = []
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            raw = json.loads(line)
            articles.append(
                PolitiFactArticle(
                    id=str(raw["id"]),
                    url=str(raw.get("url") or ""),
                    title=str(raw.get("title") or ""),
                    speaker=str(raw.get("speaker") or ""),
                    claim=str(raw.get("claim") or ""),
                    rating=str(raw.get("rating") or ""),
                    stated=str(raw.get("stated") or ""),
                    text=str(raw.get("text") or ""),
                )
            )
    return articles


@dataclass(frozen=True, slots=True)
class ClaimDoc:
    """A verified claim as the retrieval baselines and the pipeline see it."""

    id: str
    title: str
    claim: str
    text: str = ""
    rating: str = ""
    url: str = ""


@dataclass
class RetrievalTask:
    """A CheckThat! claim-retrieval task: corpus, queries and relevance judgements per split."""

    name: str
    corpus: list[ClaimDoc]
    queries: dict[str, str]
    qrels: dict[str, dict[str, set[str]]] = field(default_factory=dict)

    def split_queries(self, split: str) -> dict[str, str]:
        return {qid: self.queries[qid] for qid in self.qrels.get(split, {}) if qid in self.queries}


def _read_qrels(path: Path) -> dict[str, set[str]]:
    qrels: dict[str, set[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) < 4 or parts[3] == "0":
            continue
        qrels.setdefault(parts[0], set()).add(parts[2])
    return qrels


def _read_tsv_pairs(path: Path) -> Iterator[tuple[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        for line in handle:
            line = line.rstrip("\r\n")
            if not line:
                continue
            key, _, value = line.partition("\t")
            yield key, value


def load_2a(root: Path) -> RetrievalTask:
    base = CT2A_DIR
    vclaims = require(root, f"{base}/vclaims.jsonl.gz")
    tweets = require(root, f"{base}/tweets-train-dev.tsv")
    qrels = {split: _read_qrels(require(root, f"{base}/qrels-{split}.tsv")) for split in ("train", "dev")}
    corpus = []
    with gzip.open(vclaims, "rt", encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            raw = json.loads(line)
            corpus.append(
                ClaimDoc(
                    id=str(raw["vclaim_id"]),
                    title=str(raw.get("title") or ""),
                    claim=str(raw.get("vclaim") or ""),
                    text=str(raw.get("subtitle") or ""),
                )
            )
    queries = dict(_read_tsv_pairs(tweets))
    return RetrievalTask("2a", corpus, queries, qrels)


_LINE_ID = re.compile(r"^(?P<transcript>.+)_(?P<line>\d+)$")


def load_2b(root: Path, articles: list[PolitiFactArticle] | None = None, context: int = 0) -> RetrievalTask:
    """Task 2B; with ``context`` > 0 each query gets that many transcript lines before it.

    The verified claims are the PolitiFact articles, so the corpus is built from them.
    """
    base = CT2B_DIR
    queries_path = require(root, f"{base}/iclaims.queries")
    qrels = {split: _read_qrels(require(root, f"{base}/{split}.tsv")) for split in ("train", "dev")}
    if articles is None:
        articles = load_politifact(root)
    corpus = [ClaimDoc(id=a.id, title=a.title, claim=a.claim, rating=a.rating, url=a.url) for a in articles]
    queries = dict(_read_tsv_pairs(queries_path))
    if context > 0:
        queries = _with_context(root, queries, context)
    return RetrievalTask("2b", corpus, queries, qrels)


def _with_context(root: Path, queries: dict[str, str], context: int) -> dict[str, str]:
    transcripts: dict[str, dict[int, str]] = {}
    out = {}
    for qid, text in queries.items():
        match = _LINE_ID.match(qid)
        if not match:
            out[qid] = text
            continue
        name, line_no = match["transcript"], int(match["line"])
        if name not in transcripts:
            path = root / CT2B_DIR / "transcripts" / f"{name}.tsv"
            lines: dict[int, str] = {}
            if path.exists():
                for number, rest in _read_tsv_pairs(path):
                    _, _, sentence = rest.partition("\t")
                    if number.isdigit():
                        lines[int(number)] = sentence
            transcripts[name] = lines
        before = [transcripts[name].get(n, "") for n in range(line_no - context, line_no)]
        out[qid] = " ".join([*(b for b in before if b), text])
    return out
