"""Receivers: translate workflow events into archive jobs, nothing more."""

from __future__ import annotations

import logging

from archive import services
from recordpages import registry

logger = logging.getLogger(__name__)


def on_record_transitioned(
    sender,
    *,
    record_state,
    target: str,
    transition: str = "",
    actor_id: int | None = None,
    revision_id: int | None = None,
    **kwargs,
) -> None:
    """Sent after commit by workflow: queue the freeze when the record reaches the
    state that freezes its type (approval, or signing for học bạ/summary/register).

    A closed correction (transition "correction") returns the record to its state
    as a new version: that version is frozen beside the earlier one (when the state
    it returns to freezes its type), and the correction minutes are queued, linked
    to both versions."""
    # After commit the step has happened: a failure to queue must not turn it into an
    # error page. `freeze_missing` (the worker's sweep) queues what was missed.
    try:
        if services.should_freeze(record_state, target):
            services.freeze_enqueue(
                record_state=record_state,
                transition=transition,
                actor_id=actor_id,
                revision_id=revision_id,
            )
        if transition == registry.CORRECTION:
            services.correction_minutes_enqueue(record_state=record_state, revision_id=revision_id)
    except Exception:  # noqa: BLE001 - logged; the sweep retries
        logger.exception("Could not queue the archive work of page %s", record_state.pk)
