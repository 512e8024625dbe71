"""Sitemaps (sitemaps.org 0.9, Google News sitemaps) and sitemap indexes, parsed safely.

The XML is parsed by lxml with entities left unresolved, no network access, no DTD and no huge
trees, so a hostile sitemap cannot expand entities, read local files or reach the network. A
gzipped sitemap (``.xml.gz``) is inflated up to a size cap first. Namespaces are not required:
elements are matched by their local name (``loc``, ``lastmod``, ``news:publication_date`` ...).
"""

from __future__ import annotations

import datetime as dt
import re
import zlib
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urljoin, urlsplit

import lxml.etree

from credibility.errors import InputError
from credibility.model.records import LoadProblem

__all__ = [
    "MAX_SITEMAP_URLS",
    "Sitemap",
    "SitemapRef",
    "SitemapURL",
    "inflate",
    "parse_lastmod",
    "parse_sitemap",
]

#: The sitemap protocol's limit of URLs (or sitemaps) per file.
MAX_SITEMAP_URLS = 50_000


@dataclass(frozen=True, slots=True)
class SitemapURL:
    """One page a sitemap lists."""

    loc: str
    #: ``lastmod`` as written (or the news publication date when there is no lastmod).
    lastmod: str = ""
    #: The same as ISO 8601 in UTC, "" when it does not parse.
    lastmod_utc: str = ""
    #: From a news sitemap: the article's title and the publication's name.
    title: str = ""
    publication: str = ""


@dataclass(frozen=True, slots=True)
class SitemapRef:
    """One sitemap a sitemap index lists."""

    loc: str
    lastmod: str = ""
    lastmod_utc: str = ""


@dataclass(frozen=True, slots=True)
class Sitemap:
    kind: Literal["urlset", "index"]
    urls: tuple[SitemapURL, ...] = ()
    sitemaps: tuple[SitemapRef, ...] = ()
    problems: tuple[LoadProblem, ...] = ()


_GZIP = b"\x1f\x8b"
_W3C_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def inflate(data: bytes, max_bytes: int, origin: str = "sitemap") -> bytes:
    """The data, gunzipped when it is gzip, refused past ``max_bytes`` (a gzip bomb stops there)."""
    if not data.startswith(_GZIP):
        return data
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, max_bytes + 1)
    except zlib.error as exc:
        raise InputError(f"{origin}: not a valid gzip file ({exc})") from None
    if len(out) > max_bytes or inflater.unconsumed_tail:
        raise InputError(f"{origin}: inflates to more than {max_bytes:,} bytes; not read")
    return out


def parse_lastmod(value: str) -> str:
    """A W3C datetime (``2026-11-30``, ``2026-11-30T08:00:00+01:00``, ``...Z``) as ISO 8601 UTC, or ""."""
    text = value.strip()
    if not text:
        return ""
    if _W3C_DATE.match(text):
        parts = [int(p) for p in text.split("-")] + [1, 1]
        return dt.datetime(parts[0], parts[1], parts[2], tzinfo=dt.UTC).isoformat(timespec="seconds")
    try:
        when = dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return ""
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(dt.UTC).isoformat(timespec="seconds")


def _local(element: lxml.etree._Element) -> str:
    tag = element.tag
    return lxml.etree.QName(tag).localname if isinstance(tag, str) else ""


def _child_text(element: lxml.etree._Element, *path: str) -> str:
    """Text of the first descendant along ``path`` (local names), stripped."""
    current = [element]
    for name in path:
        current = [c for parent in current for c in parent if _local(c) == name]
        if not current:
            return ""
    return " ".join((current[0].text or "").split())


def _http_url(raw: str, base: str) -> str:
    absolute = urljoin(base, raw) if base else raw
    try:
        parts = urlsplit(absolute)
    except ValueError:
        return ""
    return absolute if parts.scheme in ("http", "https") and parts.hostname else ""


def _parser() -> lxml.etree.XMLParser:
    return lxml.etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse_sitemap(data: bytes, url: str = "", *, max_urls: int = MAX_SITEMAP_URLS) -> Sitemap:
    """A sitemap (``<urlset>``) or a sitemap index (``<sitemapindex>``).

    Raises :class:`InputError` naming ``url`` when the data is not a sitemap (an HTML page,
    broken XML) or lists more than ``max_urls`` entries. Entries without a usable http(s)
    ``loc`` are skipped and listed in ``problems``.
    """
    where = url or "sitemap"
    stripped = data.lstrip()
    if not stripped:
        raise InputError(f"{where}: empty response, not a sitemap")
    try:
        root = lxml.etree.fromstring(stripped, _parser())
    except lxml.etree.XMLSyntaxError as exc:
        looks_html = stripped[:200].lower().startswith((b"<!doctype html", b"<html"))
        hint = " (it is an HTML page)" if looks_html else ""
        reason = " ".join(str(exc).split())  # libxml2's messages may hold line breaks: keep one line
        raise InputError(f"{where}: not a sitemap{hint}: not well-formed XML ({reason})") from None
    kind = _local(root)
    if kind not in ("urlset", "sitemapindex"):
        raise InputError(
            f"{where}: not a sitemap: the root element is <{kind or '?'}>, not <urlset> or <sitemapindex>"
        )
    entries = [c for c in root if _local(c) == ("url" if kind == "urlset" else "sitemap")]
    if len(entries) > max_urls:
        raise InputError(
            f"{where}: lists {len(entries):,} entries, more than the {max_urls:,} a sitemap may hold; not read"
        )
    problems: list[LoadProblem] = []
    if kind == "sitemapindex":
        refs: list[SitemapRef] = []
        for n, entry in enumerate(entries, start=1):
            loc = _http_url(_child_text(entry, "loc"), url)
            if not loc:
                problems.append(LoadProblem(f"{where} sitemap {n}", "no http(s) <loc>; skipped"))
                continue
            lastmod = _child_text(entry, "lastmod")
            refs.append(SitemapRef(loc, lastmod, parse_lastmod(lastmod)))
        return Sitemap("index", sitemaps=tuple(refs), problems=tuple(problems))
    urls: list[SitemapURL] = []
    seen: set[str] = set()
    for n, entry in enumerate(entries, start=1):
        loc = _http_url(_child_text(entry, "loc"), url)
        if not loc:
            problems.append(LoadProblem(f"{where} url {n}", "no http(s) <loc>; skipped"))
            continue
        if loc in seen:
            continue
        seen.add(loc)
        lastmod = _child_text(entry, "lastmod") or _child_text(entry, "news", "publication_date")
        urls.append(
            SitemapURL(
                loc=loc,
                lastmod=lastmod,
                lastmod_utc=parse_lastmod(lastmod),
                title=_child_text(entry, "news", "title"),
                publication=_child_text(entry, "news", "publication", "name"),
            )
        )
    return Sitemap("urlset", urls=tuple(urls), problems=tuple(problems))
