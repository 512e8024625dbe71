"""Fetch web pages and feeds with httpx: safe by default, polite, bounded.

:class:`Fetcher` is synchronous to its callers but runs an ``httpx.AsyncClient``
on a private event loop in a background (daemon) thread. That gives one
connection pool shared by :meth:`Fetcher.fetch` and the concurrent
:meth:`Fetcher.fetch_many`, and works the same from scripts, worker threads and
flows. (Called from a coroutine it blocks that coroutine's loop: call it from a
worker thread there.)

Every request goes through:

* the SSRF guard (:mod:`credibility.web.netguard`) on every redirect hop, with the
  connection pinned to the vetted address;
* robots.txt (RFC 9309) when ``settings.respect_robots``;
* a per-host concurrency limit and a politeness delay between request starts;
* a whole-request deadline (``fetch_timeout``) and a body cap enforced while
  streaming (``fetch_max_bytes``);
* retries with exponential backoff on connection errors, timeouts, 429 and 5xx,
  honouring ``Retry-After`` up to ``max_retry_wait``.

Failures are raised (``fetch``) or returned (``fetch_many``) as exactly one
:class:`~credibility.errors.FetchError` subclass whose message names the URL,
the status and the reason.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import email.utils
import importlib.util
import logging
import re
import socket
import sqlite3
import ssl
import threading
import time
from collections.abc import AsyncIterator, Coroutine, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import UTC
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Self, TypeVar
from urllib.robotparser import RobotFileParser

import httpx

from credibility.errors import BlockedURLError, FetchError
from credibility.settings import Settings
from credibility.web.netguard import (
    BlockedURLFailure,
    FetchFailure,
    NetGuard,
    PinnedTransport,
    Resolver,
    UnresolvableHostError,
)

__all__ = [
    "BlockedURLFailure",
    "ConnectionFailedError",
    "ContentTypeError",
    "Expect",
    "FetchFailure",
    "FetchTimeoutError",
    "FetchedPage",
    "Fetcher",
    "HTTPStatusError",
    "RedirectError",
    "RobotsDisallowedError",
    "TLSError",
    "TooLargeError",
    "UnresolvableHostError",
    "decode_body",
    "retry_after_seconds",
]

log = logging.getLogger(__name__)
T = TypeVar("T")

Expect = Literal["html", "feed", "any"]

#: Whether httpx can speak HTTP/2 here (the ``h2`` package); negotiated by ALPN over TLS.
HTTP2_AVAILABLE = importlib.util.find_spec("h2") is not None
#: Connections open at once across all hosts (the per-host limit is a setting).
MAX_CONNECTIONS = 64
#: RFC 9309 asks crawlers to parse at least 500 KiB of robots.txt.
ROBOTS_MAX_BYTES = 512 * 1024
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
#: Response headers kept on :class:`FetchedPage` (lower case).
KEPT_HEADERS = (
    "content-type",
    "content-length",
    "content-language",
    "etag",
    "last-modified",
    "cache-control",
    "date",
    "expires",
    "x-robots-tag",
)


# --------------------------------------------------------------------------- errors
class HTTPStatusError(FetchFailure):
    """The server answered with an error status (404, 410, 500 after retries ...)."""


class FetchTimeoutError(FetchFailure):
    """Connecting or reading took longer than ``fetch_timeout``."""


class TLSError(FetchFailure):
    """The TLS handshake failed (bad or self-signed certificate, wrong host name, old protocol)."""


class ConnectionFailedError(FetchFailure):
    """The connection was refused, reset or broke mid-response."""


class RedirectError(FetchFailure):
    """A redirect loop, too many redirects, or a redirect without a usable Location."""


class TooLargeError(FetchFailure):
    """The body is larger than ``fetch_max_bytes`` (announced or while streaming)."""


class ContentTypeError(FetchFailure):
    """The response is not what was expected (a PDF or an image instead of HTML or a feed)."""


class RobotsDisallowedError(FetchFailure):
    """robots.txt forbids this URL to our user agent (or could not be read: RFC 9309 then disallows)."""


_RETRYABLE = (FetchTimeoutError, ConnectionFailedError)


# --------------------------------------------------------------------------- result
@dataclass(frozen=True, slots=True)
class FetchedPage:
    """One fetched URL. ``not_modified`` pages (304) have an empty body and text."""

    url: str
    final_url: str
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = ""
    charset: str = ""
    body: bytes = b""
    text: str = ""
    etag: str = ""
    last_modified: str = ""
    not_modified: bool = False
    redirects: tuple[str, ...] = ()
    http_version: str = ""


@dataclass(frozen=True, slots=True)
class _Raw:
    status: int
    headers: httpx.Headers
    body: bytes
    http_version: str


# --------------------------------------------------------------------------- helpers
def retry_after_seconds(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds asked by a ``Retry-After`` header (delta-seconds or HTTP date), None if absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def _mime(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


_CHARSET_PARAM = re.compile(r"""charset\s*=\s*["']?\s*([\w.:\-]+)""", re.I)
_META_CHARSET = re.compile(rb"""<meta\b[^>]*?charset\s*=\s*["']?\s*([\w.:\-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([\w.:\-]+)""", re.I)
#: WHATWG: browsers decode these labels as windows-1252 / the superset codec.
_LABEL_ALIASES = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-sjis": "shift_jis",
}


