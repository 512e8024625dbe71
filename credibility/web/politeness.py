"""Per-host politeness: a concurrency limit per host and spacing between request starts.

:class:`HostGates` lives on the fetcher's event loop: create it there and use it only there.
Every request also waits for one of the connections allowed across all hosts.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

__all__ = ["HostGates"]


@dataclass
class _HostGate:
    """Per-host concurrency limit and politeness spacing of request starts."""

    sem: asyncio.Semaphore
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    next_start: float = 0.0


class HostGates:
    """At most ``per_host`` requests at once to a host, starts ``delay`` seconds apart, and at most
    ``total`` requests at once across all hosts."""

    def __init__(self, *, per_host: int, delay: float, total: int) -> None:
        self._per_host = per_host
        self._delay = delay
        self._gates: dict[str, _HostGate] = {}
        self._global = asyncio.Semaphore(total)

    @contextlib.asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[None]:
        """Hold a place for one request to ``host`` (lower case), waiting for its turn first."""
        gate = self._gates.get(host)
        if gate is None:
            gate = self._gates[host] = _HostGate(asyncio.Semaphore(self._per_host))
        loop = asyncio.get_running_loop()
        async with gate.sem:
            async with gate.lock:
                now = loop.time()
                start = max(now, gate.next_start)
                gate.next_start = start + self._delay
            if start > now:
                await asyncio.sleep(start - now)
            async with self._global:
                yield
