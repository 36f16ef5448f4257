"""Every state machine walked through every allowed transition by the right role,
and every other (transition × account × school) combination refused with a reason,
leaving state, content and the audit log as they were (bar the logged refusal)."""

from __future__ import annotations

from django.test import TestCase

from recordpages import registry
from recordpages.models import (
    ClassResultSummaryPage,
    LessonPlanPage,
    SchoolPlanPage,
    StudentRecordPage,
)
from tests.conftest import load_small_district
from tests.workflow.conftest import complete_student_record, user
from tests.workflow.records import one_record_of_each_type
from workflow import policy, services
from workflow.models import AuditEntry, RecordState, RecordVersion, TransitionLog
from workflow.services import TransitionRefused, ensure_all_record_states
from workflow.versions import content_hash

ACCOUNTS = [
    "admin",
    "phong.gd",
    "thanh.tra",
    "hn.hieutruong",
    "hn.phohieutruong",
    "hn.phohieutruong2",
    "hn.totruong1",
    "hn.giaovien",
    "hn.vanthu",
    "hn.ketoan",
    "hn.quantri",
    "hn.luutru",
    "ad.hieutruong",
    "ad.phohieutruong",
]
APPROVERS = {"admin", "hn.hieutruong", "hn.phohieutruong"}

# The state graph of DESIGN.md: in each state, which transitions exist at all.
GRAPH = {
    "lesson_plan": {
        "draft": {"submit"},
        "returned": {"submit"},
        "submitted": {"check", "return"},
        "checked": {"approve", "return"},
    },
    "group_plan": {"draft": {"submit"}, "returned": {"submit"}, "submitted": {"approve", "return"}},
    "school_plan": {
        "draft": {"submit"},
        "returned": {"submit"},
        "submitted": {"approve", "return"},
        "approved": {"publish"},
    },
    "student_record": {
        "draft": {"submit"},
        "returned": {"submit"},
        "submitted": {"approve", "return"},
        "approved": {"confirm_paper"},
        "paper_confirmed": {"sign"},
    },
    "class_summary": {
        "draft": {"submit"},
        "returned": {"submit"},
        "submitted": {"approve", "return"},
        "approved": {"confirm_paper"},
        "paper_confirmed": {"sign"},
    },
    "enrollment_register": {
        "maintained": {"finalize"},
        "finalized": {"confirm_paper"},
        "paper_confirmed": {"sign"},
    },
    "other": {"draft": {"submit"}, "returned": {"submit"}, "submitted": {"approve", "return"}},
}

# Who may take each transition (Hòa Nghĩa's accounts; "admin" is the superuser).
# For the lesson plan, "return" from submitted is the group leader's, from checked the approvers'.
WHO = {
    "lesson_plan": {
        "submit": {"hn.giaovien"},
        "check": {"hn.totruong1"},
        "approve": APPROVERS - {"admin"},
        "return@submitted": {"hn.totruong1"},
        "return@checked": APPROVERS - {"admin"},
    },
    "group_plan": {
        "submit": {"hn.totruong1"},
        "approve": APPROVERS - {"admin"},
        "return": APPROVERS - {"admin"},
    },
    "school_plan": {
        "submit": {"hn.hieutruong", "hn.phohieutruong", "hn.phohieutruong2"},
        "approve": {"hn.hieutruong"},
        "return": {"hn.hieutruong"},
        "publish": {"hn.hieutruong"},
    },
    "student_record": {
        "submit": {"hn.giaovien"},
        "approve": APPROVERS - {"admin"},
        "return": APPROVERS - {"admin"},
        "confirm_paper": {"hn.vanthu"},
        "sign": {"hn.vanthu"},  # the clerk applies the seal (issue 13)
    },
    "class_summary": {
        "submit": {"hn.giaovien"},
        "approve": APPROVERS - {"admin"},
        "return": APPROVERS - {"admin"},
        "confirm_paper": {"hn.vanthu"},
        "sign": {"hn.vanthu"},
    },
    "enrollment_register": {
        "finalize": {"hn.quantri", "hn.hieutruong"},
        "confirm_paper": {"hn.vanthu"},
        "sign": {"hn.hieutruong"},
    },
    "other": {
        "submit": {"hn.phohieutruong", "hn.hieutruong"},
        "approve": {"hn.hieutruong", "hn.phohieutruong2"},
        "return": {"hn.hieutruong", "hn.phohieutruong2"},
    },
}


def allowed(record_type: str, state: str, transition: str) -> set[str]:
    if transition not in GRAPH[record_type].get(state, set()):
        return set()
    rules = WHO[record_type]
    return {"admin"} | rules.get(f"{transition}@{state}", rules.get(transition, set()))


