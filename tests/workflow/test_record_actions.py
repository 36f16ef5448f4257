"""What a user sees on a record is what they may do (issue 15, "The editor and the
record page"): "Nộp" in the editor footer, only the steps the policy allows on the
record page, "In", a return without its reason, and titles in the page list that open.

The data is one factory-made school (tests.factories.school_world), built once.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from wagtail.models import Page
from wagtail.test.utils.form_data import nested_form_data, streamfield

from recordpages import registry
from recordpages.registry import State
from tests.conftest import kept_for_module
from tests.factories import school_world, take_to
from workflow.models import RecordState
from workflow.wagtail_hooks import HAND_IN

ADJUST = "Ghi điều chỉnh sau bài dạy"


@pytest.fixture(scope="module")
def _world(django_db_setup, django_db_blocker):
    with kept_for_module(django_db_blocker), django_db_blocker.unblock():
        yield school_world(pupils_per_class=1)


@pytest.fixture
def world(_world, db):
    return _world


def _client_for(client, world, username):
    client.force_login(world.user(username))
    return client


def _lesson(world) -> RecordState:
    return RecordState.objects.get(pk=world.records["lesson_plan"].pk)


# --- 1. the dead end a group leader met --------------------------------------------


def test_the_vice_principal_in_charge_checks_a_group_leaders_own_lesson_plan(world, client):
    from tests.factories import LessonPlanFactory

    leader = world.group.leader
    page = LessonPlanFactory(teacher=leader, school_class=world.classes["1A"], week_number=14)
    take_to(page, State.SUBMITTED)

    body = _client_for(client, world, "hn.phohieutruong").get(
        reverse("workflow_record", args=[page.pk])
    )
    check_url = reverse("workflow_transition", args=[page.pk, registry.CHECK])
    assert check_url in body.content.decode()
    response = client.post(check_url, {"seen_state": State.SUBMITTED})

    assert response.status_code == 302
    assert RecordState.objects.get(pk=page.pk).state == State.CHECKED


# --- 2. "Nộp" in the editor footer ---------------------------------------------------


def _other_record_form(page, *, body: list, **extra) -> dict:
    """The edit form of an "other record" as the editor posts it."""
    return nested_form_data(
        {
            "title": page.title,
            "slug": page.slug,
            "category": page.category,
            "deadline": page.deadline.isoformat(),
            "body": streamfield(body),
            **extra,
        }
    )


SECTION = ("section", {"heading": "Mục đích", "body": "<p>Bồi dưỡng chuyên môn.</p>"})


def test_the_editor_footer_offers_nop_to_the_author_of_a_draft(world, client):
    page = world.records["other"]
    html = (
        _client_for(client, world, "hn.phohieutruong2")
        .get(reverse("wagtailadmin_pages:edit", args=[page.pk]))
        .content.decode()
    )
    assert f'name="{HAND_IN}"' in html
    assert 'value="Nộp"' in html


def test_nop_in_the_editor_saves_the_draft_and_asks_to_confirm_the_hand_in(world, client):
    page = world.records["other"]
    _client_for(client, world, "hn.phohieutruong2")
    data = _other_record_form(page, body=[SECTION], **{HAND_IN: "Nộp"})

    response = client.post(reverse("wagtailadmin_pages:edit", args=[page.pk]), data)

    confirm = reverse("workflow_transition", args=[page.pk, registry.SUBMIT])
    assert response.status_code == 302 and response.url == confirm
    screen = client.get(confirm).content.decode()
    assert "Nộp hồ sơ này để duyệt? Sau khi nộp bạn không sửa được nữa." in screen
    record = RecordState.objects.get(pk=page.pk)
    assert record.state == State.DRAFT  # nothing handed in before the confirmation
    client.post(confirm, {"seen_state": State.DRAFT})
    record.refresh_from_db()
    assert record.state == State.SUBMITTED


def test_nop_on_an_incomplete_record_keeps_the_editor_open_and_says_what_is_missing(world, client):
    page = world.records["other"]
    _client_for(client, world, "hn.phohieutruong2")
    data = _other_record_form(page, body=[], **{HAND_IN: "Nộp", "title": "Kế hoạch của tôi (nháp)"})

    response = client.post(reverse("wagtailadmin_pages:edit", args=[page.pk]), data, follow=True)

    edit_url = reverse("wagtailadmin_pages:edit", args=[page.pk])
    assert response.redirect_chain[-1][0] == edit_url
    assert "Hồ sơ chưa đủ để nộp" in response.content.decode()
    assert RecordState.objects.get(pk=page.pk).state == State.DRAFT
    # The editor shows what the user typed: the draft was saved.
    saved = Page.objects.get(pk=page.pk).specific.get_latest_revision_as_object()
    assert saved.title == "Kế hoạch của tôi (nháp)"


# --- 3. only the steps the user may take --------------------------------------------


ROLES = ["thanh.tra", "hn.vanthu", "hn.giaovien", "hn.totruong1", "hn.hieutruong"]


@pytest.mark.parametrize("username", ROLES)
def test_an_approved_lesson_plan_offers_adjustments_only_to_its_teacher(world, client, username):
    page = world.records["lesson_plan"]
    take_to(page, State.APPROVED)
    client.force_login(world.user(username))

    body = client.get(reverse("workflow_record", args=[page.pk])).content.decode()
    form = client.get(reverse("workflow_adjustments", args=[page.pk]))

    mine = username == "hn.giaovien"
    assert (ADJUST in body) is mine
    assert form.status_code == (200 if mine else 403)
    if not mine:
        assert (
            "Chỉ giáo viên soạn kế hoạch được ghi điều chỉnh sau bài dạy." in form.content.decode()
        )


@pytest.mark.parametrize("username", [*ROLES, "ad.gv1b"])
def test_record_page_buttons_are_exactly_the_steps_the_policy_allows(world, client, username):
    from tests.factories import school_world as other_school

    if username == "ad.gv1b":
        other_school(code="THAD", name="Trường Tiểu học Anh Dũng", with_authority_staff=False)
    page = world.records["lesson_plan"]
    take_to(page, State.SUBMITTED)
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username=username)
    client.force_login(user)
    response = client.get(reverse("workflow_record", args=[page.pk]))
    if username == "ad.gv1b":
        assert response.status_code == 404  # another school's record does not exist for them
        return
    body = response.content.decode()
    offered = {
        name
        for name in registry.STEP_LABELS
        if reverse("workflow_transition", args=[page.pk, name]) in body
    }
    expected = {"hn.totruong1": {registry.CHECK, registry.RETURN}}.get(username, set())
    assert offered == expected
    assert ("Yêu cầu sửa" in body) is False


# --- 4. "In" --------------------------------------------------------------------------


@pytest.mark.parametrize(("username", "status"), [("hn.giaovien", 200), ("hn.ketoan", 404)])
def test_in_prints_the_record_for_whoever_may_read_it(world, client, username, status):
    page = world.records["lesson_plan"]
    client.force_login(world.user(username))
    url = reverse("workflow_record_print", args=[page.pk])

    response = client.get(url)

    assert response.status_code == status
    if status == 200:
        assert "@media print" in response.content.decode()
        assert "Phép cộng trong phạm vi 10" in response.content.decode()
        detail = client.get(reverse("workflow_record", args=[page.pk])).content.decode()
        assert f'href="{url}"' in detail and ">In<" in detail


# --- 5. "Trả lại" without a reason ----------------------------------------------------


def test_a_return_without_a_reason_keeps_the_form_and_says_why(world, client):
    page = world.records["lesson_plan"]
    take_to(page, State.SUBMITTED)
    client.force_login(world.user("hn.totruong1"))
    url = reverse("workflow_transition", args=[page.pk, registry.RETURN])

    response = client.post(url, {"seen_state": State.SUBMITTED, "reason": "   "})

    assert response.status_code == 400
    body = response.content.decode()
    assert "Cần ghi lí do trả lại." in body and "<form" in body
    assert _lesson(world).state == State.SUBMITTED


# --- 6. titles in the page list ------------------------------------------------------


def _title_links(client, parent_pk: int) -> dict[int, str]:
    html = client.get(reverse("wagtailadmin_explore", args=[parent_pk])).content.decode()
    found = re.findall(r'<a href="([^"]+)"[^>]*>\s*<span id="page_(\d+)_title"', html)
    return {int(pk): href for href, pk in found}


@pytest.mark.parametrize(
    "username", ["hn.giaovien", "hn.totruong1", "hn.hieutruong", "hn.phohieutruong", "thanh.tra"]
)
@pytest.mark.parametrize("state", [State.DRAFT, State.SUBMITTED, State.APPROVED])
def test_a_title_in_the_page_list_opens_the_record(world, client, username, state):
    page = world.records["lesson_plan"]
    take_to(page, state)
    client.force_login(world.user(username))

    links = _title_links(client, world.group.page.pk)

    if page.pk not in links:
        # Not listed as a link: only for someone who may not read the record at all.
        assert client.get(reverse("workflow_record", args=[page.pk])).status_code == 404
        return
    assert client.get(links[page.pk]).status_code == 200
