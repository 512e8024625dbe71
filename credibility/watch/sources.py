"""The sources file: what ``ingest-verified`` indexes and what ``monitor-sources`` checks.

YAML (``.yaml``/``.yml``) or TOML (``.toml``)::

    verified:                          # indexed by ingest-verified
      - path: verified/reporting/      # files and folders
        kind: reporting                # or factcheck
        source: Example Daily
      - feed: https://publisher.example/rss.xml
        source: Example Daily
      - sitemap: https://publisher.example/news-sitemap.xml
      - url: https://factcheck.example/claims/ferry   # a page (ClaimReview markup: a fact-check)
        kind: factcheck
    monitor:                           # checked by monitor-sources
      - path: incoming/
      - reposts/one.txt                # a bare string is a path
      - feed: https://repost.example/feed/
        source: Repost Daily           # the name the ledger shows
        every: 2h                      # not fetched more often than this ("90s", "30m", "2h", "1d", seconds)
        max_items: 50                  # articles fetched and checked per run (the rest wait)
        allow_host: repost.intranet    # a private host the SSRF guard lets through, for this entry only

Each entry is exactly one of ``path``, ``feed``, ``url`` or ``sitemap``. A YAML file that is just
a list is the ``monitor`` list. Relative paths are resolved against the folder of the sources
file. Unknown keys are refused with a suggestion (a typo must fail the run, not silently check
nothing), and a URL that is not http(s) is refused with its entry.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from credibility.errors import InputError
from credibility.model.records import ArticleKind
from credibility.model.watch import ListName, SourceType, source_id

__all__ = [
    "MAX_EVERY_SECONDS",
    "MAX_ITEMS_CAP",
    "MonitorInput",
    "SourceEntry",
    "SourcesFile",
    "VerifiedInput",
    "load_sources",
    "parse_every",
    "require_existing",
]

#: The most ``max_items`` may ask for in one run (also the cap on what one run takes from a source).
MAX_ITEMS_CAP = 5000
#: ``every`` may ask for at most this interval (30 days).
MAX_EVERY_SECONDS = 30 * 86_400.0
WEB_TYPES: tuple[SourceType, ...] = ("feed", "url", "sitemap")
WEB_OPTIONS = ("every", "max_items", "allow_host")

_UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hr": 3600, "d": 86_400, "w": 604_800}
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|hr|d|w)?", re.IGNORECASE)


def parse_every(value: object) -> float | None:
    """``every`` in seconds: a number of seconds, or ``"90s"``, ``"30m"``, ``"2h"``, ``"1d"``, ``"1h30m"``."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError("expected a duration such as 30m, 2h or 1d, or a number of seconds")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str):
        text = value.strip().lower().replace(" ", "")
        pos, seconds = 0, 0.0
        for match in _DURATION_PART.finditer(text):
            if match.start() != pos:
                break
            seconds += float(match[1]) * _UNITS[(match[2] or "s").lower()]
            pos = match.end()
        if not text or pos != len(text):
            raise ValueError(f"{value!r} is not a duration; write e.g. 30m, 2h, 1d or a number of seconds")
    else:
        raise ValueError("expected a duration such as 30m, 2h or 1d, or a number of seconds")
    if not 0 < seconds <= MAX_EVERY_SECONDS:
        raise ValueError(f"{value!r} is out of range: more than 0 and at most 30 days")
    return seconds


def _check_url(value: str) -> str:
    text = value.strip()
    if not text:
        return ""
    try:
        parts = urlsplit(text)
        host = parts.hostname
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a valid URL ({exc})") from None
    if parts.scheme.lower() not in ("http", "https"):
        scheme = f"scheme {parts.scheme!r}" if parts.scheme else "no scheme"
        raise ValueError(f"{value!r} has {scheme}: only http:// and https:// URLs can be fetched")
    if not host:
        raise ValueError(f"{value!r} has no host")
    if any(c.isspace() for c in text):
        raise ValueError(f"{value!r} contains spaces; percent-encode them (%20)")
    return text


