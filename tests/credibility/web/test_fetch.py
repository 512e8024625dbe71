"""The fetcher against a local threaded server: errors, retries, redirects, caps, robots, caching, charsets."""

from __future__ import annotations

import email.utils
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from webfixtures import LocalServer, article_html, endless, fast_settings, send, sequence, slow

from credibility.errors import BlockedURLError, FetchError
from credibility.web.fetch import (
    ConnectionFailedError,
    ContentTypeError,
    FetchedPage,
    Fetcher,
    FetchFailure,
    FetchTimeoutError,
    HTTPStatusError,
    RedirectError,
    RobotsDisallowedError,
    TooLargeError,
    decode_body,
    retry_after_seconds,
)


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    with LocalServer() as s:
        yield s


@pytest.fixture
def fetcher(tmp_path: Path) -> Iterator[Fetcher]:
    with Fetcher(fast_settings(tmp_path)) as f:
        yield f


def test_fetch_a_page(fetcher: Fetcher, server: LocalServer) -> None:
    url = server.add("/basic", article_html("Basic", ["One paragraph."]), headers={"X-Other": "dropped"})
    page = fetcher.fetch(url, expect="html")
    assert isinstance(page, FetchedPage)
    assert (page.url, page.final_url, page.status) == (url, url, 200)
    assert page.content_type == "text/html" and page.charset == "utf-8"
    assert "One paragraph." in page.text and page.body.startswith(b"<!DOCTYPE html>")
    assert "content-type" in page.headers and "x-other" not in page.headers
    assert page.not_modified is False and page.redirects == ()
    hit = server.hits_for("/basic")[-1]
    assert hit.headers["user-agent"] == fetcher.settings.user_agent
    assert "text/html" in hit.headers["accept"]


@pytest.mark.parametrize(
    ("status", "reason"), [(404, "does not exist"), (410, "removed for good"), (403, "refuses")]
)
def test_client_errors_are_not_retried(
    fetcher: Fetcher, server: LocalServer, status: int, reason: str
) -> None:
    url = server.add(f"/status-{status}", "<p>no</p>", status=status)
    with pytest.raises(HTTPStatusError) as info:
        fetcher.fetch(url)
    assert info.value.status == status and info.value.url == url
    assert str(status) in str(info.value) and url in str(info.value) and reason in str(info.value)
    assert len(server.hits_for(f"/status-{status}")) == 1


def test_server_error_then_success_is_retried(fetcher: Fetcher, server: LocalServer) -> None:
    server.handle("/flaky", sequence((500, b"oops", {}), (503, b"busy", {}), (200, b"<p>finally</p>", {})))
    page = fetcher.fetch(server.url("/flaky"))
    assert "finally" in page.text
    assert len(server.hits_for("/flaky")) == 3


def test_persistent_server_error_gives_up(fetcher: Fetcher, server: LocalServer) -> None:
    url = server.add("/down", "<p>down</p>", status=500)
    with pytest.raises(HTTPStatusError, match=r"HTTP 500 .* after 3 attempts") as info:
        fetcher.fetch(url)
    assert info.value.status == 500
    assert len(server.hits_for("/down")) == 3  # fetch_retries=2


def test_429_honours_retry_after_up_to_the_cap(tmp_path: Path, server: LocalServer) -> None:
    server.handle(
        "/limited", sequence((429, b"slow down", {"Retry-After": "5"}), (200, b"<p>served</p>", {}))
    )
    with Fetcher(fast_settings(tmp_path), max_retry_wait=0.3) as f:
        start = time.monotonic()
        page = f.fetch(server.url("/limited"))
        elapsed = time.monotonic() - start
    assert "served" in page.text
    assert 0.25 <= elapsed < 3  # waited (backoff alone is 1 ms), but only up to the cap


