"""The editor's create form: a second plan for the teacher, class and week is refused
on the week field, and a duplicate that raced past the check (the database refuses
it) is a form error too, never a 500."""

from __future__ import annotations

import pytest
from django.urls import reverse
from wagtail.test.utils.form_data import nested_form_data, streamfield

from recordpages.models import LessonPlanPage
from tests.week.helpers import client_for


def _form(world, teacher, plan, week: int) -> dict:
    return nested_form_data(
        {
            "title": "",
            "teacher": teacher.pk,
            "week_number": str(week),
            "week_start": plan.week_start.strftime("%d/%m/%Y"),
            "prepared_on": plan.prepared_on.strftime("%d/%m/%Y"),
            "school_class": world.classes["1B"].pk,
            "timetable": streamfield([]),
            "lessons": streamfield([]),
            "adjustments": "",
        }
    )


def _add_url(world) -> str:
    return reverse(
        "wagtailadmin_pages:add", args=["recordpages", "lessonplanpage", world.group.page.pk]
    )


def test_the_editor_refuses_a_second_plan_for_the_week_on_the_week_field(world, teacher, plan):
    count = LessonPlanPage.objects.count()
    response = client_for(teacher.user).post(_add_url(world), _form(world, teacher, plan, 12))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "Đã có kế hoạch bài dạy tuần 12" in " ".join(errors["week_number"])
    assert LessonPlanPage.objects.count() == count


def test_the_editor_creates_the_plan_for_a_free_week(world, teacher, plan):
    response = client_for(teacher.user).post(_add_url(world), _form(world, teacher, plan, 20))
    assert response.status_code == 302, response.context["form"].errors
    assert LessonPlanPage.objects.filter(teacher=teacher, week_number=20).exists()


def test_a_duplicate_the_database_refuses_is_a_form_error_not_a_500(
    world, teacher, plan, monkeypatch
):
    # Two saves racing past the check: the check sees nothing, the constraint refuses.
    monkeypatch.setattr(LessonPlanPage, "same_week_plan", lambda self: None)
    count = LessonPlanPage.objects.count()
    response = client_for(teacher.user).post(_add_url(world), _form(world, teacher, plan, 12))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "Đã có kế hoạch bài dạy tuần 12" in " ".join(errors["week_number"])
    assert LessonPlanPage.objects.count() == count


@pytest.mark.parametrize("week", [12])
def test_the_copy_view_makes_no_second_plan_for_the_week(world, teacher, plan, week):
    # Wagtail's own copy form, posted straight: sent to the week copy, nothing copied.
    count = LessonPlanPage.objects.count()
    response = client_for(teacher.user).post(
        reverse("wagtailadmin_pages:copy", args=[plan.pk]),
        {"new_title": "x", "new_slug": "ban-sao", "new_parent_page": world.group.page.pk},
    )
    assert response["Location"] == reverse("week_copy_plan", args=[plan.pk])
    assert LessonPlanPage.objects.count() == count
    assert LessonPlanPage.objects.filter(teacher=teacher, week_number=week).count() == 1
