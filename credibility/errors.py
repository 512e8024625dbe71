"""One exception hierarchy for the whole library.

Every error says what was wrong and what to do about it; the CLI prints the
message on one line and exits with status 2 for anything derived from
:class:`CredibilityError` that is the user's to fix.
"""

from __future__ import annotations

from index.errors import (
    ConfigError,
    CredibilityError,
    IndexCorruptError,
    IndexError_,
    IndexLockedError,
    IndexMismatchError,
    IndexNotFoundError,
)

__all__ = [
    "BlockedURLError",
    "ConfigError",
    "CredibilityError",
    "ExtractionError",
    "FetchError",
    "IndexCorruptError",
    "IndexError_",
    "IndexLockedError",
    "IndexMismatchError",
    "IndexNotFoundError",
    "InputError",
    "ModelError",
    "UsageError",
]


class InputError(CredibilityError):
    """Bad user input: a file, a record, a parameter. Fix the input and retry."""


class UsageError(CredibilityError):
    """Bad command-line usage or parameters."""


class ModelError(CredibilityError):
    """The embedding model could not be loaded or used."""


class FetchError(CredibilityError):
    """A URL could not be fetched or did not hold what was expected."""


class BlockedURLError(FetchError):
    """A URL was refused by the SSRF guard (private, loopback, reserved address or bad scheme)."""


class ExtractionError(FetchError):
    """A page was fetched but no article could be extracted from it."""
