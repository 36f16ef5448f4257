"""Deadlines of Article 12 (R6), as the last day on which the milestone still counts.

- School and group plans: "nộp và duyệt trước ngày 05/9" — approved by 4 September.
- Học bạ and class summaries (and the sổ đăng bộ, which follows them to signing):
  "ký duyệt trước ngày 31/5" — signed by 30 May.
- Lesson plans: "duyệt trước ít nhất 03 ngày trước khi thực hiện" — three whole
  days must lie between approval and the first teaching day, so a Monday lesson
  is approved by the previous Thursday.
- Other records: the deadline the school set on the record.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from django.utils import timezone

from workflow.choices import State

LESSON_PLAN_LEAD_DAYS = 4  # approval day + three whole days before teaching
SIGNED_TYPES = frozenset({"student_record", "class_summary", "enrollment_register"})
MILESTONE_STATES = {
    "approved": frozenset({State.APPROVED, State.PUBLISHED}),
    "signed": frozenset({State.SIGNED}),
}


class DeadlineStatus(StrEnum):
    ON_TIME = "on_time"
    LATE = "late"
    MISSING = "missing"  # the deadline passed and the milestone was not reached
    PENDING = "pending"  # not reached yet, not yet due


STATUS_LABELS = {
    DeadlineStatus.ON_TIME: "Đúng hạn",
    DeadlineStatus.LATE: "Trễ hạn",
    DeadlineStatus.MISSING: "Quá hạn, chưa hoàn thành",
    DeadlineStatus.PENDING: "Chưa đến hạn",
}


def deadline_for(
    record_type: str,
    *,
    school_year,
    week_start: dt.date | None = None,
    custom: dt.date | None = None,
) -> dt.date | None:
    first = school_year.first_year
    if record_type in ("school_plan", "group_plan"):
        return dt.date(first, 9, 4)
    if record_type in SIGNED_TYPES:
        return dt.date(first + 1, 5, 30)
    if record_type == "lesson_plan":
        return week_start - dt.timedelta(days=LESSON_PLAN_LEAD_DAYS) if week_start else None
    return custom


def milestone(record_type: str) -> str:
    return "signed" if record_type in SIGNED_TYPES else "approved"


def milestone_at(record) -> dt.datetime | None:
    return record.signed_at if milestone(record.record_type) == "signed" else record.approved_at


def local_date(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def deadline_status(record, today: dt.date | None = None) -> DeadlineStatus:
    """On time, late, missing or pending, from the record's deadline and milestone time."""
    today = today or timezone.localdate()
    reached = milestone_at(record)
    if record.deadline is None:
        return DeadlineStatus.ON_TIME if reached else DeadlineStatus.PENDING
    if reached is not None:
        return (
            DeadlineStatus.ON_TIME
            if local_date(reached) <= record.deadline
            else DeadlineStatus.LATE
        )
    return DeadlineStatus.MISSING if today > record.deadline else DeadlineStatus.PENDING


def deadline_of_page(page) -> dt.date | None:
    """The deadline a record page's content implies (kept on its RecordState)."""
    return deadline_for(
        page.record_type,
        school_year=page.school_year,
        week_start=getattr(page, "week_start", None),
        custom=getattr(page, "deadline", None),
    )
