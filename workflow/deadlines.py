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
from types import SimpleNamespace

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from recordpages import registry
from recordpages.registry import Milestone


class DeadlineStatus(StrEnum):
    ON_TIME = "on_time"
    LATE = "late"
    MISSING = "missing"  # the deadline passed and the milestone was not reached
    PENDING = "pending"  # not reached yet, not yet due


STATUS_LABELS = {
    DeadlineStatus.ON_TIME: _("Đúng hạn"),
    DeadlineStatus.LATE: _("Trễ hạn"),
    DeadlineStatus.MISSING: _("Quá hạn, chưa hoàn thành"),
    DeadlineStatus.PENDING: _("Chưa đến hạn"),
}


def deadline_for(
    record_type: str,
    *,
    school_year,
    week_start: dt.date | None = None,
    custom: dt.date | None = None,
) -> dt.date | None:
    """The deadline a record of this type gets, from its declared rule."""
    page = SimpleNamespace(week_start=week_start, deadline=custom)
    return registry.get(record_type).due(school_year=school_year, page=page)


def milestone(record_type: str) -> Milestone:
    return registry.get(record_type).milestone


def milestone_at(record) -> dt.datetime | None:
    return registry.for_record(record).milestone.reached_at(record)


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
    return registry.for_record(page).due(school_year=page.school_year, page=page)
