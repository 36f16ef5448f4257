"""No record is left without someone who can act (issue 15, "No dead ends").

For every record type of the registry (and a school-defined category of each
CategoryPath), for every role that may create one (`created_by`), a record written by a
person of that role is walked through every state its declared steps reach. In each
state that is not terminal, at least one existing user of the school or its authority
is offered a step by `policy.available_transitions` (what the record page and the page
list show as buttons), nobody is offered to review what they wrote, and taking each
offered step succeeds (the real service, then the stored state). Each branch is taken
in a savepoint and rolled back, so one record per cell covers all of its states.

Terminal states are listed below, each with why nothing is due there.

The school is built once for the module (tests.factories.school_world).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pytest
from django.db import transaction

from recordpages import registry
from recordpages.models import RecordCategory, RoleCode, StaffProfile
from recordpages.registry import CategoryPath, State
from tests.conftest import kept_for_module
from tests.factories import (
    ClassSummaryFactory,
    EnrollmentRegisterFactory,
    GroupPlanFactory,
    LessonPlanFactory,
    OtherRecordFactory,
    PupilFactory,
    SchoolPlanFactory,
    StudentRecordFactory,
    school_world,
)
from tests.workflow.conftest import complete_student_record
from workflow import events, policy, services
from workflow.models import RecordState

_RETURN_REASON = "Cần bổ sung mục tiêu bài học."

# Why nothing is due in these states: the record is frozen, archived and signed; what
# may still happen is a correction (Đ11.3, R5), which anyone with edit rights starts.
_DONE = "đã duyệt, lưu trữ: chỉ còn thủ tục sửa dữ liệu (Đ11.3)"
_PUBLISHED = "đã công bố trên trang của trường: chỉ còn thủ tục sửa dữ liệu (Đ11.3)"
_SIGNED = "đã ký số, đóng dấu và lưu trữ: chỉ còn thủ tục sửa dữ liệu (Đ11.3)"
TERMINAL: dict[str, dict[str, str]] = {
    "school_plan": {State.PUBLISHED: _PUBLISHED},
    "group_plan": {State.APPROVED: _DONE},
    "lesson_plan": {State.APPROVED: _DONE + "; giáo viên ghi điều chỉnh sau bài dạy"},
    "student_record": {State.SIGNED: _SIGNED},
    "class_summary": {State.SIGNED: _SIGNED},
    "enrollment_register": {State.SIGNED: _SIGNED},
    "other": {State.APPROVED: _DONE},
    f"category:{CategoryPath.APPROVE}": {State.APPROVED: _DONE},
    f"category:{CategoryPath.PAPER}": {State.SIGNED: _SIGNED},
}

# A school-defined category of each path files "other records" under its own rules.
CATEGORY = "category:"


def _type_codes() -> list[str]:
    # The product's types: tests/recordtype_example declares one for the tests of
    # adding a type, which has no factory here.
    product = [
        rules.code
        for rules in registry.all_types()
        if not (rules.page_model and rules.page_model.__module__.startswith("tests."))
    ]
    return [*product, *(f"{CATEGORY}{path}" for path in CategoryPath.values)]


def _created_by(code: str) -> frozenset[str]:
    base = registry.get("other" if code.startswith(CATEGORY) else code)
    return base.created_by


CELLS = [
    pytest.param(code, role, id=f"{code}-{role}")
    for code in _type_codes()
    for role in sorted(_created_by(code))
]


@dataclass(frozen=True)
class World:
    school_id: int
    people_ids: tuple[int, ...]  # users of the school, then of its authority


@pytest.fixture(scope="module")
def _world(django_db_setup, django_db_blocker):
    with kept_for_module(django_db_blocker), django_db_blocker.unblock():
        world = school_world(pupils_per_class=1)
        for path in CategoryPath.values:
            RecordCategory.objects.create(school=world.school, name=f"Sổ {path}", path=path)
        staff = StaffProfile.objects.select_related("user").order_by("school_id", "pk")
        people = [p.user_id for p in staff.filter(school=world.school)]
        people += [p.user_id for p in staff.filter(school__isnull=True)]
        yield World(school_id=world.school.pk, people_ids=tuple(people)), world


_serial = itertools.count(1)


def _author(world, role: str, record_type: str) -> StaffProfile:
    """The person of `role` who writes the record: the vice-principal assigned its type
    (the hardest case: the reviewer in charge is its writer), else the role's one holder."""
    staff = StaffProfile.objects.filter(school=world.school, roles__code=role).order_by("pk")
    if role == RoleCode.VICE_PRINCIPAL:
        assigned = [p for p in staff if record_type in (p.assigned_categories or [])]
        return assigned[0] if assigned else staff.first()
    if role == RoleCode.TEACHER:
        # A plain teacher: the group leader and the administrator are cells of their own.
        return world.staff["hn.giaovien"]
    return staff.first()


