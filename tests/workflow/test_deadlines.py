"""Article 12 deadlines: the day each record type is due. Whether a record met it
is the annotation of workflow.deadlines, tested as one table of boundary cases in
tests/workflow/test_deadline_status_table.py."""

import datetime as dt
from unittest import mock

import pytest
from django.utils import timezone

from recordpages.models import SchoolYear
from workflow.deadlines import deadline_for

YEAR = SchoolYear(name="2026-2027", start_date=dt.date(2026, 9, 5), end_date=dt.date(2027, 5, 31))


@pytest.mark.parametrize("record_type", ["school_plan", "group_plan"])
def test_plans_must_be_approved_before_the_fifth_of_september(record_type):
    assert deadline_for(record_type, school_year=YEAR) == dt.date(2026, 9, 4)


@pytest.mark.parametrize(
    ("monday", "thursday"),
    [
        (dt.date(2026, 11, 23), dt.date(2026, 11, 19)),
        (dt.date(2027, 1, 4), dt.date(2026, 12, 31)),  # across the new year
    ],
)
def test_a_monday_lesson_is_approved_by_the_previous_thursday(monday, thursday):
    assert deadline_for("lesson_plan", school_year=YEAR, week_start=monday) == thursday


def test_a_lesson_plan_without_its_week_has_no_deadline():
    assert deadline_for("lesson_plan", school_year=YEAR) is None


@pytest.mark.parametrize("record_type", ["student_record", "class_summary", "enrollment_register"])
def test_hoc_ba_class_summary_and_register_are_signed_before_the_31st_of_may(record_type):
    assert deadline_for(record_type, school_year=YEAR) == dt.date(2027, 5, 30)


def test_other_records_use_the_deadline_the_school_set():
    custom = dt.date(2026, 10, 15)
    assert deadline_for("other", school_year=YEAR, custom=custom) == custom
    assert deadline_for("other", school_year=YEAR) is None


def test_the_reports_today_is_the_day_in_ha_noi_at_dawn():
    from reports.selectors import today_local

    dawn = timezone.make_aware(dt.datetime(2026, 9, 5, 5, 30), timezone.get_default_timezone())
    with mock.patch("django.utils.timezone.now", return_value=dawn.astimezone(dt.UTC)):
        assert today_local() == dt.date(2026, 9, 5)