def _codec(label: str | bytes | None) -> str | None:
    if not label:
        return None
    text = label.decode("ascii", "ignore") if isinstance(label, bytes) else label
    text = text.strip().strip("'\"").lower()
    text = _LABEL_ALIASES.get(text, text)
    try:
        return codecs.lookup(text).name
    except LookupError:
        return None


def decode_body(body: bytes, content_type: str = "") -> tuple[str, str]:
    """Decode ``body`` as a browser would: BOM, header charset, ``<meta>``/XML declaration, detection.

    Returns ``(text, codec name)``; undecodable bytes become U+FFFD, never an error.
    """
    if not body:
        return "", ""
    for bom, name in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if body.startswith(bom):
            return body[len(bom) :].decode(name, "replace"), name
    candidates: list[str | None] = []
    header = _CHARSET_PARAM.search(content_type)
    candidates.append(_codec(header.group(1)) if header else None)
    head = body[:4096]
    xml = _XML_ENCODING.match(head)
    meta = _META_CHARSET.search(head)
    for match in (xml, meta):
        declared = _codec(match.group(1)) if match else None
        # A document cannot declare itself UTF-16 in ASCII bytes; HTML says read it as UTF-8.
        candidates.append("utf-8" if declared and declared.startswith("utf-16") else declared)
    for candidate in candidates:
        if candidate:
            return body.decode(candidate, "replace"), candidate
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(body[:200_000]).best()
        guessed = _codec(best.encoding) if best is not None else None
    except Exception:  # detection is best effort; never fail a fetch on it
        guessed = None
    name = guessed or "utf-8"
    return body.decode(name, "replace"), name


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


def _sniff_binary(body: bytes) -> str | None:
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


def _type_verdict(mime: str, expect: Expect) -> bool | None:
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


def _is_textual(mime: str) -> bool:
    return (
        not mime
        or mime.startswith("text/")
        or "xml" in mime
        or "json" in mime
        or "html" in mime
        or mime in _AMBIGUOUS_TYPES
    )


def _find_cause(exc: BaseException, kind: type[BaseException]) -> BaseException | None:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, kind):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


_REASONS = {
    404: "the page does not exist",
    410: "the page was removed for good",
    401: "the page needs a login",
    403: "the server refuses access",
    429: "the server asks to slow down",
}


