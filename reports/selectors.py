"""Deadline and completeness figures (R6, R14, R15), aggregated in the database.

Each figure is one grouped query over RecordState or the people tables, so the
number of queries does not grow with schools, records or pupils. The deadline
statuses and their labels are workflow.deadlines' (one annotation, one label
table); this module only counts them per group.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, QuerySet, Value
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from recordpages.models import (
    ClassEnrollment,
    ClassResultSummaryPage,
    GroupTeachingPlanPage,
    LessonPlanPage,
    ProfessionalGroup,
    RoleCode,
    School,
    SchoolClass,
    SchoolPlanPage,
    SchoolYear,
    StudentRecordPage,
)
from recordpages.permissions import get_scope, visible_schools
from workflow.deadlines import STATUS_LABELS as STATUS_LABELS  # the exports and charts read it here
from workflow.deadlines import STATUSES, DeadlineStatus, with_status
from workflow.models import RecordState

# The group plans every group owes (Đ12: "kế hoạch dạy học các môn học"): the main subjects.
MAIN_SUBJECTS = ("tieng_viet", "toan")
# When each class summary is due, as (month, day) in the school year (first or second calendar year).
SUMMARY_DUE = {
    "giua_ky": (0, 11, 15),
    "cuoi_hk1": (1, 1, 20),
    "giua_hk2": (1, 3, 31),
    "cuoi_nam": (1, 5, 30),
}


# --- who sees what -------------------------------------------------------------------


@dataclass(frozen=True)
class ReportScope:
    kind: str  # "district" or "school"
    schools: QuerySet[School]


def report_scope(user) -> ReportScope | None:
    """District office and superusers: every school they may read; a principal:
    their school, per group and teacher; anyone else: no report."""
    scope = get_scope(user)
    if scope.is_superuser or (scope.is_authority_level and RoleCode.DISTRICT_OFFICE in scope.roles):
        return ReportScope("district", visible_schools(user).order_by("name"))
    if scope.school_id and RoleCode.PRINCIPAL in scope.roles:
        return ReportScope("school", visible_schools(user).filter(pk=scope.school_id))
    return None


# --- deadlines -----------------------------------------------------------------------


@dataclass
class StatusCounts:
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATUSES, 0))

    def add(self, status: str, n: int) -> None:
        self.counts[status] = self.counts.get(status, 0) + n

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def due(self) -> int:
        return self.total - self.counts[DeadlineStatus.PENDING]

    def percent(self, status: str) -> float:
        """Share of all records (so the four shares add up to 100)."""
        return round(100 * self.counts[status] / self.total, 1) if self.total else 0.0

    @property
    def on_time_rate(self) -> float:
        """On time among those already due: the figure the regulation asks about."""
        return round(100 * self.counts[DeadlineStatus.ON_TIME] / self.due, 1) if self.due else 0.0


def status_counts(
    *, school_ids: list[int], school_year: SchoolYear, today: dt.date, by: tuple[str, ...]
) -> dict[tuple, StatusCounts]:
    """(group-by values…) → counts per status, in one query."""
    records = RecordState.objects.filter(school_id__in=school_ids, school_year=school_year)
    rows = (
        with_status(records, today=today)
        .values(*by, "deadline_status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    result: dict[tuple, StatusCounts] = defaultdict(StatusCounts)
    for row in rows:
        result[tuple(row[name] for name in by)].add(row["deadline_status"], row["n"])
    return result


# --- completeness --------------------------------------------------------------------


@dataclass
class Completeness:
    expected: int = 0
    present: int = 0

    @property
    def percent(self) -> float:
        if not self.expected:
            return 100.0
        return round(100 * min(self.present, self.expected) / self.expected, 1)

    @property
    def missing(self) -> int:
        return max(self.expected - self.present, 0)


# The records a school owes a known number of, each counted its own way below (one
# school plan, a học bạ per pupil…): genuinely specific to these types, so named
# through their page classes, never by a type string.
SCHOOL_PLAN = SchoolPlanPage.record_type
GROUP_PLAN = GroupTeachingPlanPage.record_type
STUDENT_RECORD = StudentRecordPage.record_type
CLASS_SUMMARY = ClassResultSummaryPage.record_type
LESSON_PLAN = LessonPlanPage.record_type
COMPLETENESS_LABELS = {
    SCHOOL_PLAN: _("Kế hoạch giáo dục nhà trường (1/năm)"),
    GROUP_PLAN: _("Kế hoạch dạy học của tổ (mỗi tổ × Tiếng Việt, Toán)"),
    STUDENT_RECORD: _("Học bạ (mỗi học sinh đang học)"),
    CLASS_SUMMARY: _("Bảng tổng hợp của lớp (mỗi lớp × kì đã đến hạn)"),
    LESSON_PLAN: _("Kế hoạch bài dạy (mỗi giáo viên × tuần đã đến hạn)"),
}


def first_monday(year: SchoolYear) -> dt.date:
    return year.start_date - dt.timedelta(days=year.start_date.weekday())


def weeks_due(year: SchoolYear, today: dt.date) -> list[dt.date]:
    """Teaching weeks whose lesson-plan deadline has passed (or is today), Mondays."""
    weeks, monday = [], first_monday(year)
    lead = LessonPlanPage.rules.deadline.days
    while monday <= year.end_date and monday - dt.timedelta(days=lead) <= today:
        weeks.append(monday)
        monday += dt.timedelta(weeks=1)
    return weeks


def summary_periods_due(year: SchoolYear, today: dt.date) -> list[str]:
    return [
        period
        for period, (offset, month, day) in SUMMARY_DUE.items()
        if dt.date(year.first_year + offset, month, day) <= today
    ]


def completeness(
    *, school_ids: list[int], school_year: SchoolYear, today: dt.date
) -> dict[int, dict[str, Completeness]]:
    """Per school, per required record: how many are owed and how many exist."""
    result: dict[int, dict[str, Completeness]] = {
        pk: {key: Completeness() for key in COMPLETENESS_LABELS} for pk in school_ids
    }
    in_scope = {"school_id__in": school_ids, "school_year": school_year}
    for pk in school_ids:
        result[pk][SCHOOL_PLAN].expected = 1
    for row in (
        RecordState.objects.filter(record_type=SCHOOL_PLAN, **in_scope)
        .values("school_id")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        result[row["school_id"]][SCHOOL_PLAN].present = min(row["n"], 1)
    for row in (
        ProfessionalGroup.objects.filter(**in_scope)
        .values("school_id")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        result[row["school_id"]][GROUP_PLAN].expected = row["n"] * len(MAIN_SUBJECTS)
    for row in (
        GroupTeachingPlanPage.objects.filter(subject__in=MAIN_SUBJECTS, **in_scope)
        .values("school_id")
        .annotate(n=Count(pair_key("group_id", "subject"), distinct=True))
        .order_by()
    ):
        result[row["school_id"]][GROUP_PLAN].present = row["n"]
    for row in (
        ClassEnrollment.objects.filter(
            school_class__school_id__in=school_ids,
            school_class__school_year=school_year,
            left_on__isnull=True,
        )
        .values("school_class__school_id")
        .annotate(n=Count("pupil_id", distinct=True))
        .order_by()
    ):
        result[row["school_class__school_id"]][STUDENT_RECORD].expected = row["n"]
    for row in (
        StudentRecordPage.objects.filter(**in_scope)
        .values("school_id")
        .annotate(n=Count("pupil_id", distinct=True))
        .order_by()
    ):
        result[row["school_id"]][STUDENT_RECORD].present = row["n"]
    periods = summary_periods_due(school_year, today)
    for row in (
        SchoolClass.objects.filter(**in_scope)
        .values("school_id")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        result[row["school_id"]][CLASS_SUMMARY].expected = row["n"] * len(periods)
    for row in (
        ClassResultSummaryPage.objects.filter(period__in=periods, **in_scope)
        .values("school_id")
        .annotate(n=Count(pair_key("school_class_id", "period"), distinct=True))
        .order_by()
    ):
        result[row["school_id"]][CLASS_SUMMARY].present = row["n"]
    weeks = weeks_due(school_year, today)
    for school_id, teachers in lesson_plan_teachers(school_ids, school_year).items():
        result[school_id][LESSON_PLAN].expected = len(teachers) * len(weeks)
    for row in (
        LessonPlanPage.objects.filter(week_start__in=weeks, **in_scope)
        .values("school_id")
        .annotate(n=Count(pair_key("teacher_id", "week_start"), distinct=True))
        .order_by()
    ):
        result[row["school_id"]][LESSON_PLAN].present = row["n"]
    return result


def pair_key(first: str, second: str):
    """A text key of two columns, for COUNT(DISTINCT …) over a pair."""
    from django.db.models import TextField
    from django.db.models.functions import Cast, Concat

    return Concat(
        Cast(first, TextField()), Value(":"), Cast(second, TextField()), output_field=TextField()
    )


def lesson_plan_teachers(school_ids: list[int], school_year: SchoolYear) -> dict[int, set[int]]:
    """Teachers who owe weekly lesson plans: the members and leaders of the year's groups."""
    teachers: dict[int, set[int]] = defaultdict(set)
    groups = ProfessionalGroup.objects.filter(school_id__in=school_ids, school_year=school_year)
    for school_id, member in groups.values_list("school_id", "members").order_by():
        if member:
            teachers[school_id].add(member)
    for school_id, leader in groups.values_list("school_id", "leader_id").order_by():
        if leader:
            teachers[school_id].add(leader)
    return teachers


def today_local() -> dt.date:
    return timezone.localdate()


def lesson_plans_per_teacher(
    school_id: int, school_year: SchoolYear, weeks: list[dt.date]
) -> dict[int, int]:
    """Teacher → number of due weeks with a lesson plan."""
    return dict(
        LessonPlanPage.objects.filter(
            school_id=school_id, school_year=school_year, week_start__in=weeks
        )
        .values("teacher_id")
        .annotate(n=Count("week_start", distinct=True))
        .values_list("teacher_id", "n")
        .order_by()
    )


def group_plans_per_group(school_id: int, school_year: SchoolYear) -> dict[int, int]:
    """Group → number of main subjects with a teaching plan."""
    return dict(
        GroupTeachingPlanPage.objects.filter(
            school_id=school_id, school_year=school_year, subject__in=MAIN_SUBJECTS
        )
        .values("group_id")
        .annotate(n=Count("subject", distinct=True))
        .values_list("group_id", "n")
        .order_by()
    )
