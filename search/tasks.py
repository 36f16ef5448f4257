"""Background tasks of search: send queued records to the engine, out of the request.

A save or a transition marks its record in PendingIndexUpdate (the durable,
per-record queue: a newer mark supersedes an older one), then enqueues
`index_pending`. `manage.py db_worker` then drains the
whole queue. While the engine is down the rows stay and one retry chain
(`attempt` > 0) tries again with backoff until the queue is empty; changes
made meanwhile do not start chains of their own.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone
from django_tasks import task

from search.models import PendingIndexUpdate
from search.services import search_drain, search_enqueue

logger = logging.getLogger(__name__)

RETRY_FIRST = dt.timedelta(seconds=10)
RETRY_MAX = dt.timedelta(minutes=5)


def retry_delay(attempt: int) -> dt.timedelta:
    """Wait before retry number `attempt` (from 1): 10 s, 20 s, 40 s, … at most 5 min."""
    return min(RETRY_MAX, RETRY_FIRST * 2 ** (attempt - 1))


def index_record_soon(*, page_id: int) -> None:
    """Called after a save or transition committed. Never raises: search must not
    turn a good save into an error (a lost mark is caught by the next change or
    `manage.py search_reindex`)."""
    try:
        # The mark first, then the task, each a statement of its own (no transaction
        # around two inserts, issue 18): a task that could not be queued after its
        # mark leaves the mark for the next one, which drains the whole queue.
        search_enqueue(page_ids=[page_id])
        index_pending.enqueue()
    except Exception:
        logger.exception("Could not queue record %s for indexing", page_id)


@task()
def index_pending(*, attempt: int = 0) -> int:
    """Drain the index queue; returns how many records reached the engine."""
    retry_running = PendingIndexUpdate.objects.filter(attempts__gt=0).exists()
    result = search_drain()
    if result.error and (attempt or not retry_running):
        _retry_later(attempt=attempt + 1)
    return result.indexed


def _retry_later(*, attempt: int) -> None:
    if not index_pending.get_backend().supports_defer:
        # Tasks run in the caller (tests, TASKS_BACKEND=immediate): the next change
        # or `manage.py search_worker` sends the queue.
        return
    run_after = timezone.now() + retry_delay(attempt)
    index_pending.using(run_after=run_after).enqueue(attempt=attempt)
    logger.info("Search queue retried at %s (attempt %d)", run_after.isoformat(), attempt)
