"""Tests that notice a broken rule (issue 11): the workflow policy and the deadline
day as pure functions, on unsaved objects, so that they run in well under a second
and serve as the mutation-testing command (tests/mutation/).

(a) nobody reviews what they wrote: each reviewing step (check, approve, return,
    publish, sign, and confirming the paper / finalizing where it applies) refuses
    the writer who otherwise holds the reviewing role, and allows a colleague with
    the same role who did not write it;
(b) the deadline day of each record type (whether it was met is SQL: see
    tests/workflow/test_deadline_status_table.py).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from types import SimpleNamespace

import pytest

from recordpages import registry
from recordpages.models import (
    ProfessionalGroup,
    RoleCode,
    School,
    SchoolClass,
    StaffProfile,
)
from recordpages.permissions import Scope
from workflow import deadlines, policy
from workflow.models import RecordState

R = RoleCode
# Ids above 256: CPython shares the objects of small ints, so an `is` where a rule needs
# `==` would pass on small ids and fail on real ones (see _db).
SCHOOL, OTHER_SCHOOL = 1001, 1002
SELF_REVIEW = "Không ai được tự duyệt"
ROLE_REFUSED = "Vai trò của bạn không được"

# --- people and records, unsaved -------------------------------------------------


def _db(value):
    """An equal but distinct object, as a value read from a database row is: literals and
    small ints are shared objects, so `x is "school_plan"` or `a is b` for two equal ids
    holds in a test that reuses them and fails in production (mutation testing)."""
    if isinstance(value, str):
        return "".join(list(value))
    return int(str(value))


def _staff(pk: int, *, school=SCHOOL, categories=()) -> StaffProfile:
    return StaffProfile(
        pk=1000 + pk,
        user_id=2000 + pk,
        school_id=school,
        assigned_categories=[_db(c) for c in categories],
    )


TEACHER = _staff(1)  # homeroom teacher of the class, member of the group
LEADER = _staff(2)  # leads the group
PRINCIPAL = _staff(3)
PRINCIPAL_2 = _staff(13)  # a second principal account: a colleague with the same role
VP = _staff(4, categories=["lesson_plan", "group_plan", "student_record", "class_summary"])
VP_OTHER = _staff(9, categories=["other", "enrollment_register", "school_plan"])
CLERK = _staff(5)
CLERK_2 = _staff(15)
SYSADMIN = _staff(6)
ACCOUNTANT = _staff(7)
TEACHER_2 = _staff(8)  # another teacher of the school
ELSEWHERE = _staff(10, school=OTHER_SCHOOL)
INSPECTOR = _staff(11, school=None)

ROLES = {
    TEACHER.pk: {R.TEACHER},
    LEADER.pk: {R.GROUP_LEADER, R.TEACHER},
    PRINCIPAL.pk: {R.PRINCIPAL},
    PRINCIPAL_2.pk: {R.PRINCIPAL},
    VP.pk: {R.VICE_PRINCIPAL},
    VP_OTHER.pk: {R.VICE_PRINCIPAL},
    CLERK.pk: {R.CLERK},
    CLERK_2.pk: {R.CLERK},
    SYSADMIN.pk: {R.SYSADMIN},
    ACCOUNTANT.pk: {R.ACCOUNTANT},
    TEACHER_2.pk: {R.TEACHER},
    ELSEWHERE.pk: {R.PRINCIPAL},
    INSPECTOR.pk: {R.INSPECTOR},
}


def who(staff: StaffProfile | None, *, superuser: bool = False, authority_path=None):
    """A logged-in user whose scope is already known (get_scope reads the cache)."""
    roles = frozenset(ROLES.get(staff.pk, ())) if staff else frozenset()
    scope = Scope(
        is_authenticated=True,
        is_superuser=superuser,
        staff=staff,
        school_id=staff.school_id if staff else None,
        authority_path=authority_path,
        roles=roles,
    )
    return SimpleNamespace(
        is_authenticated=True,
        is_active=True,
        is_superuser=superuser,
        pk=staff.user_id if staff else 999,
        _hoso_scope=scope,
    )


def record(
    record_type: str,
    state: str,
    *,
    author: StaffProfile | None = None,
    editors: tuple[StaffProfile, ...] = (),
    school: int = SCHOOL,
) -> RecordState:
    rec = RecordState(
        page_id=1000,
        record_type=_db(record_type),
        school_id=_db(school),
        school_year_id=1,
        state=_db(state),
        author_id=_db(author.pk) if author else None,
    )
    rec.school = School(pk=rec.school_id, code=f"S{school}", name="Trường")
    rec.group = None
    rec.school_class = None
    if record_type in ("lesson_plan", "group_plan"):
        rec.group = ProfessionalGroup(pk=50, school_id=rec.school_id, leader_id=_db(LEADER.pk))
    if record_type in ("student_record", "class_summary"):
        rec.school_class = SchoolClass(
            pk=60, school_id=rec.school_id, homeroom_teacher_id=_db(TEACHER.pk)
        )
    rec.__dict__["_editor_user_ids"] = frozenset(s.user_id for s in editors)
    return rec


def refused(staff, rec, transition, **kwargs) -> str | None:
    return policy.refusal(who(staff, **kwargs), rec, transition)


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
    ("student_record", "paper_confirmed", "sign", PRINCIPAL, PRINCIPAL_2),
    ("class_summary", "submitted", "approve", PRINCIPAL, VP),
    ("class_summary", "submitted", "return", VP, PRINCIPAL),
    ("class_summary", "paper_confirmed", "sign", PRINCIPAL, PRINCIPAL_2),
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

EVERYONE = [
    TEACHER,
    LEADER,
    PRINCIPAL,
    VP,
    VP_OTHER,
    CLERK,
    SYSADMIN,
    ACCOUNTANT,
    TEACHER_2,
    ELSEWHERE,
    INSPECTOR,
]
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
    ("student_record", "paper_confirmed", "sign"): {PRINCIPAL},
    ("class_summary", "submitted", "approve"): {PRINCIPAL, VP},
    ("class_summary", "approved", "confirm_paper"): {CLERK},
    ("enrollment_register", "maintained", "finalize"): {PRINCIPAL, SYSADMIN},
    ("enrollment_register", "finalized", "confirm_paper"): {CLERK},
    ("enrollment_register", "paper_confirmed", "sign"): {PRINCIPAL},
    ("other", "draft", "submit"): {VP_OTHER, PRINCIPAL},
    ("other", "submitted", "approve"): {PRINCIPAL},
    ("other", "submitted", "return"): {PRINCIPAL},
}


def _writer(record_type: str) -> StaffProfile:
    return {"group_plan": LEADER, "school_plan": VP_OTHER, "other": VP_OTHER}.get(
        record_type, TEACHER
    )


@pytest.mark.parametrize(
    ("record_type", "state", "step"), list(MAY), ids=["-".join(k) for k in MAY]
)
def test_only_the_right_roles_take_each_step(record_type, state, step):
    writer = _writer(record_type)
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


# --- who sees a record (finding 13, as rules) ----------------------------------------

DRAFT_READERS = {
    "lesson_plan": {TEACHER, LEADER, PRINCIPAL, VP},
    "group_plan": {LEADER, PRINCIPAL, VP},
    "school_plan": {PRINCIPAL, VP, VP_OTHER},
    "student_record": {TEACHER, PRINCIPAL, VP},
    "class_summary": {TEACHER, PRINCIPAL, VP},
    "other": {VP_OTHER, PRINCIPAL},
}


@pytest.mark.parametrize("state", ["draft", "returned"])
@pytest.mark.parametrize("record_type", list(DRAFT_READERS))
def test_an_unsubmitted_record_is_seen_by_its_writers_and_reviewers_only(record_type, state):
    writer = _writer(record_type)
    rec = record(record_type, state, author=writer, editors=(writer,))
    seen = {s.pk for s in EVERYONE if policy.can_view_record(who(s), rec)}
    assert seen == {s.pk for s in DRAFT_READERS[record_type]}


@pytest.mark.parametrize("record_type", list(DRAFT_READERS))
def test_a_submitted_record_is_seen_by_the_whole_school(record_type):
    writer = _writer(record_type)
    rec = record(record_type, "submitted", author=writer, editors=(writer,))
    seen = {s.pk for s in EVERYONE if policy.can_view_record(who(s), rec)}
    assert seen == {s.pk for s in EVERYONE} - {ELSEWHERE.pk, INSPECTOR.pk}
    # The other school's record: its id is above and below the other one's in turn.
    elsewhere = record(record_type, "submitted", author=writer, school=OTHER_SCHOOL)
    seen = {s.pk for s in EVERYONE if policy.can_view_record(who(s), elsewhere)}
    assert seen == {ELSEWHERE.pk}


def test_whoever_edited_a_draft_sees_it():
    rec = record("lesson_plan", "draft", author=TEACHER, editors=(TEACHER, TEACHER_2))
    assert policy.can_view_record(who(TEACHER_2), rec)
    assert not policy.can_view_record(who(ACCOUNTANT), rec)


def _school_under(rec: RecordState, path: str) -> None:
    # The school's page (a reverse one-to-one) without a database: the cached relation.
    rec._state.fields_cache["school"] = SimpleNamespace(
        pk=rec.school_id, page=SimpleNamespace(path=path)
    )


def test_authority_staff_see_approved_records_of_their_schools_only():
    rec = record("lesson_plan", "approved", author=TEACHER, editors=(TEACHER,))
    _school_under(rec, "000100010002")
    inspector = who(INSPECTOR, authority_path="00010001")
    assert policy.can_view_record(inspector, rec)
    assert not policy.can_view_record(who(INSPECTOR, authority_path="00010002"), rec)
    assert policy.can_view_record(who(INSPECTOR), rec)  # the whole province
    rec = record("lesson_plan", "submitted", author=TEACHER, editors=(TEACHER,))
    _school_under(rec, "000100010002")
    assert not policy.can_view_record(inspector, rec)


def test_nobody_anonymous_sees_a_record_and_a_superuser_sees_every_one():
    rec = record("lesson_plan", "draft", author=TEACHER, editors=(TEACHER,))
    anonymous = SimpleNamespace(is_authenticated=False, is_active=False)
    assert not policy.can_view_record(anonymous, rec)
    assert policy.can_view_record(who(None, superuser=True), rec)


# --- corrections and locks -------------------------------------------------------------


def test_who_may_request_a_correction_of_an_approved_record():
    rec = record("student_record", "approved", author=TEACHER_2, editors=(TEACHER_2,))
    may = {s for s in EVERYONE if policy.may_request_correction(who(s), rec)}
    assert may == {TEACHER, TEACHER_2, PRINCIPAL, VP, SYSADMIN, CLERK}
    assert not policy.may_request_correction(who(TEACHER), record("student_record", "submitted"))
    assert policy.may_request_correction(who(None, superuser=True), rec)
    elsewhere = record("student_record", "approved", author=TEACHER_2, school=OTHER_SCHOOL)
    may = {s for s in EVERYONE if policy.may_request_correction(who(s), elsewhere)}
    assert may == {ELSEWHERE}


def test_only_the_principal_of_the_school_consents_to_a_correction():
    rec = record("student_record", "signed", author=TEACHER, editors=(TEACHER,))
    may = {s for s in EVERYONE if policy.may_consent_correction(who(s), rec)}
    assert may == {PRINCIPAL}
    assert policy.may_consent_correction(who(None, superuser=True), rec)
    elsewhere = record("student_record", "signed", author=TEACHER, school=OTHER_SCHOOL)
    may = {s for s in EVERYONE if policy.may_consent_correction(who(s), elsewhere)}
    assert may == {ELSEWHERE}


def test_only_the_schools_administrator_locks_its_data():
    assert policy.may_lock(who(SYSADMIN), _db(SCHOOL))
    assert not policy.may_lock(who(SYSADMIN), OTHER_SCHOOL)
    assert not policy.may_lock(who(SYSADMIN), SCHOOL - 1)
    assert not policy.may_lock(who(PRINCIPAL), SCHOOL)
    assert policy.may_lock(who(None, superuser=True), OTHER_SCHOOL)


# --- (b) the deadline day of Article 12 ---------------------------------------------
# Whether a record met it is one SQL annotation (workflow.deadlines.with_status):
# its boundary cases, early-morning local times included, are one table in
# tests/workflow/test_deadline_status_table.py.

YEAR = SimpleNamespace(first_year=2026)


def test_the_deadlines_of_article_12():
    assert deadlines.deadline_for("school_plan", school_year=YEAR) == dt.date(2026, 9, 4)
    assert deadlines.deadline_for("group_plan", school_year=YEAR) == dt.date(2026, 9, 4)
    for record_type in ("student_record", "class_summary", "enrollment_register"):
        assert deadlines.deadline_for(record_type, school_year=YEAR) == dt.date(2027, 5, 30)
    monday = dt.date(2026, 9, 14)
    assert deadlines.deadline_for("lesson_plan", school_year=YEAR, week_start=monday) == dt.date(
        2026, 9, 10
    )
    assert deadlines.deadline_for("lesson_plan", school_year=YEAR) is None
    custom = dt.date(2026, 10, 15)
    assert deadlines.deadline_for("other", school_year=YEAR, custom=custom) == custom
    assert registry.get("student_record").milestone == "signed"
    assert registry.get("lesson_plan").milestone == "approved"


def test_a_lesson_plan_is_approved_three_whole_days_before_teaching():
    monday = dt.date(2026, 9, 14)
    # The record type as a row holds it (an equal, distinct string): `==`, not `is`.
    deadline = deadlines.deadline_for(_db("lesson_plan"), school_year=YEAR, week_start=monday)
    assert deadline == dt.date(2026, 9, 10)


def test_a_hoc_ba_of_a_year_starting_in_an_odd_year_is_signed_by_30_may_of_the_next():
    odd = SimpleNamespace(first_year=2025)
    assert deadlines.deadline_for("student_record", school_year=odd) == dt.date(2026, 5, 30)
    assert deadlines.deadline_for("school_plan", school_year=odd) == dt.date(2025, 9, 4)
