"""Tests that notice a broken rule (issue 11): the workflow policy and the deadline
day as pure functions, on unsaved objects, so that they run in well under a second
and serve as the mutation-testing command (tests/mutation/).

(a) nobody reviews what they wrote: each reviewing step (check, approve, return,
    publish, sign, and confirming the paper / finalizing where it applies) refuses
    the writer who otherwise holds the reviewing role, and allows a colleague with
    the same role who did not write it;
and who may take each step, by role. Who sees a record, corrections and locks are
in test_rules_that_fail_reading.py; (b) the deadline day of each record type in
test_rules_that_fail_deadlines.py. The people and records are tests/workflow/unsaved.py.
"""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import pytest

from recordpages import registry
from recordpages.models import (
    ProfessionalGroup,
    SchoolClass,
)
from tests.workflow.unsaved import (
    ACCOUNTANT,
    CLERK,
    CLERK_2,
    ELSEWHERE,
    EVERYONE,
    INSPECTOR,
    LEADER,
    OTHER_SCHOOL,
    PRINCIPAL,
    PRINCIPAL_2,
    ROLE_REFUSED,
    SCHOOL,
    SELF_REVIEW,
    SYSADMIN,
    TEACHER,
    TEACHER_2,
    VP,
    VP_OTHER,
    record,
    refused,
    who,
    writer_of,
)
from workflow import policy

# --- (a) nobody reviews what they wrote -------------------------------------------

# (record type, state, review step, the reviewer who holds the role, a colleague with
# the same role who did not write it).
REVIEWS = [
    ("lesson_plan", "submitted", "check", LEADER, None),
    ("lesson_plan", "submitted", "return", LEADER, None),
    ("lesson_plan", "checked", "approve", PRINCIPAL, VP),
    ("lesson_plan", "checked", "return", VP, PRINCIPAL),
    ("group_plan", "submitted", "approve", PRINCIPAL, VP),
    ("group_plan", "submitted", "return", VP, PRINCIPAL),
    ("school_plan", "submitted", "approve", PRINCIPAL, PRINCIPAL_2),
    ("school_plan", "submitted", "return", PRINCIPAL, PRINCIPAL_2),
    ("school_plan", "approved", "publish", PRINCIPAL, PRINCIPAL_2),
    ("student_record", "submitted", "approve", VP, PRINCIPAL),
    ("student_record", "submitted", "return", PRINCIPAL, VP),
    ("class_summary", "submitted", "approve", PRINCIPAL, VP),
    ("class_summary", "submitted", "return", VP, PRINCIPAL),
    ("enrollment_register", "paper_confirmed", "sign", PRINCIPAL, PRINCIPAL_2),
    ("enrollment_register", "maintained", "finalize", PRINCIPAL, PRINCIPAL_2),
    ("other", "submitted", "approve", VP_OTHER, PRINCIPAL),
    ("other", "submitted", "return", PRINCIPAL, VP_OTHER),
]
REVIEW_IDS = [f"{t}-{s}-{step}" for t, s, step, *_ in REVIEWS]


@pytest.mark.parametrize(
    ("record_type", "state", "step", "reviewer", "colleague"), REVIEWS, ids=REVIEW_IDS
)
def test_whoever_edited_the_version_may_not_review_it(
    record_type, state, step, reviewer, colleague
):
    rec = record(record_type, state, author=TEACHER, editors=(TEACHER, reviewer))
    assert SELF_REVIEW in refused(reviewer, rec, step)
    if colleague is not None:
        assert refused(colleague, rec, step) is None
    assert (
        refused(reviewer, record(record_type, state, author=TEACHER, editors=(TEACHER,)), step)
        is None
    )


@pytest.mark.parametrize(
    ("record_type", "state", "step", "reviewer", "colleague"), REVIEWS, ids=REVIEW_IDS
)
def test_the_named_author_may_not_review_the_record(record_type, state, step, reviewer, colleague):
    rec = record(record_type, state, author=reviewer, editors=(TEACHER,))
    assert SELF_REVIEW in refused(reviewer, rec, step)


def test_every_reviewing_step_is_barred_to_writers():
    reviews = {s.name for t in registry.all_types() for s in t.steps if s.is_review}
    assert {"check", "approve", "return", "publish", "sign"} <= reviews
    assert "submit" not in reviews


def test_the_submitter_is_not_barred_by_having_written_the_record():
    rec = record("lesson_plan", "draft", author=TEACHER, editors=(TEACHER,))
    assert refused(TEACHER, rec, "submit") is None


def test_a_clerk_who_edited_the_register_may_not_confirm_its_paper_copy():
    rec = record("enrollment_register", "finalized", author=CLERK, editors=(CLERK,))
    assert SELF_REVIEW in refused(CLERK, rec, "confirm_paper")
    assert refused(CLERK_2, rec, "confirm_paper") is None


