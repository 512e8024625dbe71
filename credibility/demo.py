"""`credibility demo`: index the bundled sample data, search it, check the sample repost."""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

from credibility.settings import Settings

SAMPLE_DATA = Path(__file__).parent / "sample_data"


def sample_paths() -> dict[str, Path]:
    return {
        "articles": SAMPLE_DATA / "verified" / "articles.jsonl",
        "factchecks": SAMPLE_DATA / "verified" / "factchecks.jsonl",
        "repost": SAMPLE_DATA / "reposts" / "harbour-bridge-repost.txt",
    }


def run_demo(settings: Settings, out_dir: Path, *, out: TextIO) -> int:
    from credibility.cli.main import cmd_check, cmd_index_add, cmd_index_stats, cmd_search

    paths = sample_paths()
    out_dir.mkdir(parents=True, exist_ok=True)
    print(f"== 1. Index the sample verified reporting and fact-checks into {settings.index_dir}", file=out)
    cmd_index_add(settings, [str(paths["articles"])], kind="reporting", source="", progress=False, out=out)
    cmd_index_add(settings, [str(paths["factchecks"])], kind="factcheck", source="", progress=False, out=out)
    print("\n== 2. Index stats", file=out)
    cmd_index_stats(settings, as_json=False, out=out)
    query = "How much did the bridge repair cost?"
    print(f"\n== 3. Search: {query!r}", file=out)
    cmd_search(settings, query, k=3, as_json=False, queries=None, out=out)
    csv_path = out_dir / "reviewer.csv"
    print(f"\n== 4. Check the sample repost {paths['repost'].name}", file=out)
    html_path = out_dir / "report.html"
    cmd_check(settings, [str(paths["repost"])], csv_path=csv_path, html_path=html_path, out=out)
    print(f"\nReviewer CSV: {csv_path.resolve()}", file=out)
    print(f"HTML report:  {html_path.resolve()}", file=out)
    return 0
