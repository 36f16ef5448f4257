"""Record content rules: titles, evaluations, dates."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from recordpages.models import (
    ClassResultSummaryPage,
    LessonPlanPage,
    SchoolYear,
    StudentRecordPage,
    SubjectResult,
)
from tests.conftest import DEMO_TODAY


@pytest.fixture
def hoc_ba(district):
    return StudentRecordPage.objects.filter(school__code="THAD", school_class__grade=4).first()


def test_titles_follow_each_record_types_scheme(district):
    lesson = LessonPlanPage.objects.select_related("teacher", "group", "school_class").filter(
        school_class__isnull=False
    )[0]
    assert lesson.title == (
        f"Kế hoạch bài dạy tuần {lesson.week_number} – lớp {lesson.school_class.name} – "
        f"{lesson.teacher.full_name} – {lesson.group.name}"
    )
    record = StudentRecordPage.objects.select_related("pupil", "school_class").first()
    assert record.title.startswith(
        f"Học bạ – {record.pupil.full_name} – Lớp {record.school_class.name}"
    )
    summary = ClassResultSummaryPage.objects.first()
    assert summary.title.startswith(
        f"Bảng tổng hợp kết quả đánh giá giáo dục {summary.get_period_display()} – Lớp "
    )
    assert summary.slug.isascii()


def test_records_carry_their_school_and_year_from_the_tree(district):
    record = StudentRecordPage.objects.first()
    year_page = record.get_parent().get_parent().specific
    assert record.school_id == year_page.school_id
    assert record.school_year_id == year_page.school_year_id
    assert record.school_class_id == record.get_parent().specific.school_class_id


@pytest.mark.parametrize("score", [0, 11])
def test_periodic_test_scores_are_whole_numbers_from_one_to_ten(hoc_ba, score):
    result = SubjectResult(page=hoc_ba, subject="toan", level="T", score_year=score)
    with pytest.raises(ValidationError) as error:
        result.full_clean()
    assert "từ 1 đến 10" in str(error.value)


def test_subjects_without_periodic_tests_take_no_score(hoc_ba):
    result = SubjectResult(page=hoc_ba, subject="dao_duc", level="T", score_year=9)
    with pytest.raises(ValidationError) as error:
        result.full_clean()
    assert "không có bài kiểm tra định kì" in str(error.value)


def test_midterm_scores_only_for_vietnamese_and_maths_in_grades_four_and_five(district):
    grade_1 = StudentRecordPage.objects.filter(school_class__grade=1).first()
    with pytest.raises(ValidationError):
        SubjectResult(page=grade_1, subject="toan", level="T", score_mid1=8).full_clean()
    grade_4 = StudentRecordPage.objects.filter(school_class__grade=4).first()
    SubjectResult(page=grade_4, subject="toan", level="T", score_mid1=8).full_clean()


def test_lesson_week_must_start_on_a_monday(district):
    lesson = LessonPlanPage.objects.first()
    lesson.week_start = lesson.week_start + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        lesson.full_clean()
    assert "thứ Hai" in str(error.value)


@pytest.mark.django_db
def test_school_year_names_run_over_two_consecutive_years():
    with pytest.raises(ValidationError):
        SchoolYear(
            name="2024-2026", start_date=DEMO_TODAY, end_date=DEMO_TODAY.replace(year=2027)
        ).full_clean()
    SchoolYear(name="2030-2031", **SchoolYear.defaults_for(2030)).full_clean()