def test_the_clerk_who_keeps_the_register_confirms_its_paper_copy_if_she_did_not_edit_it():
    rec = record("enrollment_register", "finalized", author=CLERK, editors=(SYSADMIN,))
    assert refused(CLERK, rec, "confirm_paper") is None


def test_a_clerk_who_edited_a_hoc_ba_may_not_confirm_its_paper_copy():
    rec = record("student_record", "approved", author=TEACHER, editors=(TEACHER, CLERK))
    assert SELF_REVIEW in refused(CLERK, rec, "confirm_paper")
    assert refused(CLERK_2, rec, "confirm_paper") is None


@pytest.mark.parametrize("record_type", ["student_record", "class_summary"])
def test_a_clerk_who_edited_a_record_may_not_seal_it_and_one_who_did_not_may(record_type):
    rec = record(record_type, "paper_confirmed", author=TEACHER, editors=(TEACHER, CLERK))
    assert SELF_REVIEW in refused(CLERK, rec, "sign")
    assert refused(CLERK_2, rec, "sign") is None


def test_the_clerk_who_keeps_the_register_seals_it_after_the_principal_signs():
    rec = record("enrollment_register", "paper_confirmed", author=CLERK, editors=(SYSADMIN,))
    assert refused(CLERK, rec, "sign") is not None  # the principal's signature comes first
    assert refused(PRINCIPAL, rec, "sign") is None
    rec.signatures_made = ["hieu_truong"]
    assert refused(CLERK, rec, "sign") is None
    assert refused(PRINCIPAL, rec, "sign") is not None


def test_the_administrator_who_maintains_the_register_closes_it():
    rec = record("enrollment_register", "maintained", author=SYSADMIN, editors=(SYSADMIN,))
    assert refused(SYSADMIN, rec, "finalize") is None


def test_approving_and_finalizing_pin_the_version_and_only_a_return_needs_a_reason():
    # services.transition() acts on these flags: a pinned revision is the approved
    # version (its hash, its RecordVersion), a return without a reason is refused.
    steps = [s for t in registry.all_types() for s in t.steps]
    assert {s.name for s in steps if s.pins_revision} == {"approve", "finalize"}
    assert {s.name for s in steps if s.needs_reason} == {"return"}
    with pytest.raises(dataclasses.FrozenInstanceError):  # declared once, nobody rewrites it
        registry.get("lesson_plan").step("approve").pins_revision = False


def test_a_superuser_is_not_bound_by_the_role_rules():
    rec = record("school_plan", "submitted", author=PRINCIPAL, editors=(PRINCIPAL,))
    assert refused(None, rec, "approve", superuser=True) is None


# --- who may take each step, by role ------------------------------------------------
# (record type, state, step) → who may, on a record written by TEACHER (or, for the
# group plan, by LEADER; for the school plan and other records, by VP_OTHER).
MAY = {
    ("lesson_plan", "draft", "submit"): {TEACHER},
    ("lesson_plan", "returned", "submit"): {TEACHER},
    ("lesson_plan", "submitted", "check"): {LEADER},
    ("lesson_plan", "submitted", "return"): {LEADER},
    ("lesson_plan", "checked", "approve"): {PRINCIPAL, VP},
    ("lesson_plan", "checked", "return"): {PRINCIPAL, VP},
    ("group_plan", "draft", "submit"): {LEADER},
    ("group_plan", "submitted", "approve"): {PRINCIPAL, VP},
    ("group_plan", "submitted", "return"): {PRINCIPAL, VP},
    ("school_plan", "draft", "submit"): {PRINCIPAL, VP, VP_OTHER},
    ("school_plan", "submitted", "approve"): {PRINCIPAL},
    ("school_plan", "submitted", "return"): {PRINCIPAL},
    ("school_plan", "approved", "publish"): {PRINCIPAL},
    ("student_record", "draft", "submit"): {TEACHER},
    ("student_record", "submitted", "approve"): {PRINCIPAL, VP},
    ("student_record", "approved", "confirm_paper"): {CLERK},
    ("student_record", "paper_confirmed", "sign"): {CLERK},  # the seal (issue 13)
    ("class_summary", "submitted", "approve"): {PRINCIPAL, VP},
    ("class_summary", "approved", "confirm_paper"): {CLERK},
    ("enrollment_register", "maintained", "finalize"): {PRINCIPAL, SYSADMIN},
    ("enrollment_register", "finalized", "confirm_paper"): {CLERK},
    ("enrollment_register", "paper_confirmed", "sign"): {PRINCIPAL},
    ("other", "draft", "submit"): {VP_OTHER, PRINCIPAL},
    ("other", "submitted", "approve"): {PRINCIPAL},
    ("other", "submitted", "return"): {PRINCIPAL},
}


