"""What a response holds: its media type, whether it is what was asked for, and the size cap.

A response is checked against what the caller expects (``html``, ``feed`` or ``any``)
first from its ``Content-Type`` (:func:`type_verdict`), then, where the header is vague,
from the body (:func:`check_sniffed`). A body is read while streaming and refused as
soon as it passes the cap (:func:`read_capped`).

The cap applies to the *decoded* body: ``Content-Encoding`` (gzip, deflate) is decoded here,
a bounded amount at a time, so a compression bomb stops at the cap instead of inflating a
whole network chunk in memory (httpx's own decoders inflate each chunk completely, and a
64 KiB brotli chunk can hold gigabytes). Only gzip and deflate are asked for
(:data:`ACCEPT_ENCODING`); a body in any other encoding is refused with one clear error.
"""

from __future__ import annotations

import codecs
import re
import typing
import zlib
from typing import Literal

import httpx

from credibility.web.fetch_errors import ContentTypeError, TooLargeError, where_fetched
from credibility.web.netguard import FetchFailure

__all__ = [
    "ACCEPT",
    "ACCEPT_ENCODING",
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
#: The content codings asked for: the ones :func:`read_capped` decodes with a bounded output.
ACCEPT_ENCODING = "gzip, deflate"
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
    if hasattr(response, "_content"):
        # A response built in memory (a test's MockTransport): httpx has read and decoded it.
        decoder = _Decoder("", url, origin, status)
        stream: typing.AsyncIterator[bytes] = response.aiter_bytes()
    else:
        decoder = _Decoder(response.headers.get("content-encoding", ""), url, origin, status)
        stream = response.aiter_raw()
    chunks: list[bytes] = []
    size = 0

    def take(pieces: list[bytes]) -> None:
        nonlocal size
        for chunk in pieces:
            size += len(chunk)
            if size > cap:
                raise TooLargeError(
                    f"{where_fetched(url, origin)} sent more than {cap} bytes{decoder.decoded} "
                    "(fetch_max_bytes); download aborted",
                    url=origin,
                    status=status,
                    reason="body too large",
                )
            chunks.append(chunk)

    async for raw in stream:
        take(decoder.feed(raw, cap - size + 1))
    take(decoder.flush(cap - size + 1))
    return b"".join(chunks)


class _Decoder:
    """Decodes one ``Content-Encoding`` (identity, gzip, deflate), never producing more than asked."""

    def __init__(self, header: str, url: httpx.URL, origin: str, status: int) -> None:
        codings = [c.strip().lower() for c in header.split(",") if c.strip()]
        codings = [c for c in codings if c != "identity"]
        self._where = where_fetched(url, origin)
        self._origin, self._status = origin, status
        self._zlib: zlib._Decompress | None = None
        self._deflate = False
        self._produced = self._fed = 0
        self.decoded = ""
        if not codings:
            return
        if len(codings) > 1 or codings[0] not in ("gzip", "x-gzip", "deflate"):
            raise FetchFailure(
                f"{self._where} sent its body in the content encoding {header.strip()!r}; only gzip and "
                "deflate are accepted",
                url=origin,
                status=status,
                reason="unsupported content encoding",
            )
        self.decoded = f" once decoded from {codings[0]}"
        if codings[0] == "deflate":
            self._deflate = True
            self._zlib = zlib.decompressobj()
        else:
            self._zlib = zlib.decompressobj(zlib.MAX_WBITS | 16)

    def feed(self, data: bytes, room: int) -> list[bytes]:
        """The decoded bytes of ``data``, at most ``room`` of them (past that the caller stops)."""
        if self._zlib is None:
            return [data] if data else []
        self._fed += len(data)
        out: list[bytes] = []
        try:
            piece = self._zlib.decompress(data, room)
            out.append(piece)
            while self._zlib.unconsumed_tail and room - len(piece) > 0:
                room -= len(piece)
                piece = self._zlib.decompress(self._zlib.unconsumed_tail, room)
                out.append(piece)
        except zlib.error as exc:
            if self._deflate and not out:
                # "deflate" sent as a raw stream (no zlib header), as some servers do.
                self._deflate = False
                self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
                return self.feed(data, room)
            raise self._broken(exc) from exc
        self._deflate = False
        pieces = [p for p in out if p]
        self._produced += sum(len(p) for p in pieces)
        return pieces

    def flush(self, room: int) -> list[bytes]:
        if self._zlib is None:
            return []
        if self._zlib.unconsumed_tail:
            return self.feed(b"", room)
        try:
            rest = self._zlib.flush()
        except zlib.error as exc:
            raise self._broken(exc) from exc
        if self._fed and not rest and not self._produced and not self._zlib.eof:
            # A body that decodes to nothing at all (garbage after a gzip magic number, say) is an
            # error; a truncated one keeps what it decoded, as browsers do.
            raise self._broken(zlib.error("incomplete or truncated stream, nothing decoded"))
        return [rest] if rest else []

    def _broken(self, exc: zlib.error) -> FetchFailure:
        return FetchFailure(
            f"could not decode the body of {self._where} ({exc})",
            url=self._origin,
            status=self._status,
            reason="bad content encoding",
        )
