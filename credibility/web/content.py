"""What a response holds: its media type, whether it is what was asked for, and the size cap.

A response is checked against what the caller expects (``html``, ``feed`` or ``any``)
first from its ``Content-Type`` (:func:`type_verdict`), then, where the header is vague,
from the body (:func:`check_sniffed`). A body is read while streaming and refused as
soon as it passes the cap (:func:`read_capped`).
"""

from __future__ import annotations

import codecs
import re
from typing import Literal

import httpx

from credibility.web.fetch_errors import ContentTypeError, TooLargeError, where_fetched

__all__ = [
    "ACCEPT",
    "EXPECTED",
    "Expect",
    "check_sniffed",
    "is_textual",
    "mime_type",
    "read_capped",
    "sniff_binary",
    "type_verdict",
]

Expect = Literal["html", "feed", "any"]

#: The ``Accept`` header sent for each expectation.
ACCEPT: dict[Expect, str] = {
    "html": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5",
    "feed": "application/rss+xml,application/atom+xml,application/rdf+xml;q=0.9,application/xml;q=0.8,"
    "text/xml;q=0.8,*/*;q=0.5",
    "any": "*/*",
}
#: How each expectation is named in messages.
EXPECTED: dict[Expect, str] = {"html": "an HTML page", "feed": "an RSS or Atom feed", "any": "a response"}


def mime_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


_MAGIC = (
    (b"%PDF-", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"GIF8", "a GIF image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"PK\x03\x04", "a ZIP archive"),
    (b"\x1f\x8b", "gzip data"),
    (b"OggS", "Ogg media"),
    (b"ID3", "MP3 audio"),
)
_BINARY_PREFIXES = ("image/", "audio/", "video/", "font/", "model/")
_AMBIGUOUS_TYPES = frozenset(
    {"", "application/octet-stream", "binary/octet-stream", "application/unknown", "text/plain"}
)
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_FEED_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/xml",
        "text/xml",
        "application/x-rss+xml",
        "application/x-atom+xml",
        "text/rss+xml",
    }
)
_FEED_ROOT = re.compile(rb"<(rss|feed|rdf:RDF|RDF)\b", re.I)


def sniff_binary(body: bytes) -> str | None:
    """What a body is when it is binary ('a PDF document'), else None."""
    head = body[:1024].lstrip()
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return name
    if head[4:8] == b"ftyp" or (head.startswith(b"RIFF") and head[8:12] in (b"WEBP", b"WAVE", b"AVI ")):
        return "a media file"
    if b"\x00" in body[:1024] and not body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "binary data"
    return None


def type_verdict(mime: str, expect: Expect) -> bool | None:
    """True: accept from the header alone; False: refuse; None: decide from the body."""
    if expect == "any":
        return True
    if mime in _AMBIGUOUS_TYPES:
        return None
    if expect == "html":
        return mime in _HTML_TYPES
    if mime in _FEED_TYPES or mime.endswith("+xml"):
        return True
    # Feeds are often served as text/html; look at the body instead of refusing.
    return None if mime == "text/html" else False


def is_textual(mime: str) -> bool:
    return (
        not mime
        or mime.startswith("text/")
        or "xml" in mime
        or "json" in mime
        or "html" in mime
        or mime in _AMBIGUOUS_TYPES
    )


def check_sniffed(url: str, status: int, body: bytes, mime: str, expect: Expect) -> None:
    """Refuse a body whose header left it open (``type_verdict`` None) when it is not what was expected."""
    shown = mime or "no content type"
    binary = sniff_binary(body)
    if binary is not None:
        raise ContentTypeError(
            f"expected {EXPECTED[expect]} at {url}, got {binary} ({shown})",
            url=url,
            status=status,
            reason="wrong content type",
        )
    if expect == "feed" and not _FEED_ROOT.search(body[:8192]):
        raise ContentTypeError(
            f"expected {EXPECTED[expect]} at {url}, got {shown} with no RSS, RDF or Atom root",
            url=url,
            status=status,
            reason="wrong content type",
        )


async def read_capped(response: httpx.Response, cap: int, url: httpx.URL, origin: str) -> bytes:
    """The body of ``response``, or :class:`TooLargeError` as soon as it announces or sends more than
    ``cap`` bytes (``origin`` is the URL asked for, ``url`` the hop being read)."""
    status = response.status_code
    announced = response.headers.get("content-length", "")
    if announced.isdigit() and int(announced) > cap:
        raise TooLargeError(
            f"{where_fetched(url, origin)} announces {int(announced)} bytes, over the "
            f"{cap}-byte cap (fetch_max_bytes)",
            url=origin,
            status=status,
            reason="body too large",
        )
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > cap:
            raise TooLargeError(
                f"{where_fetched(url, origin)} sent more than {cap} bytes (fetch_max_bytes); download aborted",
                url=origin,
                status=status,
                reason="body too large",
            )
        chunks.append(chunk)
    return b"".join(chunks)
