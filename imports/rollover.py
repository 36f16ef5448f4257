"""Chuyển năm học (Đ9.4): what rolling a school over to its next school year would do.

The next year of 2025-2026 is 2026-2027. For the school it gets its year page, this
year's professional groups (same names, grades, leader and members, inactive accounts
left out) and the classes: each class of grades 1-4 continues one grade up under the
same name with its leading digit raised ("3A2" → "4A2"), and this year's grade-1 class
names are opened again, empty, for the incoming grade 1.

A homeroom teacher and a group stay with the grade, not with the pupils: in Vietnamese
primary schools a teacher usually keeps teaching the same grade, so the new "3A" gets
this year's "3A" homeroom teacher and the group that held grade 3 this year (an
inactive teacher leaves the class without one). The pupils are the ones who move.

A pupil moves by the year-end decision: the promotion written on their học bạ once
it is approved (or any later frozen state), else the "được lên lớp" of their class
enrolment when someone set it by hand. Moving up (or completing the grade) goes to the
continuing class; kept back goes to the new year's class of the same name, else the
first class of the same grade, else a class of that name opened for them; a grade-5
pupil who completes primary leaves. A pupil whose enrolment ended is not moved, and a
pupil with no decision yet is listed and left: running the rollover again once the
decision is made moves them.

This module reads only; imports.rollover_apply writes what the plan says.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from recordpages import registry
from recordpages.models import (
    ClassEnrollment,
    ClassPage,
    ProfessionalGroup,
    ProfessionalGroupPage,
    Promotion,
    School,
    SchoolClass,
    SchoolPage,
    SchoolYear,
    SchoolYearPage,
    StaffProfile,
    StudentRecordPage,
)
from recordpages.names import name_order_key
from workflow.choices import APPROVED_STATES
from workflow.deadlines import deadline_for

LAST_GRADE = 5


class RolloverRefused(Exception):
    """A refusal with a Vietnamese message; nothing was written."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class MoveKind(models.TextChoices):
    UP = "up", gettext_lazy("Lên lớp")
    KEPT_BACK = "kept_back", gettext_lazy("Ở lại lớp")
    COMPLETES = "completes", gettext_lazy("Hoàn thành chương trình tiểu học")
    UNDECIDED = "undecided", gettext_lazy("Chưa có quyết định cuối năm")
    LEFT = "left", gettext_lazy("Đã rời trường")


class ClassOrigin(models.TextChoices):
    CONTINUES = "continues", gettext_lazy("Lớp lên khối")
    INCOMING = "incoming", gettext_lazy("Lớp 1 mới tuyển")
    KEPT_BACK = "kept_back", gettext_lazy("Mở cho học sinh ở lại lớp")


# What an apply wrote, by kind of row (RolloverPlan.written's keys).
WRITTEN_LABELS = {
    "school_year": gettext_lazy("năm học"),
    "school_year_page": gettext_lazy("trang năm học"),
    "groups": gettext_lazy("tổ chuyên môn"),
    "group_pages": gettext_lazy("trang tổ chuyên môn"),
    "classes": gettext_lazy("lớp"),
    "class_pages": gettext_lazy("trang lớp"),
    "enrollments": gettext_lazy("học sinh được xếp lớp"),
    "completed": gettext_lazy("học sinh hoàn thành chương trình tiểu học"),
}


@dataclass(frozen=True)
class ClassPlan:
    name: str
    grade: int
    origin: ClassOrigin
    source: str  # this year's class it continues, or ""
    teacher_id: int | None
    teacher_name: str
    group_name: str
    exists: bool
    has_page: bool


@dataclass(frozen=True)
class GroupPlan:
    name: str
    grades: str
    leader_id: int | None
    leader_name: str
    member_ids: tuple[int, ...]
    member_names: tuple[str, ...]
    exists: bool
    has_page: bool


@dataclass(frozen=True)
class PupilMove:
    enrollment_id: int
    pupil_id: int
    pupil_name: str
    from_class: str
    kind: MoveKind
    to_class: str  # the new year's class, or ""
    done: bool  # already in the new year (or, completing, already marked)

    @property
    def kind_label(self) -> str:
        return str(self.kind.label)