class SourceEntry(BaseModel):
    """One entry of the sources file: a path, or a feed, a page or a sitemap to fetch."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    LIST: ClassVar[ListName] = "monitor"

    path: str = Field(
        default="", description="A file or folder (.txt .md .json .jsonl .jsonl.gz .csv .html)."
    )
    feed: str = Field(default="", description="An RSS or Atom feed URL: one article per entry.")
    url: str = Field(default="", description="The URL of one page (an article, or a ClaimReview page).")
    sitemap: str = Field(
        default="", description="A sitemap, news sitemap or sitemap index URL (lastmod honoured)."
    )
    source: str = Field(default="", description="Publisher or site name recorded for these articles.")
    every: float | None = Field(
        default=None,
        description="Minimum seconds between fetches of this entry (the file takes 30m, 2h, 1d).",
    )
    max_items: int | None = Field(
        default=None, ge=1, le=MAX_ITEMS_CAP, description="Articles fetched per run (the rest wait)."
    )
    allow_host: tuple[str, ...] = Field(
        default=(), description="Private-network hosts the SSRF guard lets through for this entry only."
    )

    @field_validator("every", mode="before")
    @classmethod
    def _every(cls, value: object) -> float | None:
        return parse_every(value)

    @field_validator("feed", "url", "sitemap")
    @classmethod
    def _http_url(cls, value: str) -> str:
        return _check_url(value)

    @field_validator("path", "source")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()

    @field_validator("allow_host", mode="before")
    @classmethod
    def _hosts(cls, value: object) -> object:
        if isinstance(value, str):
            value = [value]
        if isinstance(value, list | tuple):
            hosts = []
            for host in value:
                if not isinstance(host, str) or not host.strip():
                    raise ValueError("expected host names, e.g. allow_host: wire.intranet")
                text = host.strip().lower()
                if "/" in text or any(c.isspace() for c in text):
                    raise ValueError(f"{host!r} is not a host name (write the host alone, no scheme or path)")
                hosts.append(text)
            return tuple(hosts)
        return value

    @model_validator(mode="after")
    def _one_location(self) -> SourceEntry:
        given = [name for name in ("path", "feed", "url", "sitemap") if getattr(self, name)]
        if len(given) != 1:
            what = ", ".join(given) if given else "none"
            raise ValueError(f"give exactly one of path, feed, url or sitemap (this entry has {what})")
        if given[0] == "path":
            options = [name for name in WEB_OPTIONS if getattr(self, name) not in (None, ())]
            if options:
                verb = "applies" if len(options) == 1 else "apply"
                raise ValueError(
                    f"{', '.join(options)} {verb} to feed, url and sitemap entries, not to a path"
                )
        return self

    # --- what the entry names ----------------------------------------------------------------

    @property
    def type(self) -> SourceType:
        for name in ("feed", "url", "sitemap"):
            if getattr(self, name):
                return name
        return "path"

    @property
    def location(self) -> str:
        """The path, feed, page or sitemap the entry names."""
        return str(getattr(self, self.type))

    @property
    def is_web(self) -> bool:
        return self.type in WEB_TYPES

    @property
    def source_id(self) -> str:
        """``list:type:location``: the key of this source's crawl state."""
        return source_id(self.LIST, self.type, self.location)

    @property
    def label(self) -> str:
        """``feed https://...`` / ``path /srv/in``: the entry in messages."""
        return f"{self.type} {self.location}"


class VerifiedInput(SourceEntry):
    """Verified reporting or fact-checks to index: files or folders, feeds, pages or sitemaps."""

    LIST: ClassVar[ListName] = "verified"

    kind: ArticleKind = "reporting"


class MonitorInput(SourceEntry):
    """Articles to check: files or folders, feeds, pages or sitemaps."""

    LIST: ClassVar[ListName] = "monitor"


class SourcesFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    verified: list[VerifiedInput] = Field(default_factory=list)
    monitor: list[MonitorInput] = Field(default_factory=list)

    @field_validator("verified", "monitor", mode="before")
    @classmethod
    def _bare_paths(cls, value: object) -> object:
        if isinstance(value, list):
            return [_bare(item) for item in value]
        return value


def _bare(item: object) -> object:
    if not isinstance(item, str):
        return item
    if re.match(r"^[a-z][a-z0-9+.-]*://", item.strip(), re.IGNORECASE):
        # A bare URL is ambiguous (a feed? a page? a sitemap?): the file must say which.
        return {"_bare_url": item}
    return {"path": item}


def load_sources(path: Path) -> SourcesFile:
    """Read and validate a sources file; every problem is an :class:`InputError` naming the file."""
    path = Path(path)
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise InputError(
            f"sources file {path} does not exist; create it (see deploy/sources.example.yaml) "
            "or pass sources_file"
        ) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read sources file {path}: {exc}") from exc
    parsed = _parse(path, raw)
    try:
        data = _text_only(path, parsed)
    except RecursionError:
        raise InputError(f"{path}: nested too deeply to be a sources file") from None
    if isinstance(data, list):
        data = {"monitor": data}
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a mapping with 'verified' and/or 'monitor' lists")
    try:
        sources = SourcesFile.model_validate(data)
    except ValidationError as exc:
        raise InputError(f"{path}: {_describe(exc)}") from None
    return _resolved(sources, path.parent)


