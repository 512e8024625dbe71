"""Watching sources across runs: the sources file, polite incremental crawling of feeds, pages and
sitemaps, publisher attribution, and the credibility ledger of the monitored sources.

Sits between :mod:`credibility.app` (which calls it) and the layers it uses: the review layer (the
ledger reads reviewed checks), the stores (the crawl state) and the web layer (fetching).
"""
