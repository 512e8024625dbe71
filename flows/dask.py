"""Bulk embedding on Dask (prefect-dask), behind the library's ``Embedder`` protocol.

For a bulk ingest or a bulk check the flow runs on a :class:`DaskTaskRunner`.
:class:`DaskEmbedder` is an ``Embedder`` whose ``encode()`` splits the texts into
chunks and submits each chunk as a Prefect task to the flow's task runner: the
chunks run on the Dask workers, each of which loads the model once (the
library's per-process cache) and keeps it for the life of the cluster. The
vectors come back in order, so everything else stays as in a serial run: the one
index writer writes in the flow's process, and the ids and vectors of the index
are the same as a serial ingest's (up to float rounding of batch composition).

Dask needs a started Prefect server: with the ephemeral API every Dask worker
process would start a server of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

import numpy as np
from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext

from credibility.embed.base import EmbedderBase
from credibility.errors import ConfigError
from credibility.settings import Settings
from flows.config import FlowSettings

if TYPE_CHECKING:
    from prefect.futures import PrefectFuture
    from prefect.task_runners import TaskRunner

    from credibility.embed.embedder import Embedder


def _embedder(settings_payload: dict[str, Any]) -> Embedder:
    from credibility.embed.embedder import load_embedder

    return load_embedder(Settings(**settings_payload))


@task(name="describe-model", cache_policy=NO_CACHE, retries=1)
def describe_model(settings_payload: dict[str, Any]) -> tuple[str, str, int]:
    """Load the model on a Dask worker; report what the index identity needs."""
    embedder = _embedder(settings_payload)
    return embedder.model_name, embedder.backend, embedder.dimension


@task(name="embed-chunk", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=1)
def embed_chunk(texts: list[str], settings_payload: dict[str, Any]) -> np.ndarray:
    """Embed one chunk on a Dask worker (the model is loaded there once per worker process)."""
    return _embedder(settings_payload).encode(texts)


def running_on_dask() -> bool:
    """Whether the current flow run's task runner is a DaskTaskRunner."""
    from prefect_dask import DaskTaskRunner

    context = FlowRunContext.get()
    return context is not None and isinstance(context.task_runner, DaskTaskRunner)


def require_server() -> None:
    from prefect.settings import get_current_settings

    if not get_current_settings().api.url:
        raise ConfigError(
            "the Dask task runner needs a started Prefect server: start one with `python -m flows.server` "
            "and set PREFECT_API_URL=http://127.0.0.1:4200/api"
        )


class DaskEmbedder(EmbedderBase):
    """An ``Embedder`` that fans ``encode()`` out to the flow's Dask workers, chunk by chunk."""

    def __init__(self, settings: Settings, chunk_size: int = 256) -> None:
        require_server()
        from credibility.app import index_settings

        # The workers build their embedder from this: with the backend the index records.
        self._payload = index_settings(settings).model_dump(mode="json")
        self._chunk = chunk_size
        # Also warms one worker's model before the first real chunk.
        name, backend, dimension = describe_model.submit(self._payload).result()
        super().__init__(name, backend, int(dimension))
        self.chunks_submitted = 0

    def _encode(self, sentences: Sequence[str]) -> np.ndarray:
        texts = list(sentences)
        futures = [
            embed_chunk.submit(texts[start : start + self._chunk], self._payload)
            for start in range(0, len(texts), self._chunk)
        ]
        self.chunks_submitted += len(futures)
        return np.ascontiguousarray(np.vstack([f.result() for f in futures]), dtype=np.float32)


class PrimedEmbedder(EmbedderBase):
    """Serves vectors encoded ahead of time in bulk; anything not primed goes to ``base``.

    A bulk check primes every sentence of every article in one fan-out, then the
    check engine (which encodes one article at a time) reads from here.
    """

    def __init__(self, base: Embedder) -> None:
        super().__init__(base.model_name, base.backend, base.dimension)
        self._base = base
        self._vectors: dict[str, np.ndarray] = {}

    def prime(self, texts: Sequence[str]) -> int:
        fresh = sorted({t for t in texts if t not in self._vectors}, key=len)
        if fresh:
            for text, vector in zip(fresh, self._base.encode(fresh), strict=True):
                self._vectors[text] = vector
        return len(fresh)

    def _encode(self, sentences: Sequence[str]) -> np.ndarray:
        missing = [s for s in dict.fromkeys(sentences) if s not in self._vectors]
        if missing:
            self.prime(missing)
        return np.stack([self._vectors[s] for s in sentences]).astype(np.float32, copy=False)


def dask_task_runner(flow_settings: FlowSettings | None = None) -> TaskRunner[PrefectFuture[Any]]:
    """A Dask task runner: the scheduler at CREDIBILITY_DASK_ADDRESS, else a temporary local cluster.

    Nothing starts here: the cluster is created when the first task is submitted.
    """
    from prefect_dask import DaskTaskRunner

    flow_settings = flow_settings or FlowSettings()
    runner: Any
    if flow_settings.dask_address:
        runner = DaskTaskRunner(address=flow_settings.dask_address)
        return cast("TaskRunner[PrefectFuture[Any]]", runner)
    runner = DaskTaskRunner(
        cluster_kwargs={
            "n_workers": flow_settings.dask_workers,
            # One thread per worker process: torch already uses the cores inside a process.
            "threads_per_worker": 1,
            "processes": True,
            "dashboard_address": None,
        }
    )
    return cast("TaskRunner[PrefectFuture[Any]]", runner)