@dataclass
class ClassMoves:
    """This year's class and what becomes of each of its pupils."""

    name: str
    moves: list[PupilMove] = field(default_factory=list)

    def count(self, kind: str) -> int:
        return sum(1 for move in self.moves if move.kind == kind)

    @property
    def counts(self) -> list[tuple[str, int]]:
        return [(str(kind.label), self.count(kind)) for kind in MoveKind]


@dataclass
class RolloverPlan:
    school_id: int
    school_name: str
    from_year: str
    new_year: str
    new_year_start: dt.date
    new_year_end: dt.date
    year_page_exists: bool
    deadlines: list[tuple[str, dt.date]]
    classes: list[ClassPlan]
    groups: list[GroupPlan]
    moves: list[PupilMove]
    problems: list[str] = field(default_factory=list)
    written: Counter = field(default_factory=Counter)  # what an apply wrote, by table

    @property
    def has_writes(self) -> bool:
        return any(self.written.values())

    @property
    def written_summary(self) -> str:
        return "; ".join(
            f"{label} {self.written[key]}"
            for key, label in WRITTEN_LABELS.items()
            if self.written[key]
        )

    def count(self, kind: str) -> int:
        return sum(1 for move in self.moves if move.kind == kind)

    @property
    def counts(self) -> list[tuple[str, int]]:
        return [(str(kind.label), self.count(kind)) for kind in MoveKind]

    @property
    def by_class(self) -> list[ClassMoves]:
        grouped: dict[str, ClassMoves] = {}
        for move in self.moves:
            grouped.setdefault(move.from_class, ClassMoves(move.from_class)).moves.append(move)
        return list(grouped.values())

    @property
    def pending_moves(self) -> list[PupilMove]:
        return [m for m in self.moves if m.to_class and not m.done]

    @property
    def pending_completions(self) -> list[PupilMove]:
        return [m for m in self.moves if m.kind == MoveKind.COMPLETES and not m.done]


def next_year_name(year: SchoolYear) -> str:
    first = year.first_year + 1
    return f"{first}-{first + 1}"


def bumped(school_class: SchoolClass) -> str | None:
    """ "3A2" of grade 3 → "4A2"; None when the name does not start with its grade."""
    digit = str(school_class.grade)
    if not school_class.name.startswith(digit):
        return None
    return f"{school_class.grade + 1}{school_class.name[len(digit) :]}"


def _active_name(profile: StaffProfile | None) -> tuple[int | None, str]:
    if profile is None or not profile.user.is_active:
        return None, ""
    return profile.pk, profile.full_name


def _decision(enrollment: ClassEnrollment, grade: int, promotion: str) -> MoveKind:
    if enrollment.left_on:
        return MoveKind.LEFT
    if not promotion and enrollment.promoted is not None:
        promotion = Promotion.PROMOTED if enrollment.promoted else Promotion.REPEAT
    if not promotion:
        return MoveKind.UNDECIDED
    if promotion == Promotion.REPEAT:
        return MoveKind.KEPT_BACK
    if grade >= LAST_GRADE:
        return MoveKind.COMPLETES
    if promotion == Promotion.COMPLETED_PRIMARY:
        return MoveKind.UNDECIDED  # a grade below 5 cannot complete primary
    return MoveKind.UP


@dataclass
class _Next:
    """What the next year already holds for the school (empty before the first apply)."""

    year: SchoolYear
    class_names: dict[str, int] = field(default_factory=dict)  # name → grade
    class_pages: set[str] = field(default_factory=set)
    group_names: set[str] = field(default_factory=set)
    group_pages: set[str] = field(default_factory=set)
    placed: dict[int, str] = field(default_factory=dict)  # pupil → class name
    year_page: bool = False


