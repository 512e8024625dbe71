"""schema.org ClaimReview (the markup fact-checkers publish) to fact-check :class:`ArticleRecord` s.

Accepts what publishers actually emit: one object, a list, an ``@graph``,
ClaimReviews nested under ``mainEntity``/``hasPart``/..., ``@type`` as a string,
a list or a prefixed IRI (``schema:ClaimReview``, ``https://schema.org/ClaimReview``),
and JSON-LD blocks embedded in an HTML page.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import lxml.etree
import lxml.html

from credibility.errors import InputError
from credibility.model.records import ArticleRecord

__all__ = [
    "claimreview_records",
    "claimreviews_from_html",
    "json_ld_blocks",
    "parse_claimreview",
    "parse_claimreview_json",
    "records_from_html",
]

log = logging.getLogger(__name__)

_MAX_DEPTH = 32


def _local_types(node: dict[str, Any]) -> set[str]:
    raw = node.get("@type", ())
    types = [raw] if isinstance(raw, str) else raw if isinstance(raw, list) else []
    # "schema:ClaimReview", "http://schema.org/ClaimReview" -> "ClaimReview"
    return {re.split(r"[/:#]", t)[-1] for t in types if isinstance(t, str)}


def _iter_claimreviews(obj: object, depth: int = 0) -> Iterator[dict[str, Any]]:
    if depth > _MAX_DEPTH:
        return
    if isinstance(obj, list):
        for item in obj:
            yield from _iter_claimreviews(item, depth + 1)
    elif isinstance(obj, dict):
        if "ClaimReview" in _local_types(obj):
            yield obj
            return
        for value in obj.values():
            if isinstance(value, dict | list):
                yield from _iter_claimreviews(value, depth + 1)


def _text(value: object, depth: int = 0) -> str:
    """A display string from a JSON-LD value: a string, a number, a node's name, a list's first."""
    if depth > _MAX_DEPTH:
        return ""
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, bool):
        return ""
    if isinstance(value, int | float):
        return f"{value:g}" if isinstance(value, float) else str(value)
    if isinstance(value, dict):
        for key in ("name", "@value", "alternateName", "headline"):
            text = _text(value.get(key), depth + 1)
            if text:
                return text
        return ""
    if isinstance(value, list):
        for item in value:
            text = _text(item, depth + 1)
            if text:
                return text
    return ""


def _first_node(value: object) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    if isinstance(value, list):
        for item in value:
            if isinstance(item, dict):
                return item
    return {}


def _rating(node: dict[str, Any]) -> str:
    rating = _first_node(node.get("reviewRating"))
    for key in ("alternateName", "name"):
        text = _text(rating.get(key))
        if text:
            return text
    return _text(rating.get("ratingValue"))


def _record(node: dict[str, Any], *, page_url: str, origin: str) -> ArticleRecord | None:
    claim = _text(node.get("claimReviewed"))
    item = _first_node(node.get("itemReviewed"))
    if not claim:
        # Some publishers put the claim on the reviewed item only.
        claim = _text(item.get("text")) or _text(item.get("name"))
    if not claim:
        log.info("ClaimReview without claimReviewed in %s skipped", origin or page_url or "input")
        return None
    url = _text(node.get("url")) or page_url
    return ArticleRecord(
        id=url,  # made unique by the caller
        text=_text(node.get("reviewBody")) or _text(node.get("description")),
        title=_text(node.get("name")) or _text(node.get("headline")) or claim,
        url=url,
        source=_text(node.get("author")) or _text(node.get("publisher")),
        published=_text(node.get("datePublished")),
        kind="factcheck",
        claim=claim,
        rating=_rating(node),
        speaker=_text(item.get("author")),
        origin=origin,
    )


def _short_hash(*parts: str) -> str:
    # surrogatepass: a lone surrogate from a JSON escape must not crash the id; the record is
    # refused later, with its origin, as text that is not valid Unicode.
    return hashlib.sha1("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:12]


def claimreview_records(data: object, *, page_url: str = "", origin: str = "") -> list[ArticleRecord]:
    """Fact-check records for every ClaimReview in parsed JSON-LD ``data``.

    ``id`` is the review's URL; when several reviews share one URL (or have none),
    a short hash of the claim keeps the ids unique and stable.
    """
    records = [
        r
        for r in (_record(n, page_url=page_url, origin=origin) for n in _iter_claimreviews(data))
        if r is not None
    ]
    counts: dict[str, int] = {}
    for r in records:
        counts[r.url] = counts.get(r.url, 0) + 1
    unique: list[ArticleRecord] = []
    for r in records:
        if not r.url:
            rid = f"claimreview:{_short_hash(r.claim, r.rating, r.source, r.published)}"
        elif counts[r.url] > 1:
            rid = f"{r.url}#claim-{_short_hash(r.claim, r.rating)}"
        else:
            rid = r.url
        unique.append(replace(r, id=rid))
    return unique


def parse_claimreview_json(
    text: str | bytes, *, origin: str = "input", page_url: str = ""
) -> list[ArticleRecord]:
    """Parse a JSON(-LD) document; raises InputError naming ``origin`` when it is not JSON."""
    try:
        data = json.loads(text, strict=False)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{origin}: not valid JSON-LD ({exc}); fix the file or the markup") from exc
    except (RecursionError, ValueError) as exc:  # nested thousands deep, a number too long to read
        raise InputError(
            f"{origin}: unreadable JSON-LD ({type(exc).__name__}); fix the file or the markup"
        ) from exc
    return claimreview_records(data, page_url=page_url, origin=origin)


_WRAPPERS = re.compile(r"^\s*(?:<!--|//\s*<!\[CDATA\[|<!\[CDATA\[)|(?:-->|//\s*\]\]>|\]\]>)\s*$")


def json_ld_blocks(html: str) -> list[str]:
    """The text of each ``<script type="application/ld+json">`` of a page."""
    try:
        root = lxml.html.document_fromstring(re.sub(r"^\s*<\?xml[^>]*>", "", html, count=1))
    except (lxml.etree.ParserError, ValueError):
        return []
    blocks = []
    for script in root.iter("script"):
        if "ld+json" in (script.get("type") or "").lower() and script.text:
            blocks.append(_WRAPPERS.sub("", script.text.strip()))
    return blocks


def claimreviews_from_html(
    html: str, url: str = "", *, strict: bool = False, origin: str = ""
) -> list[ArticleRecord]:
    """Fact-check records from the JSON-LD blocks of an HTML page.

    A broken block is skipped (logged) so the rest of the page still counts; with
    ``strict`` it raises :class:`InputError` naming the page and the block.
    """
    found: list[object] = []
    for n, block in enumerate(json_ld_blocks(html), start=1):
        try:
            found.append(json.loads(block, strict=False))
        except (json.JSONDecodeError, RecursionError, ValueError) as exc:
            # ValueError: a number of thousands of digits; RecursionError: "[" nested 100,000 deep.
            reason = exc if isinstance(exc, json.JSONDecodeError) else type(exc).__name__
            message = f"{url or 'page'}: JSON-LD block {n} is not valid JSON ({reason})"
            if strict:
                raise InputError(message) from exc
            log.warning("%s; skipped", message)
    return claimreview_records(found, page_url=url, origin=origin or url)


def parse_claimreview(data: object, *, origin: str = "", page_url: str = "") -> list[ArticleRecord]:
    """Alias of :func:`claimreview_records` (already-parsed JSON-LD), the name the loaders use."""
    return claimreview_records(data, page_url=page_url, origin=origin)


def records_from_html(html: str, *, origin: str = "", url: str = "") -> list[ArticleRecord]:
    """Alias of :func:`claimreviews_from_html` for saved pages (``origin`` names the file)."""
    return claimreviews_from_html(html, url, origin=origin)
