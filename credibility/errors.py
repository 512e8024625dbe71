"""One exception hierarchy for the whole library.

Every error says what was wrong and what to do about it; the CLI prints the
message on one line and exits with status 2 for anything derived from
:class:`CredibilityError` that is the user's to fix.
"""

from __future__ import annotations


class CredibilityError(Exception):
    """Root of every error this project raises on purpose."""


class InputError(CredibilityError):
    """Bad user input: a file, a record, a parameter. Fix the input and retry."""


class ConfigError(CredibilityError):
    """A setting is missing or invalid."""


class ModelError(CredibilityError):
    """The embedding model could not be loaded or used."""


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


class FetchError(CredibilityError):
    """A URL could not be fetched or did not hold what was expected."""


class BlockedURLError(FetchError):
    """A URL was refused by the SSRF guard (private, loopback, reserved address or bad scheme)."""


class ExtractionError(FetchError):
    """A page was fetched but no article could be extracted from it."""
