"""The editor's plain "Lưu bản nháp" of a record takes its own path (issue 18,
recordpages.draft_save): the same revision, history entry, message, hooks and
redirect as Wagtail's view, without its comment subscription; every other request
(a form with errors, a frozen record) is answered as before.

The data is one factory-made school (tests.factories.school_world), built once.
"""

from __future__ import annotations

from html import unescape
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from wagtail import hooks
from wagtail.models import PageLogEntry, PageSubscription
from wagtail.test.utils.form_data import nested_form_data, streamfield

from recordpages import registry
from tests.conftest import kept_for_module
from tests.factories import school_world
from tests.recordpages.test_file_records_editor import edit_form
from tests.security.security_helpers import force_login_verified
from workflow import services
from workflow.models import Lock
from workflow.wagtail_hooks import HAND_IN


@pytest.fixture(scope="module")
def _world(django_db_setup, django_db_blocker):
    with kept_for_module(django_db_blocker), django_db_blocker.unblock():
        world = school_world()
        yield SimpleNamespace(
            world=world,
            teacher=world.user("hn.giaovien"),
            lesson=world.records["lesson_plan"].specific,
            other=world.records["other"].specific,
        )


@pytest.fixture
def world(_world, db):
    return _world


def _post(user, page, data, query=""):
    client = Client()
    force_login_verified(client, user)
    return client, client.post(reverse("wagtailadmin_pages:edit", args=[page.pk]) + query, data)


def _subscribed(user, page) -> bool:
    return PageSubscription.objects.filter(user=user, page_id=page.pk).exists()


def test_a_plain_draft_is_saved_logged_and_the_editor_reopened_without_a_subscription(world):
    data = edit_form(world.lesson, adjustments="Dạy bù tiết 3")
    back = f"/admin/ho-so/{world.lesson.pk}/"

    client, response = _post(world.teacher, world.lesson, data, f"?next={quote(back)}")

    edit = reverse("wagtailadmin_pages:edit", args=[world.lesson.pk])
    assert response.status_code == 302
    assert response["Location"] == f"{edit}?next={quote(back)}"
    assert not _subscribed(world.teacher, world.lesson)  # Wagtail's view writes one
    page = type(world.lesson).objects.get(pk=world.lesson.pk)
    revision = page.latest_revision
    assert (revision.user, revision.as_object().adjustments) == (world.teacher, "Dạy bù tiết 3")
    entry = PageLogEntry.objects.filter(page_id=page.pk).latest("timestamp", "pk")
    assert (entry.action, entry.revision, entry.user) == ("wagtail.edit", revision, world.teacher)
    assert (entry.label, entry.content_changed) == (page.draft_title, True)
    shown = [unescape(str(message)).strip() for message in get_messages(response.wsgi_request)]
    assert shown == [f"Đã cập nhật trang '{page.draft_title}'."]
    history = client.get(reverse("wagtailadmin_pages:history", args=[page.pk]))
    assert history.status_code == 200
    assert world.teacher.get_full_name() in history.content.decode()


def test_a_draft_with_an_error_is_shown_again_by_wagtails_view(world):
    data = edit_form(world.lesson, week_start="31/02/2026")
    revisions = world.lesson.revisions.count()

    _client, response = _post(world.teacher, world.lesson, data)

    assert response.status_code == 200
    assert "week_start" in response.context["form"].errors
    assert world.lesson.revisions.count() == revisions


def _other_form(page, **extra) -> dict:
    section = ("section", {"heading": "Mục đích", "body": "<p>Bồi dưỡng chuyên môn.</p>"})
    return nested_form_data(
        {
            "title": page.title,
            "slug": page.slug,
            "category": page.category,
            "deadline": page.deadline.isoformat(),
            "body": streamfield([section]),
            **extra,
        }
    )


def test_nop_saves_the_draft_on_the_own_path_and_asks_to_confirm(world):
    author = world.world.user("hn.phohieutruong2")

    _client, response = _post(author, world.other, _other_form(world.other, **{HAND_IN: "Nộp"}))

    confirm = reverse("workflow_transition", args=[world.other.pk, registry.SUBMIT])
    assert response.status_code == 302 and response.url == confirm
    assert not _subscribed(author, world.other)
    assert world.other.revisions.latest("created_at", "pk").user == author


def _lock(world_) -> None:
    services.lock_create(
        user=world_.user("hn.quantri"),
        school_id=world_.school.pk,
        school_year_id=world_.year.pk,
        record_type="",
        requested_by_id=world_.user("hn.hieutruong").staff_profile.pk,
        reason="Kiểm tra cuối năm",
    )


def test_a_locked_record_is_still_refused_before_anything_is_saved(world):
    _lock(world.world)
    revisions = world.lesson.revisions.count()

    _client, response = _post(world.teacher, world.lesson, edit_form(world.lesson))

    assert response["Location"] == f"/admin/ho-so/{world.lesson.pk}/"
    assert world.lesson.revisions.count() == revisions


def test_a_record_locked_after_the_guard_looked_is_refused_not_answered_500(world):
    # The school's lock lands between the editor's write guard and its save: the
    # record's own guard refuses the save inside the editor's transaction.
    world_ = world.world

    def locked_meanwhile(request, page):
        _lock(world_)

    revisions = world.lesson.revisions.count()
    with hooks.register_temporarily("before_edit_page", locked_meanwhile):
        _client, response = _post(world.teacher, world.lesson, edit_form(world.lesson))

    assert response.status_code == 302
    assert response["Location"] == f"/admin/ho-so/{world.lesson.pk}/"
    shown = [str(message) for message in get_messages(response.wsgi_request)]
    assert len(shown) == 1 and shown[0].startswith("Dữ liệu đang bị khóa")
    assert world.lesson.revisions.count() == revisions
    assert not Lock.objects.exists()  # the editor's transaction rolled back whole


def test_a_save_after_an_autosave_overwrites_the_autosaved_revision_as_wagtail_does(world):
    client = Client()
    force_login_verified(client, world.teacher)
    edit = reverse("wagtailadmin_pages:edit", args=[world.lesson.pk])
    autosaved = client.post(
        edit, edit_form(world.lesson, adjustments="Nháp tự lưu"), HTTP_ACCEPT="application/json"
    ).json()
    revisions = world.lesson.revisions.count()

    data = edit_form(
        world.lesson, adjustments="Bản lưu", overwrite_revision_id=autosaved["revision_id"]
    )
    response = client.post(edit, data)

    assert response.status_code == 302
    assert world.lesson.revisions.count() == revisions
    revision = world.lesson.revisions.get(pk=autosaved["revision_id"])
    assert revision.as_object().adjustments == "Bản lưu"
