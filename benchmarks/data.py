"""Readers for the benchmark data sets (PolitiFact articles, CheckThat! 2021 task 2A and 2B).

The data lives outside the repository (read-only); its folder comes from, in order,
an explicit ``--data`` argument, ``CREDIBILITY_BENCH_DATA``, or ``../shared/data``
next to the repository root. A missing file raises :class:`DataMissing`, which the
command-line entry points turn into a one-line message and exit status 2.
"""

from __future__ import annotations

import difflib
import gzip
import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

DATA_ENV = "CREDIBILITY_BENCH_DATA"
REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data"

POLITIFACT = "politifact/articles.jsonl.gz"
CT2A_DIR = "checkthat2021-2a"
CT2B_DIR = "checkthat2021-2b"


class DataMissing(Exception):
    """A benchmark data file is not where it should be."""


def write_report(build: Callable[[], dict[str, Any]], out: str | Path) -> int:
    """A measurement command's ending: the report built, written to ``out`` as JSON and printed;
    missing data is a one-line message and exit status 2."""
    try:
        report = build()
    except DataMissing as exc:
        print(f"benchmarks: {exc}", file=sys.stderr)
        return 2
    Path(out).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))
    return 0


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
    #: Who made the claim (PolitiFact's speaker) and when (ISO date): features of the claim ranker.
    speaker: str = ""
    date: str = ""


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
                    date=_iso_date(str(raw.get("date") or "")),
                )
            )
    queries = dict(_read_tsv_pairs(tweets))
    return RetrievalTask("2a", corpus, queries, qrels)


_LINE_ID = re.compile(r"^(?P<transcript>.+)_(?P<line>\d+)$")
_MONTH_DAY_YEAR = re.compile(r"([A-Z][a-z]+) (\d{1,2}), (\d{4})")
_DAY_MONTH_YEAR = re.compile(r"(\d{1,2}) ([A-Z][a-z]+) (\d{4})")


def _iso_date(text: str) -> str:
    """ISO date from "stated on October 22, 2019 in ..." or Snopes's "26 May 2015", else ""."""
    for pattern, order in ((_MONTH_DAY_YEAR, "%B %d %Y"), (_DAY_MONTH_YEAR, "%d %B %Y")):
        match = pattern.search(text)
        if match:
            try:
                return datetime.strptime(" ".join(match.groups()), order).date().isoformat()
            except ValueError:
                continue
    return ""


@dataclass(frozen=True, slots=True)
class QueryContext:
    """What a 2B transcript says around a line: its speaker, the debate's date, the lines before."""

    speaker: str
    date: str
    before: str


def transcript_path(root: Path, name: str) -> Path | None:
    """The file of a 2B transcript. Query ids spell some names otherwise than their files
    ("20160115_GOP_charlston" for 20160115_GOP_Charleston.tsv): the file of the same date whose
    name is closest, ignoring case, stands in."""
    folder = root / CT2B_DIR / "transcripts"
    exact = folder / f"{name}.tsv"
    if exact.exists():
        return exact
    same_day = sorted(folder.glob(f"{name[:8]}_*.tsv")) if folder.is_dir() else []
    if not same_day:
        return None
    return max(
        same_day, key=lambda p: difflib.SequenceMatcher(None, p.stem.casefold(), name.casefold()).ratio()
    )


def transcript_lines(root: Path, name: str) -> dict[int, tuple[str, str]]:
    """Line number -> (speaker, sentence) of one 2B transcript (empty when it is missing)."""
    path = transcript_path(root, name)
    lines: dict[int, tuple[str, str]] = {}
    if path is not None:
        for number, rest in _read_tsv_pairs(path):
            speaker, _, sentence = rest.partition("\t")
            if number.isdigit():
                lines[int(number)] = (speaker, sentence)
    return lines


def transcript_date(name: str) -> str:
    """The debate's date from a transcript name ("20170822_Trump_phoenix" -> "2017-08-22")."""
    try:
        return datetime.strptime(name[:8], "%Y%m%d").date().isoformat()
    except ValueError:
        return ""


def query_contexts(root: Path, qids: Iterable[str], lines: int = 2) -> dict[str, QueryContext]:
    """The transcript context of 2B query ids (``<transcript>_<line>``); other ids get none."""
    cache: dict[str, dict[int, tuple[str, str]]] = {}
    out: dict[str, QueryContext] = {}
    for qid in qids:
        match = _LINE_ID.match(qid)
        if not match:
            continue
        name, line_no = match["transcript"], int(match["line"])
        if name not in cache:
            cache[name] = transcript_lines(root, name)
        transcript = cache[name]
        speaker = transcript.get(line_no, ("", ""))[0]
        before = " ".join(transcript[n][1] for n in range(line_no - lines, line_no) if n in transcript)
        out[qid] = QueryContext(speaker, transcript_date(name), before)
    return out


def load_2b(root: Path, articles: list[PolitiFactArticle] | None = None, context: int = 0) -> RetrievalTask:
    """Task 2B; with ``context`` > 0 each query gets that many transcript lines before it.

    The verified claims are the PolitiFact articles, so the corpus is built from them.
    """
    base = CT2B_DIR
    queries_path = require(root, f"{base}/iclaims.queries")
    qrels = {split: _read_qrels(require(root, f"{base}/{split}.tsv")) for split in ("train", "dev")}
    if articles is None:
        articles = load_politifact(root)
    corpus = [
        ClaimDoc(
            id=a.id,
            title=a.title,
            claim=a.claim,
            rating=a.rating,
            url=a.url,
            speaker=a.speaker,
            date=_iso_date(a.stated),
        )
        for a in articles
    ]
    queries = dict(_read_tsv_pairs(queries_path))
    if context > 0:
        queries = _with_context(root, queries, context)
    return RetrievalTask("2b", corpus, queries, qrels)


_TWEET_DATE = re.compile(r"([A-Z][a-z]+ \d{1,2}, \d{4})\s*$")


def query_fields(root: Path, task: RetrievalTask, qids: Iterable[str]) -> dict[str, dict[str, str]]:
    """What is known around each query besides its text, as ``credibility search`` reads it from a
    JSONL queries file: for 2B the speaker of the transcript line, the debate's date and the two
    lines before it; for 2A the tweet's date (the end of its text, after the author)."""
    qids = list(qids)
    if task.name == "2b":
        return {
            qid: {"speaker": ctx.speaker, "date": ctx.date, "context": ctx.before}
            for qid, ctx in query_contexts(root, qids).items()
        }
    out = {}
    for qid in qids:
        match = _TWEET_DATE.search(task.queries.get(qid, "").strip())
        out[qid] = {"date": match.group(1) if match else ""}
    return out


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
            transcripts[name] = {n: line for n, (_, line) in transcript_lines(root, name).items()}
        before = [transcripts[name].get(n, "") for n in range(line_no - context, line_no)]
        out[qid] = " ".join([*(b for b in before if b), text])
    return out
