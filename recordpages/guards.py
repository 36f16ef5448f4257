"""A seam through which another app can refuse writes to a record page.

recordpages must not import workflow, yet a locked or approved record must be
read-only on every path (admin, API, commands). The workflow app registers a
guard here; RecordPage.save() and save_revision() ask every guard first. The
services that legitimately write frozen content (publishing a pinned revision,
finishing a correction) do so inside `guards_bypassed()`.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.core.exceptions import PermissionDenied

Guard = Callable[[object], None]

_guards: list[Guard] = []
_bypassed = contextvars.ContextVar("hoso_guards_bypassed", default=False)


class RecordReadOnly(PermissionDenied):
    """The record may not be written now; the message says why, in Vietnamese."""


def register_write_guard(guard: Guard) -> None:
    if guard not in _guards:
        _guards.append(guard)


def check_writable(page) -> None:
    """Raise RecordReadOnly when any guard refuses the write."""
    if _bypassed.get():
        return
    for guard in _guards:
        guard(page)


@contextmanager
def guards_bypassed() -> Iterator[None]:
    token = _bypassed.set(True)
    try:
        yield
    finally:
        _bypassed.reset(token)
