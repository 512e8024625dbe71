"""Prefect flows: thin wrappers over the credibility library."""
