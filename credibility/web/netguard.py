"""SSRF guard: which URLs the fetcher may open, and a transport that connects only where it checked.

A URL given by a user (or found in a feed, or in a ``Location`` header) must not
make this process talk to the machine it runs on, to the private network around
it or to a cloud metadata service. So, before every request:

* only ``http`` and ``https`` are accepted;
* the host name is resolved **once** (through an injectable ``resolver``) and every
  address it resolves to is classified; one loopback, private, link-local,
  multicast, reserved, unspecified, carrier-grade NAT, unique-local or site-local
  address (also hidden inside an IPv4-mapped, 6to4 or NAT64 IPv6 address) refuses
  the URL with a :class:`~credibility.errors.BlockedURLError` naming that class;
* the vetted addresses are pinned: :class:`PinnedBackend` is an httpcore network
  backend whose ``connect_tcp`` connects to those addresses instead of resolving
  the name again, so a DNS answer that changes between the check and the
  connection (DNS rebinding) cannot redirect it. TLS still uses the host *name*
  for SNI and certificate checks, and the ``Host`` header still names the host,
  because httpcore passes the origin's name to ``start_tls`` and we only swap the
  socket address.

``allow_hosts`` (names) and ``allow_networks`` (CIDRs) from the settings open holes
in the guard, e.g. ``allow_networks=("127.0.0.0/8",)`` for a local test server.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
import ssl
import time
import typing
from collections.abc import Callable, Iterable, Sequence

import httpcore
import httpx

from credibility.errors import BlockedURLError, ConfigError, FetchError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

#: ``resolver(host, port) -> ["93.184.215.14", "2606:2800::1", ...]``; raises ``socket.gaierror``.
Resolver = Callable[[str, int], list[str]]

ALLOWED_SCHEMES = ("http", "https")

#: How long a vetted answer is reused. Each new answer is vetted again, so expiry is
#: only about following legitimate DNS changes in a long-lived fetcher.
PIN_TTL_SECONDS = 300.0


#: The password of ``scheme://user:password@host`` in a URL, wherever it appears in a text.
_URL_PASSWORD = re.compile(r"(?<=://)([^/\s:@]*):[^/\s@]*@")


def redact_credentials(text: str) -> str:
    """``text`` with the password of every ``user:password@`` URL replaced by ``***``: messages and
    log lines name URLs, and must not carry the secrets some of them hold."""
    return _URL_PASSWORD.sub(r"\1:***@", text) if "@" in text else text


class FetchFailure(FetchError):
    """A fetch failure that knows its URL and, when there was a response, its HTTP status.

    Passwords written into URLs (``https://user:secret@host/``) never reach the message."""

    def __init__(self, message: str, *, url: str = "", status: int | None = None, reason: str = "") -> None:
        super().__init__(redact_credentials(message))
        self.url = redact_credentials(url)
        self.status = status
        self.reason = reason


class UnresolvableHostError(FetchFailure):
    """The host name does not resolve (NXDOMAIN, no address, resolver failure)."""


class BlockedURLFailure(BlockedURLError, FetchFailure):
    """A :class:`~credibility.errors.BlockedURLError` that also carries ``url`` and ``reason``."""


def system_resolver(host: str, port: int) -> list[str]:
    """Resolve with the system resolver (``getaddrinfo``), addresses in its order, deduplicated."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: dict[str, None] = {}
    for info in infos:
        seen.setdefault(str(info[4][0]), None)
    return list(seen)


# Special-purpose blocks, most specific first, with the name used in error messages.
# ``ipaddress``'s flags cover most of them, but they lump e.g. documentation ranges
# under "private"; a precise name tells the user what they hit.
_V4_CLASSES: tuple[tuple[str, str], ...] = (
    ("0.0.0.0/8", "unspecified ('this network')"),
    ("10.0.0.0/8", "private"),
    ("100.64.0.0/10", "carrier-grade NAT (shared address space)"),
    ("127.0.0.0/8", "loopback"),
    ("169.254.0.0/16", "link-local (cloud metadata)"),
    ("172.16.0.0/12", "private"),
    ("192.0.0.0/24", "reserved (IETF protocol assignments)"),
    ("192.0.2.0/24", "reserved (documentation)"),
    ("192.88.99.0/24", "reserved (6to4 relay anycast)"),
    ("192.168.0.0/16", "private"),
    ("198.18.0.0/15", "reserved (benchmarking)"),
    ("198.51.100.0/24", "reserved (documentation)"),
    ("203.0.113.0/24", "reserved (documentation)"),
    ("224.0.0.0/4", "multicast"),
    ("255.255.255.255/32", "broadcast"),
    ("240.0.0.0/4", "reserved"),
)
_V6_CLASSES: tuple[tuple[str, str], ...] = (
    ("::/128", "unspecified"),
    ("::1/128", "loopback"),
    ("100::/64", "reserved (discard-only)"),
    ("2001:db8::/32", "reserved (documentation)"),
    ("fc00::/7", "unique-local"),
    ("fe80::/10", "link-local"),
    ("fec0::/10", "site-local"),
    ("ff00::/8", "multicast"),
)
_V4_NETS = tuple((ipaddress.IPv4Network(net), name) for net, name in _V4_CLASSES)
_V6_NETS = tuple((ipaddress.IPv6Network(net), name) for net, name in _V6_CLASSES)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def parse_ip(text: str) -> IPAddress | None:
    """The address in ``text`` (brackets and an IPv6 zone id tolerated), or None for a name."""
    text = text.strip().strip("[]").split("%", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _host_key(host: str) -> str:
    """Lower-case ASCII (punycode) form of a host name, as httpx sends it."""
    host = host.strip().strip("[]").rstrip(".").lower()
    if host.isascii():
        return host
    try:
        return httpx.URL(f"http://{host}/").raw_host.decode("ascii")
    except (httpx.InvalidURL, UnicodeError):
        return host


def _show(ip: IPAddress) -> str:
    """``::ffff:127.0.0.1`` rather than Python 3.11's ``::ffff:7f00:1``."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return f"::ffff:{ip.ipv4_mapped}"
    return str(ip)


def _embedded_v4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries to an IPv4 host (mapped, 6to4, NAT64)."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def address_class(ip: IPAddress) -> str | None:
    """Why ``ip`` must not be fetched ("loopback", "private" ...), or None for a public address."""
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_v4(ip)
        if inner is not None:
            inner_class = address_class(inner)
            kind = "IPv4-mapped" if ip.ipv4_mapped is not None else "IPv4-embedding"
            return f"{kind} {inner_class}" if inner_class else None
        for net6, name in _V6_NETS:
            if ip in net6:
                return name
    else:
        for net4, name in _V4_NETS:
            if ip in net4:
                return name
    # Whatever IANA lists as not globally reachable and the tables above miss.
    if not ip.is_global:
        return "reserved (not globally routable)"
    return None


class NetGuard:
    """Vets URLs and pins the addresses it vetted; one per :class:`~credibility.web.fetch.Fetcher`.

    Resolution runs in a worker thread (``getaddrinfo`` blocks) and at most once per
    host at a time; answers, failures included, are reused for ``PIN_TTL_SECONDS``.
    """

    def __init__(
        self,
        *,
        allow_hosts: Iterable[str] = (),
        allow_networks: Iterable[str] = (),
        resolver: Resolver | None = None,
        enabled: bool = True,
    ) -> None:
        self.allow_hosts = frozenset(_host_key(h) for h in allow_hosts if h.strip())
        try:
            self.allow_networks: tuple[IPNetwork, ...] = tuple(
                ipaddress.ip_network(n.strip(), strict=False) for n in allow_networks
            )
        except ValueError as exc:
            raise ConfigError(f"allow_networks: {exc} (use CIDR notation such as 127.0.0.0/8)") from exc
        self.resolver: Resolver = resolver or system_resolver
        self.enabled = enabled
        #: host -> (expiry, the resolver's answer or why resolution failed). The answer,
        #: not the verdict, is cached: vetting is cheap, and each error then names its URL.
        self._answers: dict[str, tuple[float, tuple[str, ...] | str]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    # -- checks that need no DNS -------------------------------------------------------
    def check_url(self, url: str | httpx.URL) -> httpx.URL:
        """Parse ``url`` and check its scheme and host; raises BlockedURLError."""
        try:
            parsed = url if isinstance(url, httpx.URL) else httpx.URL(url)
        except httpx.InvalidURL as exc:
            raise BlockedURLFailure(
                f"refused {url}: not a valid URL ({exc})", url=str(url), reason="invalid URL"
            ) from exc
        if parsed.scheme not in ALLOWED_SCHEMES:
            scheme = parsed.scheme or "no scheme"
            raise BlockedURLFailure(
                f"refused {url}: scheme {scheme!r} is not allowed (only http and https)",
                url=str(url),
                reason="scheme not allowed",
            )
        if not parsed.host:
            raise BlockedURLFailure(f"refused {url}: the URL has no host", url=str(url), reason="no host")
        return parsed

    def is_allowed_address(self, ip: IPAddress) -> bool:
        if any(ip in net for net in self.allow_networks if net.version == ip.version):
            return True
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            return self.is_allowed_address(ip.ipv4_mapped)
        return False

    def vet_addresses(self, host: str, addresses: Sequence[str], *, url: str = "") -> tuple[str, ...]:
        """Return ``addresses`` if all may be contacted for ``host``, else raise BlockedURLError.

        All, not any: a name that resolves to one public and one private address is
        either misconfigured or an attack, and refusing it is the safe reading.
        """
        if not addresses:
            raise UnresolvableHostError(
                f"cannot fetch {url or host}: hostname does not resolve ({host} has no address)",
                url=url,
                reason="hostname does not resolve",
            )
        if not self.enabled or _host_key(host) in self.allow_hosts:
            return tuple(addresses)
        for text in addresses:
            ip = parse_ip(text)
            if ip is None:
                raise BlockedURLFailure(
                    f"refused {url or host}: resolver returned {text!r}, not an address",
                    url=url,
                    reason="bad resolver answer",
                )
            if self.is_allowed_address(ip):
                continue
            reason = address_class(ip)
            if reason is not None:
                shown = _show(ip)
                what = f"{shown} is" if parse_ip(host) is not None else f"{host} resolves to {shown},"
                article = "an" if reason[0] in "aeiouAEIOU" else "a"
                raise BlockedURLFailure(
                    f"refused {url or host}: {what} {article} {reason} address (SSRF guard; "
                    "allow it with the allow_networks or allow_hosts settings)",
                    url=url,
                    reason=f"{reason} address",
                )
        return tuple(addresses)

    # -- resolution and pinning --------------------------------------------------------
    async def resolve(self, host: str, port: int, *, url: str = "") -> tuple[str, ...]:
        """Vetted addresses for ``host``: resolved once, then served from the pin cache."""
        host = host.strip("[]")
        literal = parse_ip(host)
        if literal is not None:
            return self.vet_addresses(host, [str(literal)], url=url)
        key = _host_key(host)
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            expiry, answer = self._answers.get(key, (0.0, ()))
            if expiry <= time.monotonic():
                try:
                    answer = tuple(str(a) for a in await asyncio.to_thread(self.resolver, host, port))
                except (OSError, UnicodeError) as exc:
                    # gaierror is an OSError; an IDN that cannot be encoded is a UnicodeError.
                    answer = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
                self._answers[key] = (time.monotonic() + PIN_TTL_SECONDS, answer)
        if isinstance(answer, str):
            raise UnresolvableHostError(
                f"cannot fetch {url or host}: hostname does not resolve ({host}: {answer})",
                url=url,
                reason="hostname does not resolve",
            )
        return self.vet_addresses(host, answer, url=url)

    async def vet_url(self, url: str | httpx.URL) -> httpx.URL:
        """Scheme, host and address checks for one request (every redirect hop calls this)."""
        parsed = self.check_url(url)
        # raw_host is the punycode name httpcore will hand to connect_tcp: the same key
        # for the pin cache, so an IDN host is not resolved a second time at connect.
        host = parsed.raw_host.decode("ascii")
        await self.resolve(host, parsed.port or (443 if parsed.scheme == "https" else 80), url=str(url))
        return parsed


class PinnedBackend(httpcore.AsyncNetworkBackend):
    """httpcore backend that connects to the addresses :class:`NetGuard` vetted for a host.

    httpcore calls ``connect_tcp(host=<name>)`` and then ``start_tls(server_hostname=<name>)``
    on the stream we return: swapping only the socket address keeps SNI, certificate
    verification and the Host header on the name.
    """

    def __init__(self, guard: NetGuard, inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self._guard = guard
        self._inner = inner or httpcore.AnyIOBackend()
        #: (host, address) of every connection opened, for tests and debugging.
        self.connections: list[tuple[str, str]] = []

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await self._guard.resolve(host, port)
        last: Exception | None = None
        # Every address was vetted, so falling back to the next one is safe.
        for address in addresses:
            try:
                stream = await self._inner.connect_tcp(
                    address, port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
                continue
            self.connections.append((host, address))
            return stream
        assert last is not None
        raise last

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not allowed by the SSRF guard")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class PinnedTransport(httpx.AsyncHTTPTransport):
    """``httpx.AsyncHTTPTransport`` whose connection pool uses :class:`PinnedBackend`.

    httpx 0.28 has no public hook for the network backend, so the pool that
    ``AsyncHTTPTransport.__init__`` builds is replaced by an equivalent one with our
    backend; request/response conversion and exception mapping stay httpx's own.
    """

    def __init__(
        self,
        guard: NetGuard,
        *,
        verify: ssl.SSLContext | bool = True,
        http2: bool = False,
        limits: httpx.Limits = httpx.Limits(max_connections=64, max_keepalive_connections=32),
    ) -> None:
        super().__init__(verify=verify, http2=http2, limits=limits, trust_env=False)
        if not isinstance(getattr(self, "_pool", None), httpcore.AsyncConnectionPool):  # pragma: no cover
            raise RuntimeError("this httpx version lays out AsyncHTTPTransport differently; pin httpx<0.29")
        ssl_context = (
            verify if isinstance(verify, ssl.SSLContext) else httpx.create_ssl_context(verify=verify)
        )
        self.backend = PinnedBackend(guard)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            http1=True,
            http2=http2,
            network_backend=self.backend,
        )
