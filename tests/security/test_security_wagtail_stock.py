"""Wagtail's own reports, dashboard panels and tree-wide listings never show another
school's titles (issue #11, finding 5).

A học bạ of school B (Anh Dũng) carries a canary title and is the most recently
edited, locked, logged and aging page of its type, so that every stock report
would list it. School A's staff (Hòa Nghĩa) must not see it anywhere: the stock
screens that work across the whole tree are refused, their menu entries and
dashboard panels are gone.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from security_helpers import force_login_verified
from wagtail.log_actions import log

from recordpages.models import School, StudentRecordPage

CANARY = "Hocbabimat Canary"

SCHOOL_A_STAFF = ["hn.hieutruong", "hn.quantri", "hn.giaovien"]

# Stock screens that list pages of the whole tree (or the whole installation's log).
TREE_WIDE_URLS = [
    ("wagtailadmin_reports:page_types_usage", {}),
    ("wagtailadmin_reports:page_types_usage_results", {}),
    ("wagtailadmin_reports:site_history", {}),
    ("wagtailadmin_reports:site_history_results", {}),
    ("wagtailadmin_reports:locked_pages", {}),
    ("wagtailadmin_reports:locked_pages_results", {}),
    ("wagtailadmin_reports:aging_pages", {}),
    ("wagtailadmin_reports:aging_pages_results", {}),
    ("wagtailadmin_reports:workflow", {}),
    ("wagtailadmin_reports:workflow_results", {}),
    ("wagtailadmin_reports:workflow_tasks", {}),
    ("wagtailadmin_reports:workflow_tasks_results", {}),
    (
        "wagtailadmin_pages:type_use",
        {"content_type_app_name": "recordpages", "content_type_model_name": "studentrecordpage"},
    ),
    (
        "wagtailadmin_pages:type_use_results",
        {"content_type_app_name": "recordpages", "content_type_model_name": "studentrecordpage"},
    ),
]


def _plant_canary() -> StudentRecordPage:
    """School B's học bạ, renamed, edited last, locked and logged."""
    other = School.objects.get(code="THAD")
    record = StudentRecordPage.objects.filter(school=other).first()
    editor = get_user_model().objects.get(username="ad.hieutruong")
    record.title = CANARY
    record.draft_title = CANARY
    revision = record.save_revision(user=editor, log_action=True)
    StudentRecordPage.objects.filter(pk=record.pk).update(
        title=CANARY,
        draft_title=CANARY,
        locked=True,
        locked_by=editor,
        locked_at=timezone.now(),
        latest_revision=revision,
        latest_revision_created_at=timezone.now(),
        live=True,
        last_published_at=timezone.now() - timezone.timedelta(days=400),
    )
    record.refresh_from_db()
    log(instance=record, action="wagtail.lock", user=editor, title=CANARY)
    return record


@pytest.fixture
def canary(district):
    return _plant_canary()


def _client(username: str) -> Client:
    client = Client(raise_request_exception=False)
    force_login_verified(client, get_user_model().objects.get(username=username))
    return client


@pytest.mark.django_db
def test_school_staff_are_refused_the_tree_wide_wagtail_reports(canary):
    leaks = []
    for username in SCHOOL_A_STAFF:
        client = _client(username)
        for name, kwargs in TREE_WIDE_URLS:
            response = client.get(reverse(name, kwargs=kwargs))
            body = response.content.decode()
            if response.status_code not in (403, 404) or CANARY in body:
                leaks.append(f"{username} {name}: {response.status_code}")
    assert not leaks, "\n".join(leaks)


@pytest.mark.django_db
def test_superuser_still_opens_the_wagtail_reports(canary):
    admin = get_user_model().objects.create_superuser("root", password="Root@2026xyz")
    client = Client()
    force_login_verified(client, admin)
    response = client.get(reverse("wagtailadmin_reports:page_types_usage"))
    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("username", SCHOOL_A_STAFF)
def test_dashboard_and_menu_show_no_stock_report_or_other_schools_title(canary, username):
    response = _client(username).get(reverse("wagtailadmin_home"))
    assert response.status_code == 200
    body = response.content.decode()
    assert CANARY not in body
    for name in ("page_types_usage", "site_history", "locked_pages", "aging_pages"):
        assert reverse(f"wagtailadmin_reports:{name}") not in body
    # Wagtail's tree-wide panels are gone (the workflow's own panels replace them).
    for panel in ("recent_edits", "locked_pages", "workflow_objects_to_moderate"):
        assert f'data-panel-id="{panel}"' not in body and f'id="{panel}"' not in body


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    ["wagtailadmin_pages:history", "wagtailadmin_pages:usage", "wagtailadmin_pages:edit"],
)
def test_page_screens_of_another_school_are_refused(canary, name):
    response = _client("hn.hieutruong").get(reverse(name, args=[canary.pk]))
    assert response.status_code in (302, 403, 404)
    assert CANARY not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    ["wagtailadmin_pages:search", "wagtailadmin_pages:search_results", "wagtailadmin_explore_root"],
)
def test_page_search_across_the_tree_shows_only_own_school(canary, url):
    response = _client("hn.hieutruong").get(reverse(url), {"q": "Hocbabimat"})
    assert response.status_code in (200, 302, 403, 404)
    assert CANARY not in response.content.decode()