# --------------------------------------------------------------------------- conditional GET
class _ValidatorStore:
    """ETag / Last-Modified per URL in a small SQLite file, opened on first use.

    A cache that cannot be opened only disables conditional requests: fetching goes on.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None
        self._broken = False

    def _db(self) -> sqlite3.Connection | None:
        if self._conn is None and not self._broken:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(self.path, timeout=5.0, check_same_thread=False)
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS validators ("
                    "url TEXT PRIMARY KEY, etag TEXT NOT NULL, last_modified TEXT NOT NULL, stored_at REAL)"
                )
                conn.commit()
                self._conn = conn
            except (OSError, sqlite3.Error) as exc:
                log.warning("fetch cache %s unusable, conditional requests disabled: %s", self.path, exc)
                self._broken = True
        return self._conn

    def get(self, url: str) -> tuple[str, str] | None:
        db = self._db()
        if db is None:
            return None
        row = db.execute("SELECT etag, last_modified FROM validators WHERE url = ?", (url,)).fetchone()
        return (str(row[0]), str(row[1])) if row else None

    def put(self, url: str, etag: str, last_modified: str) -> None:
        db = self._db()
        if db is None or not (etag or last_modified):
            return
        with db:
            db.execute(
                "INSERT OR REPLACE INTO validators (url, etag, last_modified, stored_at) VALUES (?, ?, ?, ?)",
                (url, etag, last_modified, time.time()),
            )

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


# --------------------------------------------------------------------------- fetcher
@dataclass
class _HostGate:
    """Per-host concurrency limit and politeness spacing of request starts."""

    sem: asyncio.Semaphore
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    next_start: float = 0.0


class Fetcher(AbstractContextManager["Fetcher"]):
    """Fetch URLs safely; use as a context manager (``with Fetcher(settings) as f: f.fetch(url)``).

    ``transport`` replaces the network (e.g. ``httpx.MockTransport`` in tests; the SSRF
    checks on URLs and resolved addresses still run, the connection pinning does not).
    ``resolver(host, port) -> [addresses]`` replaces ``getaddrinfo``. ``verify`` is
    passed to the TLS layer (an ``ssl.SSLContext`` trusting a private CA, for instance).
    ``max_retry_wait`` caps how long a ``Retry-After`` header may make us wait.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        resolver: Resolver | None = None,
        verify: ssl.SSLContext | bool = True,
        max_retry_wait: float = 60.0,
    ) -> None:
        self.settings = settings
        self.guard = NetGuard(
            allow_hosts=settings.allow_hosts, allow_networks=settings.allow_networks, resolver=resolver
        )
        self.max_retry_wait = max_retry_wait
        self._transport = transport
        self._verify = verify
        self._store = _ValidatorStore(settings.fetch_cache_db)
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._client: httpx.AsyncClient | None = None
        self._pinned: PinnedTransport | None = None
        self._closed = False
        # Loop-side state, used only on the fetcher's event loop.
        self._gates: dict[str, _HostGate] = {}
        self._global: asyncio.Semaphore | None = None
        self._robots: dict[str, RobotFileParser | FetchFailure | None] = {}
        self._robots_locks: dict[str, asyncio.Lock] = {}

    # -- lifecycle ---------------------------------------------------------------------
    def __enter__(self) -> Self:
        self._ensure_open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _ensure_open(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._closed:
                raise RuntimeError("this Fetcher is closed; create a new one")
            if self._loop is None:
                # A daemon thread of our own (not an executor thread, which the interpreter
                # joins at exit): a Fetcher someone forgot to close cannot hang shutdown.
                loop = asyncio.new_event_loop()
                thread = threading.Thread(target=loop.run_forever, name="credibility-fetcher", daemon=True)
                thread.start()
                self._loop, self._thread = loop, thread
                try:
                    self._call(self._aopen())
                except BaseException:
                    self._stop_loop()
                    raise
            return self._loop

    def _call(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` on the fetcher's loop and wait for it (cancelled if we are interrupted)."""
        assert self._loop is not None
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        try:
            return future.result()
        except BaseException:
            future.cancel()
            raise

    def _stop_loop(self) -> None:
        loop, thread = self._loop, self._thread
        self._loop = self._thread = None
        if loop is not None:
            loop.call_soon_threadsafe(loop.stop)
            if thread is not None:
                thread.join(timeout=5)
            if not loop.is_running():
                loop.close()

    async def _aopen(self) -> None:
        transport: httpx.AsyncBaseTransport | None = self._transport
        if transport is None and not self.settings.fetch_trust_env:
            self._pinned = PinnedTransport(self.guard, verify=self._verify, http2=HTTP2_AVAILABLE)
            transport = self._pinned
        # With fetch_trust_env and no transport, httpx builds its own transports and
        # honours *_PROXY variables: URLs are still vetted, but not pinned (the proxy resolves).
        t = self.settings.fetch_timeout
        self._client = httpx.AsyncClient(
            transport=transport,
            trust_env=self.settings.fetch_trust_env,
            verify=self._verify,
            http2=HTTP2_AVAILABLE,
            follow_redirects=False,  # every hop goes through the SSRF guard, see _fetch
            timeout=httpx.Timeout(t),
            limits=httpx.Limits(max_connections=MAX_CONNECTIONS, max_keepalive_connections=32),
            headers={"User-Agent": self.settings.user_agent},
        )
        self._global = asyncio.Semaphore(MAX_CONNECTIONS)

    async def _aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            started = self._loop is not None
        try:
            if started:
                self._call(self._aclose())
        finally:
            self._stop_loop()
            self._store.close()

    @property
    def connections(self) -> list[tuple[str, str]]:
        """``(host, address)`` of each TCP connection the pinned transport opened."""
        return list(self._pinned.backend.connections) if self._pinned is not None else []

    # -- public API --------------------------------------------------------------------
    def fetch(
        self,
        url: str,
        *,
        expect: Expect = "any",
        respect_robots: bool | None = None,
        conditional: bool = False,
    ) -> FetchedPage:
        """Fetch one URL or raise one :class:`FetchError` subclass.

        ``respect_robots`` overrides the setting (a user checking one URL by hand is
        not a crawler). ``conditional`` sends the validators stored for the URL and
        returns ``not_modified=True`` on 304; the validators of a 200 are stored.
        """
        self._ensure_open()
        return self._call(
            self._fetch(url, expect=expect, respect_robots=respect_robots, conditional=conditional)
        )

    def fetch_many(
        self,
        urls: Iterable[str],
        *,
        expect: Expect = "any",
        respect_robots: bool | None = None,
        conditional: bool = False,
    ) -> list[FetchedPage | FetchError]:
        """Fetch concurrently; results in input order, a failure as its FetchError instance."""
        self._ensure_open()
        return self._call(
            self._fetch_many(
                list(urls), expect=expect, respect_robots=respect_robots, conditional=conditional
            )
        )

    # -- async core --------------------------------------------------------------------
    async def _fetch_many(
        self, urls: Sequence[str], *, expect: Expect, respect_robots: bool | None, conditional: bool
    ) -> list[FetchedPage | FetchError]:
        async def one(url: str) -> FetchedPage | FetchError:
            try:
                return await self._fetch(
                    url, expect=expect, respect_robots=respect_robots, conditional=conditional
                )
            except FetchError as exc:
                return exc

        return list(await asyncio.gather(*(one(u) for u in urls)))

    async def _fetch(
        self,
        url: str,
        *,
        expect: Expect,
        respect_robots: bool | None,
        conditional: bool,
        max_bytes: int | None = None,
    ) -> FetchedPage:
        robots = self.settings.respect_robots if respect_robots is None else respect_robots
        current = self.guard.check_url(url).copy_with(fragment=None)
        seen = {str(current)}
        hops: list[str] = []
        while True:
            await self.guard.vet_url(current)
            if robots:
                await self._check_robots(current)
            headers = {"Accept": _ACCEPT[expect]}
            validators = self._store.get(str(current)) if conditional else None
            if validators:
                etag, last_modified = validators
                if etag:
                    headers["If-None-Match"] = etag
                if last_modified:
                    headers["If-Modified-Since"] = last_modified
            raw = await self._request(current, headers, expect=expect, max_bytes=max_bytes, origin=url)
            if raw.status in REDIRECT_STATUSES:
                target = self._redirect_target(url, current, raw, hops, seen)
                hops.append(str(current))
                current = target
                continue
            return self._page(url, current, raw, hops, expect, conditional=conditional, sent=bool(validators))

    def _redirect_target(
        self, url: str, current: httpx.URL, raw: _Raw, hops: list[str], seen: set[str]
    ) -> httpx.URL:
        location = raw.headers.get("location", "").strip()
        if not location:
            raise RedirectError(
                f"{raw.status} redirect without a Location header at {current} (fetching {url})",
                url=url,
                status=raw.status,
                reason="redirect without Location",
            )
        try:
            target = current.join(location).copy_with(fragment=None)
        except httpx.InvalidURL as exc:
            raise RedirectError(
                f"{raw.status} redirect to an invalid URL {location!r} at {current} (fetching {url})",
                url=url,
                status=raw.status,
                reason="invalid redirect target",
            ) from exc
        if str(target) in seen:
            raise RedirectError(
                f"redirect loop fetching {url}: {current} sends back to {target}",
                url=url,
                status=raw.status,
                reason="redirect loop",
            )
        if len(hops) >= self.settings.fetch_max_redirects:
            raise RedirectError(
                f"too many redirects fetching {url}: more than {self.settings.fetch_max_redirects} "
                f"(fetch_max_redirects), last to {target}",
                url=url,
                status=raw.status,
                reason="too many redirects",
            )
        seen.add(str(target))
        return target

    def _page(
        self,
        url: str,
        final: httpx.URL,
        raw: _Raw,
        hops: list[str],
        expect: Expect,
        *,
        conditional: bool,
        sent: bool,
    ) -> FetchedPage:
        content_type = raw.headers.get("content-type", "")
        mime = _mime(content_type)
        etag = raw.headers.get("etag", "")
        last_modified = raw.headers.get("last-modified", "")
        page = FetchedPage(
            url=url,
            final_url=str(final),
            status=raw.status,
            headers={k: raw.headers[k] for k in KEPT_HEADERS if k in raw.headers},
            content_type=mime,
            etag=etag,
            last_modified=last_modified,
            redirects=tuple(hops),
            http_version=raw.http_version,
        )
        if raw.status == 304:
            if not sent:
                log.info("%s answered 304 to an unconditional request", final)
            return replace(page, not_modified=True)
        if _type_verdict(mime, expect) is None:
            self._check_sniffed(url, raw, mime, expect)
        if conditional:
            self._store.put(str(final), etag, last_modified)
        text, charset = ("", "")
        if _is_textual(mime) and _sniff_binary(raw.body) is None:
            text, charset = decode_body(raw.body, content_type)
        return replace(page, charset=charset, body=raw.body, text=text)

    @staticmethod
    def _check_sniffed(url: str, raw: _Raw, mime: str, expect: Expect) -> None:
        shown = mime or "no content type"
        binary = _sniff_binary(raw.body)
        if binary is not None:
            raise ContentTypeError(
                f"expected {_EXPECTED[expect]} at {url}, got {binary} ({shown})",
                url=url,
                status=raw.status,
                reason="wrong content type",
            )
        if expect == "feed" and not _FEED_ROOT.search(raw.body[:8192]):
            raise ContentTypeError(
                f"expected {_EXPECTED[expect]} at {url}, got {shown} with no RSS, RDF or Atom root",
                url=url,
                status=raw.status,
                reason="wrong content type",
            )

    async def _request(
        self, url: httpx.URL, headers: dict[str, str], *, expect: Expect, max_bytes: int | None, origin: str
    ) -> _Raw:
        """One hop, with retries. Returns any non-error status (2xx, 3xx, 304)."""
        settings = self.settings
        host = (url.host or "").lower()
        attempts = settings.fetch_retries + 1
        for attempt in range(attempts):
            last = attempt == attempts - 1
            delay = settings.fetch_backoff * (2**attempt)
            try:
                async with self._slot(host):
                    raw = await self._attempt(url, headers, expect=expect, max_bytes=max_bytes, origin=origin)
            except _RETRYABLE:
                if last:
                    raise
                log.info("retrying %s in %.2f s after a connection problem", url, delay)
            else:
                if raw.status < 400:
                    return raw
                reason = _REASONS.get(raw.status) or ("server error" if raw.status >= 500 else "client error")
                retryable = raw.status == 429 or raw.status >= 500
                if not retryable or last:
                    tried = f" after {attempts} attempts" if retryable and attempts > 1 else ""
                    phrase = httpx.codes.get_reason_phrase(raw.status)
                    where = f"{url}" if str(url) == origin else f"{url} (redirected from {origin})"
                    raise HTTPStatusError(
                        f"HTTP {raw.status} {phrase} for {where}: {reason}{tried}",
                        url=origin,
                        status=raw.status,
                        reason=reason,
                    )
                asked = retry_after_seconds(raw.headers.get("retry-after"))
                if asked is not None:
                    delay = asked
                log.info(
                    "retrying %s in %.2f s after HTTP %d", url, min(delay, self.max_retry_wait), raw.status
                )
            await asyncio.sleep(min(delay, self.max_retry_wait))
        raise AssertionError("unreachable")  # pragma: no cover

    @contextlib.asynccontextmanager
    async def _slot(self, host: str) -> AsyncIterator[None]:
        gate = self._gates.get(host)
        if gate is None:
            gate = self._gates[host] = _HostGate(asyncio.Semaphore(self.settings.fetch_per_host_concurrency))
        loop = asyncio.get_running_loop()
        async with gate.sem:
            async with gate.lock:
                now = loop.time()
                start = max(now, gate.next_start)
                gate.next_start = start + self.settings.fetch_politeness_delay
            if start > now:
                await asyncio.sleep(start - now)
            assert self._global is not None
            async with self._global:
                yield

    async def _attempt(
        self, url: httpx.URL, headers: dict[str, str], *, expect: Expect, max_bytes: int | None, origin: str
    ) -> _Raw:
        assert self._client is not None
        cap = max_bytes if max_bytes is not None else self.settings.fetch_max_bytes
        timeout = self.settings.fetch_timeout
        try:
            # One deadline for the whole request: httpx's timeouts are per read, and a
            # server dripping one byte per second would never trip them.
            async with asyncio.timeout(timeout):
                async with self._client.stream("GET", url, headers=headers) as response:
                    status = response.status_code
                    if status in REDIRECT_STATUSES or status == 304 or status >= 400:
                        return _Raw(status, response.headers, b"", response.http_version)
                    mime = _mime(response.headers.get("content-type", ""))
                    if _type_verdict(mime, expect) is False:
                        raise ContentTypeError(
                            f"expected {_EXPECTED[expect]} at {_where(url, origin)}, got {mime}",
                            url=origin,
                            status=status,
                            reason="wrong content type",
                        )
                    announced = response.headers.get("content-length", "")
                    if announced.isdigit() and int(announced) > cap:
                        raise TooLargeError(
                            f"{_where(url, origin)} announces {int(announced)} bytes, over the "
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
                                f"{_where(url, origin)} sent more than {cap} bytes (fetch_max_bytes); "
                                "download aborted",
                                url=origin,
                                status=status,
                                reason="body too large",
                            )
                        chunks.append(chunk)
                    return _Raw(status, response.headers, b"".join(chunks), response.http_version)
        except FetchError:
            raise
        except (TimeoutError, httpx.TimeoutException) as exc:
            raise FetchTimeoutError(
                f"timed out after {timeout:g} s fetching {_where(url, origin)}",
                url=origin,
                reason="timeout",
            ) from exc
        except httpx.HTTPError as exc:
            raise _map_transport_error(exc, url, origin) from exc

    # -- robots.txt --------------------------------------------------------------------
    async def _check_robots(self, url: httpx.URL) -> None:
        root = f"{url.scheme}://{url.netloc.decode('ascii')}"
        verdict = await self._robots_for(root)
        if isinstance(verdict, FetchFailure):
            raise RobotsDisallowedError(
                f"not fetching {url}: {root}/robots.txt could not be read ({verdict}); "
                "RFC 9309 says to assume everything is disallowed",
                url=str(url),
                status=verdict.status,
                reason="robots.txt unreachable",
            )
        if verdict is not None and not verdict.can_fetch(self.settings.user_agent, str(url)):
            raise RobotsDisallowedError(
                f"robots.txt of {root} disallows {url} for our user agent "
                "(pass respect_robots=False for a single, user-requested check)",
                url=str(url),
                reason="disallowed by robots.txt",
            )

    async def _robots_for(self, root: str) -> RobotFileParser | FetchFailure | None:
        """The parsed robots.txt of ``root``; None allows everything; an error disallows everything."""
        lock = self._robots_locks.setdefault(root, asyncio.Lock())
        async with lock:
            if root in self._robots:
                return self._robots[root]
            verdict: RobotFileParser | FetchFailure | None
            try:
                page = await self._fetch(
                    f"{root}/robots.txt",
                    expect="any",
                    respect_robots=False,
                    conditional=False,
                    max_bytes=ROBOTS_MAX_BYTES,
                )
            except HTTPStatusError as exc:
                # RFC 9309 2.3.1.3: 4xx means "unavailable", crawl freely; 5xx means unreachable.
                status = exc.status or 0
                verdict = None if 400 <= status < 500 else exc
            except (FetchTimeoutError, ConnectionFailedError) as exc:
                verdict = exc
            except (BlockedURLError, UnresolvableHostError, TLSError):
                raise  # the page itself will fail the same way; say so directly
            except FetchError:
                verdict = None  # too large, too many redirects ...: treated as unavailable
            else:
                parser = RobotFileParser(f"{root}/robots.txt")
                parser.parse(page.text.splitlines())
                verdict = parser
            self._robots[root] = verdict
            return verdict


_ACCEPT: dict[Expect, str] = {
    "html": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5",
    "feed": "application/rss+xml,application/atom+xml,application/rdf+xml;q=0.9,application/xml;q=0.8,"
    "text/xml;q=0.8,*/*;q=0.5",
    "any": "*/*",
}
_EXPECTED: dict[Expect, str] = {"html": "an HTML page", "feed": "an RSS or Atom feed", "any": "a response"}


def _where(url: httpx.URL, origin: str) -> str:
    return str(url) if str(url) == origin else f"{url} (redirected from {origin})"


def _map_transport_error(exc: httpx.HTTPError, url: httpx.URL, origin: str) -> FetchFailure:
    where = _where(url, origin)
    tls = _find_cause(exc, ssl.SSLError)
    if tls is not None:
        reason = getattr(tls, "verify_message", None) or getattr(tls, "reason", None) or str(tls)
        return TLSError(f"TLS error fetching {where}: {reason}", url=origin, reason="TLS error")
    if _find_cause(exc, socket.gaierror) is not None:
        return UnresolvableHostError(
            f"cannot fetch {where}: hostname does not resolve ({url.host})",
            url=origin,
            reason="hostname does not resolve",
        )
    if isinstance(exc, httpx.DecodingError):
        return FetchFailure(
            f"could not decode the body of {where} ({exc})", url=origin, reason="bad content encoding"
        )
    if isinstance(exc, httpx.ConnectError):
        return ConnectionFailedError(
            f"could not connect to {url.host} fetching {where}: {exc}", url=origin, reason="connection failed"
        )
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return BlockedURLFailure(f"refused {where}: {exc}", url=origin, reason="unsupported URL")
    return ConnectionFailedError(
        f"connection problem fetching {where}: {type(exc).__name__}: {exc}",
        url=origin,
        reason="connection failed",
    )
