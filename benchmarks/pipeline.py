"""The project's own pipeline, driven through its command line (the stable contract).

    credibility index add --home DIR --kind factcheck FILE.jsonl
    credibility check --home DIR --json FILE...      one JSON object per line, input order
    credibility search --home DIR --queries FILE.tsv --k N

Going through the CLI keeps the benchmark honest (no private hooks) and measures what a
user gets. Any failure is reported as an :class:`EngineError` with the command's last
words, so the runner can report the baselines alone.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.metrics import ArticlePrediction, PredSentence


class EngineError(Exception):
    """The pipeline's CLI is missing or failed."""


@dataclass
class Engine:
    command: list[str]
    timeout: float = 3 * 3600
    #: Files per ``check`` call: the model loads once per process, so batches are large.
    batch: int = 400

    @classmethod
    def locate(cls, override: str | None = None) -> Engine:
        """The ``credibility`` next to this interpreter, else on PATH; ``override`` is a command line."""
        if override:
            return cls(shlex.split(override))
        beside = Path(sys.executable).parent / "credibility"
        if beside.exists():
            return cls([str(beside)])
        found = shutil.which("credibility")
        if found:
            return cls([found])
        raise EngineError("`credibility` command not found")

    def _run(self, args: Sequence[str], env: Mapping[str, str] | None = None) -> str:
        what = "credibility " + " ".join(args[:2])
        try:
            proc = subprocess.run(
                [*self.command, *args],
                env={**os.environ, **env} if env else None,
                capture_output=True,
                text=True,
                encoding="utf-8",
                errors="replace",
                timeout=self.timeout,
                check=False,
            )
        except FileNotFoundError as exc:
            raise EngineError(f"`{what}` could not start: {exc}") from exc
        except subprocess.TimeoutExpired as exc:
            raise EngineError(f"`{what}` timed out after {self.timeout:.0f} s") from exc
        if proc.returncode != 0:
            tail = [line for line in proc.stderr.strip().splitlines() if line.strip()]
            reason = tail[-1] if tail else "no message"
            raise EngineError(f"`{what}` exited {proc.returncode}: {reason[:300]}")
        return proc.stdout

    def index_add(self, home: Path, kind: str, file: Path) -> None:
        self._run(["index", "add", "--home", str(home), "--kind", kind, str(file)])

    def check(self, home: Path, files: Sequence[Path]) -> list[dict[str, Any]]:
        """One result object per file, in input order."""
        results: list[dict[str, Any]] = []
        for at in range(0, len(files), self.batch):
            chunk = files[at : at + self.batch]
            out = self._run(["check", "--home", str(home), "--json", *map(str, chunk)])
            objects = _json_lines(out)
            if len(objects) != len(chunk):
                raise EngineError(
                    f"`credibility check` printed {len(objects)} results for {len(chunk)} files"
                )
            results.extend(objects)
        return results

    def search(
        self, home: Path, queries: Path, k: int, env: Mapping[str, str] | None = None
    ) -> dict[str, list[str]]:
        """Ranked article ids per query id (``queries``: a TSV, or JSONL with speaker, date, context)."""
        out = self._run(["search", "--home", str(home), "--queries", str(queries), "--k", str(k)], env)
        runs: dict[str, list[str]] = {}
        for obj in _json_lines(out):
            ranked: list[str] = []
            for result in obj.get("results") or []:
                article_id = str(result.get("article_id", ""))
                if article_id and article_id not in ranked:
                    ranked.append(article_id)
            runs[str(obj.get("query_id"))] = ranked
        return runs


def _json_lines(out: str) -> list[dict[str, Any]]:
    objects = []
    for line in out.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue  # progress or log lines on stdout are not results
        try:
            objects.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise EngineError(f"unreadable JSON line from the pipeline: {line[:120]!r}") from exc
    return objects


def prediction_from_check(obj: dict[str, Any]) -> ArticlePrediction:
    """Sentence labels with offsets, and the ids of ``verdict.copied_from``."""
    sentences = []
    for sentence in obj.get("sentences") or []:
        try:
            sentences.append(
                PredSentence(int(sentence["start"]), int(sentence["end"]), str(sentence["label"]))
            )
        except (KeyError, TypeError, ValueError):
            continue
    copied: list[str] = []
    for item in (obj.get("verdict") or {}).get("copied_from") or []:
        if isinstance(item, dict):
            item = item.get("id") or item.get("article_id") or ""
        if item:
            copied.append(str(item))
    return ArticlePrediction(sentences, copied)


def input_stem(obj: dict[str, Any]) -> str | None:
    path = (obj.get("article") or {}).get("input")
    return Path(str(path)).stem if path else None
