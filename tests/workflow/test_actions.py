"""Every write of the workflow is an action (workflow.actions): check(), then execute()
in one transaction. A refused action, of any kind, is logged once to the audit chain
(R16), after the rollback, and changes nothing; a successful one writes one history
entry and one audit entry, and its event leaves only after commit.

The data is one factory-made school (tests.factories.school_world), no district.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from recordpages import registry
from tests.factories import school_world
from workflow import services
from workflow.events import record_transitioned
from workflow.models import AuditEntry, Correction, CorrectionState, Lock, RecordState
from workflow.services import TransitionRefused

REFUSED = "access.refused"


def refused_count() -> int:
    return AuditEntry.objects.filter(action=REFUSED).count()


def other_entries() -> int:
    return AuditEntry.objects.exclude(action=REFUSED).count()


def last_refusal() -> AuditEntry:
    return AuditEntry.objects.filter(action=REFUSED).latest("pk")


@pytest.fixture
def world(db):
    return school_world()


@pytest.fixture
def lesson(world):
    return RecordState.objects.get(pk=world.records["lesson_plan"].pk)


def approve_lesson(world, lesson) -> RecordState:
    for username, step in (
        ("hn.giaovien", registry.SUBMIT),
        ("hn.totruong1", registry.CHECK),
        ("hn.phohieutruong", registry.APPROVE),
    ):
        services.record_transition(user=world.user(username), page_id=lesson.pk, transition=step)
    lesson.refresh_from_db()
    return lesson


class Refusal:
    """Run `attempt`, expect a refusal with `message`, and measure the audit chain."""

    def __init__(self, attempt, message: str):
        refused, others = refused_count(), other_entries()
        with pytest.raises(TransitionRefused) as raised:
            attempt()
        assert message in raised.value.message
        self.logged = refused_count() - refused
        self.others = other_entries() - others
        self.entry = last_refusal() if self.logged else None

    def assert_logged_once(self, *, actor, school_id) -> None:
        assert (self.logged, self.others) == (1, 0)
        assert self.entry.actor == actor
        assert self.entry.school_id == school_id


# --- refusals: once in the audit chain, nothing changed ------------------------------


def test_a_refused_step_is_logged_once_and_changes_nothing(world, lesson):
    teacher = world.user("hn.giaovien")
    refusal = Refusal(
        lambda: services.record_transition(
            user=teacher, page_id=lesson.pk, transition=registry.APPROVE
        ),
        "Không thể duyệt",
    )
    refusal.assert_logged_once(actor=teacher, school_id=lesson.school_id)
    lesson.refresh_from_db()
    assert (lesson.state, lesson.version) == (registry.State.DRAFT, 0)
    assert not lesson.history.exists()


def test_a_step_on_a_record_that_does_not_exist_is_logged_once(world):
    teacher = world.user("hn.giaovien")
    refusal = Refusal(
        lambda: services.record_transition(user=teacher, page_id=999_999, transition="submit"),
        "Không tìm thấy hồ sơ",
    )
    refusal.assert_logged_once(actor=teacher, school_id=world.school.pk)


def test_a_refused_correction_request_is_logged_once_and_changes_nothing(world, lesson):
    approve_lesson(world, lesson)
    accountant = world.user("hn.ketoan")
    refusal = Refusal(
        lambda: services.correction_request(user=accountant, page_id=lesson.pk, reason="sai"),
        "Bạn không được đề nghị sửa hồ sơ này.",
    )
    refusal.assert_logged_once(actor=accountant, school_id=lesson.school_id)
    assert "correction" in refusal.entry.summary
    assert not Correction.objects.exists()


def test_a_correction_request_without_a_reason_is_logged_once(world, lesson):
    approve_lesson(world, lesson)
    teacher = world.user("hn.giaovien")
    refusal = Refusal(
        lambda: services.correction_request(user=teacher, page_id=lesson.pk, reason="  "),
        "Cần ghi lí do đề nghị sửa dữ liệu.",
    )
    refusal.assert_logged_once(actor=teacher, school_id=lesson.school_id)
    assert not Correction.objects.exists()


def requested_correction(world, lesson) -> Correction:
    approve_lesson(world, lesson)
    return services.correction_request(
        user=world.user("hn.giaovien"), page_id=lesson.pk, reason="Sai tên bài"
    )


def test_a_refused_correction_decision_is_logged_once_and_changes_nothing(world, lesson):
    correction = requested_correction(world, lesson)
    vice = world.user("hn.phohieutruong")
    refusal = Refusal(
        lambda: services.correction_decide(user=vice, correction_id=correction.pk, consent=True),
        "Chỉ hiệu trưởng được đồng ý sửa dữ liệu.",
    )
    refusal.assert_logged_once(actor=vice, school_id=lesson.school_id)
    correction.refresh_from_db()
    lesson.refresh_from_db()
    assert correction.state == CorrectionState.REQUESTED and correction.consented_by is None
    assert lesson.state == registry.State.APPROVED


def test_a_refused_finish_of_editing_is_logged_once_and_changes_nothing(world, lesson):
    correction = requested_correction(world, lesson)
    principal = world.user("hn.hieutruong")
    services.correction_decide(user=principal, correction_id=correction.pk, consent=True)
    refusal = Refusal(
        lambda: services.correction_finish_editing(user=principal, correction_id=correction.pk),
        "Chỉ người đề nghị sửa được kết thúc việc sửa.",
    )
    refusal.assert_logged_once(actor=principal, school_id=lesson.school_id)
    correction.refresh_from_db()
    assert correction.state == CorrectionState.CONSENTED and correction.changes in ([], None)


def test_a_refused_acknowledgement_is_logged_once_and_changes_nothing(world, lesson):
    correction = requested_correction(world, lesson)
    principal = world.user("hn.hieutruong")
    refusal = Refusal(
        lambda: services.correction_acknowledge(user=principal, correction_id=correction.pk),
        "Biên bản chưa sẵn sàng để xác nhận.",
    )
    refusal.assert_logged_once(actor=principal, school_id=lesson.school_id)
    correction.refresh_from_db()
    assert correction.acknowledged_by_principal_at is None


def lock_inputs(world, **overrides) -> dict:
    return {
        "school_id": world.school.pk,
        "school_year_id": world.year.pk,
        "record_type": "",
        "requested_by_id": world.staff["hn.hieutruong"].pk,
        "reason": "Thanh tra",
        **overrides,
    }


def test_a_refused_lock_is_logged_once_and_locks_nothing(world):
    teacher = world.user("hn.giaovien")
    refusal = Refusal(
        lambda: services.lock_create(user=teacher, **lock_inputs(world)),
        "Chỉ cán bộ quản trị hệ thống của trường được khóa dữ liệu.",
    )
    refusal.assert_logged_once(actor=teacher, school_id=world.school.pk)
    assert refusal.entry.object_type == "lock"
    assert not Lock.objects.exists()


def test_a_lock_not_asked_by_the_principal_is_logged_once(world):
    sysadmin = world.user("hn.quantri")
    inputs = lock_inputs(world, requested_by_id=world.staff["hn.giaovien"].pk)
    refusal = Refusal(
        lambda: services.lock_create(user=sysadmin, **inputs),
        "Khóa dữ liệu phải theo đề nghị của hiệu trưởng nhà trường.",
    )
    refusal.assert_logged_once(actor=sysadmin, school_id=world.school.pk)
    assert not Lock.objects.exists()


def test_a_refused_release_is_logged_once_and_keeps_the_lock(world):
    lock = services.lock_create(user=world.user("hn.quantri"), **lock_inputs(world))
    teacher = world.user("hn.giaovien")
    refusal = Refusal(
        lambda: services.lock_release(user=teacher, lock_id=lock.pk),
        "Chỉ cán bộ quản trị hệ thống của trường được mở khóa.",
    )
    refusal.assert_logged_once(actor=teacher, school_id=world.school.pk)
    lock.refresh_from_db()
    assert lock.unlocked_at is None


def test_a_refused_adjustment_after_teaching_is_logged_once_and_changes_nothing(world, lesson):
    approve_lesson(world, lesson)
    leader = world.user("hn.totruong1")
    refusal = Refusal(
        lambda: services.lesson_adjustments_save(user=leader, page_id=lesson.pk, text="Đổi"),
        "Chỉ giáo viên soạn kế hoạch được ghi điều chỉnh sau bài dạy.",
    )
    refusal.assert_logged_once(actor=leader, school_id=lesson.school_id)
    page = world.records["lesson_plan"]
    page.refresh_from_db()
    assert page.adjustments == ""


def test_a_type_without_an_after_teaching_field_takes_no_adjustment(world):
    other = RecordState.objects.get(pk=world.records["other"].pk)
    assert not other.rules.after_teaching_field
    author = world.user("hn.phohieutruong2")
    refusal = Refusal(
        lambda: services.lesson_adjustments_save(user=author, page_id=other.pk, text="Đổi"),
        "không có mục điều chỉnh sau bài dạy",
    )
    refusal.assert_logged_once(actor=author, school_id=other.school_id)


def test_a_refused_password_reset_is_logged_once_and_changes_nothing(world):
    from accounts.services import PasswordResetRefused, staff_password_reset

    sysadmin, principal = world.user("hn.quantri"), world.staff["hn.hieutruong"]
    old_hash = principal.user.password
    refused, others = refused_count(), other_entries()
    with pytest.raises(PasswordResetRefused) as raised:
        staff_password_reset(actor=sysadmin, staff=principal)
    assert "Phòng GD&ĐT" in raised.value.message
    assert (refused_count() - refused, other_entries() - others) == (1, 0)
    entry = last_refusal()
    assert (entry.actor, entry.school_id, entry.object_type) == (
        sysadmin,
        world.school.pk,
        "user",
    )
    principal.user.refresh_from_db()
    assert principal.user.password == old_hash
    assert mail.outbox == []


def test_a_refused_two_factor_reset_is_logged_once(world):
    from accounts.services import PasswordResetRefused, staff_two_factor_reset

    teacher, leader = world.user("hn.giaovien"), world.staff["hn.totruong1"]
    refused = refused_count()
    with pytest.raises(PasswordResetRefused):
        staff_two_factor_reset(actor=teacher, staff=leader)
    assert refused_count() - refused == 1
    assert last_refusal().actor == teacher


# --- successes: one history entry, one audit entry, the event after commit ----------


def test_a_step_writes_one_history_and_one_audit_entry_and_fires_after_commit(
    world, lesson, django_capture_on_commit_callbacks
):
    teacher = world.user("hn.giaovien")
    fired = []

    def receiver(**kwargs):
        fired.append(kwargs["transition"])

    record_transitioned.connect(receiver, dispatch_uid="test_actions")
    try:
        audit_before = other_entries()
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            services.record_transition(user=teacher, page_id=lesson.pk, transition="submit")
        assert fired == []  # nothing leaves before the commit
        for callback in callbacks:
            callback()
        assert fired == [registry.SUBMIT]
    finally:
        record_transitioned.disconnect(dispatch_uid="test_actions")
    lesson.refresh_from_db()
    assert lesson.state == registry.State.SUBMITTED and lesson.submitted_at is not None
    assert lesson.history.count() == 1
    assert other_entries() - audit_before == 1
    assert AuditEntry.objects.latest("pk").action == "transition.submit"


def test_a_correction_request_writes_one_audit_entry_and_notifies_after_commit(
    world, lesson, django_capture_on_commit_callbacks
):
    approve_lesson(world, lesson)
    before = other_entries()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        correction = services.correction_request(
            user=world.user("hn.giaovien"), page_id=lesson.pk, reason="Sai tên bài"
        )
    correction.refresh_from_db()
    assert correction.state == CorrectionState.REQUESTED
    assert other_entries() - before == 1
    assert len(callbacks) == 1  # the principal's notification


def test_a_lock_and_its_release_each_write_one_audit_entry(world):
    sysadmin = world.user("hn.quantri")
    before = other_entries()
    lock = services.lock_create(user=sysadmin, **lock_inputs(world))
    assert other_entries() - before == 1
    services.lock_release(user=sysadmin, lock_id=lock.pk)
    lock.refresh_from_db()
    assert lock.unlocked_by == sysadmin
    assert other_entries() - before == 2


def test_an_adjustment_after_teaching_is_written_to_the_declared_field(world, lesson):
    approve_lesson(world, lesson)
    before = other_entries()
    services.lesson_adjustments_save(
        user=world.user("hn.giaovien"), page_id=lesson.pk, text="Thêm 5 phút luyện tập"
    )
    page = world.records["lesson_plan"]
    page.refresh_from_db()
    field = lesson.rules.after_teaching_field
    assert getattr(page, field) == "Thêm 5 phút luyện tập"
    assert other_entries() - before == 1
    lesson.refresh_from_db()
    assert lesson.state == registry.State.APPROVED and lesson.version == 1


def test_a_successful_reset_logs_no_refusal(world):
    from accounts.services import staff_password_reset

    refused = refused_count()
    staff_password_reset(actor=world.user("hn.hieutruong"), staff=world.staff["hn.giaovien"])
    assert refused_count() == refused


def test_a_reset_refused_on_the_screen_is_logged_once(world, client):
    from django.urls import reverse

    from tests.security.security_helpers import accounts_settings_override

    sysadmin, principal = world.user("hn.quantri"), world.staff["hn.hieutruong"]
    old_hash = principal.user.password
    with accounts_settings_override(TWO_FACTOR_ENFORCED=False):
        client.force_login(sysadmin)
        refused, others = refused_count(), other_entries()
        url = reverse("accounts:staff_password_reset", args=[principal.pk])
        response = client.post(url, {"reset_two_factor": "on"})
    assert response.status_code == 403
    assert "chỉ do cán bộ Phòng GD&amp;ĐT" in response.content.decode()
    assert (refused_count() - refused, other_entries() - others) == (1, 0)
    principal.user.refresh_from_db()
    assert principal.user.password == old_hash


# --- the base class ----------------------------------------------------------------


def test_an_action_refused_inside_another_is_logged_once_by_the_outermost(world, lesson):
    from workflow.actions import Action, LockCreate

    teacher = world.user("hn.giaovien")

    class SubmitThenLock(Action[None]):
        """Takes a step, then runs a lock the teacher may not create."""

        name = "test.submit_then_lock"

        def check(self) -> None:
            self.school_id = world.school.pk

        def perform(self) -> None:
            services.record_transition(user=teacher, page_id=lesson.pk, transition="submit")
            LockCreate(user=teacher, **lock_inputs(world)).execute()

    refused, others = refused_count(), other_entries()
    with pytest.raises(TransitionRefused, match="khóa dữ liệu"):
        SubmitThenLock(user=teacher).execute()
    assert refused_count() - refused == 1
    # The step inside was rolled back with the outer action, its audit entry too.
    assert other_entries() == others
    lesson.refresh_from_db()
    assert lesson.state == registry.State.DRAFT and not lesson.history.exists()
    assert last_refusal().summary.startswith("lock.create: ")


def test_check_alone_refuses_without_writing_anything(world, lesson):
    from workflow.actions import TakeStep

    refused, others = refused_count(), other_entries()
    action = TakeStep(user=world.user("hn.totruong1"), page_id=lesson.pk, step=registry.APPROVE)
    with pytest.raises(TransitionRefused):
        action.check()
    TakeStep(user=world.user("hn.giaovien"), page_id=lesson.pk, step=registry.SUBMIT).check()
    assert (refused_count(), other_entries()) == (refused, others)
    lesson.refresh_from_db()
    assert lesson.state == registry.State.DRAFT


def test_the_last_acknowledgement_writes_one_history_one_audit_entry_and_fires_after_commit(
    world, lesson, django_capture_on_commit_callbacks
):
    correction = requested_correction(world, lesson)
    teacher, principal = world.user("hn.giaovien"), world.user("hn.hieutruong")
    services.correction_decide(user=principal, correction_id=correction.pk, consent=True)
    page = world.records["lesson_plan"].specific_class.objects.get(pk=lesson.pk)
    page.prepared_on = page.prepared_on - dt.timedelta(days=1)
    page.save_revision(user=teacher)
    services.correction_finish_editing(user=teacher, correction_id=correction.pk)
    for username in ("hn.giaovien", "hn.hieutruong"):
        services.correction_acknowledge(user=world.user(username), correction_id=correction.pk)
    history, audit = lesson.history.count(), other_entries()
    fired = []
    record_transitioned.connect(
        lambda **kwargs: fired.append(kwargs["transition"]), dispatch_uid="test_ack", weak=False
    )
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            services.correction_acknowledge(
                user=world.user("hn.quantri"), correction_id=correction.pk
            )
        assert fired == []
        for callback in callbacks:
            callback()
        assert fired == [registry.CORRECTION]
    finally:
        record_transitioned.disconnect(dispatch_uid="test_ack")
    lesson.refresh_from_db()
    correction.refresh_from_db()
    assert correction.state == CorrectionState.CLOSED
    assert (lesson.state, lesson.version) == (registry.State.APPROVED, 2)
    assert (lesson.history.count() - history, other_entries() - audit) == (1, 1)
