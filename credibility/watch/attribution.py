"""Publisher attribution: which verified publishers a monitored article copies, and whether it credits them.

A copy credits its publisher when its page

- declares the original as its canonical URL or ``og:url`` (or a page of the publisher's site);
- links the original article;
- has a credit line naming the publisher or its site ("Via Harbour Times", "Source: ht.example",
  "Originally published by The Harbour Times");
- or a byline naming the publisher ("By Jane Doe, Harbour Times").

The publisher is the ``source`` of the verified article the check says the copy copies (its
``copied_from``), its site the registered domain of that article's URL.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from credibility.model.result import ArticleCheck
from credibility.model.watch import Attribution, PageCredits
from credibility.web.sites import registered_domain

__all__ = ["Copied", "attribute", "copied_articles", "same_url"]


@dataclass(frozen=True, slots=True)
class Copied:
    """A verified article a check says the copy copies."""

    article_id: str
    publisher: str
    url: str


def copied_articles(check: ArticleCheck) -> list[Copied]:
    """The verified articles a check copies, with their publisher and URL (from the evidence)."""
    found: list[Copied] = []
    for article_id in check.verdict.copied_from:
        evidence = next(
            (
                s.evidence
                for s in check.sentences
                if s.evidence is not None and s.evidence.article_id == article_id
            ),
            None,
        )
        url = evidence.url if evidence is not None else ""
        if not url and article_id.startswith(("http://", "https://")):
            url = article_id
        publisher = (evidence.source if evidence is not None else "") or registered_domain(url) or article_id
        found.append(Copied(article_id, publisher, url))
    return found


def _words(text: str) -> str:
    words = re.sub(r"[^\w]+", " ", text.casefold()).split()
    return " ".join(words)


def _names(value: str) -> str:
    """A name for matching: words only, case folded, a leading "the" dropped."""
    words = _words(value)
    return words[4:] if words.startswith("the ") else words


def _mentions(text: str, name: str) -> bool:
    if not name:
        return False
    return re.search(rf"(?:^| ){re.escape(name)}(?: |$)", _words(text)) is not None


def same_url(a: str, b: str) -> bool:
    """The same page: scheme, ``www.``, a trailing slash, the query's absence and the fragment ignored."""
    if not a or not b:
        return False

    def key(url: str) -> tuple[str, str, str]:
        try:
            parts = urlsplit(url.strip())
        except ValueError:
            return ("", url, "")
        host = (parts.hostname or "").lower().removeprefix("www.")
        return (host, parts.path.rstrip("/") or "/", parts.query)

    return key(a) == key(b)


def _credit(copied: Copied, credits: PageCredits, page_url: str) -> str:
    """How the page credits the copied article's publisher, "" when it does not."""
    site = registered_domain(copied.url) if copied.url else ""
    own = registered_domain(page_url) if page_url else ""
    for label, value in (("canonical link", credits.canonical), ("og:url", credits.og_url)):
        if value and copied.url and same_url(value, copied.url):
            return f"{label} to the original"
    for label, value in (("canonical link", credits.canonical), ("og:url", credits.og_url)):
        if value and site and registered_domain(value) == site and site != own:
            return f"{label} to {site}"
    if copied.url and any(same_url(link, copied.url) for link in credits.links):
        return "links the original"
    names = [n for n in (_names(copied.publisher), _names(site)) if n]
    for line in credits.credit_lines:
        if any(_mentions(line, n) for n in names):
            return f"credit line {line!r}"
    for byline in credits.bylines:
        if any(_mentions(byline, n) for n in names):
            return f"byline {byline!r}"
    return ""


def attribute(
    copied: Sequence[Copied], credits: PageCredits | None, page_url: str = ""
) -> tuple[Attribution, ...]:
    """Whether the page credits each publisher it copies (one :class:`Attribution` per publisher)."""
    credits = credits or PageCredits()
    by_publisher: dict[str, Attribution] = {}
    for item in copied:
        how = _credit(item, credits, page_url)
        current = by_publisher.get(item.publisher)
        if current is None or (how and not current.credited):
            by_publisher[item.publisher] = Attribution(
                item.publisher, item.article_id, item.url, bool(how), how
            )
    return tuple(by_publisher.values())
