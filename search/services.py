"""Writes: keep the index in step with the records.

Every change goes through the PendingIndexUpdate table first; the task
search.tasks.index_pending then drains the queue in the worker, never in the
request. If the engine is down, the rows stay and are drained by the task's
retries, the next change that reaches the engine or `manage.py search_worker`,
so nothing is lost and no save ever fails because of search.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db.models import F
from django.db.models.constants import OnConflict
from django.utils import timezone

from search import get_backend
from search.backends.base import Progress, SearchUnavailable
from search.documents import build_documents
from search.models import PendingIndexUpdate
from search.types import SearchDocument
from workflow.models import RecordState

logger = logging.getLogger(__name__)

DRAIN_BATCH = 200


@dataclass(frozen=True)
class DrainResult:
    indexed: int
    pending: int
    error: str = ""


def search_enqueue(*, page_ids: Iterable[int]) -> None:
    """Mark records for (re)indexing; a newer mark supersedes an older one (its
    attempts and last error stay). One upsert statement, not a read and a write per
    record, and without the transaction bulk_create opens around it (BEGIN and COMMIT:
    two more statements after each save, issue 18)."""
    now = timezone.now()
    marks = [PendingIndexUpdate(page_id=page_id, queued_at=now) for page_id in set(page_ids)]
    if not marks:
        return
    field = PendingIndexUpdate._meta.get_field
    # QuerySet._insert is what bulk_create runs inside its transaction block.
    PendingIndexUpdate.objects._insert(
        marks,
        fields=[field(name) for name in ("page_id", "queued_at", "attempts", "last_error")],
        on_conflict=OnConflict.UPDATE,
        update_fields=[field("queued_at")],
        unique_fields=[field("page_id")],
    )


def search_drain(*, limit: int | None = None) -> DrainResult:
    """Send queued records to the engine, oldest first, until the queue is empty,
    `limit` records were sent, or the engine fails (the rest stay queued)."""
    backend = get_backend()
    indexed = 0
    error = ""
    while limit is None or indexed < limit:
        batch = list(
            PendingIndexUpdate.objects.order_by("queued_at").values_list("page_id", "queued_at")[
                :DRAIN_BATCH
            ]
        )
        if not batch:
            break
        page_ids = [page_id for page_id, _ in batch]
        try:
            backend.replace(page_ids, build_documents(page_ids))
        except SearchUnavailable as exc:
            error = str(exc)[:2000]
            PendingIndexUpdate.objects.filter(page_id__in=page_ids).update(
                attempts=F("attempts") + 1, last_error=error
            )
            logger.warning("Search engine unavailable, %d records stay queued: %s", len(batch), exc)
            break
        for page_id, queued_at in batch:
            # Only if not queued again meanwhile: that newer change still needs sending.
            PendingIndexUpdate.objects.filter(page_id=page_id, queued_at=queued_at).delete()
        indexed += len(batch)
    return DrainResult(indexed=indexed, pending=PendingIndexUpdate.objects.count(), error=error)


def all_documents(*, chunk: int = 500) -> Iterator[SearchDocument]:
    """Every record's documents, read in chunks (reindex)."""
    page_ids = list(RecordState.objects.order_by("page_id").values_list("page_id", flat=True))
    for start in range(0, len(page_ids), chunk):
        yield from build_documents(page_ids[start : start + chunk])


def record_count() -> int:
    return RecordState.objects.count()


def search_rebuild(*, progress: Progress | None = None) -> int:
    """Rebuild the whole index into a new one and switch to it.

    Records changed while the rebuild ran were written to the old index; they
    are queued again and drained into the new one right after the switch.
    """
    started = timezone.now()
    count = get_backend().rebuild(all_documents(), progress=progress)
    changed = RecordState.objects.filter(updated_at__gte=started).values_list("page_id", flat=True)
    search_enqueue(page_ids=list(changed))
    search_drain()
    return count
