"""Whether a string is a URL the fetcher accepts: the one URL test of the library."""

from __future__ import annotations

from urllib.parse import urlsplit

__all__ = ["is_url"]


def is_url(s: str) -> bool:
    """True for an absolute http(s) URL with a host (what the fetcher accepts), False otherwise."""
    if not isinstance(s, str) or not s or any(c.isspace() for c in s.strip()):
        return False
    try:
        parts = urlsplit(s.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
