"""The task worker run inside another command (the demo's catch-up) or a test, then
left: django-tasks-db's worker takes over SIGINT, SIGTERM and SIGQUIT to stop
gracefully and never gives them back, so a Ctrl-C after it had ended the caller with
exit status 0 (`make run` then went on to serve) and a test run's SIGTERM ended the
running test instead of pytest."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.management import call_command

_SIGNALS = [
    signal.SIGINT,
    signal.SIGTERM,
    *([signal.SIGQUIT] if hasattr(signal, "SIGQUIT") else []),
]


@contextmanager
def signal_handlers_kept() -> Iterator[None]:
    kept = {number: signal.getsignal(number) for number in _SIGNALS}
    try:
        yield
    finally:
        for number, handler in kept.items():
            signal.signal(number, handler)


def run_due_tasks() -> None:
    """One pass of `manage.py db_worker` over every due task, in this process."""
    with signal_handlers_kept():
        call_command("db_worker", batch=True, reload=False, startup_delay=False, verbosity=0)
