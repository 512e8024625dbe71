"""The `credibility` command line."""

from credibility.cli.main import main

__all__ = ["main"]
