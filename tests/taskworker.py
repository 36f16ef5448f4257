"""Run the django-tasks database worker from a test, as `manage.py db_worker` would."""

from __future__ import annotations

import datetime as dt
from unittest import mock

from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from cms.task_worker import run_due_tasks


def run_worker() -> None:
    """One pass of `manage.py db_worker` over every due task, then exit.

    Inside a test's transaction the worker must not close the connection between
    tasks (it does so in production to drop stale connections)."""
    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        run_due_tasks()


def make_due(task_path: str) -> None:
    """Move deferred tasks to now, as if their backoff had passed."""
    DBTaskResult.objects.filter(task_path=task_path, status="READY").update(
        run_after=timezone.now() - dt.timedelta(seconds=1)
    )
