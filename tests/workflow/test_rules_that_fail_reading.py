"""Tests that notice a broken rule (issue 11), continued: who sees a record (finding
13), who may request and consent to a correction, who locks a school's data; as pure
functions on unsaved objects (tests/workflow/unsaved.py), part of the mutation-testing
command (tests/mutation/).
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.workflow.unsaved import (
    ACCOUNTANT,
    CLERK,
    ELSEWHERE,
    EVERYONE,
    INSPECTOR,
    LEADER,
    OTHER_SCHOOL,
    PRINCIPAL,
    SCHOOL,
    SYSADMIN,
    TEACHER,
    TEACHER_2,
    VP,
    VP_OTHER,
    as_read,
    record,
    who,
    writer_of,
)
from workflow import policy
from workflow.models import RecordState

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
    writer = writer_of(record_type)
    rec = record(record_type, state, author=writer, editors=(writer,))
    seen = {s.pk for s in EVERYONE if policy.can_view_record(who(s), rec)}
    assert seen == {s.pk for s in DRAFT_READERS[record_type]}


@pytest.mark.parametrize("record_type", list(DRAFT_READERS))
def test_a_submitted_record_is_seen_by_the_whole_school(record_type):
    writer = writer_of(record_type)
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
    assert policy.may_lock(who(SYSADMIN), as_read(SCHOOL))
    assert not policy.may_lock(who(SYSADMIN), OTHER_SCHOOL)
    assert not policy.may_lock(who(SYSADMIN), SCHOOL - 1)
    assert not policy.may_lock(who(PRINCIPAL), SCHOOL)
    assert policy.may_lock(who(None, superuser=True), OTHER_SCHOOL)


def test_only_a_record_before_any_review_may_be_removed():
    from types import SimpleNamespace

    from workflow.choices import State

    assert policy.may_remove(None)  # not a record: Wagtail's own permissions decide
    for state in (State.DRAFT, State.RETURNED, State.MAINTAINED):
        assert policy.may_remove(SimpleNamespace(state=state)), state
    for state in (State.SUBMITTED, State.CHECKED, State.APPROVED, State.SIGNED):
        assert not policy.may_remove(SimpleNamespace(state=state)), state
