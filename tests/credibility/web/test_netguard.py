"""SSRF guard: refused address classes, schemes, redirects, DNS rebinding, proxies, TLS on pinned IPs."""

from __future__ import annotations

import contextlib
import datetime as dt
import socket
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import anyio
import httpx
import pytest
from webfixtures import LocalServer, fast_settings, send

from credibility.errors import BlockedURLError, ConfigError, FetchError
from credibility.web import netguard
from credibility.web.fetch import Fetcher, TLSError, UnresolvableHostError
from credibility.web.netguard import NetGuard, PinnedBackend, address_class, parse_ip


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    with LocalServer() as s:
        yield s


def _no_network(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"the guard let {request.url} through")


def _strict(tmp_path: Path) -> Fetcher:
    """A fetcher with no allow-list at all, whose transport fails the test if reached."""
    settings = fast_settings(tmp_path, allow_networks=(), fetch_retries=0)
    return Fetcher(
        settings, transport=httpx.MockTransport(_no_network), resolver=lambda h, p: ["93.184.215.14"]
    )


@pytest.mark.parametrize(
    ("url", "klass"),
    [
        ("http://127.0.0.1/", "loopback"),
        ("http://127.8.9.10:8080/x", "loopback"),
        ("http://10.1.2.3/", "private"),
        ("http://172.16.5.4/", "private"),
        ("http://172.31.255.1/", "private"),
        ("http://192.168.1.1/", "private"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://100.64.0.1/", "carrier-grade NAT"),
        ("http://100.127.255.254/", "carrier-grade NAT"),
        ("http://0.0.0.0/", "unspecified"),
        ("http://224.0.0.1/", "multicast"),
        ("http://239.255.255.250/", "multicast"),
        ("http://240.0.0.1/", "reserved"),
        ("http://255.255.255.255/", "broadcast"),
        ("http://198.18.0.1/", "reserved"),
        ("http://[::1]/", "loopback"),
        ("http://[::]/", "unspecified"),
        ("http://[fe80::1]/", "link-local"),
        ("http://[fc00::1]/", "unique-local"),
        ("http://[fd12:3456::1]/", "unique-local"),
        ("http://[fec0::1]/", "site-local"),
        ("http://[ff02::1]/", "multicast"),
        ("http://[::ffff:127.0.0.1]/", "IPv4-mapped loopback"),
        ("http://[::ffff:10.0.0.1]/", "IPv4-mapped private"),
        ("http://[::ffff:169.254.169.254]/", "IPv4-mapped link-local"),
        ("http://[64:ff9b::a00:1]/", "private"),  # NAT64 of 10.0.0.1
        ("http://[2002:a00:1::]/", "private"),  # 6to4 of 10.0.0.1
    ],
)
def test_each_address_class_is_refused_and_named(tmp_path: Path, url: str, klass: str) -> None:
    with _strict(tmp_path) as fetcher, pytest.raises(BlockedURLError) as info:
        fetcher.fetch(url)
    message = str(info.value)
    assert klass in message
    assert "refused" in message and url.split("/")[2].strip("[]").split("]")[0].split(":")[0] in message


def test_public_addresses_pass() -> None:
    for text in ("93.184.215.14", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"):
        ip = parse_ip(text)
        assert ip is not None and address_class(ip) is None, text


def test_names_are_resolved_and_vetted(tmp_path: Path) -> None:
    answers = {"intranet.test": ["10.0.0.5"], "mixed.test": ["93.184.215.14", "192.168.0.7"]}
    settings = fast_settings(tmp_path, allow_networks=())
    with Fetcher(
        settings, transport=httpx.MockTransport(_no_network), resolver=lambda h, p: answers[h]
    ) as fetcher:
        with pytest.raises(BlockedURLError, match=r"intranet\.test resolves to 10\.0\.0\.5, a private"):
            fetcher.fetch("http://intranet.test/")
        # One bad address among good ones is enough to refuse the name.
        with pytest.raises(BlockedURLError, match=r"192\.168\.0\.7"):
            fetcher.fetch("https://mixed.test/page")


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://ftp.example.org/pub/file.txt",
        "gopher://example.org/",
        "javascript:alert(1)",
        "data:text/html,<p>x</p>",
        "//example.org/no-scheme",
        "http:///no-host",
    ],
)
def test_non_http_schemes_are_refused(tmp_path: Path, url: str) -> None:
    with _strict(tmp_path) as fetcher, pytest.raises(BlockedURLError, match="refused"):
        fetcher.fetch(url)


