"""Reads for the teacher's week: which class, which week, last week's plan and what
the group's approved teaching plan teaches that week."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from recordpages.models import (
    GroupTeachingPlanPage,
    LessonPlanPage,
    ProfessionalGroupPage,
    SchoolClass,
    SchoolYear,
    StaffProfile,
)
from recordpages.permissions import can_create_page, get_scope
from recordpages.weeks import MAX_WEEK, monday_of_week, week_containing
from workflow.choices import APPROVED_STATES
from workflow.models import RecordState
from workflow.selectors import current_school_year
from workflow.week.guess import PlannedLesson


@dataclass(frozen=True)
class WeekTarget:
    """The plan one click would create: whose, which class and group, which week."""

    teacher: StaffProfile
    year: SchoolYear
    school_class: SchoolClass | None
    group_page: ProfessionalGroupPage
    week: int
    monday: dt.date
    previous: LessonPlanPage | None  # the teacher's latest plan for the class

    @property
    def grade(self) -> int | None:
        return self.school_class.grade if self.school_class else None


def _current_week(plan: LessonPlanPage) -> int:
    revision = plan.latest_revision
    content = revision.content if revision is not None else None
    week = content.get("week_number") if isinstance(content, dict) else None
    return week if isinstance(week, int) else plan.week_number


def plans_of(teacher: StaffProfile, year: SchoolYear) -> list[LessonPlanPage]:
    return list(
        LessonPlanPage.objects.filter(school_year=year, teacher=teacher)
        .select_related("latest_revision", "school_class", "group")
        .order_by("pk")
    )


def teacher_classes(teacher: StaffProfile, year: SchoolYear) -> list[SchoolClass]:
    """The classes a teacher plans for: their homeroom classes, then those of their plans."""
    classes = {c.pk: c for c in teacher.homeroom_classes.filter(school_year=year)}
    for plan in plans_of(teacher, year):
        if plan.school_class_id and plan.school_class_id not in classes:
            classes[plan.school_class_id] = plan.school_class
    return sorted(classes.values(), key=lambda c: c.name)


def _group_page(teacher: StaffProfile, year: SchoolYear, school_class: SchoolClass | None):
    pages = ProfessionalGroupPage.objects.filter(group__school_year=year)
    if school_class is not None and school_class.group_id:
        page = pages.filter(group_id=school_class.group_id).first()
        if page is not None:
            return page
    return (
        pages.filter(group__members=teacher).first() or pages.filter(group__leader=teacher).first()
    )


def week_target(
    teacher: StaffProfile, school_class: SchoolClass | None, today: dt.date
) -> WeekTarget | None:
    """Next week's plan for this class: the week after the teacher's latest plan for
    it, or the current week when there is none. None without a year or a group."""
    year = current_school_year(today)
    if year is None:
        return None
    group_page = _group_page(teacher, year, school_class)
    if group_page is None:
        return None
    class_id = school_class.pk if school_class else None
    mine = [plan for plan in plans_of(teacher, year) if plan.school_class_id == class_id]
    previous = max(mine, key=lambda plan: (_current_week(plan), plan.pk), default=None)
    if previous is not None:
        week = _current_week(previous) + 1
    else:
        week = week_containing(year.start_date, today)
    week = min(week, MAX_WEEK)
    return WeekTarget(
        teacher=teacher,
        year=year,
        school_class=school_class,
        group_page=group_page,
        week=week,
        monday=monday_of_week(year.start_date, week),
        previous=previous,
    )


def week_targets(user, today: dt.date) -> list[WeekTarget]:
    """One target per class the user teaches, where the user may create lesson plans."""
    staff = get_scope(user).staff
    if staff is None:
        return []
    year = current_school_year(today)
    if year is None:
        return []
    classes: list[SchoolClass | None] = list(teacher_classes(staff, year)) or [None]
    targets = []
    for school_class in classes:
        target = week_target(staff, school_class, today)
        if target is not None and may_plan(user, target):
            targets.append(target)
    return targets


def may_plan(user, target: WeekTarget) -> bool:
    """The page permission rules for lesson plans (registry `created_by`, group
    membership), and only for the user's own plans."""
    staff = get_scope(user).staff
    return (
        staff is not None
        and staff.pk == target.teacher.pk
        and can_create_page(user, target.group_page, LessonPlanPage)
    )


def planned_lessons(group_page: ProfessionalGroupPage, grade: int | None, week: int):
    """What the group's approved teaching plans teach in `week`, subject by subject
    in the programme's order (the approved content is the published row)."""
    approved = RecordState.objects.filter(state__in=APPROVED_STATES).values("pk")
    plans = GroupTeachingPlanPage.objects.child_of(group_page).filter(pk__in=approved)
    if grade is not None:
        plans = plans.filter(grade=grade)
    lessons: list[PlannedLesson] = []
    for plan in plans.order_by("subject", "pk"):
        for row in plan.rows:
            value = row.value
            if value.get("week") == week:
                lessons.append(
                    PlannedLesson(
                        subject=plan.subject,
                        lesson_title=value.get("lesson_title") or "",
                        periods=int(value.get("periods") or 1),
                        topic=value.get("topic") or "",
                    )
                )
    return lessons


def existing_plan(target: WeekTarget) -> LessonPlanPage | None:
    """The teacher's plan for the target's class and week, if there is one."""
    probe = LessonPlanPage(
        teacher=target.teacher,
        school_class=target.school_class,
        week_number=target.week,
        school_year=target.year,
        school=target.teacher.school,
    )
    return probe.same_week_plan()
