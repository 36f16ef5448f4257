"""One table of the deadline boundaries (Đ12, R6), run against the one rule: the
`deadline_status` annotation of workflow.deadlines, as the reports, the dashboards
and the record page read it. The PostgreSQL pass runs the same table there.

Times are written in Hà Nội time; the comments say what UTC makes of them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone
from wagtail.models import Page

from reports import selectors as report_selectors
from tests.factories import SchoolFactory, SchoolYearFactory
from workflow.deadlines import STATUS_LABELS, DeadlineStatus, status_of, with_status
from workflow.models import RecordState

ON_TIME, LATE = DeadlineStatus.ON_TIME, DeadlineStatus.LATE
MISSING, PENDING = DeadlineStatus.MISSING, DeadlineStatus.PENDING

SEP_4 = dt.date(2026, 9, 4)  # the plans' deadline (approved before 5 September)
MAY_30 = dt.date(2027, 5, 30)  # the học bạ's deadline (signed before 31 May)
THU = dt.date(2026, 11, 19)  # a lesson plan for Monday 23 November


def hn(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """A moment in Hà Nội (the project time zone)."""
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_default_timezone())


def after(day: dt.date, days: int = 1) -> dt.date:
    return day + dt.timedelta(days=days)


@dataclass(frozen=True)
class Case:
    record_type: str
    deadline: dt.date | None
    today: dt.date
    expected: DeadlineStatus
    approved: dt.datetime | None = None
    signed: dt.datetime | None = None


TABLE = {
    # --- approval milestone, the deadline day itself ---------------------------------
    "unapproved_on_the_deadline_day_is_pending": Case("school_plan", SEP_4, SEP_4, PENDING),
    "unapproved_the_day_after_is_missing": Case("school_plan", SEP_4, after(SEP_4), MISSING),
    "unapproved_weeks_before_is_pending": Case("group_plan", SEP_4, dt.date(2026, 8, 20), PENDING),
    "approved_days_before_is_on_time": Case(
        "school_plan", SEP_4, after(SEP_4), ON_TIME, approved=hn(dt.date(2026, 8, 28), 5, 30)
    ),
    "approved_on_the_deadline_day_is_on_time": Case(
        "group_plan", SEP_4, after(SEP_4), ON_TIME, approved=hn(SEP_4, 16)
    ),
    # 23:59 in Hà Nội is 16:59 UTC the same day.
    "approved_a_minute_before_local_midnight_is_on_time": Case(
        "school_plan", SEP_4, after(SEP_4), ON_TIME, approved=hn(SEP_4, 23, 59)
    ),
    # 00:01 on the 5th in Hà Nội is 17:01 UTC on the 4th: UTC would call it on time.
    "approved_a_minute_after_local_midnight_is_late": Case(
        "school_plan", SEP_4, after(SEP_4), LATE, approved=hn(after(SEP_4), 0, 1)
    ),
    # 05:30 on the 5th in Hà Nội is 22:30 UTC on the 4th.
    "approved_at_dawn_the_next_local_day_is_late": Case(
        "school_plan", SEP_4, after(SEP_4, 30), LATE, approved=hn(after(SEP_4), 5, 30)
    ),
    # 05:30 on the 4th in Hà Nội is 22:30 UTC on the 3rd: still the deadline day.
    "approved_at_dawn_on_the_deadline_day_is_on_time": Case(
        "group_plan", SEP_4, after(SEP_4), ON_TIME, approved=hn(SEP_4, 5, 30)
    ),
    "approved_late_stays_late_whatever_today": Case(
        "group_plan", SEP_4, dt.date(2026, 8, 1), LATE, approved=hn(after(SEP_4, 2), 9)
    ),
    # --- lesson plans: a Monday lesson is approved by the previous Thursday ----------
    "lesson_approved_on_thursday_is_on_time": Case(
        "lesson_plan", THU, after(THU, 5), ON_TIME, approved=hn(THU, 16)
    ),
    # 05:30 on Friday in Hà Nội is still Thursday in UTC.
    "lesson_approved_at_friday_dawn_is_late": Case(
        "lesson_plan", THU, after(THU, 5), LATE, approved=hn(after(THU), 5, 30)
    ),
    "lesson_approved_on_sunday_is_late": Case(
        "lesson_plan", THU, after(THU, 5), LATE, approved=hn(after(THU, 3), 9)
    ),
    # --- no deadline ---------------------------------------------------------------------
    "no_deadline_and_approved_is_on_time": Case(
        "other", None, after(SEP_4, 400), ON_TIME, approved=hn(after(SEP_4), 9)
    ),
    "no_deadline_and_not_approved_is_pending_for_ever": Case(
        "other", None, after(SEP_4, 400), PENDING
    ),
    "a_deadline_the_school_set_counts_like_any": Case(
        "other", dt.date(2026, 10, 15), dt.date(2026, 10, 16), MISSING
    ),
    # --- signature milestone: signed_at counts, approved_at does not ----------------------
    "signed_on_the_deadline_day_is_on_time": Case(
        "student_record",
        MAY_30,
        after(MAY_30),
        ON_TIME,
        approved=hn(dt.date(2027, 5, 20), 9),
        signed=hn(MAY_30, 16),
    ),
    # 06:00 on 31 May in Hà Nội is 23:00 UTC on the 30th.
    "signed_at_dawn_the_next_local_day_is_late": Case(
        "student_record",
        MAY_30,
        after(MAY_30),
        LATE,
        approved=hn(dt.date(2027, 5, 20), 9),
        signed=hn(after(MAY_30), 6),
    ),
    "signed_late_after_an_early_approval_is_late": Case(
        "class_summary",
        MAY_30,
        after(MAY_30, 10),
        LATE,
        approved=hn(dt.date(2027, 5, 2), 9),
        signed=hn(after(MAY_30, 3), 9),
    ),
    "approved_not_signed_on_the_deadline_day_is_pending": Case(
        "student_record", MAY_30, MAY_30, PENDING, approved=hn(dt.date(2027, 5, 20), 9)
    ),
    "approved_not_signed_after_the_deadline_is_missing": Case(
        "class_summary", MAY_30, after(MAY_30), MISSING, approved=hn(dt.date(2027, 5, 20), 9)
    ),
    # The sổ đăng bộ is closed (finalize stamps approved_at) and then signed.
    "register_closed_not_signed_after_the_deadline_is_missing": Case(
        "enrollment_register", MAY_30, after(MAY_30), MISSING, approved=hn(MAY_30, 9)
    ),
    "register_signed_on_the_deadline_day_is_on_time": Case(
        "enrollment_register",
        MAY_30,
        after(MAY_30),
        ON_TIME,
        approved=hn(MAY_30, 8),
        signed=hn(MAY_30, 23, 30),
    ),
}


@pytest.fixture
def school_and_year(db):
    year = SchoolYearFactory(name="2026-2027")
    return SchoolFactory(year=year), year


def _row(name: str, case: Case, school, year) -> RecordState:
    """A state row holding only what the rule reads: the type, the deadline and the
    milestone times (their step services stamp them; the rule reads no state)."""
    page = Page.get_first_root_node().add_child(
        instance=Page(title=name, slug=name.replace("_", "-"))
    )
    return RecordState.objects.create(
        page=page,
        record_type=case.record_type,
        school=school,
        school_year=year,
        deadline=case.deadline,
        approved_at=case.approved,
        signed_at=case.signed,
    )


@pytest.mark.parametrize("name", TABLE)
def test_the_deadline_status_of_each_boundary_case(name, school_and_year):
    case, (school, year) = TABLE[name], school_and_year
    record = _row(name, case, school, year)

    annotated = with_status(RecordState.objects.filter(pk=record.pk), today=case.today).get()
    assert annotated.deadline_status == case.expected
    # The record page asks the same annotation for one record.
    assert status_of(record, today=case.today) == case.expected
    # The reports count it under the same status.
    counts = report_selectors.status_counts(
        school_ids=[school.pk], school_year=year, today=case.today, by=("record_type",)
    )
    assert counts[(case.record_type,)].counts == {
        status: int(status == case.expected) for status in DeadlineStatus
    }


def test_the_table_covers_every_status_and_milestone():
    assert {case.expected for case in TABLE.values()} == set(DeadlineStatus)
    assert {"school_plan", "lesson_plan", "other", "student_record", "enrollment_register"} <= {
        case.record_type for case in TABLE.values()
    }


def test_reports_and_dashboards_label_the_statuses_from_one_table():
    assert report_selectors.STATUS_LABELS is STATUS_LABELS
    assert tuple(report_selectors.STATUSES) == tuple(DeadlineStatus)
    assert {key: str(label) for key, label in STATUS_LABELS.items()} == {
        "on_time": "Đúng hạn",
        "late": "Trễ hạn",
        "missing": "Quá hạn, chưa hoàn thành",
        "pending": "Chưa đến hạn",
    }


@pytest.mark.django_db
def test_today_defaults_to_the_local_day_in_ha_noi(school_and_year):
    """At 05:30 on 5 September in Hà Nội UTC still says the 4th, the deadline day:
    the unapproved plan is missing, not pending."""
    school, year = school_and_year
    record = _row("dawn-today", Case("school_plan", SEP_4, SEP_4, PENDING), school, year)
    dawn = hn(after(SEP_4), 5, 30).astimezone(dt.UTC)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "now", lambda: dawn)
        assert status_of(record) == MISSING
