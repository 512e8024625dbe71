"""The project's exception root and the storage layer's errors.

The root lives here, in the lowest layer, so that the index and everything above it
share one hierarchy; :mod:`credibility.errors` re-exports these names beside the rest.
"""

from __future__ import annotations


class CredibilityError(Exception):
    """Root of every error this project raises on purpose."""


class ConfigError(CredibilityError):
    """A setting is missing or invalid."""


class IndexError_(CredibilityError):
    """Base for problems with the verified index (named so it does not shadow the builtin)."""


class IndexNotFoundError(IndexError_):
    """No index exists at the given home folder."""


class IndexLockedError(IndexError_):
    """Another writer holds the index lock."""


class IndexMismatchError(IndexError_):
    """The index was built with another model, dimension or normalization."""


class IndexCorruptError(IndexError_):
    """The files of the index are unreadable or inconsistent."""