def test_429_without_retries_left(tmp_path: Path, server: LocalServer) -> None:
    url = server.add("/always-429", "no", status=429, headers={"Retry-After": "0"})
    with Fetcher(fast_settings(tmp_path, fetch_retries=1)) as f, pytest.raises(HTTPStatusError) as info:
        f.fetch(url)
    assert info.value.status == 429 and "slow down" in str(info.value)


def test_retry_after_parsing() -> None:
    now = time.time()
    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds(None) is None and retry_after_seconds("soon") is None
    future = email.utils.formatdate(now + 30, usegmt=True)
    waited = retry_after_seconds(future, now=now)
    assert waited is not None and 28 <= waited <= 31
    assert retry_after_seconds(email.utils.formatdate(now - 300, usegmt=True), now=now) == 0.0


def test_slow_response_times_out(tmp_path: Path, server: LocalServer) -> None:
    server.handle("/slow", slow(3.0))
    with Fetcher(fast_settings(tmp_path, fetch_timeout=0.3, fetch_retries=0)) as f:
        start = time.monotonic()
        with pytest.raises(FetchTimeoutError, match=r"timed out after 0.3 s fetching .*/slow"):
            f.fetch(server.url("/slow"))
        assert time.monotonic() - start < 2


def test_dripping_response_hits_the_whole_request_deadline(tmp_path: Path, server: LocalServer) -> None:
    """One byte every 0.1 s never trips a per-read timeout; the request deadline stops it."""

    def drip(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.send_header("Content-Length", "1000")
        h.end_headers()
        for _ in range(1000):
            h.wfile.write(b"x")
            h.wfile.flush()
            time.sleep(0.1)

    server.handle("/drip", drip)
    with Fetcher(fast_settings(tmp_path, fetch_timeout=0.5, fetch_retries=0)) as f:
        start = time.monotonic()
        with pytest.raises(FetchTimeoutError):
            f.fetch(server.url("/drip"))
        assert time.monotonic() - start < 2


def test_huge_body_is_aborted_while_streaming(tmp_path: Path, server: LocalServer) -> None:
    server.handle("/huge", endless())
    with (
        Fetcher(fast_settings(tmp_path, fetch_max_bytes=50_000)) as f,
        pytest.raises(TooLargeError, match="more than 50000 bytes") as info,
    ):
        f.fetch(server.url("/huge"))
    assert info.value.url == server.url("/huge")
    assert len(server.hits_for("/huge")) == 1  # not retried


def test_announced_size_over_the_cap_is_refused_before_reading(tmp_path: Path, server: LocalServer) -> None:
    server.handle("/announced", endless(announce=10**9))
    with (
        Fetcher(fast_settings(tmp_path, fetch_max_bytes=50_000)) as f,
        pytest.raises(TooLargeError, match="announces 1000000000 bytes"),
    ):
        f.fetch(server.url("/announced"))


def test_redirect_chain_is_followed(fetcher: Fetcher, server: LocalServer) -> None:
    server.add("/r1", status=301, headers={"Location": "/r2"})
    server.add("/r2", status=302, headers={"Location": server.url("/r3")})
    server.add("/r3", status=307, headers={"Location": "final#section"})
    server.add("/final", "<p>arrived</p>")
    page = fetcher.fetch(server.url("/r1"))
    assert page.final_url == server.url("/final") and "arrived" in page.text
    assert page.url == server.url("/r1")
    assert page.redirects == (server.url("/r1"), server.url("/r2"), server.url("/r3"))


def test_too_many_redirects(tmp_path: Path, server: LocalServer) -> None:
    for i in range(8):
        server.add(f"/many{i}", status=302, headers={"Location": f"/many{i + 1}"})
    with (
        Fetcher(fast_settings(tmp_path, fetch_max_redirects=5)) as f,
        pytest.raises(RedirectError, match="too many redirects"),
    ):
        f.fetch(server.url("/many0"))
    assert server.hits_for("/many6") == []


def test_redirect_loop(fetcher: Fetcher, server: LocalServer) -> None:
    server.add("/loop-a", status=302, headers={"Location": "/loop-b"})
    server.add("/loop-b", status=301, headers={"Location": "/loop-a"})
    with pytest.raises(RedirectError, match="redirect loop") as info:
        fetcher.fetch(server.url("/loop-a"))
    assert info.value.url == server.url("/loop-a")


def test_redirect_without_location(fetcher: Fetcher, server: LocalServer) -> None:
    url = server.add("/nowhere", status=302)
    with pytest.raises(RedirectError, match="without a Location"):
        fetcher.fetch(url)


def _etag_handler(h: BaseHTTPRequestHandler) -> None:
    if h.headers.get("If-None-Match") == '"v1"':
        send(h, 304, b"", "")
    else:
        send(h, 200, b"<p>fresh</p>", headers={"ETag": '"v1"'})


def _last_modified_handler(h: BaseHTTPRequestHandler) -> None:
    stamp = "Tue, 05 Mar 2024 08:00:00 GMT"
    if h.headers.get("If-Modified-Since") == stamp:
        send(h, 304, b"", "")
    else:
        send(h, 200, b"<p>dated</p>", headers={"Last-Modified": stamp})


@pytest.mark.parametrize(
    ("path", "handler"), [("/etag", _etag_handler), ("/lastmod", _last_modified_handler)]
)
def test_conditional_get(tmp_path: Path, server: LocalServer, path: str, handler: object) -> None:
    server.handle(path, handler)  # type: ignore[arg-type]
    settings = fast_settings(tmp_path)
    with Fetcher(settings) as f:
        first = f.fetch(server.url(path), conditional=True)
        assert not first.not_modified and first.body
        assert first.etag == '"v1"' or first.last_modified
    assert settings.fetch_cache_db.exists()
    with Fetcher(settings) as f:  # validators survive in the SQLite file
        second = f.fetch(server.url(path), conditional=True)
        assert second.not_modified and second.status == 304 and second.body == b"" and second.text == ""
        third = f.fetch(server.url(path))  # unconditional: the full page again
        assert not third.not_modified and third.body


def test_pdf_where_html_was_expected(fetcher: Fetcher, server: LocalServer) -> None:
    pdf = b"%PDF-1.4\n%fake document\n"
    url = server.add("/doc.pdf", pdf, content_type="application/pdf")
    with pytest.raises(ContentTypeError, match=r"expected an HTML page .* got application/pdf"):
        fetcher.fetch(url, expect="html")
    with pytest.raises(ContentTypeError, match="expected an RSS or Atom feed"):
        fetcher.fetch(url, expect="feed")
    page = fetcher.fetch(url, expect="any")
    assert page.body == pdf and page.text == "" and page.content_type == "application/pdf"


def test_binary_behind_a_vague_content_type_is_sniffed(fetcher: Fetcher, server: LocalServer) -> None:
    url = server.add("/download", b"%PDF-1.7 binary", content_type="application/octet-stream")
    with pytest.raises(ContentTypeError, match="a PDF document"):
        fetcher.fetch(url, expect="html")
    png = server.add("/image", b"\x89PNG\r\n\x1a\n....", content_type="image/png")
    with pytest.raises(ContentTypeError, match="image/png"):
        fetcher.fetch(png, expect="html")


def test_charset_from_header_meta_and_detection(fetcher: Fetcher, server: LocalServer) -> None:
    latin = "<html><body><p>Café crème à la française</p></body></html>".encode("latin-1")
    page = fetcher.fetch(server.add("/latin", latin, content_type="text/html; charset=ISO-8859-1"))
    assert "Café crème" in page.text and page.charset == "cp1252"
    cyrillic = "<html><head><meta charset='windows-1251'></head><body><p>Привет мир</p></body></html>"
    page = fetcher.fetch(server.add("/meta", cyrillic.encode("cp1251"), content_type="text/html"))
    assert "Привет мир" in page.text and page.charset == "cp1251"
    equiv = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=koi8-r"></head>'
        "<body><p>Новости дня</p></body></html>"
    )
    page = fetcher.fetch(server.add("/equiv", equiv.encode("koi8-r"), content_type="text/html"))
    assert "Новости дня" in page.text and page.charset == "koi8-r"
    page = fetcher.fetch(server.add("/undeclared", "<p>naïve ☃</p>".encode(), content_type="text/html"))
    assert "naïve ☃" in page.text and page.charset == "utf-8"


