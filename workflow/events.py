"""The two events the workflow emits. Archive and search subscribe; workflow
imports neither of them.

`record_transitioned` is sent after the transaction that changed the state
has committed, with keyword arguments:

- record_state: workflow.models.RecordState (fresh from the database)
- page_id: int
- transition: str   (e.g. "submit", "approve", "sign", "publish")
- source: str, target: str  (workflow.choices.State values)
- actor_id: int | None  (the user who acted)
- revision_id: int | None  (the pinned revision, when the transition pins one)

`record_saved` is sent after commit when a record's content is saved
(draft or publish), with record_state (may be None for non-record pages)
and page_id.
"""

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager

from django.dispatch import Signal

record_transitioned = Signal()
record_saved = Signal()


_muted = contextvars.ContextVar("hoso_workflow_events_muted", default=False)


@contextmanager
def muted() -> Iterator[None]:
    """Send no events (bulk loads: subscribers catch up afterwards by reindexing)."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


def is_muted() -> bool:
    return _muted.get()