def _next_year(school: School, school_page: SchoolPage, name: str, first: int) -> _Next:
    year = SchoolYear.objects.filter(name=name).first()
    if year is None:
        return _Next(SchoolYear(name=name, **SchoolYear.defaults_for(first)))
    found = _Next(year)
    classes = SchoolClass.objects.filter(school=school, school_year=year)
    found.class_names = dict(classes.values_list("name", "grade"))
    found.class_pages = set(
        ClassPage.objects.filter(school_class__in=classes).values_list(
            "school_class__name", flat=True
        )
    )
    groups = ProfessionalGroup.objects.filter(school=school, school_year=year)
    found.group_names = set(groups.values_list("name", flat=True))
    found.group_pages = set(
        ProfessionalGroupPage.objects.filter(group__in=groups).values_list("group__name", flat=True)
    )
    found.placed = dict(
        ClassEnrollment.objects.filter(school_class__in=classes).values_list(
            "pupil_id", "school_class__name"
        )
    )
    found.year_page = SchoolYearPage.objects.child_of(school_page).filter(school_year=year).exists()
    return found


def _deadlines(year: SchoolYear) -> list[tuple[str, dt.date]]:
    """Each record type's deadline with a fixed day, as the registry gives it for `year`."""
    found = []
    for rules in sorted(registry.all_types(), key=lambda rules: rules.order):
        due = deadline_for(rules.code, school_year=year)
        if due is not None:
            found.append((str(rules.label), due))
    return found


def _groups(school: School, year: SchoolYear, following: _Next) -> list[GroupPlan]:
    groups = list(
        ProfessionalGroup.objects.filter(school=school, school_year=year)
        .select_related("leader__user")
        .order_by("name")
    )
    members: dict[int, list[StaffProfile]] = {}
    through = ProfessionalGroup.members.through.objects.filter(professionalgroup__in=groups)
    for row in through.select_related("staffprofile__user").order_by("staffprofile__full_name"):
        members.setdefault(row.professionalgroup_id, []).append(row.staffprofile)
    plans = []
    for group in groups:
        leader_id, leader_name = _active_name(group.leader)
        active = [m for m in members.get(group.pk, []) if m.user.is_active]
        plans.append(
            GroupPlan(
                name=group.name,
                grades=group.grades,
                leader_id=leader_id,
                leader_name=leader_name,
                member_ids=tuple(m.pk for m in active),
                member_names=tuple(m.full_name for m in active),
                exists=group.name in following.group_names,
                has_page=group.name in following.group_pages,
            )
        )
    return plans


class _Classes:
    """The new year's classes, named as they are needed."""

    def __init__(self, current: list[SchoolClass], following: _Next):
        self.current = {c.name: c for c in current}
        self.group_of_grade: dict[int, ProfessionalGroup] = {}
        for school_class in current:
            if school_class.group is not None:
                self.group_of_grade.setdefault(school_class.grade, school_class.group)
        self.following = following
        self.plans: dict[str, ClassPlan] = {}

    def add(self, name: str, grade: int, origin: ClassOrigin, source: str = "") -> None:
        if name in self.plans:
            return
        same_name = self.current.get(name)
        teacher_id, teacher_name = _active_name(same_name.homeroom_teacher if same_name else None)
        group = same_name.group if same_name and same_name.group else None
        group = group or self.group_of_grade.get(grade)
        self.plans[name] = ClassPlan(
            name=name,
            grade=self.following.class_names.get(name, grade),
            origin=origin,
            source=source,
            teacher_id=teacher_id,
            teacher_name=teacher_name,
            group_name=group.name if group else "",
            exists=name in self.following.class_names,
            has_page=name in self.following.class_pages,
        )

    def for_kept_back(self, school_class: SchoolClass) -> str:
        """The same name if the new year has it, else the first class of the grade,
        else the same name, opened for them."""
        grades = {name: plan.grade for name, plan in self.plans.items()}
        grades.update(self.following.class_names)
        if school_class.name in grades:
            return school_class.name
        same_grade = sorted(name for name, grade in grades.items() if grade == school_class.grade)
        if same_grade:
            return same_grade[0]
        self.add(school_class.name, school_class.grade, ClassOrigin.KEPT_BACK)
        return school_class.name


def _promotions(school: School, year: SchoolYear) -> dict[int, str]:
    """Each pupil's promotion on their approved (or later) học bạ of `year`."""
    return dict(
        StudentRecordPage.objects.filter(
            school=school, school_year=year, record_state__state__in=APPROVED_STATES
        )
        .exclude(promotion="")
        .values_list("pupil_id", "promotion")
    )