def test_decode_body_edge_cases() -> None:
    assert decode_body(b"\xef\xbb\xbf<p>bom</p>", "text/html; charset=latin-1") == ("<p>bom</p>", "utf-8")
    assert decode_body("<p>ü</p>".encode("utf-16-le").join([b"\xff\xfe", b""]))[0] == "<p>ü</p>"
    assert decode_body(b"") == ("", "")
    text, charset = decode_body(b"<p>bad \xff\xfe bytes</p>", "text/html; charset=utf-8")
    assert "\ufffd" in text and charset == "utf-8"
    text, _ = decode_body(b"<p>ok</p>", "text/html; charset=no-such-codec")
    assert text == "<p>ok</p>"
    xml = b"<?xml version='1.0' encoding='iso-8859-2'?><rss><title>\xb1</title></rss>"
    assert "ą" in decode_body(xml)[0]


def test_fetch_many_keeps_order_and_returns_errors(fetcher: Fetcher, server: LocalServer) -> None:
    server.add("/m-ok", "<p>ok</p>")
    server.add("/m-gone", "gone", status=410)
    urls = [
        server.url("/m-ok"),
        server.url("/m-gone"),
        "http://10.0.0.1/",
        "ftp://x.org/",
        server.url("/m-ok?2"),
    ]
    results = fetcher.fetch_many(urls)
    kinds = (FetchedPage, HTTPStatusError, BlockedURLError, BlockedURLError, FetchedPage)
    assert len(results) == len(urls)
    assert all(isinstance(r, k) for r, k in zip(results, kinds, strict=True))
    assert isinstance(results[4], FetchedPage) and results[4].url == urls[4]
    assert [r.url for r in results[1:4] if isinstance(r, FetchFailure)] == urls[1:4]


