"""The background work a saved record leaves for Wagtail's own indexes (issue 18)."""

from __future__ import annotations

from django.apps import apps
from django.db import transaction
from django_tasks import task
from modelsearch import index
from wagtail.models import ReferenceIndex


@task()
def refresh_wagtail_indexes(app_label: str, model_name: str, pk: str) -> None:
    """Wagtail's admin page search and its reference index of one saved record: one
    queued task instead of Wagtail's two (each an insert into the task table on every
    save). The page is read when the task runs, so a later save's changes are in; a
    page deleted meanwhile left both indexes with its deletion."""
    page = apps.get_model(app_label, model_name).objects.filter(pk=pk).first()
    if page is None:
        return
    if ReferenceIndex.is_indexed(type(page)):
        with transaction.atomic():
            ReferenceIndex.create_or_update_for_object(page)
    index.insert_or_update_object(page)
