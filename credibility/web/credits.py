"""What a page says about where its text comes from: canonical URL, ``og:url``, bylines, credit lines.

:func:`page_credits` reads them from the HTML; :func:`credit_lines` finds the lines of a text
that credit a source ("Via Financial Times", "Source: Reuters", "Originally published by ...").
Whether they credit a given publisher is decided by :mod:`credibility.watch.attribution`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from urllib.parse import urljoin, urlsplit

import lxml.etree
import lxml.html

from credibility.model.watch import PageCredits
from credibility.web.claimreview import json_ld_blocks

__all__ = ["credit_lines", "page_credits"]

#: A line that credits a source, and the credited part after its lead-in.
_CREDIT = re.compile(
    r"""^\W{0,3}(?:
        (?:sources?|credits?|photo\ credit|text\ credit)\s*[:\-–—]\s* |
        (?:via|courtesy(?:\ of)?|reporting\ by|adapted\ from|
           (?:(?:this|the)\ (?:article|story|report)\ )?(?:was\ )?(?:originally|first)\ (?:published|appeared|ran)
               (?:\ (?:by|in|on|at|with))? |
           (?:republished|reprinted)\ (?:from|with\ permission(?:\ (?:of|from))?) |
           published\ with\ permission\ (?:of|from)
        )(?:\s*[:\-–—]\s*|\s+) |
        (?:©|\(c\)|copyright)\s*
    )(?P<credit>\S.*)$""",
    re.IGNORECASE | re.VERBOSE,
)
#: Lines longer than this are body text, not credit lines.
MAX_CREDIT_LINE = 200
MAX_LINKS = 500
_BYLINE_CLASSES = re.compile(r"\b(byline|author|credit|source|attribution)\b", re.IGNORECASE)


def credit_lines(text: str) -> tuple[str, ...]:
    """The short lines of ``text`` that credit a source, as written."""
    found: list[str] = []
    for raw in text.splitlines():
        line = " ".join(raw.split())
        if line and len(line) <= MAX_CREDIT_LINE and _CREDIT.match(line):
            found.append(line)
    return tuple(dict.fromkeys(found))


def _absolute(href: str, base: str) -> str:
    href = (href or "").strip()
    if not href:
        return ""
    try:
        absolute = urljoin(base, href) if base else href
        parts = urlsplit(absolute)
    except ValueError:
        return ""
    return absolute if parts.scheme in ("http", "https") and parts.hostname else ""


def _json_ld_names(html: str) -> Iterator[str]:
    """Author names in the page's JSON-LD (an article's ``author``; not its ``publisher``, which is the
    site that publishes the copy)."""

    def names(value: object) -> Iterator[str]:
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            name = value.get("name")
            if isinstance(name, str):
                yield name
        elif isinstance(value, list):
            for item in value[:20]:
                yield from names(item)

    def walk(node: object, depth: int = 0) -> Iterator[str]:
        if depth > 8:
            return
        if isinstance(node, list):
            for item in node[:50]:
                yield from walk(item, depth + 1)
        elif isinstance(node, dict):
            if "author" in node:
                yield from names(node["author"])
            for key in ("@graph", "mainEntity", "mainEntityOfPage"):
                if key in node:
                    yield from walk(node[key], depth + 1)

    for block in json_ld_blocks(html):
        try:
            data = json.loads(block, strict=False)
        except json.JSONDecodeError:
            continue
        yield from walk(data)


def _clean(values: Iterable[str], limit: int = 200) -> tuple[str, ...]:
    out = []
    for value in values:
        text = " ".join(str(value).split())
        if text and len(text) <= limit:
            out.append(text)
    return tuple(dict.fromkeys(out))


def page_credits(html: str, url: str = "") -> PageCredits:
    """The credits of an HTML page (empty when it does not parse)."""
    try:
        root = lxml.html.document_fromstring(re.sub(r"^\s*<\?xml[^>]*>", "", html or "", count=1))
    except (lxml.etree.ParserError, ValueError):
        return PageCredits()
    canonical = og_url = ""
    bylines: list[str] = []
    for link in root.iter("link"):
        rels = (link.get("rel") or "").lower().split()
        if "canonical" in rels and not canonical:
            canonical = _absolute(link.get("href") or "", url)
    for meta in root.iter("meta"):
        key = (meta.get("property") or meta.get("name") or "").strip().lower()
        content = meta.get("content") or ""
        if key == "og:url" and not og_url:
            og_url = _absolute(content, url)
        elif key in ("author", "article:author", "byl", "dc.creator", "sailthru.author", "parsely-author"):
            bylines.append(content)
    links: list[str] = []
    for a in root.iter("a"):
        href = _absolute(a.get("href") or "", url)
        if "author" in (a.get("rel") or "").lower().split():
            bylines.append(a.text_content())
        if href and len(links) < MAX_LINKS:
            links.append(href)
    for element in root.iter():
        if not isinstance(element.tag, str) or element.tag in ("script", "style", "html", "body", "head"):
            continue
        if _BYLINE_CLASSES.search(f"{element.get('class') or ''} {element.get('itemprop') or ''}"):
            bylines.append(element.text_content())
    bylines.extend(_json_ld_names(html))
    for dropped in root.iter("script", "style", "noscript", "template"):
        dropped.drop_tree()
    # Block elements end a line, so a credit line in its own paragraph reads as one line.
    for block in root.iter("p", "div", "li", "br", "h1", "h2", "h3", "h4", "h5", "h6", "footer", "aside"):
        block.tail = "\n" + (block.tail or "")
    body = root.find("body")
    text = (body if body is not None else root).text_content()
    return PageCredits(
        canonical=canonical,
        og_url=og_url,
        bylines=_clean(bylines),
        credit_lines=credit_lines(text),
        links=tuple(dict.fromkeys(links)),
    )
