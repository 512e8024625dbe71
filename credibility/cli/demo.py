"""`credibility demo`: index the bundled sample data, search it, check the sample repost."""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

from credibility.app import Home, sample_paths
from credibility.cli.commands import cmd_check, cmd_index_add, cmd_index_stats, cmd_search


def run_demo(home: Home, out_dir: Path, *, out: TextIO) -> int:
    paths = sample_paths()
    out_dir.mkdir(parents=True, exist_ok=True)
    print(
        f"== 1. Index the sample verified reporting and fact-checks into {home.settings.index_dir}", file=out
    )
    cmd_index_add(home, [str(paths["articles"])], kind="reporting", source="", progress=False, out=out)
    cmd_index_add(home, [str(paths["factchecks"])], kind="factcheck", source="", progress=False, out=out)
    print("\n== 2. Index stats", file=out)
    cmd_index_stats(home, as_json=False, out=out)
    query = "How much did the bridge repair cost?"
    print(f"\n== 3. Search: {query!r}", file=out)
    cmd_search(home, query, k=3, as_json=False, queries=None, out=out)
    csv_path = out_dir / "reviewer.csv"
    print(f"\n== 4. Check the sample repost {paths['repost'].name}", file=out)
    html_path = out_dir / "report.html"
    cmd_check(home, [str(paths["repost"])], csv_path=csv_path, html_path=html_path, out=out)
    print(f"\nReviewer CSV: {csv_path.resolve()}", file=out)
    print(f"HTML report:  {html_path.resolve()}", file=out)
    return 0
