"""Sites: the registered domain of a host or URL (``news.example.co.uk`` -> ``example.co.uk``).

Uses the Public Suffix List shipped inside the ``publicsuffixlist`` package (no network). An IP
address is its own site; a name with no public suffix (``localhost``, ``intranet``) is too.
"""

from __future__ import annotations

import ipaddress
from functools import cache
from urllib.parse import urlsplit

from publicsuffixlist import PublicSuffixList

__all__ = ["host_of", "registered_domain"]


@cache
def _list() -> PublicSuffixList:
    return PublicSuffixList()


def host_of(url_or_host: str) -> str:
    """The lower-case host of a URL, or the host itself (no port, no trailing dot)."""
    text = (url_or_host or "").strip()
    if "://" in text:
        try:
            text = urlsplit(text).hostname or ""
        except ValueError:
            return ""
    else:
        text = text.split("/", 1)[0]
        if text.startswith("["):
            text = text[1:].split("]", 1)[0]
        elif text.count(":") == 1:
            text = text.split(":", 1)[0]
    return text.rstrip(".").lower()


def registered_domain(url_or_host: str) -> str:
    """The registered domain (eTLD+1) of a URL or host; the host itself when it has none."""
    host = host_of(url_or_host)
    if not host:
        return ""
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        pass
    try:
        private = _list().privatesuffix(host)
    except (ValueError, UnicodeError):
        private = None
    return private or host
