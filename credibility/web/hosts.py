"""Fixed addresses for host names (the ``resolve`` setting, like curl's ``--resolve``).

A name listed in ``settings.resolve`` (``HOST=ADDRESS``) resolves to that address; any other
name goes to the system resolver. The SSRF guard still vets every address, so a private one
needs ``allow_hosts``, ``allow_networks`` or a source's ``allow_host`` as usual.
"""

from __future__ import annotations

from typing import Any

from credibility.settings import Settings
from credibility.web.fetch import Fetcher
from credibility.web.netguard import Resolver, system_resolver

__all__ = ["open_fetcher", "resolver_for"]


def resolver_for(settings: Settings) -> Resolver | None:
    """A resolver honouring ``settings.resolve``, or None (the fetcher's default) when it is empty."""
    if not settings.resolve:
        return None
    fixed: dict[str, list[str]] = {}
    for pair in settings.resolve:
        host, _, address = pair.partition("=")
        fixed.setdefault(host.strip().rstrip(".").lower(), []).append(address.strip().strip("[]"))

    def resolve(host: str, port: int) -> list[str]:
        found = fixed.get(host.strip("[]").rstrip(".").lower())
        return list(found) if found else system_resolver(host, port)

    return resolve


def open_fetcher(settings: Settings, **options: Any) -> Fetcher:
    """A :class:`Fetcher` for these settings, with their fixed host addresses."""
    options.setdefault("resolver", resolver_for(settings))
    return Fetcher(settings, **options)
