"""Elasticsearch stops while people work: the search screens say so in Vietnamese with
503, saving and approving carry on, and search answers again once the node is back
and the worker has sent what was queued (README, "Faults and recovery").

Queued updates reaching the index after an outage are covered at the service level
by tests/search/test_search_indexing.py; this is the same outage seen from the admin.
"""

from __future__ import annotations

import logging
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

import search
from recordpages.models import LessonPlanPage, OtherRecordPage
from search.models import PendingIndexUpdate
from search.services import search_rebuild
from workflow import services
from workflow.models import RecordState

SEARCH_DOWN = "Máy chủ tìm kiếm tạm thời không phản hồi"
NEW_TITLE = "Biên bản chuyên đề tập đọc lớp Một"


@pytest.fixture
def elasticsearch_backend(private_elasticsearch, settings):
    settings.HOSO_SEARCH = {
        **settings.HOSO_SEARCH,
        "BACKEND": "elasticsearch",
        "ELASTICSEARCH_URL": private_elasticsearch.url,
        "INDEX_PREFIX": f"faults-{uuid.uuid4().hex[:8]}",
        "TIMEOUT": 3,
    }
    search.reset_backend()
    yield private_elasticsearch
    private_elasticsearch.start_all()
    search.get_backend().drop_all()
    search.reset_backend()


def user(username: str):
    return get_user_model().objects.get(username=username)


def transition(client, page_id: int, name: str, seen_state: str):
    response = client.post(
        f"/admin/ho-so/{page_id}/chuyen/{name}/", {"seen_state": seen_state, "reason": ""}
    )
    assert response.status_code == 302, response.content[:2000]
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages and messages[0].startswith("Đã "), messages


def hits(client, text: str) -> list[str]:
    response = client.get("/admin/tim-kiem/json/", {"q": text})
    assert response.status_code == 200, response.content
    return [hit["title"] for hit in response.json()["hits"]]


@pytest.mark.django_db(transaction=True)
def test_with_elasticsearch_down_search_says_so_and_saving_and_approving_still_work(
    elasticsearch_backend, district, client, caplog
):
    services.ensure_all_record_states()
    search_rebuild()
    lesson = LessonPlanPage.objects.get(teacher__user__username="hn.giaovien")
    other = OtherRecordPage.objects.filter(school__code="THHN").order_by("pk").first()
    client.force_login(user("admin"))
    assert hits(client, other.title)[0] == other.title

    elasticsearch_backend.stop_node(0)

    screen = client.get("/admin/tim-kiem/", {"q": "kế hoạch"})
    assert screen.status_code == 503
    assert SEARCH_DOWN in screen.content.decode()
    answer = client.get("/admin/tim-kiem/json/", {"q": "kế hoạch"})
    assert answer.status_code == 503 and SEARCH_DOWN in answer.json()["error"]
    public = client.get("/tim-kiem/", {"q": "kế hoạch"})
    assert public.status_code == 503 and SEARCH_DOWN in public.content.decode()
    assert client.get("/api/tim-kiem/", {"q": "kế hoạch"}).status_code == 503

    # Saving in the editor and the whole approval go through while the engine is down.
    with caplog.at_level(logging.WARNING, logger="search"):
        saved = client.post(
            f"/admin/pages/{other.pk}/edit/",
            nested_form_data(
                {
                    "title": NEW_TITLE,
                    "slug": other.slug,
                    "category": other.category,
                    "deadline": other.deadline.strftime("%d/%m/%Y"),
                    "author": other.author_id or "",
                    "body": streamfield(
                        [("section", {"heading": "Nội dung", "body": rich_text("<p>Tập đọc</p>")})]
                    ),
                }
            ),
        )
        assert saved.status_code == 302, saved.content[:3000]
        for username, name, seen in (
            ("hn.giaovien", "submit", "draft"),
            ("hn.totruong1", "check", "submitted"),
            ("hn.phohieutruong", "approve", "checked"),
        ):
            client.force_login(user(username))
            transition(client, lesson.pk, name, seen)
    assert RecordState.objects.get(pk=lesson.pk).state == "approved"
    assert OtherRecordPage.objects.get(pk=other.pk).get_latest_revision().as_object().title == (
        NEW_TITLE
    )
    assert set(PendingIndexUpdate.objects.values_list("page_id", flat=True)) == {
        lesson.pk,
        other.pk,
    }
    assert "Search engine unavailable" in caplog.text  # the log is English

    # Back up: the worker (manage.py search_worker) sends the queue; search answers again.
    elasticsearch_backend.start_node(0)
    call_command("search_worker", "--once", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert not PendingIndexUpdate.objects.exists()
    search.get_backend().refresh()
    client.force_login(user("admin"))
    assert hits(client, NEW_TITLE)[0] == NEW_TITLE
    client.force_login(user("thanh.tra"))
    assert lesson.title in hits(client, lesson.title)  # the inspector sees the approval
    screen = client.get("/admin/tim-kiem/", {"q": "tập đọc"})
    assert screen.status_code == 200 and SEARCH_DOWN not in screen.content.decode()
