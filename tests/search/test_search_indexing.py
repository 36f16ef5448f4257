"""Indexing on every committed save and transition, surviving an engine outage."""

from __future__ import annotations

import threading
import time

import pytest
from conftest import add_other_record, approve_record, edit_record, elasticsearch_config
from django.core.management import call_command

import search
from search.models import PendingIndexUpdate
from search.scope import search_scope_for
from search.types import SearchQuery
from workflow.events import record_saved, record_transitioned
from workflow.models import RecordState


def find(user, text: str) -> list[tuple[int, str]]:
    backend = search.get_backend()
    backend.refresh()
    results = backend.query(SearchQuery(text=text), search_scope_for(user))
    return [(hit.page_id, hit.variant) for hit in results.hits]


def saved(page) -> None:
    """What workflow emits after the save commits."""
    record_saved.send(
        sender=RecordState, page_id=page.pk, record_state=RecordState.objects.get(pk=page.pk)
    )


def transitioned(page, transition: str, source: str, target: str) -> None:
    record_transitioned.send(
        sender=RecordState,
        record_state=RecordState.objects.get(pk=page.pk),
        page_id=page.pk,
        transition=transition,
        source=source,
        target=target,
        actor_id=None,
        revision_id=None,
    )


@pytest.mark.django_db
def test_saving_and_approving_update_the_index_on_commit(backend, district):
    principal, inspector = district.users["principal"], district.users["inspector"]
    page = add_other_record(district, "s1", "Biên bản họp tổ", "Chuyên đề đọc hiểu")
    saved(page)
    assert find(principal, "chuyen de doc hieu") == [(page.pk, "working")]
    assert find(inspector, "chuyen de doc hieu") == []

    approve_record(page)
    transitioned(page, "approve", "submitted", "approved")
    assert find(inspector, "chuyen de doc hieu") == [(page.pk, "approved")]

    edit_record(page, "Chuyên đề viết đoạn văn")
    saved(page)
    assert find(principal, "viet doan van") == [(page.pk, "working")]
    assert find(inspector, "viet doan van") == []  # the draft edit is not approved
    assert find(inspector, "doc hieu") == [(page.pk, "approved")]
    assert not PendingIndexUpdate.objects.exists()


@pytest.mark.django_db
def test_deleting_a_record_removes_it_from_the_index(
    backend, district, django_capture_on_commit_callbacks
):
    page = add_other_record(district, "s1", "Biên bản tạm", "Nội dung sẽ xoá")
    saved(page)
    assert find(district.users["principal"], "se xoa")
    with django_capture_on_commit_callbacks(execute=True):
        page.delete()
    assert find(district.users["principal"], "se xoa") == []


@pytest.fixture
def es_outage(dedicated_elasticsearch, settings):
    settings.HOSO_SEARCH = elasticsearch_config(dedicated_elasticsearch.url, TIMEOUT=3)
    search.reset_backend()
    yield dedicated_elasticsearch
    dedicated_elasticsearch.start_all()
    search.get_backend().drop_all()
    search.reset_backend()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_with_elasticsearch_stopped_saves_succeed_and_updates_arrive_after_restart(
    es_outage, district
):
    principal = district.users["principal"]
    page = add_other_record(district, "s1", "Biên bản họp tổ", "Chuyên đề đọc hiểu")
    saved(page)
    assert find(principal, "doc hieu") == [(page.pk, "working")]

    es_outage.stop_node(0)
    edit_record(page, "Chuyên đề viết đoạn văn")
    saved(page)  # must not raise
    approve_record(page)
    transitioned(page, "approve", "submitted", "approved")
    other = add_other_record(district, "s1", "Biên bản khác", "Chuyên đề kể chuyện")
    saved(other)
    page.refresh_from_db()
    assert RecordState.objects.get(pk=page.pk).state == "approved"
    queued = PendingIndexUpdate.objects.order_by("page_id")
    assert [row.page_id for row in queued] == sorted([page.pk, other.pk])
    assert all(row.attempts >= 1 and row.last_error for row in queued)

    es_outage.start_node(0)
    # The worker (manage.py search_worker) runs beside gunicorn; nobody calls anything.
    stop = threading.Event()
    worker = threading.Thread(target=_worker_loop, args=(stop,), daemon=True)
    worker.start()
    try:
        deadline = time.monotonic() + 60
        while PendingIndexUpdate.objects.exists() and time.monotonic() < deadline:
            time.sleep(0.5)
    finally:
        stop.set()
        worker.join(10)
    assert not PendingIndexUpdate.objects.exists()
    assert find(principal, "viet doan van") == [(page.pk, "working")]
    assert find(principal, "ke chuyen") == [(other.pk, "working")]
    assert find(district.users["inspector"], "doc hieu") == [(page.pk, "approved")]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_after_an_outage_the_next_save_also_delivers_the_queued_updates(es_outage, district):
    principal = district.users["principal"]
    first = add_other_record(district, "s1", "Biên bản một", "Chuyên đề đọc hiểu")
    es_outage.stop_node(0)
    saved(first)
    assert PendingIndexUpdate.objects.filter(page_id=first.pk).exists()
    es_outage.start_node(0)
    second = add_other_record(district, "s1", "Biên bản hai", "Chuyên đề kể chuyện")
    saved(second)
    assert not PendingIndexUpdate.objects.exists()
    assert find(principal, "doc hieu") == [(first.pk, "working")]


def _worker_loop(stop: threading.Event) -> None:
    from django.db import connection

    try:
        while not stop.is_set():
            call_command("search_worker", "--once", stdout=open("/dev/null", "w"))
            stop.wait(1)
    finally:
        connection.close()