def _record_of(world, code: str, author: StaffProfile):
    """A record of `code` written by `author`, complete enough to be handed in."""
    n = next(_serial)
    school, year = world.school, world.year
    if code.startswith(CATEGORY):
        category = RecordCategory.objects.get(school=school, path=code.removeprefix(CATEGORY))
        return OtherRecordFactory(
            school=school, year=year, author=author, slug=f"khac-{n}", record_category=category
        )
    if code == "other":
        return OtherRecordFactory(school=school, year=year, author=author, slug=f"khac-{n}")
    if code == "school_plan":
        return SchoolPlanFactory(school=school, year=year, author=author, slug=f"kh-{n}")
    if code == "enrollment_register":
        cohort = f"{2000 + n}-{2005 + n}"
        return EnrollmentRegisterFactory(
            school=school, year=year, author=author, cohort=cohort, pupils=world.pupils
        )
    if code == "group_plan":
        return GroupPlanFactory(group=world.group, author=author, subject="tieng_viet")
    if code == "lesson_plan":
        own_class = world.classes["1A" if author == world.group.leader else "1B"]
        return LessonPlanFactory(teacher=author, school_class=own_class, week_number=20 + n % 10)
    if code == "student_record":
        school_class = world.classes["1B"]
        pupil = PupilFactory(school=school, school_class=school_class)
        page = StudentRecordFactory(school_class=school_class, pupil=pupil, author=author)
        return complete_student_record(page)
    if code == "class_summary":
        # Class 1A has no học bạ yet, so nothing waits for them (the prerequisite).
        school_class = world.classes["1A"]
        return ClassSummaryFactory(school_class=school_class, author=author, period="cuoi_nam")
    raise AssertionError(f"No builder for {code!r}: add one when a record type is added.")


def _offers(record_pk: int, people) -> list[tuple[object, registry.Step]]:
    offers = []
    for user in people:
        record = RecordState.objects.get(pk=record_pk)  # fresh: editors, signatures
        offers += [(user, step) for step in policy.available_transitions(user, record)]
    return offers


def _take(record_pk: int, people, step: registry.Step, author_user) -> RecordState:
    """Take `step` as the first person offered it, and each further signer in turn."""
    before = RecordState.objects.get(pk=record_pk).state
    for _turn in range(5):
        takers = [user for user, offered in _offers(record_pk, people) if offered == step]
        assert takers, f"nobody may go on with {step.name} from {before}"
        user = takers[0]
        if step.is_review:
            assert user.pk != author_user.pk, f"the writer was offered to {step.name} it"
        reason = _RETURN_REASON if step.needs_reason else ""
        services.record_transition(
            user=user, page_id=record_pk, transition=step.name, reason=reason
        )
        record = RecordState.objects.get(pk=record_pk)
        if record.state != before:
            return record
    raise AssertionError(f"{step.name} never completed from {before}")


def _walk(record_pk: int, people, author_user, terminal, seen: set[str]) -> None:
    record = RecordState.objects.get(pk=record_pk)
    state = record.state
    if state in seen:
        return
    seen.add(state)
    if not record.rules.open_steps(state):
        assert state in terminal, f"{state} has no step and is not listed as terminal"
        return
    assert state not in terminal, f"{state} is listed as terminal but has steps"
    offers = _offers(record_pk, people)
    assert offers, f"dead end: nobody may act on a {record.record_type} in {state!r}"
    for step in dict.fromkeys(step for _user, step in offers):
        savepoint = transaction.savepoint()
        taken = _take(record_pk, people, step, author_user)
        assert taken.state == step.target
        _walk(record_pk, people, author_user, terminal, seen)
        transaction.savepoint_rollback(savepoint)


@pytest.mark.parametrize(("code", "role"), CELLS)
def test_someone_can_act_on_every_state_of_every_record_whoever_wrote_it(
    _world, db, django_user_model, code, role
):
    facts, world = _world
    people = list(django_user_model.objects.filter(pk__in=facts.people_ids))
    people.sort(key=lambda user: facts.people_ids.index(user.pk))
    record_type = "other" if code.startswith(CATEGORY) else code
    author = _author(world, role, record_type)
    with events.muted():
        page = _record_of(world, code, author)
        record = RecordState.objects.get(pk=page.pk)
        assert record.author_id == author.pk
        seen: set[str] = set()
        _walk(record.pk, people, author.user, TERMINAL[code], seen)

    assert seen == set(record.rules.states), f"unreached: {set(record.rules.states) - seen}"


def test_the_matrix_covers_every_record_type_and_category_path():
    assert set(TERMINAL) == set(_type_codes())
    assert len(CELLS) >= 20