# record type → the path walked: (transition, who takes it)
PATHS = {
    "lesson_plan": [
        ("submit", "hn.giaovien"),
        ("return", "hn.totruong1"),
        ("submit", "hn.giaovien"),
        ("check", "hn.totruong1"),
        ("return", "hn.phohieutruong"),
        ("submit", "hn.giaovien"),
        ("check", "hn.totruong1"),
        ("approve", "hn.phohieutruong"),
    ],
    "group_plan": [
        ("submit", "hn.totruong1"),
        ("return", "hn.hieutruong"),
        ("submit", "hn.totruong1"),
        ("approve", "hn.phohieutruong"),
    ],
    "school_plan": [
        ("submit", "hn.phohieutruong"),
        ("return", "hn.hieutruong"),
        ("submit", "hn.phohieutruong"),
        ("approve", "hn.hieutruong"),
        ("publish", "hn.hieutruong"),
    ],
    "student_record": [
        ("submit", "hn.giaovien"),
        ("approve", "hn.phohieutruong"),
        ("confirm_paper", "hn.vanthu"),
        ("sign", "hn.vanthu"),
    ],
    "class_summary": [
        ("submit", "hn.giaovien"),
        ("approve", "hn.phohieutruong"),
        ("confirm_paper", "hn.vanthu"),
        ("sign", "hn.vanthu"),
    ],
    "enrollment_register": [
        ("finalize", "hn.quantri"),
        ("confirm_paper", "hn.vanthu"),
        ("sign", "hn.hieutruong"),  # the principal signs, then the clerk seals
        ("sign", "hn.vanthu"),
    ],
    "other": [("submit", "hn.phohieutruong"), ("approve", "hn.hieutruong")],
}
FINAL_STATES = {
    "lesson_plan": "approved",
    "group_plan": "approved",
    "school_plan": "published",
    "student_record": "signed",
    "class_summary": "signed",
    "enrollment_register": "signed",
    "other": "approved",
}


class TransitionMatrixTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        load_small_district()
        ensure_all_record_states()
        cls.pages = one_record_of_each_type()

    def walk(self, record_type: str) -> None:
        page = self.pages[record_type]
        if record_type in ("student_record", "class_summary"):
            for record in StudentRecordPage.objects.filter(school_class=page.school_class):
                complete_student_record(record)
        if record_type == "class_summary":
            for record in StudentRecordPage.objects.filter(school_class=page.school_class):
                services.record_transition(
                    user=user("hn.giaovien"), page_id=record.pk, transition="submit"
                )
                services.record_transition(
                    user=user("hn.hieutruong"), page_id=record.pk, transition="approve"
                )
        failures: list[str] = []
        path = PATHS[record_type]
        for index, (transition, actor) in enumerate(path):
            if not (index and path[index - 1][0] == transition):
                self.assert_everyone_else_refused(page.pk, failures)
            before = RecordState.objects.get(pk=page.pk).state
            services.record_transition(
                user=user(actor), page_id=page.pk, transition=transition, reason="Lí do thử"
            )
            after = RecordState.objects.get(pk=page.pk)
            if index + 1 < len(path) and path[index + 1][0] == transition:
                # One signer of a step that carries several (issue 13): the record
                # waits for the next, its signature in the audit chain.
                self.assertEqual(after.state, before)
                self.assertTrue(
                    AuditEntry.objects.filter(
                        action__startswith="signature.", object_id=str(page.pk)
                    ).exists()
                )
                continue
            self.assertNotEqual(after.state, before)
            log = TransitionLog.objects.filter(record=after).first()
            self.assertEqual(
                (log.transition, log.source, log.target), (transition, before, after.state)
            )
            self.assertTrue(
                AuditEntry.objects.filter(
                    action=f"transition.{transition}", object_id=str(page.pk)
                ).exists()
            )
        self.assertEqual(failures, [])
        final = RecordState.objects.get(pk=page.pk)
        self.assertEqual(final.state, FINAL_STATES[record_type])
        # Nothing can be done to a finished record by anyone (bar a correction).
        failures = []
        self.assert_everyone_else_refused(page.pk, failures)
        self.assertEqual(failures, [])

    def assert_everyone_else_refused(self, page_id: int, failures):
        """In the record's current state: the allowed may, everyone else is refused."""
        record = RecordState.objects.get(pk=page_id)
        page = record.page.specific
        revision_before = page.latest_revision_id
        for transition in registry.STEP_ORDER:
            allowed_accounts = allowed(record.record_type, record.state, transition)
            for username in ACCOUNTS:
                if username in allowed_accounts:
                    if policy.refusal(user(username), record, transition) is not None:
                        failures.append(
                            f"{username} should be allowed to {transition} in {record.state}"
                        )
                    continue
                others_before = AuditEntry.objects.exclude(action="access.refused").count()
                refused_before = AuditEntry.objects.filter(action="access.refused").count()
                try:
                    services.record_transition(
                        user=user(username), page_id=page_id, transition=transition, reason="thử"
                    )
                except TransitionRefused as refusal:
                    if not refusal.message:
                        failures.append(f"{username} {transition}: refused without a reason")
                else:
                    failures.append(
                        f"{username} could {transition} a {record.record_type} in {record.state}"
                    )
                    return
                fresh = RecordState.objects.get(pk=page_id)
                if fresh.state != record.state or fresh.version != record.version:
                    failures.append(f"{username} {transition}: state changed")
                if AuditEntry.objects.exclude(action="access.refused").count() != others_before:
                    failures.append(f"{username} {transition}: audit log changed")
                if AuditEntry.objects.filter(action="access.refused").count() != refused_before + 1:
                    failures.append(f"{username} {transition}: the refusal was not logged")
                if type(page).objects.get(pk=page_id).latest_revision_id != revision_before:
                    failures.append(f"{username} {transition}: content changed")

    def test_lesson_plan(self):
        self.walk("lesson_plan")
        record = RecordState.objects.get(pk=self.pages["lesson_plan"].pk)
        self.assertEqual(record.version, 1)
        self.assertEqual(
            RecordVersion.objects.get(record=record).content_hash, record.approved_hash
        )

    def test_group_plan(self):
        self.walk("group_plan")

    def test_school_plan_is_public_once_published(self):
        self.walk("school_plan")
        page = SchoolPlanPage.objects.get(pk=self.pages["school_plan"].pk)
        self.assertTrue(page.live)
        self.assertEqual(self.client.get(page.url).status_code, 200)

    def test_student_record(self):
        self.walk("student_record")

    def test_class_summary(self):
        self.walk("class_summary")

    def test_enrollment_register(self):
        self.walk("enrollment_register")

    def test_other_record(self):
        self.walk("other")


class RuleTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        load_small_district()
        ensure_all_record_states()

    def test_a_return_needs_a_reason(self):
        page = LessonPlanPage.objects.get(teacher__user__username="hn.giaovien")
        services.record_transition(user=user("hn.giaovien"), page_id=page.pk, transition="submit")
        with self.assertRaisesMessage(TransitionRefused, "Cần ghi lí do trả lại"):
            services.record_transition(
                user=user("hn.totruong1"), page_id=page.pk, transition="return", reason="  "
            )
        self.assertEqual(RecordState.objects.get(pk=page.pk).state, "submitted")

    def test_an_incomplete_hoc_ba_cannot_be_submitted(self):
        page = StudentRecordPage.objects.filter(
            school_class__homeroom_teacher__user__username="hn.giaovien"
        ).first()
        with self.assertRaises(TransitionRefused) as refused:
            services.record_transition(
                user=user("hn.giaovien"), page_id=page.pk, transition="submit"
            )
        self.assertIn("Thiếu kết quả giáo dục cuối năm", refused.exception.message)
        self.assertEqual(RecordState.objects.get(pk=page.pk).state, "draft")

    def test_a_class_summary_waits_for_every_hoc_ba(self):
        page = ClassResultSummaryPage.objects.get(
            school_class__homeroom_teacher__user__username="hn.giaovien"
        )
        with self.assertRaises(TransitionRefused) as refused:
            services.record_transition(
                user=user("hn.giaovien"), page_id=page.pk, transition="submit"
            )
        self.assertIn("học bạ của lớp chưa được duyệt", refused.exception.message)

    def test_nobody_approves_their_own_record(self):
        plan = SchoolPlanPage.objects.get(school__code="THHN")
        RecordState.objects.filter(pk=plan.pk).update(author=user("hn.hieutruong").staff_profile)
        services.record_transition(
            user=user("hn.phohieutruong"), page_id=plan.pk, transition="submit"
        )
        with self.assertRaisesMessage(TransitionRefused, "Không ai được tự duyệt"):
            services.record_transition(
                user=user("hn.hieutruong"), page_id=plan.pk, transition="approve"
            )

    def test_a_stale_form_is_refused_clearly(self):
        page = LessonPlanPage.objects.get(teacher__user__username="hn.giaovien")
        services.record_transition(user=user("hn.giaovien"), page_id=page.pk, transition="submit")
        services.record_transition(user=user("hn.totruong1"), page_id=page.pk, transition="check")
        with self.assertRaisesMessage(TransitionRefused, "vừa được người khác cập nhật"):
            services.record_transition(
                user=user("hn.totruong1"),
                page_id=page.pk,
                transition="return",
                reason="x",
                seen_state="submitted",
            )

    def test_approval_pins_the_revision_reviewed_and_its_hash(self):
        page = LessonPlanPage.objects.get(teacher__user__username="hn.giaovien")
        page.save_revision(user=user("hn.giaovien"))
        services.record_transition(user=user("hn.giaovien"), page_id=page.pk, transition="submit")
        services.record_transition(user=user("hn.totruong1"), page_id=page.pk, transition="check")
        record = services.record_transition(
            user=user("hn.hieutruong"), page_id=page.pk, transition="approve"
        )
        self.assertEqual(record.approved_revision_id, page.get_latest_revision().pk)
        self.assertEqual(record.approved_hash, content_hash(record.approved_revision))
        self.assertEqual(len(record.approved_hash), 64)
