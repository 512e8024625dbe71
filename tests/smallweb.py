"""A small web on 127.0.0.1 for the watch tests: several sites on one server, told apart by the
``Host`` header, with ETag / Last-Modified (a conditional GET of an unchanged page is a 304), and
counters of what was asked and sent (requests, 304s, bodies, bytes), per host and in total.

Host names (``publisher.test``, ``repost.test`` ...) resolve to 127.0.0.1 through the settings'
``resolve`` pairs (:meth:`SmallWeb.resolve`), and the SSRF guard lets them through with the
sources-file entries' ``allow_host`` or ``allow_networks``.
"""

from __future__ import annotations

import email.utils
import hashlib
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from webfixtures import serve_on_loopback

Handler = Callable[[BaseHTTPRequestHandler], None]


@dataclass
class Page:
    body: bytes
    content_type: str
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    etag: str = ""
    last_modified: str = ""


@dataclass
class Counts:
    requests: int = 0
    not_modified: int = 0
    bodies: int = 0
    bytes: int = 0
    errors: int = 0
    by_host: Counter[str] = field(default_factory=Counter)
    paths: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "not_modified": self.not_modified,
            "bodies": self.bodies,
            "bytes": self.bytes,
            "errors": self.errors,
        }


class SmallWeb:
    """Sites on one local server; use as a context manager."""

    def __init__(self) -> None:
        self.pages: dict[tuple[str, str], Page] = {}
        self.handlers: dict[tuple[str, str], Handler] = {}
        self.counts = Counts()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._clock = 0

    # -- lifecycle -------------------------------------------------------------------------
    def __enter__(self) -> SmallWeb:
        self._server = serve_on_loopback(self._get)
        return self

    def _get(self, h: BaseHTTPRequestHandler) -> None:
        host = (h.headers.get("Host") or "").split(":", 1)[0].lower()
        self._serve(h, host, h.path.split("?", 1)[0])

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.server_address[1])

    def url(self, host: str, path: str = "/") -> str:
        return f"http://{host}:{self.port}{path}"

    def resolve(self, *hosts: str) -> tuple[str, ...]:
        """``settings.resolve`` pairs sending these hosts to this server."""
        return tuple(f"{host}=127.0.0.1" for host in hosts)

    # -- content ---------------------------------------------------------------------------
    def put(
        self,
        host: str,
        path: str,
        body: bytes | str,
        content_type: str = "text/html; charset=utf-8",
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
        delay: float = 0.0,
        validators: bool = True,
    ) -> str:
        """Serve ``body`` at ``host`` + ``path`` (a new version when it changes: new ETag and date)."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        with self._lock:
            old = self.pages.get((host, path))
            page = Page(data, content_type, status, dict(headers or {}), delay)
            if validators and status == 200:
                if old is not None and old.body == data and old.etag:
                    page.etag, page.last_modified = old.etag, old.last_modified
                else:
                    self._clock += 1
                    page.etag = '"' + hashlib.blake2b(data, digest_size=8).hexdigest() + '"'
                    page.last_modified = email.utils.formatdate(1_700_000_000 + self._clock * 60, usegmt=True)
            self.pages[(host, path)] = page
        return self.url(host, path)

    def handle(self, host: str, path: str, handler: Handler) -> str:
        self.handlers[(host, path)] = handler
        return self.url(host, path)

    def remove(self, host: str, path: str) -> None:
        self.pages.pop((host, path), None)
        self.handlers.pop((host, path), None)

    def reset_counts(self) -> Counts:
        """The counts so far, and start counting again."""
        with self._lock:
            counts, self.counts = self.counts, Counts()
        return counts

    # -- serving ---------------------------------------------------------------------------
    def _serve(self, h: BaseHTTPRequestHandler, host: str, path: str) -> None:
        with self._lock:
            self.counts.requests += 1
            self.counts.by_host[host] += 1
            self.counts.paths[f"{host}{path}"] += 1
            handler = self.handlers.get((host, path))
            page = self.pages.get((host, path))
        if handler is not None:
            handler(h)
            return
        if page is None:
            self._send(h, 404, b"not found", "text/plain")
            return
        validators = {"ETag": page.etag, "Last-Modified": page.last_modified}
        if page.etag and h.headers.get("If-None-Match") == page.etag:
            self._send(h, 304, b"", "", validators, delay=page.delay)
            return
        if (
            page.last_modified
            and not h.headers.get("If-None-Match")
            and h.headers.get("If-Modified-Since") == page.last_modified
        ):
            self._send(h, 304, b"", "", validators, delay=page.delay)
            return
        headers = dict(page.headers)
        if page.etag:
            headers.update(validators)
        self._send(h, page.status, page.body, page.content_type, headers, delay=page.delay)

    def _send(
        self,
        h: BaseHTTPRequestHandler,
        status: int,
        body: bytes,
        content_type: str,
        headers: dict[str, str] | None = None,
        *,
        delay: float = 0.0,
    ) -> None:
        # Counted when the request arrives: a slow answer belongs to the run that asked for it.
        with self._lock:
            if status == 304:
                self.counts.not_modified += 1
            elif status >= 400:
                self.counts.errors += 1
            if body and status < 300:
                self.counts.bodies += 1
            self.counts.bytes += len(body)
        if delay:
            time.sleep(delay)
        h.send_response(status)
        if content_type:
            h.send_header("Content-Type", content_type)
        for key, value in (headers or {}).items():
            h.send_header(key, value)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        if body:
            h.wfile.write(body)


def closed_port() -> int:
    """A local port nothing listens on (a dead site)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss(title: str, link: str, items: list[dict[str, str]]) -> str:
    """An RSS 2.0 feed; each item: title, link, guid, date (RFC 822), description, content (HTML)."""
    parts = []
    for item in items:
        content = (
            f"<content:encoded><![CDATA[{item['content']}]]></content:encoded>" if item.get("content") else ""
        )
        link_tag = f"<link>{item['link']}</link>" if item.get("link") else ""
        guid = f'<guid isPermaLink="false">{item["guid"]}</guid>' if item.get("guid") else ""
        date = f"<pubDate>{item['date']}</pubDate>" if item.get("date") else ""
        author = f"<author>{item['author']}</author>" if item.get("author") else ""
        parts.append(
            f"<item><title>{item.get('title', '')}</title>{link_tag}{guid}{date}{author}"
            f"<description>{item.get('description', '')}</description>{content}</item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
        f"<channel><title>{title}</title><link>{link}</link><description>{title}</description>"
        + "".join(parts)
        + "</channel></rss>"
    )


def news_sitemap(urls: list[tuple[str, str, str]], publication: str = "Publisher") -> str:
    """A Google News sitemap of (loc, lastmod, title)."""
    entries = "".join(
        f"<url><loc>{loc}</loc><lastmod>{lastmod}</lastmod><news:news><news:publication>"
        f"<news:name>{publication}</news:name><news:language>en</news:language></news:publication>"
        f"<news:publication_date>{lastmod}</news:publication_date><news:title>{title}</news:title>"
        "</news:news></url>"
        for loc, lastmod, title in urls
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">' + entries + "</urlset>"
    )


def sitemap_index(locs: list[tuple[str, str]]) -> str:
    entries = "".join(
        f"<sitemap><loc>{loc}</loc><lastmod>{lastmod}</lastmod></sitemap>" for loc, lastmod in locs
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">' + entries + "</sitemapindex>"
    )


def page(title: str, paragraphs: list[str], *, head: str = "", after: str = "") -> str:
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title>{head}</head>"
        f"<body><article><h1>{title}</h1>{body}{after}</article></body></html>"
    )
