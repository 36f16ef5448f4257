"""A task worker run inside another command or a test gives the process's signal
handlers back (django-tasks-db's worker kept them: a Ctrl-C after the demo's catch-up
ended `make run`'s loader with status 0, and it went on to serve)."""

import signal

import pytest

from cms.settings.tasks import DATABASE_TASKS
from tests.taskworker import run_worker


@pytest.mark.django_db
def test_the_signal_handlers_are_the_callers_again_after_the_worker(settings):
    settings.TASKS = DATABASE_TASKS

    def mine(signum, frame):
        raise AssertionError("not called")

    before = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    signal.signal(signal.SIGTERM, mine)
    try:
        run_worker()
        assert signal.getsignal(signal.SIGTERM) is mine
        assert signal.getsignal(signal.SIGINT) is before[signal.SIGINT]
    finally:
        for number, handler in before.items():
            signal.signal(number, handler)
