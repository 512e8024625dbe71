"""Settings of the flows layer, beside the library's :class:`~credibility.settings.Settings`.

Read from the same ``CREDIBILITY_*`` environment variables. A bad value raises
:class:`~credibility.errors.ConfigError` naming the variable, the value and what
is expected (as the library's settings do), never a pydantic traceback. Nothing
here loads a model or imports Prefect: served flow runs start in a fresh process
and must stay cheap to import.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from credibility.errors import ConfigError
from credibility.settings import ReadableSettings, Settings, load_settings

#: Where a check runs: "worker" hands it to the warm background-task worker,
#: "local" loads the model in the flow's own process, "auto" picks the worker
#: when one is connected.
Execution = Literal["auto", "worker", "local"]


class FlowSettings(ReadableSettings):
    """The flows' settings; ``FlowSettings()`` raises :class:`ConfigError` on a bad value."""

    model_config = SettingsConfigDict(env_prefix="CREDIBILITY_", extra="ignore", frozen=True)

    timezone: str = Field(
        default="UTC", description="IANA zone whose calendar day names the daily reviewer CSV."
    )
    reports_dir: Path | None = Field(
        default=None, description="Folder of the reviewer CSV exports (default: HOME/reports)."
    )
    sources_file: Path | None = Field(
        default=None, description="YAML or TOML sources file (default: HOME/sources.yaml)."
    )
    execution: Execution = "auto"
    #: Seconds a caller waits for the warm worker to finish one check.
    check_timeout: float = Field(default=120.0, gt=0)
    #: Concurrent background checks one worker accepts (they queue on one model).
    worker_limit: int = Field(default=4, ge=1)
    #: A Dask scheduler to use instead of a temporary local cluster ("tcp://host:8786").
    dask_address: str | None = None
    dask_workers: int = Field(default=2, ge=1)
    #: Sentences per Dask embedding task.
    dask_chunk: int = Field(default=256, ge=1)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            zone_info(value)
        except ConfigError as exc:
            raise ValueError(str(exc)) from None  # reported with the variable's name
        return value


def zone_info(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"unknown time zone {name!r}; use an IANA name such as 'Europe/Paris'") from exc


def load_flow_settings(**overrides: Any) -> FlowSettings:
    """The flows' settings from the environment, ``overrides`` on top; ConfigError on a bad value."""
    return FlowSettings(**overrides)


def library_settings(home: str | Path | None = None) -> Settings:
    """The library settings, with ``home`` overriding ``CREDIBILITY_HOME`` when given.

    A bad ``CREDIBILITY_*`` value raises :class:`ConfigError` (one line naming the variable).
    """
    return load_settings(home=Path(home).expanduser()) if home else load_settings()


def reports_dir(settings: Settings, flow_settings: FlowSettings | None = None) -> Path:
    chosen = (flow_settings or FlowSettings()).reports_dir
    return chosen.expanduser() if chosen else settings.home / "reports"


def default_sources_file(settings: Settings, flow_settings: FlowSettings | None = None) -> Path:
    chosen = (flow_settings or FlowSettings()).sources_file
    if chosen:
        return chosen.expanduser()
    for name in ("sources.yaml", "sources.yml", "sources.toml"):
        if (settings.home / name).exists():
            return settings.home / name
    return settings.home / "sources.yaml"


def local_day(timestamp: str | dt.datetime, timezone: str) -> dt.date:
    """The calendar day of a UTC timestamp (ISO string or aware datetime) in ``timezone``."""
    moment = dt.datetime.fromisoformat(timestamp) if isinstance(timestamp, str) else timestamp
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(zone_info(timezone)).date()


def day_bounds(start: dt.date, end: dt.date, timezone: str) -> tuple[dt.datetime, dt.datetime]:
    """[first instant of ``start``, first instant after ``end``) in ``timezone``, as aware datetimes."""
    zone = zone_info(timezone)
    lo = dt.datetime.combine(start, dt.time.min, tzinfo=zone)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return lo, hi


def daily_csv(folder: Path, day: dt.date) -> Path:
    return folder / f"reviewer-{day.isoformat()}.csv"
