"""One school with the demo district's usernames (hn.hieutruong, hn.giaovien, ...) and
one record of each type, for the tests that used to load the whole district for a
handful of objects."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.test.utils import override_settings
from wagtail.models import Page

from recordpages.models import (
    AuthorityPage,
    ProfessionalGroup,
    Pupil,
    RoleCode,
    School,
    SchoolClass,
    SchoolYear,
    StaffProfile,
)
from tests.factories.pages import (
    DEFAULT_TODAY,
    AuthorityPageFactory,
    ProfessionalGroupFactory,
    SchoolClassFactory,
    SchoolFactory,
    SchoolYearFactory,
    _year_name,
)
from tests.factories.people import PupilFactory, StaffFactory, UserFactory
from tests.factories.records import (
    ClassSummaryFactory,
    EnrollmentRegisterFactory,
    GroupPlanFactory,
    LessonPlanFactory,
    OtherRecordFactory,
    SchoolPlanFactory,
    StudentRecordFactory,
)


@dataclass
class SchoolWorld:
    """One school and its people, by the demo district's usernames, with one record of
    each type. `staff["hn.giaovien"]` is the homeroom teacher of 1B, say."""

    year: SchoolYear
    authority: AuthorityPage
    school: School
    staff: dict[str, StaffProfile] = field(default_factory=dict)
    group: ProfessionalGroup | None = None
    classes: dict[str, SchoolClass] = field(default_factory=dict)
    pupils: list[Pupil] = field(default_factory=list)
    records: dict[str, Page] = field(default_factory=dict)

    def user(self, username: str):
        return self.staff[username].user


# Index updates are tasks; building a world queues them on the dummy backend, as the
# demo loader does, so a unit test pays for no search index it does not read. A test
# about search builds its objects and then runs `update_index` (or indexes one object).
_NO_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def school_world(
    *,
    code: str = "THHN",
    name: str = "Trường Tiểu học Hòa Nghĩa",
    today: dt.date = DEFAULT_TODAY,
    pupils_per_class: int = 2,
    with_authority_staff: bool = True,
) -> SchoolWorld:
    """One school as the demo loader builds it, cut down to what unit tests touch: every
    role once, group Tổ 1 with classes 1A (its leader's) and 1B (hn.giaovien's), and one
    record of each type (`records` keyed by record type)."""
    with transaction.atomic(), override_settings(TASKS=_NO_TASKS):
        return _build_school_world(
            code=code,
            name=name,
            today=today,
            pupils_per_class=pupils_per_class,
            with_authority_staff=with_authority_staff,
        )


def _build_school_world(
    *, code: str, name: str, today: dt.date, pupils_per_class: int, with_authority_staff: bool
) -> SchoolWorld:
    year = SchoolYearFactory(name=_year_name(today))
    authority = AuthorityPageFactory()
    school = SchoolFactory(code=code, name=name, authority=authority, year=year)
    prefix = code[2:].lower()
    world = SchoolWorld(year=year, authority=authority, school=school)

    def person(username: str, roles: list[str], **fields) -> StaffProfile:
        first = username.split(".")[-1]
        user = UserFactory(username=username, first_name=first.capitalize(), last_name="Nguyễn")
        profile = StaffFactory(user=user, roles=roles, **{"school": school, **fields})
        world.staff[username] = profile
        return profile

    if with_authority_staff:
        for username, role in (
            ("phong.gd", RoleCode.DISTRICT_OFFICE),
            ("thanh.tra", RoleCode.INSPECTOR),
        ):
            if not StaffProfile.objects.filter(user__username=username).exists():
                person(username, [role], school=None, authority=authority)
            world.staff[username] = StaffProfile.objects.get(user__username=username)
    person(f"{prefix}.hieutruong", [RoleCode.PRINCIPAL], position="Hiệu trưởng")
    vp = person(
        f"{prefix}.phohieutruong",
        [RoleCode.VICE_PRINCIPAL],
        position="Phó hiệu trưởng",
        assigned_categories=["lesson_plan", "group_plan", "student_record", "class_summary"],
    )
    vp2 = person(
        f"{prefix}.phohieutruong2",
        [RoleCode.VICE_PRINCIPAL],
        position="Phó hiệu trưởng",
        assigned_categories=["other", "enrollment_register", "school_plan"],
    )
    clerk = person(f"{prefix}.vanthu", [RoleCode.CLERK], position="Nhân viên văn thư")
    person(f"{prefix}.ketoan", [RoleCode.ACCOUNTANT], position="Nhân viên kế toán")
    person(f"{prefix}.luutru", [RoleCode.ARCHIVIST], position="Nhân viên lưu trữ")
    person(f"{prefix}.quantri", [RoleCode.TEACHER, RoleCode.SYSADMIN], position="Giáo viên Tin học")
    leader = person(f"{prefix}.totruong1", [RoleCode.TEACHER, RoleCode.GROUP_LEADER])
    teacher_name = "hn.giaovien" if code == "THHN" else f"{prefix}.gv1b"
    teacher = person(teacher_name, [RoleCode.TEACHER])

    group = ProfessionalGroupFactory(school=school, school_year=year, leader=leader)
    group.members.set([leader, teacher])
    group.save()
    world.group = group
    for class_name, homeroom in (("1A", leader), ("1B", teacher)):
        school_class = SchoolClassFactory(
            school=school, school_year=year, name=class_name, homeroom_teacher=homeroom, group=group
        )
        world.classes[class_name] = school_class
        for _n in range(pupils_per_class):
            world.pupils.append(PupilFactory(school=school, school_class=school_class))

    class_1b = world.classes["1B"]
    enrolled_1b = world.pupils[pupils_per_class:]
    world.records = {
        "school_plan": SchoolPlanFactory(school=school, year=year, author=vp),
        "group_plan": GroupPlanFactory(group=group),
        "lesson_plan": LessonPlanFactory(teacher=teacher, school_class=class_1b),
        "student_record": StudentRecordFactory(school_class=class_1b, pupil=enrolled_1b[0]),
        "class_summary": ClassSummaryFactory(school_class=class_1b),
        "enrollment_register": EnrollmentRegisterFactory(
            school=school, year=year, author=clerk, pupils=world.pupils
        ),
        "other": OtherRecordFactory(school=school, year=year, author=vp2),
    }
    for rest in enrolled_1b[1:]:
        StudentRecordFactory(school_class=class_1b, pupil=rest)
    return world


def two_school_worlds() -> tuple[SchoolWorld, SchoolWorld]:
    """Hòa Nghĩa (THHN, the users' own school) and Anh Dũng (THAD, the other one), as
    the cross-school rules compare them."""
    return school_world(), school_world(code="THAD", name="Trường Tiểu học Anh Dũng")
