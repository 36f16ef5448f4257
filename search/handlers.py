"""Receivers for the workflow's after-commit events; they only queue work."""

from __future__ import annotations

from django.db import transaction

from search.tasks import index_record_soon


def on_record_saved(sender, *, page_id: int, record_state=None, **kwargs) -> None:
    if record_state is None:
        return  # not a record page: nothing to index
    index_record_soon(page_id=page_id)


def on_record_transitioned(sender, *, page_id: int, **kwargs) -> None:
    index_record_soon(page_id=page_id)


def on_record_state_deleted(sender, instance, **kwargs) -> None:
    """A deleted record leaves the index once the deletion commits."""
    page_id = instance.page_id
    transaction.on_commit(lambda: index_record_soon(page_id=page_id))