def test_public_url_reaches_the_transport(tmp_path: Path) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, html="<p>ok</p>")

    settings = fast_settings(tmp_path, allow_networks=())
    with Fetcher(
        settings, transport=httpx.MockTransport(handler), resolver=lambda h, p: ["93.184.215.14"]
    ) as f:
        assert f.fetch("https://news.example.org/a").status == 200
    assert seen == ["https://news.example.org/a"]


def test_redirect_to_a_private_address_is_refused(tmp_path: Path) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        if request.url.host == "public.test" and request.url.path == "/to-ip":
            return httpx.Response(302, headers={"Location": "http://169.254.169.254/latest/meta-data/"})
        if request.url.host == "public.test":
            return httpx.Response(301, headers={"Location": "http://internal.test/admin"})
        raise AssertionError(f"redirect followed to {request.url}")

    answers = {"public.test": ["93.184.215.14"], "internal.test": ["192.168.10.20"]}
    settings = fast_settings(tmp_path, allow_networks=())
    with Fetcher(settings, transport=httpx.MockTransport(handler), resolver=lambda h, p: answers[h]) as f:
        with pytest.raises(BlockedURLError, match=r"internal\.test resolves to 192\.168\.10\.20"):
            f.fetch("http://public.test/start")
        with pytest.raises(BlockedURLError, match="link-local"):
            f.fetch("http://public.test/to-ip")
    assert seen == ["http://public.test/start", "http://public.test/to-ip"]


def test_allow_hosts_lets_one_name_through_but_not_its_redirects(tmp_path: Path, server: LocalServer) -> None:
    server.add("/allowed", "<html><body><p>fine</p></body></html>")
    server.add("/hop", status=302, headers={"Location": server.url("/secret", host="other.test")})
    server.add("/secret", "<p>internal</p>")
    settings = fast_settings(tmp_path, allow_networks=(), allow_hosts=("good.test",))
    with Fetcher(settings, resolver=lambda h, p: ["127.0.0.1"]) as f:
        assert "fine" in f.fetch(server.url("/allowed", host="good.test")).text
        with pytest.raises(BlockedURLError, match=r"other\.test resolves to 127\.0\.0\.1, a loopback"):
            f.fetch(server.url("/hop", host="good.test"))
    assert server.hits_for("/secret") == []


def test_connection_goes_to_the_vetted_address_not_a_second_answer(
    tmp_path: Path, server: LocalServer
) -> None:
    """DNS rebinding: the resolver answers 127.0.0.1 once (allowed), then a private address."""
    server.handle("/host", lambda h: send(h, 200, f"<p>{h.headers['Host']}</p>".encode()))
    calls: list[str] = []
    lock = threading.Lock()

    def rebinding(host: str, port: int) -> list[str]:
        with lock:
            calls.append(host)
            return ["127.0.0.1"] if len(calls) == 1 else ["10.66.66.66"]

    settings = fast_settings(tmp_path, allow_networks=("127.0.0.1/32",))
    with Fetcher(settings, resolver=rebinding) as f:
        pages = [f.fetch(server.url(p, host="rebind.test")) for p in ("/host", "/host?again", "/host?more")]
        connections = f.connections
    assert calls == ["rebind.test"]  # resolved once, by the check
    assert connections and all(addr == "127.0.0.1" for _, addr in connections)
    # The Host header (and so virtual hosting) still names the host, not the address.
    assert all(f"rebind.test:{server.port}" in p.text for p in pages)


def test_idn_host_is_resolved_once_in_punycode(tmp_path: Path, server: LocalServer) -> None:
    server.add("/idn", "<p>idn</p>")
    calls: list[str] = []

    def resolver(host: str, port: int) -> list[str]:
        calls.append(host)
        return ["127.0.0.1"]

    with Fetcher(
        fast_settings(tmp_path, allow_networks=(), allow_hosts=("bücher.test",)), resolver=resolver
    ) as f:
        assert "idn" in f.fetch(server.url("/idn", host="bücher.test")).text
    assert calls == ["xn--bcher-kva.test"]


def test_backend_connects_to_the_pinned_address(server: LocalServer) -> None:
    answers = iter([["127.0.0.1"], ["10.66.66.66"]])
    guard = NetGuard(allow_networks=("127.0.0.1/32",), resolver=lambda h, p: next(answers))
    backend = PinnedBackend(guard)

    async def scenario() -> tuple[object, object]:
        await guard.resolve("rebind.test", server.port)  # the check
        first = await backend.connect_tcp("rebind.test", server.port, timeout=2)
        second = await backend.connect_tcp("rebind.test", server.port, timeout=2)
        peers = (first.get_extra_info("server_addr"), second.get_extra_info("server_addr"))
        await first.aclose()
        await second.aclose()
        return peers

    peers = anyio.run(scenario)
    assert peers == (("127.0.0.1", server.port), ("127.0.0.1", server.port))


