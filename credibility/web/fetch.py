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

The jobs around the client live in their own modules: the failures in
:mod:`~credibility.web.fetch_errors`, robots.txt in :mod:`~credibility.web.robots`,
per-host limits and spacing in :mod:`~credibility.web.politeness`, the conditional-GET
cache in :mod:`~credibility.web.validators`, content-type checks and the body cap in
:mod:`~credibility.web.content`, and decoding in :mod:`~credibility.web.decoding`.
"""

from __future__ import annotations

import asyncio
import email.utils
import importlib.util
import logging
import ssl
import threading
import time
from collections.abc import Coroutine, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import UTC
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx

from credibility.errors import FetchError
from credibility.settings import Settings
from credibility.web.content import (
    ACCEPT,
    ACCEPT_ENCODING,
    EXPECTED,
    Expect,
    check_sniffed,
    is_textual,
    mime_type,
    read_capped,
    sniff_binary,
    type_verdict,
)
from credibility.web.decoding import decode_body
from credibility.web.fetch_errors import (
    RETRYABLE,
    STATUS_REASONS,
    ConnectionFailedError,
    ContentTypeError,
    FetchTimeoutError,
    HTTPStatusError,
    RedirectError,
    RobotsDisallowedError,
    TLSError,
    TooLargeError,
    map_transport_error,
    where_fetched,
)
from credibility.web.netguard import (
    BlockedURLFailure,
    FetchFailure,
    NetGuard,
    PinnedTransport,
    Resolver,
    UnresolvableHostError,
    redact_credentials,
)
from credibility.web.politeness import HostGates
from credibility.web.robots import ROBOTS_MAX_BYTES, RobotsRules
from credibility.web.validators import ValidatorStore

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


class _RedactPasswords(logging.Filter):
    """httpx logs every request's full URL at INFO: a ``user:password@`` in it must not reach the logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        if "@" in str(record.args) or "@" in str(record.msg):
            record.msg, record.args = redact_credentials(record.getMessage()), ()
        return True


for _name in ("httpx", "httpcore"):
    if not any(isinstance(f, _RedactPasswords) for f in logging.getLogger(_name).filters):
        logging.getLogger(_name).addFilter(_RedactPasswords())

#: Whether httpx can speak HTTP/2 here (the ``h2`` package); negotiated by ALPN over TLS.
HTTP2_AVAILABLE = importlib.util.find_spec("h2") is not None
#: Connections open at once across all hosts (the per-host limit is a setting).
MAX_CONNECTIONS = 64
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
        self._store = ValidatorStore(settings.fetch_cache_db)
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._client: httpx.AsyncClient | None = None
        self._pinned: PinnedTransport | None = None
        self._closed = False
        # Loop-side state, used only on the fetcher's event loop.
        self._gates: HostGates | None = None
        self._robots = RobotsRules(settings.user_agent, self._robots_text)

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
        self._gates = HostGates(
            per_host=self.settings.fetch_per_host_concurrency,
            delay=self.settings.fetch_politeness_delay,
            total=MAX_CONNECTIONS,
        )

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
                await self._robots.check(current)
            headers = {"Accept": ACCEPT[expect], "Accept-Encoding": ACCEPT_ENCODING}
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
        mime = mime_type(content_type)
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
                log.info("%s answered 304 to an unconditional request", redact_credentials(str(final)))
            return replace(page, not_modified=True)
        if type_verdict(mime, expect) is None:
            check_sniffed(url, raw.status, raw.body, mime, expect)
        if conditional:
            self._store.put(str(final), etag, last_modified)
        text, charset = ("", "")
        if is_textual(mime) and sniff_binary(raw.body) is None:
            text, charset = decode_body(raw.body, content_type)
        return replace(page, charset=charset, body=raw.body, text=text)

    async def _request(
        self, url: httpx.URL, headers: dict[str, str], *, expect: Expect, max_bytes: int | None, origin: str
    ) -> _Raw:
        """One hop, with retries. Returns any non-error status (2xx, 3xx, 304)."""
        settings = self.settings
        host = (url.host or "").lower()
        attempts = settings.fetch_retries + 1
        started = time.monotonic()
        for attempt in range(attempts):
            last = attempt == attempts - 1
            delay = settings.fetch_backoff * (2**attempt)
            try:
                assert self._gates is not None
                async with self._gates.slot(host):
                    raw = await self._attempt(url, headers, expect=expect, max_bytes=max_bytes, origin=origin)
            except RETRYABLE as exc:
                if last:
                    if attempts == 1:
                        raise
                    # Say what was tried: "timed out after 20 s" alone hides 3 retries and their waits.
                    raise type(exc)(
                        f"{exc} ({attempts} attempts over {time.monotonic() - started:.0f} s)",
                        url=exc.url,
                        status=exc.status,
                        reason=exc.reason,
                    ) from exc
                log.info(
                    "retrying %s in %.2f s after a connection problem", redact_credentials(str(url)), delay
                )
            else:
                if raw.status < 400:
                    return raw
                reason = STATUS_REASONS.get(raw.status) or (
                    "server error" if raw.status >= 500 else "client error"
                )
                retryable = raw.status == 429 or raw.status >= 500
                if not retryable or last:
                    tried = (
                        f" after {attempts} attempts over {time.monotonic() - started:.0f} s"
                        if retryable and attempts > 1
                        else ""
                    )
                    phrase = httpx.codes.get_reason_phrase(raw.status)
                    raise HTTPStatusError(
                        f"HTTP {raw.status} {phrase} for {where_fetched(url, origin)}: {reason}{tried}",
                        url=origin,
                        status=raw.status,
                        reason=reason,
                    )
                asked = retry_after_seconds(raw.headers.get("retry-after"))
                if asked is not None:
                    delay = asked
                log.info(
                    "retrying %s in %.2f s after HTTP %d",
                    redact_credentials(str(url)),
                    min(delay, self.max_retry_wait),
                    raw.status,
                )
            await asyncio.sleep(min(delay, self.max_retry_wait))
        raise AssertionError("unreachable")  # pragma: no cover

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
                    mime = mime_type(response.headers.get("content-type", ""))
                    if type_verdict(mime, expect) is False:
                        raise ContentTypeError(
                            f"expected {EXPECTED[expect]} at {where_fetched(url, origin)}, got {mime}",
                            url=origin,
                            status=status,
                            reason="wrong content type",
                        )
                    body = await read_capped(response, cap, url, origin)
                    return _Raw(status, response.headers, body, response.http_version)
        except FetchError:
            raise
        except (TimeoutError, httpx.TimeoutException) as exc:
            raise FetchTimeoutError(
                f"timed out after {timeout:g} s fetching {where_fetched(url, origin)}",
                url=origin,
                reason="timeout",
            ) from exc
        except httpx.HTTPError as exc:
            raise map_transport_error(exc, url, origin) from exc

    async def _robots_text(self, url: str) -> str:
        """The text of a robots.txt, fetched with no robots check and the robots.txt size cap."""
        page = await self._fetch(
            url, expect="any", respect_robots=False, conditional=False, max_bytes=ROBOTS_MAX_BYTES
        )
        return page.text
