"""Tests that notice a broken rule (issue 11), continued: (b) the deadline day of each
record type, as pure functions on unsaved objects, part of the mutation-testing
command (tests/mutation/). Whether it was met is SQL: see
tests/workflow/test_deadline_status_table.py.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from recordpages import registry
from tests.workflow.unsaved import as_read
from workflow import deadlines

# --- (b) the deadline day of Article 12 ---------------------------------------------
# Whether a record met it is one SQL annotation (workflow.deadlines.with_status):
# its boundary cases, early-morning local times included, are one table in
# tests/workflow/test_deadline_status_table.py.

YEAR = SimpleNamespace(first_year=2026)


def test_the_deadlines_of_article_12():
    assert deadlines.deadline_for("school_plan", school_year=YEAR) == dt.date(2026, 9, 4)
    assert deadlines.deadline_for("group_plan", school_year=YEAR) == dt.date(2026, 9, 4)
    for record_type in ("student_record", "class_summary", "enrollment_register"):
        assert deadlines.deadline_for(record_type, school_year=YEAR) == dt.date(2027, 5, 30)
    monday = dt.date(2026, 9, 14)
    assert deadlines.deadline_for("lesson_plan", school_year=YEAR, week_start=monday) == dt.date(
        2026, 9, 10
    )
    assert deadlines.deadline_for("lesson_plan", school_year=YEAR) is None
    custom = dt.date(2026, 10, 15)
    assert deadlines.deadline_for("other", school_year=YEAR, custom=custom) == custom
    assert registry.get("student_record").milestone == "signed"
    assert registry.get("lesson_plan").milestone == "approved"


def test_a_lesson_plan_is_approved_three_whole_days_before_teaching():
    monday = dt.date(2026, 9, 14)
    # The record type as a row holds it (an equal, distinct string): `==`, not `is`.
    deadline = deadlines.deadline_for(as_read("lesson_plan"), school_year=YEAR, week_start=monday)
    assert deadline == dt.date(2026, 9, 10)


def test_a_hoc_ba_of_a_year_starting_in_an_odd_year_is_signed_by_30_may_of_the_next():
    odd = SimpleNamespace(first_year=2025)
    assert deadlines.deadline_for("student_record", school_year=odd) == dt.date(2026, 5, 30)
    assert deadlines.deadline_for("school_plan", school_year=odd) == dt.date(2025, 9, 4)
