"""Prefect events the flows emit, for users to attach automations (and for deployment triggers).

- ``credibility.article.flagged``: one per checked article with a sentence a
  reviewer must look at. Resource ``credibility.article.<content hash>``; the
  payload carries the verdict, the labels, the stored check's key and the CSV,
  and for a monitored article the running figures of its site and source
  (``source``: the ledger rows, :meth:`credibility.app.LedgerRow.figures`).
- ``credibility.index.updated``: ingest-verified committed new or replaced
  articles. ``monitor-sources`` follows it through a deployment trigger.

Payloads carry ids, labels and counts only, never article text (events are
size-capped and end up in logs).
"""

from __future__ import annotations

import hashlib

from prefect.events import emit_event

from credibility.model.records import IngestReport
from flows.models import CheckOutcome

ARTICLE_FLAGGED = "credibility.article.flagged"
INDEX_UPDATED = "credibility.index.updated"


def index_resource_id(index_dir: str) -> str:
    digest = hashlib.blake2b(index_dir.encode("utf-8"), digest_size=6).hexdigest()
    return f"credibility.index.{digest}"


def emit_flagged(outcome: CheckOutcome, *, source_flow: str, source: dict[str, object] | None = None) -> None:
    labels = sorted({s.label for s in outcome.flagged})
    payload: dict[str, object] = {
        "article_id": outcome.article_id,
        "url": outcome.url,
        "input": outcome.input_name,
        "verdict": outcome.label,
        "labels": labels,
        "flagged_sentences": len(outcome.flagged),
        "counts": outcome.counts,
        "check_key": outcome.check_key,
        "csv_path": outcome.csv_path,
        "index_generation": outcome.index_generation,
        "flow": source_flow,
    }
    if source:
        payload["source"] = source
    emit_event(
        event=ARTICLE_FLAGGED,
        resource={
            "prefect.resource.id": f"credibility.article.{outcome.content_hash}",
            "prefect.resource.name": (outcome.title or outcome.url or outcome.article_id)[:200],
            "credibility.verdict": outcome.label,
        },
        payload=payload,
    )


def emit_index_updated(summary: IngestReport, index_dir: str) -> None:
    emit_event(
        event=INDEX_UPDATED,
        resource={
            "prefect.resource.id": index_resource_id(index_dir),
            "prefect.resource.name": index_dir,
        },
        payload={
            "generation": summary.index_generation,
            "added": summary.added,
            "replaced": summary.replaced,
            "failed": summary.failed,
        },
    )