def test_per_host_concurrency_and_politeness(tmp_path: Path, server: LocalServer) -> None:
    state = {"now": 0, "max": 0}
    lock = threading.Lock()

    def counted(h: BaseHTTPRequestHandler) -> None:
        with lock:
            state["now"] += 1
            state["max"] = max(state["max"], state["now"])
        time.sleep(0.15)
        with lock:
            state["now"] -= 1
        send(h, 200, b"<p>c</p>")

    server.handle("/counted", counted)
    urls = [server.url(f"/counted?{i}") for i in range(6)]
    with Fetcher(fast_settings(tmp_path, fetch_per_host_concurrency=2)) as f:
        assert all(isinstance(r, FetchedPage) for r in f.fetch_many(urls))
    assert state["max"] == 2
    server.add("/polite", "<p>p</p>")
    with Fetcher(fast_settings(tmp_path, fetch_per_host_concurrency=4, fetch_politeness_delay=0.1)) as f:
        start = time.monotonic()
        f.fetch_many([server.url(f"/polite?{i}") for i in range(5)])
        assert time.monotonic() - start >= 0.4  # five request starts, 0.1 s apart


def test_robots_txt(tmp_path: Path) -> None:
    with LocalServer() as site:  # a server of its own: robots.txt is per host
        site.add("/robots.txt", "User-agent: *\nDisallow: /private\n", content_type="text/plain")
        site.add("/public", "<p>public</p>")
        site.add("/private/page", "<p>private</p>")
        with Fetcher(fast_settings(tmp_path, respect_robots=True)) as f:
            assert "public" in f.fetch(site.url("/public")).text
            with pytest.raises(RobotsDisallowedError, match="disallows"):
                f.fetch(site.url("/private/page"))
            # a user checking one URL may skip robots.txt
            assert "private" in f.fetch(site.url("/private/page"), respect_robots=False).text
            results = f.fetch_many([site.url("/public?1"), site.url("/private/page?2")])
            assert isinstance(results[0], FetchedPage) and isinstance(results[1], RobotsDisallowedError)
        assert len(site.hits_for("/robots.txt")) == 1  # cached per host


