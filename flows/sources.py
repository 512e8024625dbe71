"""The sources file: what ``ingest-verified`` indexes and what ``monitor-sources`` checks.

YAML (``.yaml``/``.yml``) or TOML (``.toml``)::

    verified:                 # indexed by ingest-verified
      - path: verified/reporting/
        kind: reporting       # or factcheck
        source: Example Daily
    monitor:                  # checked by monitor-sources
      - path: incoming/
      - reposts/one.txt       # a bare string is a path

A YAML file that is just a list is the ``monitor`` list. Relative paths are
resolved against the folder of the sources file. Unknown keys are refused (a
typo must fail the run, not silently check nothing); feeds and URLs will be
new entry fields beside ``path``.
"""

from __future__ import annotations

import difflib
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from credibility.errors import InputError
from credibility.model.records import ArticleKind


class VerifiedInput(BaseModel):
    """Verified reporting or fact-checks to index: files or folders of one kind."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str = Field(min_length=1, description="A file or folder (.txt .md .json .jsonl .jsonl.gz .csv).")
    kind: ArticleKind = "reporting"
    source: str = Field(default="", description="Publisher name recorded for these inputs.")


class MonitorInput(BaseModel):
    """Articles to check: a file or a folder of them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str = Field(min_length=1, description="A file or folder of articles to check.")


class SourcesFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    verified: list[VerifiedInput] = Field(default_factory=list)
    monitor: list[MonitorInput] = Field(default_factory=list)

    @field_validator("monitor", mode="before")
    @classmethod
    def _bare_paths(cls, value: object) -> object:
        if isinstance(value, list):
            return [{"path": item} if isinstance(item, str) else item for item in value]
        return value


def load_sources(path: Path) -> SourcesFile:
    """Read and validate a sources file; every problem is an :class:`InputError` naming the file."""
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise InputError(
            f"sources file {path} does not exist; create it (see deploy/sources.example.yaml) "
            "or pass sources_file"
        ) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read sources file {path}: {exc}") from exc
    data = _parse(path, raw)
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


def _parse(path: Path, raw: str) -> Any:
    suffix = path.suffix.lower()
    if suffix == ".toml":
        try:
            return tomllib.loads(raw)
        except tomllib.TOMLDecodeError as exc:
            raise InputError(f"{path}: not valid TOML: {exc}") from None
    if suffix in (".yaml", ".yml"):
        import yaml

        try:
            return yaml.safe_load(raw)
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
        if error["type"] == "extra_forbidden":
            section = loc[0] if len(loc) > 1 else ""
            known = _FIELDS.get(section, set())
            hint = difflib.get_close_matches(loc[-1], sorted(known), n=1)
            suggestion = (
                f"; did you mean {hint[0]!r}?" if hint else f"; known keys: {', '.join(sorted(known))}"
            )
            lines.append(f"{_where(loc[:-1]) or 'top level'}: unknown key {loc[-1]!r}{suggestion}")
        else:
            lines.append(f"{_where(loc) or 'file'}: {error['msg']}")
    return "; ".join(lines)


def _where(loc: list[str]) -> str:
    """``["monitor", "0", "path"]`` -> ``monitor[1].path`` (entries counted from 1, as people do)."""
    return "".join(f"[{int(p) + 1}]" if p.isdigit() else f".{p}" for p in loc).lstrip(".")


def _resolved(sources: SourcesFile, base: Path) -> SourcesFile:
    def absolute(raw: str) -> str:
        path = Path(raw).expanduser()
        return str(path if path.is_absolute() else (base / path).resolve())

    return SourcesFile(
        verified=[item.model_copy(update={"path": absolute(item.path)}) for item in sources.verified],
        monitor=[item.model_copy(update={"path": absolute(item.path)}) for item in sources.monitor],
    )


def require_existing(paths: list[str], what: str) -> None:
    """Fail before any work when a listed file or folder is missing (no partial runs)."""
    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        raise InputError(f"{what}: no such file or folder: {', '.join(missing)}")