def rollover_preview(school: School, from_year: SchoolYear) -> RolloverPlan:
    """What rolling `school` over from `from_year` would do. Reads only."""
    school_page = SchoolPage.objects.filter(school=school).first()
    if school_page is None:
        raise RolloverRefused(
            _(
                "Trường %(school)s chưa có trang trường trong cây hồ sơ: hãy tạo trang "
                "trường trước khi chuyển năm học."
            )
            % {"school": school.name}
        )
    current = list(
        SchoolClass.objects.filter(school=school, school_year=from_year)
        .select_related("homeroom_teacher__user", "group")
        .order_by("grade", "name")
    )
    if not current:
        raise RolloverRefused(
            _("Năm học %(year)s của trường chưa có lớp nào: không có gì để chuyển.")
            % {"year": from_year.name}
        )
    following = _next_year(school, school_page, next_year_name(from_year), from_year.first_year + 1)
    plan = RolloverPlan(
        school_id=school.pk,
        school_name=school.name,
        from_year=from_year.name,
        new_year=following.year.name,
        new_year_start=following.year.start_date,
        new_year_end=following.year.end_date,
        year_page_exists=following.year_page,
        deadlines=_deadlines(following.year),
        classes=[],
        groups=_groups(school, from_year, following),
        moves=[],
    )
    classes = _Classes(current, following)
    continues: dict[int, str] = {}
    for school_class in current:
        if school_class.grade >= LAST_GRADE:
            continue
        name = bumped(school_class)
        if name is None:
            plan.problems.append(
                _("Lớp %(name)s: tên không bắt đầu bằng số khối %(grade)s, không lên khối được.")
                % {"name": school_class.name, "grade": school_class.grade}
            )
            continue
        continues[school_class.pk] = name
        classes.add(name, school_class.grade + 1, ClassOrigin.CONTINUES, school_class.name)
    for school_class in current:
        if school_class.grade == 1:
            classes.add(school_class.name, 1, ClassOrigin.INCOMING)
    plan.moves = _moves(school, from_year, current, classes, continues, plan.problems)
    plan.classes = sorted(classes.plans.values(), key=lambda c: (c.grade, c.name))
    return plan


def _moves(school, from_year, current, classes, continues, problems) -> list[PupilMove]:
    promotions = _promotions(school, from_year)
    by_pk = {c.pk: c for c in current}
    enrollments = (
        ClassEnrollment.objects.filter(school_class__in=current)
        .select_related("pupil")
        .only("pk", "school_class_id", "left_on", "promoted", "pupil__id", "pupil__full_name")
    )
    moves = []
    for enrollment in enrollments:
        school_class = by_pk[enrollment.school_class_id]
        pupil = enrollment.pupil
        promotion = promotions.get(pupil.pk, "")
        kind = _decision(enrollment, school_class.grade, promotion)
        if promotion == Promotion.COMPLETED_PRIMARY and kind == MoveKind.UNDECIDED:
            problems.append(
                _(
                    "%(pupil)s (lớp %(name)s): học bạ ghi hoàn thành chương trình tiểu học ở khối %(grade)s."
                )
                % {"pupil": pupil.full_name, "name": school_class.name, "grade": school_class.grade}
            )
        target = ""
        if kind == MoveKind.UP:
            target = continues.get(school_class.pk, "")
            if not target:
                kind = MoveKind.UNDECIDED
        elif kind == MoveKind.KEPT_BACK:
            target = classes.for_kept_back(school_class)
        placed = classes.following.placed.get(pupil.pk, "") if target else ""
        done = enrollment.promoted is True if kind == MoveKind.COMPLETES else bool(placed)
        moves.append(
            PupilMove(
                enrollment_id=enrollment.pk,
                pupil_id=pupil.pk,
                pupil_name=pupil.full_name,
                from_class=school_class.name,
                kind=kind,
                to_class=placed or target,
                done=done,
            )
        )
    order = {c.name: i for i, c in enumerate(current)}
    moves.sort(key=lambda m: (order[m.from_class], name_order_key(m.pupil_name)))
    return moves
