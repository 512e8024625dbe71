"""The shared promo patterns match exactly what the four patterns they replaced matched."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from credibility.text.promos import PROMO_BLOCK, PROMO_LABEL, PROMO_LINE, PROMO_SENTENCE

ROOT = Path(__file__).resolve().parents[3]

# The patterns as they stood in credibility/engine/check.py (sentence), credibility/web/extract.py
# (block) and credibility/text/sentences.py (label, line) before they moved to
# credibility/text/promos.py; all four were compiled with re.IGNORECASE.
OLD_PATTERNS = {
    "sentence": r"^\s*(read also|also read|read more|see also|related|recommended|more from|watch|listen)\b"
    r"[\s:|\-–—]*",
    "block": r"^(?:read\s+(?:also|more|next)|also\s+read|related(?:\s+(?:articles?|stories|coverage|news))?|"
    r"see\s+also|more\s+on\s+this|recommended(?:\s+for\s+you)?|watch|listen|sponsored|advertisement|"
    r"you\s+may\s+also\s+like|don'?t\s+miss|trending)\b",
    "label": r"(?:read|also read|see|see also|watch|listen|related|more|recommended|trending|photo|photos|image|"
    r"video|credit|credits|source|caption|pictured|file photo)(?:\s+(?:also|more|too|now))?\s*[:|»›>]",
    "line": r"(?:read more|advertisement|continue reading|story continues below(?: advertisement)?|"
    r"skip advertisement|share this article|sign up|subscribe)\W*",
}
NEW_PATTERNS = {"sentence": PROMO_SENTENCE, "block": PROMO_BLOCK, "label": PROMO_LABEL, "line": PROMO_LINE}

PROMO_LIKE = [
    "READ ALSO: Council approves budget",
    "Read also | The mayor responds",
    "Also read - Floods hit the coast",
    "Read more",
    "Read more:",
    "READ MORE » Storm warning",
    "Read  more\tabout it",
    "Read\nalso",
    "Read next: The vote",
    "Read now: the timeline",
    "See also — the full ruling",
    "See: the documents",
    "Related",
    "Related: Harbour bridge closes",
    "Related articles",
    "Related stories: more",
    "Related coverage",
    "Related news",
    "Relatedly, the council met.",
    "Recommended",
    "Recommended for you",
    "More from the newsroom",
    "More on this story",
    "More: the figures",
    "More too > list",
    "Watch: the press conference",
    "WATCH | Live",
    "Watching the vote, she said no.",
    "Listen: the podcast",
    "Listen now: episode 4",
    "Listener letters",
    "Sponsored",
    "Sponsored content",
    "Advertisement",
    "ADVERTISEMENT",
    "Advertisement.",
    "Skip advertisement",
    "Story continues below",
    "Story continues below advertisement",
    "Continue reading",
    "Continue reading...",
    "Share this article",
    "Sign up",
    "Sign up for our newsletter",
    "Subscribe",
    "Subscribe!",
    "You may also like",
    "You  may also like these",
    "Don't miss",
    "Dont miss: the game",
    "Trending",
    "Trending: the story",
    "Photo: Jane Doe/AP",
    "Photos | Getty",
    "Image: Reuters",
    "Video: the clip",
    "Credit: AP",
    "Credits > list",
    "Source: the ministry",
    "Caption: the bridge",
    "Pictured: the mayor",
    "File photo: the bridge in 2019",
    "(Photo: Jane Doe/AP)",
    "  Read also: indented",
    "\tRelated: tabbed",
    "readalso",
    "Readers wrote in.",
    "Reading the report, she frowned.",
    "See the report.",
    "Seen from the bridge, the city glows.",
    "Related to the case, two men were charged.",
    "The related case was dismissed.",
    "Watch out for falling rocks.",
    "Moreover, the figures show growth.",
    "Sources say the vote failed.",
    "Subscribers get early access.",
    "",
    " ",
    "—",
]


def _texts_from_json(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _texts_from_json(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts_from_json(item)


def _corpus() -> list[str]:
    texts: list[str] = list(PROMO_LIKE)
    for path in sorted((ROOT / "credibility" / "sample_data").rglob("*")):
        if path.suffix == ".jsonl":
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    texts.extend(_texts_from_json(json.loads(line)))
        elif path.suffix in (".txt", ".md"):
            texts.append(path.read_text(encoding="utf-8"))
    for path in sorted((ROOT / "tests").rglob("*.json")):
        texts.extend(_texts_from_json(json.loads(path.read_text(encoding="utf-8"))))
    # Test sources hold the HTML and text fixtures: every line of them, quotes and all.
    for path in sorted((ROOT / "tests").rglob("*.py")):
        texts.append(path.read_text(encoding="utf-8"))
    lines: list[str] = []
    for text in texts:
        for line in [text, *text.splitlines()]:
            lines.extend({line, line.strip(), line.strip().strip("\"'"), line.upper()})
    # Each sentence-ish piece on its own as well, as the engine and the splitter see them.
    lines.extend(piece for line in list(lines) for piece in re.split(r"(?<=[.!?])\s+", line))
    return sorted(set(lines))


CORPUS = _corpus()


def _span(match: re.Match[str] | None) -> tuple[int, int] | None:
    return match.span() if match else None


def test_the_corpus_has_promos_and_prose() -> None:
    assert len(CORPUS) > 1000
    block = re.compile(OLD_PATTERNS["block"], re.IGNORECASE)
    assert sum(bool(block.match(line)) for line in CORPUS) >= 30
    assert sum(not block.match(line) for line in CORPUS) >= 1000


@pytest.mark.parametrize("name", sorted(OLD_PATTERNS))
def test_same_matches_as_before(name: str) -> None:
    new, old = NEW_PATTERNS[name], re.compile(OLD_PATTERNS[name], re.IGNORECASE)
    assert new.flags == old.flags
    for line in CORPUS:
        assert _span(new.match(line)) == _span(old.match(line)), line
        assert _span(new.fullmatch(line)) == _span(old.fullmatch(line)), line
        assert _span(new.search(line)) == _span(old.search(line)), line


def test_the_users_take_the_shared_patterns() -> None:
    from credibility.engine import check
    from credibility.text import sentences
    from credibility.web import extract

    assert check._PROMO is PROMO_SENTENCE
    assert extract.PROMO_BLOCK is PROMO_BLOCK
    assert sentences.PROMO_LABEL is PROMO_LABEL and sentences.PROMO_LINE is PROMO_LINE
