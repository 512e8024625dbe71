"""Read ``deploy/prefect.yaml`` into served deployments, so serving and ``prefect deploy`` share
one definition (names, schedules, triggers, parameters, concurrency)."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from credibility.errors import ConfigError

if TYPE_CHECKING:
    from prefect.deployments.runner import RunnerDeployment
    from prefect.flows import Flow
    from prefect.schedules import Schedule

#: The repository's deployment file (the project is installed in editable mode).
DEFAULT_PREFECT_FILE = Path(__file__).resolve().parent.parent / "deploy" / "prefect.yaml"


@dataclass(frozen=True)
class DeploymentSpec:
    name: str
    entrypoint: str
    description: str = ""
    tags: list[str] = field(default_factory=list)
    parameters: dict[str, Any] = field(default_factory=dict)
    schedules: list[dict[str, Any]] = field(default_factory=list)
    triggers: list[dict[str, Any]] = field(default_factory=list)
    concurrency_limit: int | None = None

    @property
    def flow_name(self) -> str:
        return load_flow(self.entrypoint).name

    @property
    def full_name(self) -> str:
        return f"{self.flow_name}/{self.name}"


def read_specs(path: Path = DEFAULT_PREFECT_FILE) -> list[DeploymentSpec]:
    import yaml

    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"no deployment file at {path}; pass --prefect-file") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    specs = []
    for n, entry in enumerate(document.get("deployments") or [], start=1):
        try:
            specs.append(
                DeploymentSpec(
                    name=entry["name"],
                    entrypoint=entry["entrypoint"],
                    description=entry.get("description") or "",
                    tags=list(entry.get("tags") or []),
                    parameters=dict(entry.get("parameters") or {}),
                    schedules=list(entry.get("schedules") or []),
                    triggers=list(entry.get("triggers") or []),
                    concurrency_limit=entry.get("concurrency_limit"),
                )
            )
        except (KeyError, TypeError) as exc:
            raise ConfigError(f"{path}: deployment #{n} lacks {exc}") from exc
    return specs


def load_flow(entrypoint: str) -> Flow[..., Any]:
    """A module-path entrypoint (``flows.check.check_article``) to its flow object."""
    from prefect.flows import Flow

    module_name, _, attribute = entrypoint.rpartition(".")
    flow_obj = getattr(importlib.import_module(module_name), attribute, None)
    if not isinstance(flow_obj, Flow):
        raise ConfigError(f"entrypoint {entrypoint!r} is not a flow")
    return flow_obj


def _schedule(raw: dict[str, Any]) -> Schedule:
    from prefect.schedules import Cron, Interval

    active = bool(raw.get("active", True))
    if "cron" in raw:
        return Cron(raw["cron"], timezone=raw.get("timezone"), active=active)
    if "interval" in raw:
        return Interval(raw["interval"], timezone=raw.get("timezone"), active=active)
    raise ConfigError(f"unsupported schedule {raw!r}: use cron or interval")


def to_runner_deployment(spec: DeploymentSpec) -> RunnerDeployment:
    from prefect.deployments.runner import RunnerDeployment
    from prefect.events.schemas.deployment_triggers import DeploymentTriggerTypes
    from prefect.types.entrypoint import EntrypointType
    from pydantic import TypeAdapter

    adapter: TypeAdapter[Any] = TypeAdapter(DeploymentTriggerTypes)
    triggers: list[Any] = [adapter.validate_python(t) for t in spec.triggers]
    deployment = load_flow(spec.entrypoint).to_deployment(
        name=spec.name,
        description=spec.description or None,
        tags=spec.tags,
        parameters=spec.parameters,
        schedules=[_schedule(s) for s in spec.schedules],
        triggers=triggers,
        concurrency_limit=spec.concurrency_limit,
        # The package is installed: flow runs import it by module path, from any working directory.
        entrypoint_type=EntrypointType.MODULE_PATH,
    )
    # to_deployment() returns a coroutine inside an event loop: build deployments outside one.
    assert isinstance(deployment, RunnerDeployment), "call to_runner_deployment outside an event loop"
    # A with_options() variant (the Dask ones) shares its function with the plain flow, so Prefect
    # derives the plain flow's entrypoint: record the variant's own.
    deployment.entrypoint = spec.entrypoint
    return deployment


def runner_deployments(path: Path = DEFAULT_PREFECT_FILE) -> list[tuple[DeploymentSpec, RunnerDeployment]]:
    """Every deployment of the file, ready to serve (build them outside an event loop)."""
    return [(spec, to_runner_deployment(spec)) for spec in read_specs(path)]
