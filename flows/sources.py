"""The sources file: what ``ingest-verified`` indexes and what ``monitor-sources`` checks.

The model and its validation live in the library (:mod:`credibility.watch.sources`, through
:mod:`credibility.app`), so the CLI, the flows and :class:`~credibility.app.Home` read the same
typed entries. YAML (``.yaml``/``.yml``) or TOML (``.toml``)::

    verified:                          # indexed by ingest-verified
      - path: verified/reporting/
        kind: reporting                # or factcheck
        source: Example Daily
      - feed: https://publisher.example/rss.xml
        source: Example Daily
    monitor:                           # checked by monitor-sources
      - path: incoming/
      - reposts/one.txt                # a bare string is a path
      - feed: https://repost.example/feed/
        every: 2h
        max_items: 50

Each entry is one of ``path``, ``feed``, ``url`` (a page) or ``sitemap``. Unknown keys are refused
with a suggestion; a bad URL or scheme is refused with its entry.
"""

from __future__ import annotations

from credibility.app import (
    MonitorInput,
    SourceEntry,
    SourcesFile,
    VerifiedInput,
    load_sources,
    require_existing,
)

__all__ = [
    "MonitorInput",
    "SourceEntry",
    "SourcesFile",
    "VerifiedInput",
    "load_sources",
    "require_existing",
]