def test_robots_txt_naming_our_agent(tmp_path: Path) -> None:
    with LocalServer() as site:
        site.add("/robots.txt", "User-agent: credibility\nDisallow: /\n\nUser-agent: *\nAllow: /\n")
        site.add("/a", "<p>a</p>")
        with Fetcher(fast_settings(tmp_path, respect_robots=True)) as f, pytest.raises(RobotsDisallowedError):
            f.fetch(site.url("/a"))


def test_robots_txt_missing_allows_and_unreachable_disallows(tmp_path: Path) -> None:
    with LocalServer() as missing:
        missing.add("/a", "<p>a</p>")  # /robots.txt answers 404: crawl freely (RFC 9309)
        with Fetcher(fast_settings(tmp_path, respect_robots=True)) as f:
            assert f.fetch(missing.url("/a")).status == 200
    with LocalServer() as broken:
        broken.add("/robots.txt", "oops", status=503)
        broken.add("/a", "<p>a</p>")
        with (
            Fetcher(fast_settings(tmp_path, respect_robots=True, fetch_retries=0)) as f,
            pytest.raises(RobotsDisallowedError, match="could not be read"),
        ):
            f.fetch(broken.url("/a"))


def test_connection_refused(tmp_path: Path) -> None:
    with LocalServer() as gone:
        url = gone.url("/a")
    with (
        Fetcher(fast_settings(tmp_path, fetch_retries=1)) as f,
        pytest.raises(ConnectionFailedError, match="could not connect"),
    ):
        f.fetch(url)


def test_closed_fetcher_refuses_work(tmp_path: Path) -> None:
    f = Fetcher(fast_settings(tmp_path))
    f.close()
    with pytest.raises(RuntimeError, match="closed"):
        f.fetch("http://127.0.0.1:9/")


def test_an_unclosed_fetcher_does_not_hang_interpreter_exit(tmp_path: Path) -> None:
    script = (
        "from pathlib import Path\n"
        "from credibility.web.fetch import Fetcher\n"
        "from credibility.settings import Settings\n"
        f"f = Fetcher(Settings(home=Path({str(tmp_path)!r})))\n"
        "print(type(f.fetch_many(['http://10.0.0.1/'])[0]).__name__)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert "BlockedURL" in done.stdout


def test_blocked_error_is_a_fetch_error(fetcher: Fetcher) -> None:
    with pytest.raises(FetchError):
        fetcher.fetch("http://192.168.0.1/")
    assert issubclass(BlockedURLError, FetchError)


def test_throughput_of_fetch_many(
    tmp_path: Path, server: LocalServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """200 small pages through fetch_many; prints pages/second (informational)."""
    urls = [server.add(f"/bulk/{i}", article_html(f"Page {i}", [f"Body {i}."])) for i in range(200)]
    with Fetcher(fast_settings(tmp_path, fetch_per_host_concurrency=16)) as f:
        start = time.perf_counter()
        results = f.fetch_many(urls)
        elapsed = time.perf_counter() - start
    assert all(isinstance(r, FetchedPage) for r in results)
    assert [r.url for r in results if isinstance(r, FetchedPage)] == urls
    with capsys.disabled():
        print(f"\nfetch_many: 200 pages in {elapsed:.2f} s = {200 / elapsed:.0f} pages/s")
