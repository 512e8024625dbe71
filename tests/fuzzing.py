"""What the property-based and reliability tests share: profiles, adversarial text, per-target figures.

Two hypothesis profiles:

- ``ci`` (the default): a bounded number of examples, derandomized, so ``make test`` stays
  minutes and repeatable;
- ``fuzz`` (``CREDIBILITY_FUZZ_PROFILE=fuzz``, set by ``make fuzz``): many more examples,
  random seeds. The non-hypothesis harnesses (kill -9, bursts) read :func:`scale` for their
  counts.

Each fuzzed target records its cases, failures and worst time per case through
:func:`target`; with ``CREDIBILITY_FUZZ_STATS=DIR`` the figures are written there as JSON at
exit, and ``benchmarks/fuzz.py`` (``make fuzz``) turns them into the table of
``benchmarks/RELIABILITY.md``.
"""

from __future__ import annotations

import atexit
import functools
import json
import os
import resource
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TypeVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

PROFILE = os.environ.get("CREDIBILITY_FUZZ_PROFILE", "ci")
LONG = PROFILE == "fuzz"

_QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
settings.register_profile(
    "ci",
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=_QUIET,
    print_blob=True,
)
settings.register_profile(
    "fuzz", max_examples=1000, deadline=None, suppress_health_check=_QUIET, print_blob=True
)
settings.load_profile(PROFILE)


def scale(ci: int, fuzz: int) -> int:
    """A count for a harness: ``ci`` in the bounded profile, ``fuzz`` under ``make fuzz``
    (``CREDIBILITY_FUZZ_SCALE`` multiplies the long one, e.g. 0.25 for a reduced run)."""
    if not LONG:
        return ci
    return max(ci, round(fuzz * float(os.environ.get("CREDIBILITY_FUZZ_SCALE", "1"))))


# --------------------------------------------------------------------------------------------------
# Per-target figures


@dataclass
class Figures:
    target: str
    cases: int = 0
    failures: int = 0
    worst_seconds: float = 0.0
    #: Peak resident memory (MB) of the process that ran the target, or of its child for the
    #: harnesses that run one (kill -9, hostile input in a subprocess).
    peak_mb: float = 0.0
    note: str = ""


_FIGURES: dict[str, Figures] = {}


def figures(name: str) -> Figures:
    return _FIGURES.setdefault(name, Figures(name))


def peak_rss_mb(pid: int | str = "self") -> float:
    """The peak resident memory (MB) of a process's current program: ``VmHWM``, which starts over at
    ``exec`` (``ru_maxrss`` does not: a child started from a big test process would report the test
    process's memory as its own)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 if pid == "self" else 0.0


F = TypeVar("F", bound=Callable[..., Any])


def target(name: str) -> Callable[[F], F]:
    """Count every call of the decorated test body (each hypothesis example) as a case of ``name``."""

    def wrap(fn: F) -> F:
        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> Any:
            stats = figures(name)
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            except Exception:
                stats.failures += 1
                raise
            finally:
                stats.cases += 1
                stats.worst_seconds = max(stats.worst_seconds, time.perf_counter() - started)
                stats.peak_mb = max(stats.peak_mb, peak_rss_mb())

        return run  # type: ignore[return-value]

    return wrap


def record(name: str, seconds: float, *, failed: bool = False, peak_mb: float | None = None) -> None:
    """One case of a harness that counts by hand (a kill, a burst)."""
    stats = figures(name)
    stats.cases += 1
    stats.failures += int(failed)
    stats.worst_seconds = max(stats.worst_seconds, seconds)
    stats.peak_mb = max(stats.peak_mb, peak_mb if peak_mb is not None else peak_rss_mb())


def note(name: str, text: str) -> None:
    figures(name).note = text


@atexit.register
def _dump() -> None:
    folder = os.environ.get("CREDIBILITY_FUZZ_STATS")
    if not folder or not _FIGURES:
        return
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"figures-{os.getpid()}.json"
    path.write_text(json.dumps([asdict(f) for f in _FIGURES.values()], indent=1), encoding="utf-8")


# --------------------------------------------------------------------------------------------------
# Adversarial text

#: Characters that break naive text code: RTL and bidi controls, zero-width joiners, BOM, NUL,
#: line and paragraph separators, combining marks, a lone surrogate, full-width forms.
NASTY = (
    "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"  # bidi
    "\u200b\u200c\u200d\u2060\ufeff\u00ad"  # invisible
    "\x00\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029\r\n\t"  # separators and controls
    "\u0301\u0308\u20dd"  # combining
    "\ud83d\udca9"  # surrogate halves, apart
    "\uff1d\uff0e\u3002\uff01\uff1f"  # full-width = . 。 ! ?
    "…‽“”‘’«»—–-"
)
_NEWS = (
    "The Port Ellery ferry resumed service on Monday. Mayor Jane Roe said 1,200 people were not evacuated. "
    "Dr. Smith arrived at 3 p.m. on Jan. 6, 2021, in Washington, D.C.! Was it 40% or 4.5bn? "
    "READ MORE: Twelve things you did not know. By John Doe, AP. (Photo: X/Reuters) 2019 2020 twenty-one "
)

#: Pieces that text code finds hard, glued at random.
pieces = st.one_of(
    st.text(alphabet=NASTY, max_size=8),
    st.sampled_from(_NEWS.split(" ")).map(lambda w: w + " "),
    st.sampled_from([". ", "! ", "? ", "\n", "\n\n", "... ", " … ", '." ', "U.S. ", "No. 3 ", "- ", "1. "]),
    st.from_regex(r"[0-9][0-9,.]{0,12}", fullmatch=True),
    st.text(max_size=12),
)
#: Article-like text: news words, punctuation, numbers, names, nasty characters, any unicode.
texts = st.lists(pieces, max_size=60).map("".join)


def huge_texts(max_chars: int = 60_000) -> st.SearchStrategy[str]:
    """Long inputs of one kind: a line without punctuation, only digits, only names, one repeated piece."""
    kinds = st.sampled_from(
        [
            "word ",
            "7",
            "1,234 ",
            "Jane Roe ",
            "January 6, 2021 ",
            "not ",
            ". ",
            "\u200b",
            "x",
            "\n",
            "Mr. ",
            "... ",
        ]
    )
    return st.tuples(kinds, st.integers(1, max_chars)).map(lambda kv: (kv[0] * kv[1])[:max_chars])
