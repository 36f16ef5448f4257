"""One lesson plan per teacher, class and week, by any path: the model's clean (so
the editor form and a direct save), Wagtail's copy, and the database constraint."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from recordpages.models import LessonPlanPage
from tests.factories.records import LessonPlanFactory


def test_the_lesson_plans_title_names_its_class(plan):
    assert plan.title == (
        f"Kế hoạch bài dạy tuần 12 – lớp 1B – {plan.teacher.full_name} – {plan.group.name}"
    )


def test_two_classes_of_one_teacher_get_two_plans_and_two_slugs(world, teacher, plan):
    other = LessonPlanFactory(teacher=teacher, school_class=world.classes["1A"], slug="")
    assert other.week_number == plan.week_number
    assert other.slug != plan.slug
    assert "lop-1a" in other.slug


def test_a_direct_save_of_a_second_plan_for_the_week_is_refused_in_vietnamese(world, teacher):
    before = LessonPlanPage.objects.count()
    with pytest.raises(ValidationError) as refused:
        LessonPlanFactory(teacher=teacher, school_class=world.classes["1B"], slug="tuan-12-b")
    assert "Đã có kế hoạch bài dạy tuần 12" in str(refused.value.message_dict["week_number"])
    assert LessonPlanPage.objects.count() == before


def test_a_draft_moved_to_a_week_in_its_revision_holds_that_week(world, teacher, plan):
    plan.week_number = 13
    plan.week_start = plan.week_start + dt.timedelta(days=7)
    plan.save_revision()
    newcomer = LessonPlanPage(
        teacher=teacher,
        school_class=world.classes["1B"],
        week_number=13,
        week_start=plan.week_start,
        prepared_on=plan.week_start - dt.timedelta(days=3),
    )
    newcomer._cached_parent_obj = plan.get_parent()
    with pytest.raises(ValidationError) as refused:
        newcomer.full_clean()
    assert "week_number" in refused.value.message_dict


def test_page_copy_moves_the_plan_to_the_next_free_week_with_its_dates(plan):
    copy = plan.copy().specific
    copy.refresh_from_db()
    assert copy.week_number == 13
    assert copy.week_start == plan.week_start + dt.timedelta(days=7)
    assert copy.prepared_on == plan.prepared_on + dt.timedelta(days=7)
    latest = copy.get_latest_revision_as_object()
    assert latest.week_number == 13
    assert latest.lessons[0].value["teaching_date"] == plan.lessons[0].value[
        "teaching_date"
    ] + dt.timedelta(days=7)
    assert latest.timetable[0].value["ppct"] == plan.timetable[0].value["ppct"] + 1
    assert copy.title.startswith("Kế hoạch bài dạy tuần 13 – lớp 1B")
    assert LessonPlanPage.objects.filter(week_number=12, teacher=plan.teacher).count() == 1


def test_page_copy_skips_weeks_already_planned(plan):
    plan.copy()
    third = plan.copy().specific
    assert third.week_number == 14


def test_page_copy_to_a_named_taken_week_is_refused(plan):
    before = LessonPlanPage.objects.count()
    with pytest.raises(ValidationError) as refused:
        plan.copy(update_attrs={"week_number": 12, "slug": "ban-sao"})
    assert "Đã có kế hoạch bài dạy tuần 12" in str(refused.value)
    assert LessonPlanPage.objects.count() == before