@pytest.mark.parametrize(
    ("record_type", "state", "step"), list(MAY), ids=["-".join(k) for k in MAY]
)
def test_only_the_right_roles_take_each_step(record_type, state, step):
    writer = writer_of(record_type)
    rec = record(record_type, state, author=writer, editors=(writer,))
    allowed = MAY[(record_type, state, step)]
    for staff in EVERYONE:
        reason = refused(staff, rec, step)
        offered = [spec.name for spec in policy.available_transitions(who(staff), rec)]
        if staff in allowed:
            assert reason is None, (staff.pk, reason)
            assert offered.count(step) == 1, (staff.pk, offered)
        else:
            assert reason, staff.pk
            assert step not in offered, (staff.pk, offered)  # no button for a refusal


def test_other_records_are_approved_by_the_vice_principal_in_charge():
    rec = record("other", "submitted", author=TEACHER, editors=(TEACHER,))
    assert refused(VP_OTHER, rec, "approve") is None
    assert ROLE_REFUSED in refused(VP, rec, "approve")


def test_a_step_the_state_does_not_allow_is_refused_with_the_state_named():
    rec = record("lesson_plan", "draft", author=TEACHER, editors=(TEACHER,))
    reason = refused(PRINCIPAL, rec, "approve")
    assert "Không thể duyệt hồ sơ đang ở trạng thái" in reason
    assert "Không thể kiểm tra" in refused(LEADER, rec, "check")


def test_a_role_outside_the_rule_is_told_so():
    rec = record("lesson_plan", "checked", author=TEACHER, editors=(TEACHER,))
    assert refused(ACCOUNTANT, rec, "approve") == (
        "Vai trò của bạn không được duyệt loại hồ sơ này."
    )


def test_unknown_anonymous_read_only_and_other_school_are_refused_first():
    rec = record("lesson_plan", "checked", author=TEACHER, editors=(TEACHER,))
    assert refused(PRINCIPAL, rec, "erase") == "Thao tác không tồn tại."
    anonymous = SimpleNamespace(is_authenticated=False, is_active=False)
    assert policy.refusal(anonymous, rec, "approve") == "Bạn cần đăng nhập."
    assert "chỉ được xem" in refused(INSPECTOR, rec, "approve")
    assert refused(ELSEWHERE, rec, "approve") == "Hồ sơ này thuộc trường khác."
    elsewhere = record("lesson_plan", "checked", author=ELSEWHERE, school=OTHER_SCHOOL)
    assert refused(PRINCIPAL, elsewhere, "approve") == "Hồ sơ này thuộc trường khác."
    assert (
        refused(None, record("lesson_plan", "draft", school=OTHER_SCHOOL), "submit", superuser=True)
        is None
    )


def test_a_group_leader_checks_only_lesson_plans_of_the_group_he_leads():
    rec = record("lesson_plan", "submitted", author=TEACHER, editors=(TEACHER,))
    rec.group = ProfessionalGroup(pk=51, school_id=SCHOOL, leader_id=TEACHER_2.pk)
    assert refused(LEADER, rec, "check")
    rec.group = None
    assert refused(LEADER, rec, "check")


def test_a_homeroom_teacher_submits_only_her_own_class_records():
    rec = record("student_record", "draft", author=TEACHER, editors=(TEACHER,))
    assert refused(TEACHER, rec, "submit") is None
    rec.school_class = SchoolClass(pk=61, school_id=SCHOOL, homeroom_teacher_id=TEACHER_2.pk)
    assert refused(TEACHER, rec, "submit")
    rec.school_class = None
    assert refused(TEACHER, rec, "submit")


def test_only_a_principal_approves_a_school_plan_even_if_a_vice_principal_is_in_charge():
    rec = record("school_plan", "submitted", author=PRINCIPAL_2, editors=(PRINCIPAL_2,))
    assert "school_plan" in VP_OTHER.assigned_categories
    assert ROLE_REFUSED in refused(VP_OTHER, rec, "approve")
    assert refused(PRINCIPAL, rec, "approve") is None


def test_a_vice_principal_approves_only_the_categories_assigned_to_her():
    rec = record("group_plan", "submitted", author=LEADER, editors=(LEADER,))
    assert refused(VP, rec, "approve") is None
    assert ROLE_REFUSED in refused(VP_OTHER, rec, "approve")


def test_a_teacher_submits_only_her_own_lesson_plan():
    rec = record("lesson_plan", "draft", author=TEACHER, editors=(TEACHER,))
    assert ROLE_REFUSED in refused(TEACHER_2, rec, "submit")
