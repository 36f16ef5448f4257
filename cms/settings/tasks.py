"""Background tasks (django-tasks, the backport of Django 6's tasks framework).

Work that must not hold a request open (workflow e-mails, search index updates,
Wagtail's own reference-index and file-deletion tasks) is enqueued as a row in
the database and run by `manage.py db_worker`, one process beside gunicorn.
The row is written in the same database as the change, so a queued task
survives a restart of the web process.

Archive work does not go through here: ArchiveJob keeps its own queue (leases,
backoff, progress, one process per core), run by `manage.py archive_worker`.

TASKS_BACKEND=immediate runs every task inside the call that enqueues it (the
test settings use it, so tests that do not test the queue see the effect at
once); anything else is a mistake and refuses to start.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from cms.env import env_str

# The framework and its database backend (models DBTaskResult, command db_worker).
TASK_APPS = ["django_tasks", "django_tasks_db"]

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.backend.DatabaseBackend"}}
IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

_BACKENDS = {"database": DATABASE_TASKS, "immediate": IMMEDIATE_TASKS}
_CHOSEN = env_str("TASKS_BACKEND", "database")
if _CHOSEN not in _BACKENDS:
    raise ImproperlyConfigured(
        f"TASKS_BACKEND must be one of {', '.join(sorted(_BACKENDS))}, got {_CHOSEN!r}."
    )
TASKS = _BACKENDS[_CHOSEN]
