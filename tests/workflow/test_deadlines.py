"""Article 12 deadlines on their boundary dates."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from recordpages.models import SchoolYear
from workflow.deadlines import DeadlineStatus, deadline_for, deadline_status

YEAR = SchoolYear(name="2026-2027", start_date=dt.date(2026, 9, 5), end_date=dt.date(2027, 5, 31))


def at(day: dt.date, hour: int = 16):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def record(record_type, deadline, approved=None, signed=None):
    return SimpleNamespace(
        record_type=record_type, deadline=deadline, approved_at=approved, signed_at=signed
    )


@pytest.mark.parametrize(
    ("day", "expected"),
    [(4, DeadlineStatus.ON_TIME), (5, DeadlineStatus.LATE), (6, DeadlineStatus.LATE)],
)
@pytest.mark.parametrize("record_type", ["school_plan", "group_plan"])
def test_plans_must_be_approved_before_the_fifth_of_september(record_type, day, expected):
    deadline = deadline_for(record_type, school_year=YEAR)
    assert deadline == dt.date(2026, 9, 4)
    assert (
        deadline_status(record(record_type, deadline, approved=at(dt.date(2026, 9, day))))
        == expected
    )


def test_an_unapproved_plan_is_pending_until_the_deadline_then_missing():
    deadline = deadline_for("school_plan", school_year=YEAR)
    assert (
        deadline_status(record("school_plan", deadline), today=dt.date(2026, 9, 4))
        == DeadlineStatus.PENDING
    )
    assert (
        deadline_status(record("school_plan", deadline), today=dt.date(2026, 9, 5))
        == DeadlineStatus.MISSING
    )


def test_approval_late_at_night_counts_in_vietnamese_time():
    deadline = deadline_for("school_plan", school_year=YEAR)
    # 23:30 on 4 September in Hà Nội is 16:30 UTC the same day: still on time.
    late_evening = timezone.make_aware(
        dt.datetime(2026, 9, 4, 23, 30), timezone.get_default_timezone()
    )
    assert (
        deadline_status(record("school_plan", deadline, approved=late_evening))
        == DeadlineStatus.ON_TIME
    )


@pytest.mark.parametrize(
    ("approved_on", "expected"),
    [
        (dt.date(2026, 11, 19), DeadlineStatus.ON_TIME),  # Thursday: three whole days remain
        (dt.date(2026, 11, 20), DeadlineStatus.LATE),  # Friday: only Sat, Sun before Monday
        (dt.date(2026, 11, 22), DeadlineStatus.LATE),
    ],
)
def test_a_monday_lesson_is_approved_by_the_previous_thursday(approved_on, expected):
    monday = dt.date(2026, 11, 23)
    deadline = deadline_for("lesson_plan", school_year=YEAR, week_start=monday)
    assert deadline == dt.date(2026, 11, 19)
    assert deadline_status(record("lesson_plan", deadline, approved=at(approved_on))) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [(30, DeadlineStatus.ON_TIME), (31, DeadlineStatus.LATE)],
)
@pytest.mark.parametrize("record_type", ["student_record", "class_summary"])
def test_hoc_ba_and_class_summary_are_signed_before_the_31st_of_may(record_type, day, expected):
    deadline = deadline_for(record_type, school_year=YEAR)
    assert deadline == dt.date(2027, 5, 30)
    # Approval alone does not count: the milestone is the digital signature.
    approved_only = record(record_type, deadline, approved=at(dt.date(2027, 5, 20)))
    assert deadline_status(approved_only, today=dt.date(2027, 5, 31)) == DeadlineStatus.MISSING
    signed = record(
        record_type, deadline, approved=at(dt.date(2027, 5, 20)), signed=at(dt.date(2027, 5, day))
    )
    assert deadline_status(signed) == expected


def test_other_records_use_the_deadline_the_school_set():
    custom = dt.date(2026, 10, 15)
    assert deadline_for("other", school_year=YEAR, custom=custom) == custom
    assert deadline_status(record("other", custom, approved=at(custom))) == DeadlineStatus.ON_TIME


# --- the same rule in SQL (reports.selectors), at early-morning local times ---------


def _state_row(page_title: str, school, year, **fields):
    from wagtail.models import Page

    from workflow.models import RecordState

    page = Page.get_first_root_node().add_child(instance=Page(title=page_title, slug=page_title))
    return RecordState.objects.create(
        page=page,
        record_type=fields.pop("record_type", "school_plan"),
        school=school,
        school_year=year,
        **fields,
    )


@pytest.mark.django_db
def test_the_report_counts_a_dawn_approval_after_the_deadline_day_as_late():
    """05:30 on 5 September in Hà Nội is 22:30 on the 4th in UTC: late, not on time."""
    from reports.selectors import status_counts
    from tests.factories import SchoolFactory, SchoolYearFactory

    school, year = SchoolFactory(), SchoolYearFactory(name="2026-2027")
    hcm = timezone.get_default_timezone()
    deadline = dt.date(2026, 9, 4)
    _state_row(
        "sang-som-hom-sau",
        school,
        year,
        deadline=deadline,
        state="approved",
        approved_at=timezone.make_aware(dt.datetime(2026, 9, 5, 5, 30), hcm),
    )
    _state_row(
        "sang-som-dung-ngay",
        school,
        year,
        deadline=deadline,
        state="approved",
        approved_at=timezone.make_aware(dt.datetime(2026, 9, 4, 5, 30), hcm),
    )
    _state_row(
        "hoc-ba-ky-rang-sang",
        school,
        year,
        record_type="student_record",
        deadline=dt.date(2027, 5, 30),
        state="signed",
        approved_at=timezone.make_aware(dt.datetime(2027, 5, 20, 9), hcm),
        signed_at=timezone.make_aware(dt.datetime(2027, 5, 31, 6, 0), hcm),
    )
    counts = status_counts(
        school_ids=[school.pk], school_year=year, today=dt.date(2027, 6, 1), by=("record_type",)
    )
    assert counts[("school_plan",)].counts[DeadlineStatus.LATE] == 1
    assert counts[("school_plan",)].counts[DeadlineStatus.ON_TIME] == 1
    assert counts[("student_record",)].counts[DeadlineStatus.LATE] == 1


def test_the_reports_today_is_the_day_in_ha_noi_at_dawn():
    from unittest import mock

    from reports.selectors import today_local

    dawn = timezone.make_aware(dt.datetime(2026, 9, 5, 5, 30), timezone.get_default_timezone())
    with mock.patch("django.utils.timezone.now", return_value=dawn.astimezone(dt.UTC)):
        assert today_local() == dt.date(2026, 9, 5)
