"""robots.txt (RFC 9309): read once per site and fetcher, then asked before each request.

A robots.txt answered with 4xx, or one that is too large or redirects too often, allows
everything; one that cannot be reached (5xx, timeout, broken connection) disallows everything.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from urllib.robotparser import RobotFileParser

import httpx

from credibility.errors import BlockedURLError, FetchError
from credibility.web.fetch_errors import (
    ConnectionFailedError,
    FetchTimeoutError,
    HTTPStatusError,
    RobotsDisallowedError,
    TLSError,
)
from credibility.web.netguard import FetchFailure, UnresolvableHostError

__all__ = ["ROBOTS_MAX_BYTES", "RobotsRules"]

#: RFC 9309 asks crawlers to parse at least 500 KiB of robots.txt.
ROBOTS_MAX_BYTES = 512 * 1024


class RobotsRules:
    """The robots.txt verdicts for one user agent, per site, on the fetcher's event loop.

    ``read(url)`` fetches a robots.txt (with no robots check of its own and a
    :data:`ROBOTS_MAX_BYTES` cap) and returns its text, or raises a :class:`FetchError`.
    """

    def __init__(self, user_agent: str, read: Callable[[str], Awaitable[str]]) -> None:
        self._user_agent = user_agent
        self._read = read
        self._robots: dict[str, RobotFileParser | FetchFailure | None] = {}
        self._robots_locks: dict[str, asyncio.Lock] = {}

    async def check(self, url: httpx.URL) -> None:
        """Raise :class:`RobotsDisallowedError` unless the site's robots.txt lets us fetch ``url``."""
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
        if verdict is not None and not verdict.can_fetch(self._user_agent, str(url)):
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
                text = await self._read(f"{root}/robots.txt")
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
                parser.parse(text.splitlines())
                verdict = parser
            self._robots[root] = verdict
            return verdict