def _text_only(path: Path, data: Any, seen: dict[int, Any] | None = None) -> Any:
    """``data`` with escaped surrogate pairs joined (PyYAML reads ``"\\ud83d\\ude00"`` as two halves);
    a lone half is refused: it is no character, and no path or URL can hold it. A node YAML aliases
    many times is converted once (``seen``): an alias bomb stays as small as it was parsed."""
    seen = {} if seen is None else seen
    if isinstance(data, list | dict):
        if id(data) in seen:
            return seen[id(data)]
        if isinstance(data, list):
            items: list[Any] = []
            seen[id(data)] = items
            items.extend(_text_only(path, item, seen) for item in data)
            return items
        mapping: dict[Any, Any] = {}
        seen[id(data)] = mapping
        mapping.update((_text_only(path, k, seen), _text_only(path, v, seen)) for k, v in data.items())
        return mapping
    if isinstance(data, str):
        if not any("\ud800" <= c <= "\udfff" for c in data):
            return data
        joined = data.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        if "\ufffd" in joined and "\ufffd" not in data:
            raise InputError(f"{path}: {data!r} holds half of a character (a lone surrogate escape); fix it")
        return joined
    return data


def _parse(path: Path, raw: str) -> Any:
    suffix = path.suffix.lower()
    if suffix == ".toml":
        try:
            return tomllib.loads(raw)
        except tomllib.TOMLDecodeError as exc:
            raise InputError(f"{path}: not valid TOML: {exc}") from None
        except RecursionError:  # arrays nested thousands deep
            raise InputError(f"{path}: not valid TOML: nested too deeply") from None
    if suffix in (".yaml", ".yml"):
        try:
            import yaml
        except ImportError:  # pragma: no cover - PyYAML comes with the flows extra
            raise InputError(
                f"{path}: reading YAML needs PyYAML (pip install 'credibility[flows]'), or use TOML"
            ) from None
        try:
            return yaml.safe_load(raw)
        except RecursionError:  # "[" nested thousands deep
            raise InputError(f"{path}: not valid YAML: nested too deeply") from None
        except yaml.YAMLError as exc:
            where = getattr(exc, "problem_mark", None)
            line = f" (line {where.line + 1})" if where is not None else ""
            problem = getattr(exc, "problem", None) or str(exc)
            raise InputError(f"{path}: not valid YAML{line}: {problem}") from None
    raise InputError(f"{path}: a sources file must end in .yaml, .yml or .toml")


_FIELDS = {
    "": set(SourcesFile.model_fields),
    "verified": set(VerifiedInput.model_fields),
    "monitor": set(MonitorInput.model_fields),
}


def _describe(exc: ValidationError) -> str:
    """One line per problem, with the entry's position and a suggestion for a misspelt key."""
    lines: list[str] = []
    for error in exc.errors():
        loc = [str(part) for part in error["loc"]]
        if error["type"] == "extra_forbidden" and loc[-1] == "_bare_url":
            url = error.get("input")
            lines.append(
                f"{_where(loc[:-1])}: {url!r} is a bare URL; say what it is: "
                f"`feed: {url}`, `url: {url}` (a page) or `sitemap: {url}`"
            )
        elif error["type"] == "extra_forbidden":
            section = loc[0] if len(loc) > 1 else ""
            known = _FIELDS.get(section, set())
            hint = difflib.get_close_matches(loc[-1], sorted(known), n=1)
            suggestion = (
                f"; did you mean {hint[0]!r}?" if hint else f"; known keys: {', '.join(sorted(known))}"
            )
            lines.append(f"{_where(loc[:-1]) or 'top level'}: unknown key {loc[-1]!r}{suggestion}")
        elif error["type"] == "value_error" and loc and loc[-1] not in _FIELDS.get(loc[0], set()):
            # The whole entry (exactly one location; options that need a URL).
            if any(e["type"] == "extra_forbidden" and e["loc"][:-1] == error["loc"] for e in exc.errors()):
                continue  # its unknown key says more
            lines.append(f"{_where(loc) or 'file'}: {_message(error['msg'])}")
        else:
            lines.append(f"{_where(loc) or 'file'}: {_message(error['msg'])}")
    return "; ".join(lines)


def _message(msg: str) -> str:
    return msg.removeprefix("Value error, ")


def _where(loc: list[str]) -> str:
    """``["monitor", "0", "path"]`` -> ``monitor[1].path`` (entries counted from 1, as people do)."""
    return "".join(f"[{int(p) + 1}]" if p.isdigit() else f".{p}" for p in loc).lstrip(".")


def _resolved(sources: SourcesFile, base: Path) -> SourcesFile:
    def absolute(raw: str) -> str:
        path = Path(raw).expanduser()
        return str(path if path.is_absolute() else (base / path).resolve())

    return SourcesFile(
        verified=[
            item.model_copy(update={"path": absolute(item.path)}) if item.path else item
            for item in sources.verified
        ],
        monitor=[
            item.model_copy(update={"path": absolute(item.path)}) if item.path else item
            for item in sources.monitor
        ],
    )


def require_existing(paths: list[str], what: str) -> None:
    """Fail before any work when a listed file or folder is missing (no partial runs)."""
    missing = [p for p in paths if p and not Path(p).exists()]
    if missing:
        raise InputError(f"{what}: no such file or folder: {', '.join(missing)}")
