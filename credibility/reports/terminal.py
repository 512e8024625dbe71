"""A readable terminal summary of a check, coloured by label when the terminal allows it."""

from __future__ import annotations

import os
from typing import TextIO

from credibility.engine.check import ArticleCheck

_COLOURS = {
    "supported": "32",  # green
    "altered": "33",  # yellow
    "unsupported": "35",  # magenta
    "injected": "31",  # red
    "debunked": "1;31",  # bold red
    "not_checked": "2",  # dim
}


def _paint(text: str, label: str, colour: bool) -> str:
    return f"\033[{_COLOURS[label]}m{text}\033[0m" if colour else text


def print_summary(result: ArticleCheck, out: TextIO) -> None:
    colour = out.isatty() and "NO_COLOR" not in os.environ
    verdict = result.verdict
    name = result.article.input or result.article.id
    counts = ", ".join(f"{label} {n}" for label, n in verdict.counts.items() if n)
    print(f"{name}: {verdict.label.upper()} - {verdict.reason}", file=out)
    copied = ", ".join(verdict.copied_from) or "none"
    print(f"  copied from: {copied}; coverage {verdict.coverage:.0%}; {counts}", file=out)
    for s in result.sentences:
        tag = _paint(f"{s.label:<11}", s.label, colour)
        score = f"{s.score:.2f}" if s.score is not None else "    "
        text = s.text if len(s.text) <= 110 else s.text[:107] + "..."
        print(f"  {tag} {score}  {text}", file=out)
        if s.label not in ("supported", "not_checked"):
            print(f"  {'':<11}       why: {s.reason}", file=out)
            if s.evidence is not None and s.label != "injected":
                print(f"  {'':<11}  evidence: {s.evidence.sentence}", file=out)