def test_a_new_answer_is_vetted_again(
    tmp_path: Path, server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the pin expired at once, the connect-time resolution gets the private answer: refused."""
    monkeypatch.setattr(netguard, "PIN_TTL_SECONDS", -1.0)
    server.add("/pinned", "<p>x</p>")
    answers = iter([["127.0.0.1"], ["10.66.66.66"], ["10.66.66.66"]])
    settings = fast_settings(tmp_path, allow_networks=("127.0.0.1/32",), fetch_retries=0)
    before = len(server.hits_for("/pinned"))
    with (
        Fetcher(settings, resolver=lambda h, p: next(answers)) as f,
        pytest.raises(BlockedURLError, match=r"10\.66"),
    ):
        f.fetch(server.url("/pinned", host="rebind.test"))
    assert len(server.hits_for("/pinned")) == before


def test_unresolvable_host(tmp_path: Path) -> None:
    def nxdomain(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    settings = fast_settings(tmp_path)
    with Fetcher(settings, transport=httpx.MockTransport(_no_network), resolver=nxdomain) as f:
        with pytest.raises(UnresolvableHostError, match="hostname does not resolve"):
            f.fetch("https://no-such-host.test/a")
        results = f.fetch_many(
            ["https://no-such-host.test/b", "http://10.0.0.1/", "https://no-such-host.test/c"]
        )
    assert isinstance(results[0], UnresolvableHostError) and isinstance(results[2], UnresolvableHostError)
    assert isinstance(results[1], BlockedURLError)
    # a cached failure still names the URL that hit it
    assert (
        "/b" in str(results[0])
        and "/c" in str(results[2])
        and results[2].url == "https://no-such-host.test/c"
    )


def test_bad_allow_network_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="CIDR"):
        NetGuard(allow_networks=("not-a-network",))


def _proxy_env(monkeypatch: pytest.MonkeyPatch, proxy: LocalServer) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.setenv(name, proxy.url(""))
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)


def test_proxy_variables_are_ignored(
    tmp_path: Path, server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.add("/direct", "<p>direct</p>")
    with LocalServer() as proxy:
        _proxy_env(monkeypatch, proxy)
        with Fetcher(fast_settings(tmp_path)) as f:
            assert "direct" in f.fetch(server.url("/direct")).text
        assert proxy.hits == []


def test_proxy_variables_are_used_with_trust_env(
    tmp_path: Path, server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Control for the test above: the environment does route through the proxy when trusted."""
    with LocalServer() as proxy:
        _proxy_env(monkeypatch, proxy)
        with (
            Fetcher(fast_settings(tmp_path, fetch_trust_env=True, fetch_retries=0)) as f,
            contextlib.suppress(FetchError),  # the recording proxy answers 404
        ):
            f.fetch(server.url("/direct"))
        assert proxy.hits and proxy.hits[0].path.startswith("http://127.0.0.1")


# ----------------------------------------------------------------------------- TLS on a pinned address
@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    """HTTPS on 127.0.0.1 with a self-signed certificate for the name secure.test only."""
    crypto = pytest.importorskip("cryptography")
    del crypto
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "secure.test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("secure.test")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            send(self, 200, f"<p>tls ok for {self.headers['Host']}</p>".encode())

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield int(httpd.server_address[1]), cert_file
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_tls_verifies_the_host_name_while_connecting_to_the_pinned_address(
    tmp_path: Path, tls_server: tuple[int, Path]
) -> None:
    port, cert_file = tls_server
    trusting = ssl.create_default_context(cafile=str(cert_file))
    settings = fast_settings(tmp_path, fetch_retries=0)
    resolver = {"secure.test": ["127.0.0.1"], "wrong.test": ["127.0.0.1"]}
    with Fetcher(settings, resolver=lambda h, p: resolver[h], verify=trusting) as f:
        page = f.fetch(f"https://secure.test:{port}/")
        assert f"tls ok for secure.test:{port}" in page.text
        assert f.connections == [("secure.test", "127.0.0.1")]
        # Same address, other name: the certificate does not match, so SNI/verification use the name.
        with pytest.raises(TLSError, match="TLS error"):
            f.fetch(f"https://wrong.test:{port}/")
    # Default trust store: a self-signed certificate is refused.
    with Fetcher(settings, resolver=lambda h, p: resolver[h]) as f, pytest.raises(TLSError):
        f.fetch(f"https://secure.test:{port}/")
