"""credibility: sentence-level checks of articles against verified reporting."""

__version__ = "0.1.0"
