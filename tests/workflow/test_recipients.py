"""The policy decides who is told and what may be removed (issue 12).

Whoever is e-mailed that a record now waits for a step is exactly whoever the policy
lets take that step (workflow.policy.who_may_take); a returned, approved or signed
record goes back to its writers. A record page may be deleted, moved or unpublished
only before any review started on it (policy.may_remove, REMOVABLE_STATES).

The data is one factory-made school (tests.factories.school_world).
"""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import TestCase
from wagtail.models import Page

from recordpages import registry
from tests.factories import UserFactory, school_world
from workflow import policy, services
from workflow.models import RecordState

REMOVAL_REFUSED = "Hồ sơ đã vào quy trình duyệt: không được xóa, chuyển hay gỡ công bố."


@pytest.fixture
def world(db):
    return school_world()


def state_of(world, record_type: str) -> RecordState:
    return RecordState.objects.get(pk=world.records[record_type].pk)


def take(world, username: str, record: RecordState, step: str, reason: str = "") -> RecordState:
    # The e-mails are written after commit: run those callbacks as the step commits.
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.record_transition(
            user=world.user(username), page_id=record.pk, transition=step, reason=reason
        )
    record.refresh_from_db()
    return record


def mailed(world) -> set[str]:
    """The usernames e-mailed since the outbox was last cleared."""
    by_email = {profile.user.email: name for name, profile in world.staff.items()}
    return {by_email[address] for message in mail.outbox for address in message.to}


def test_a_submitted_school_plan_emails_the_principal_not_an_assigned_vice_principal(world):
    # hn.phohieutruong2 is assigned school plans, but only the principal approves them.
    plan = state_of(world, "school_plan")
    mail.outbox.clear()

    plan = take(world, "hn.phohieutruong", plan, registry.SUBMIT)

    assert plan.state == registry.State.SUBMITTED
    assert mailed(world) == {"hn.hieutruong"}


def test_a_submitted_lesson_plan_emails_the_group_leader_only(world):
    lesson = state_of(world, "lesson_plan")
    mail.outbox.clear()

    lesson = take(world, "hn.giaovien", lesson, registry.SUBMIT)

    assert lesson.state == registry.State.SUBMITTED
    assert mailed(world) == {"hn.totruong1"}


def test_a_checked_lesson_plan_emails_who_may_approve_it(world):
    lesson = take(world, "hn.giaovien", state_of(world, "lesson_plan"), registry.SUBMIT)
    mail.outbox.clear()

    lesson = take(world, "hn.totruong1", lesson, registry.CHECK)

    assert lesson.state == registry.State.CHECKED
    # The principal, and the vice-principal assigned lesson plans; not the other one.
    assert mailed(world) == {"hn.hieutruong", "hn.phohieutruong"}


def test_a_reviewer_who_wrote_the_record_is_not_asked_to_review_it(world):
    # The assigned vice-principal saved a revision of the lesson plan: barred from
    # approving it (R3), so not told it waits for approval.
    page = world.records["lesson_plan"].specific
    page.save_revision(user=world.user("hn.phohieutruong"))
    lesson = take(world, "hn.giaovien", state_of(world, "lesson_plan"), registry.SUBMIT)
    lesson = take(world, "hn.totruong1", lesson, registry.CHECK)
    step = lesson.rules.step(registry.APPROVE)

    assert [p.user.username for p in policy.who_may_take(lesson, step)] == ["hn.hieutruong"]


def test_a_returned_record_emails_its_writers(world):
    lesson = take(world, "hn.giaovien", state_of(world, "lesson_plan"), registry.SUBMIT)
    mail.outbox.clear()

    lesson = take(world, "hn.totruong1", lesson, registry.RETURN, reason="Bổ sung mục tiêu")

    assert lesson.state == registry.State.RETURNED
    assert mailed(world) == {"hn.giaovien"}
    assert "Lí do trả lại: Bổ sung mục tiêu" in mail.outbox[0].body


# --- removal ------------------------------------------------------------------------


@pytest.fixture
def admin_client(client, world):
    client.force_login(UserFactory(username="admin", is_superuser=True, is_staff=True))
    return client


def test_a_record_in_review_may_not_be_removed(world):
    plan = take(world, "hn.phohieutruong", state_of(world, "school_plan"), registry.SUBMIT)

    assert policy.may_remove(plan) is False


@pytest.mark.parametrize("state", sorted(registry.REMOVABLE_STATES))
def test_a_record_before_any_review_may_be_removed(world, state):
    record = state_of(world, "school_plan")
    record.__dict__["state"] = state  # the question only, nothing stored

    assert policy.may_remove(record) is True


def test_the_admin_refuses_to_delete_a_submitted_record_and_says_why(world, admin_client):
    plan = take(world, "hn.phohieutruong", state_of(world, "school_plan"), registry.SUBMIT)

    response = admin_client.post(f"/admin/pages/{plan.pk}/delete/", follow=True)

    assert Page.objects.filter(pk=plan.pk).exists()
    plan.refresh_from_db()
    assert plan.state == registry.State.SUBMITTED
    assert REMOVAL_REFUSED in response.content.decode()


def test_the_admin_deletes_a_draft_record(world, admin_client):
    other = state_of(world, "other")
    assert other.state == registry.State.DRAFT

    admin_client.post(f"/admin/pages/{other.pk}/delete/")

    assert not Page.objects.filter(pk=other.pk).exists()


def test_who_may_take_leaves_out_a_former_colleague_whose_account_is_closed(world):
    lesson = take(world, "hn.giaovien", state_of(world, "lesson_plan"), registry.SUBMIT)
    lesson = take(world, "hn.totruong1", lesson, registry.CHECK)
    step = lesson.rules.step(registry.APPROVE)
    vice = world.user("hn.phohieutruong")
    vice.is_active = False
    vice.save(update_fields=["is_active"])

    assert [p.user.username for p in policy.who_may_take(lesson, step)] == ["hn.hieutruong"]


def test_who_may_take_names_everyone_who_may_not_only_the_first(world):
    lesson = take(world, "hn.giaovien", state_of(world, "lesson_plan"), registry.SUBMIT)
    lesson = take(world, "hn.totruong1", lesson, registry.CHECK)
    step = lesson.rules.step(registry.APPROVE)

    names = [p.user.username for p in policy.who_may_take(lesson, step)]
    assert names == sorted(names, key=lambda n: world.staff[n].pk)
    assert set(names) == {"hn.hieutruong", "hn.phohieutruong"}
