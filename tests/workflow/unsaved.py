"""People and records of one school, unsaved, for the rule tests (test_rules_that_fail*):
the policy is asked about them as pure functions, so those tests run in well under a
second and serve as the mutation-testing command (tests/mutation/)."""

from __future__ import annotations

from types import SimpleNamespace

from recordpages import registry
from recordpages.models import (
    ProfessionalGroup,
    RoleCode,
    School,
    SchoolClass,
    StaffProfile,
)
from recordpages.permissions import Scope
from workflow import policy
from workflow.models import RecordState

R = RoleCode
# Ids above 256: CPython shares the objects of small ints, so an `is` where a rule needs
# `==` would pass on small ids and fail on real ones (see as_read).
SCHOOL, OTHER_SCHOOL = 1001, 1002
SELF_REVIEW = "Không ai được tự duyệt"
ROLE_REFUSED = "Vai trò của bạn không được"


def as_read(value):
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
        assigned_categories=[as_read(c) for c in categories],
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


# Each person's roles, as StaffProfile.role_codes would load them (its cache).
for _member in (
    TEACHER, LEADER, PRINCIPAL, PRINCIPAL_2, VP, VP_OTHER, CLERK, CLERK_2,
    SYSADMIN, ACCOUNTANT, TEACHER_2, ELSEWHERE, INSPECTOR,
):  # fmt: skip
    _member._role_codes = frozenset(ROLES[_member.pk])


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
        record_type=as_read(record_type),
        school_id=as_read(school),
        school_year_id=1,
        state=as_read(state),
        author_id=as_read(author.pk) if author else None,
    )
    rec.school = School(pk=rec.school_id, code=f"S{school}", name="Trường")
    rec.group = None
    rec.school_class = None
    if record_type in ("lesson_plan", "group_plan"):
        rec.group = ProfessionalGroup(pk=50, school_id=rec.school_id, leader_id=as_read(LEADER.pk))
    if record_type in ("student_record", "class_summary"):
        rec.school_class = SchoolClass(
            pk=60, school_id=rec.school_id, homeroom_teacher_id=as_read(TEACHER.pk)
        )
    rec.__dict__["_editor_user_ids"] = frozenset(s.user_id for s in editors)
    rec.author = author
    # Who works at the school, as the policy loads them to find who may stand in for a
    # step's actors when they all wrote the record (Step.instead): without a query.
    rec.__dict__["_school_staff"] = [staff for staff in EVERYONE if staff.school_id == school]
    # The school changed none of its signer chains (recordpages.models.chains): the
    # type's rules, as the registry declares them, without asking the database.
    rules = registry.get(rec.record_type)
    rec.__dict__["_school_rules"] = ((rec.school_id, rules.code), rules)
    return rec


def refused(staff, rec, transition, **kwargs) -> str | None:
    return policy.refusal(who(staff, **kwargs), rec, transition)


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


def writer_of(record_type: str) -> StaffProfile:
    """Who writes a record of this type in these tests."""
    return {"group_plan": LEADER, "school_plan": VP_OTHER, "other": VP_OTHER}.get(
        record_type, TEACHER
    )
