"""The failures of a fetch: one :class:`~credibility.web.netguard.FetchFailure` subclass per cause.

Each names the URL, the status and the reason. :func:`map_transport_error` turns what
httpx raised into one of them; :data:`STATUS_REASONS` words the common error statuses.
"""

from __future__ import annotations

import socket
import ssl

import httpx

from credibility.web.netguard import BlockedURLFailure, FetchFailure, UnresolvableHostError

__all__ = [
    "RETRYABLE",
    "STATUS_REASONS",
    "ConnectionFailedError",
    "ContentTypeError",
    "FetchTimeoutError",
    "HTTPStatusError",
    "RedirectError",
    "RobotsDisallowedError",
    "TLSError",
    "TooLargeError",
    "map_transport_error",
    "where_fetched",
]


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


#: Failures worth another attempt (error statuses are judged apart: 429 and 5xx are retried).
RETRYABLE = (FetchTimeoutError, ConnectionFailedError)

#: How the common error statuses are explained in messages.
STATUS_REASONS = {
    404: "the page does not exist",
    410: "the page was removed for good",
    401: "the page needs a login",
    403: "the server refuses access",
    429: "the server asks to slow down",
}


def _find_cause(exc: BaseException, kind: type[BaseException]) -> BaseException | None:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, kind):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def where_fetched(url: httpx.URL, origin: str) -> str:
    return str(url) if str(url) == origin else f"{url} (redirected from {origin})"


def map_transport_error(exc: httpx.HTTPError, url: httpx.URL, origin: str) -> FetchFailure:
    where = where_fetched(url, origin)
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
