"""A local threaded HTTP server for the fetch, feed and extraction tests (127.0.0.1 only).

Routes are registered per test: a fixed response, or a handler function that
writes whatever it wants (slow, endless, flaky ...). Every request is recorded.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from credibility.settings import Settings

Handler = Callable[[BaseHTTPRequestHandler], None]


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hangs up (a size cap, a timeout) is what these tests do


def serve_on_loopback(on_get: Callable[[BaseHTTPRequestHandler], None]) -> ThreadingHTTPServer:
    """A threaded HTTP/1.1 server on 127.0.0.1 (a free port) calling ``on_get`` for every GET;
    a client giving up mid-response is not an error. Stop it with ``shutdown()``."""

    class _Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in separate writes: without this, Nagle's algorithm
        # and delayed ACKs add ~40 ms to every keep-alive response.
        disable_nagle_algorithm = True

        def do_GET(self) -> None:
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                on_get(self)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = _QuietServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    server.block_on_close = False  # slow handlers must not hold up the teardown
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return server


@dataclass
class Hit:
    path: str
    headers: dict[str, str]
    client: str


@dataclass
class LocalServer:
    routes: dict[str, Handler] = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None

    # -- lifecycle --------------------------------------------------------------
    def __enter__(self) -> LocalServer:
        self._server = serve_on_loopback(self._get)
        return self

    def _get(self, h: BaseHTTPRequestHandler) -> None:
        self.hits.append(Hit(h.path, {k.lower(): v for k, v in h.headers.items()}, h.client_address[0]))
        route = self.routes.get(h.path) or self.routes.get(h.path.split("?", 1)[0])
        if route is None:
            send(h, 404, b"not found", "text/plain")
            return
        route(h)

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.server_address[1])

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    # -- routes -----------------------------------------------------------------
    def add(
        self,
        path: str,
        body: bytes | str = b"",
        *,
        status: int = 200,
        content_type: str = "text/html; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> str:
        data = body.encode("utf-8") if isinstance(body, str) else body

        def handler(h: BaseHTTPRequestHandler) -> None:
            send(h, status, data, content_type, headers)

        self.routes[path] = handler
        return self.url(path)

    def handle(self, path: str, handler: Handler) -> str:
        self.routes[path] = handler
        return self.url(path)

    def hits_for(self, path: str) -> list[Hit]:
        return [h for h in self.hits if h.path == path]


def send(
    h: BaseHTTPRequestHandler,
    status: int,
    body: bytes = b"",
    content_type: str = "text/html; charset=utf-8",
    headers: dict[str, str] | None = None,
) -> None:
    h.send_response(status)
    if content_type:
        h.send_header("Content-Type", content_type)
    for key, value in (headers or {}).items():
        h.send_header(key, value)
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    if body:
        h.wfile.write(body)


def slow(seconds: float, body: bytes = b"<html><body><p>late</p></body></html>") -> Handler:
    def handler(h: BaseHTTPRequestHandler) -> None:
        time.sleep(seconds)
        send(h, 200, body)

    return handler


def endless(chunk: int = 16 * 1024, announce: int | None = None) -> Handler:
    """Stream HTML until the client hangs up; ``announce`` sends that Content-Length."""

    def handler(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        if announce is not None:
            h.send_header("Content-Length", str(announce))
        h.send_header("Connection", "close")
        h.end_headers()
        h.close_connection = True
        block = b"<p>" + b"x" * (chunk - 7) + b"</p>\n"
        for _ in range(10_000):
            h.wfile.write(block)

    return handler


def sequence(*responses: tuple[int, bytes, dict[str, str]]) -> Handler:
    """Answer with each (status, body, headers) in turn, then repeat the last one."""
    state = {"n": 0}
    lock = threading.Lock()

    def handler(h: BaseHTTPRequestHandler) -> None:
        with lock:
            i = min(state["n"], len(responses) - 1)
            state["n"] += 1
        status, body, headers = responses[i]
        send(h, status, body, "text/html; charset=utf-8", headers)

    return handler


def article_html(title: str, paragraphs: list[str], extra: str = "") -> str:
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title></head>"
        f"<body><article><h1>{title}</h1>{body}{extra}</article></body></html>"
    )


def fast_settings(home: Path, **overrides: Any) -> Settings:
    """Fast, local settings: the test server's network is allowed, no waiting."""
    values: dict[str, Any] = {
        "home": home,
        "allow_networks": ("127.0.0.0/8",),
        "fetch_timeout": 2.0,
        "fetch_retries": 2,
        "fetch_backoff": 0.001,
        "fetch_politeness_delay": 0.0,
        "fetch_per_host_concurrency": 8,
        "respect_robots": False,
    }
    values.update(overrides)
    return Settings(**values)


def iter_lines(text: str) -> Iterator[str]:
    yield from (line for line in text.splitlines() if line.strip())
