"""The demo pupils' earlier school years and placeholder portraits (issue 16):
consistent with the programme and Thông tư 27/2020, and made again identically."""

from __future__ import annotations

import datetime as dt
import io
import random
import time

import pytest
from PIL import Image as PILImage

from recordpages import programme
from recordpages.demo.history import (
    PORTRAIT_COLLECTION,
    add_portraits,
    add_prior_years,
    initials,
    portrait_jpeg,
    year_end_result,
)
from recordpages.models import PriorYearResult, Pupil, SchoolYear
from tests.factories import PupilFactory, SchoolFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cohort():
    year, _ = SchoolYear.objects.get_or_create(
        name="2026-2027", defaults=SchoolYear.defaults_for(2026)
    )
    school = SchoolFactory(code="THHS", year=year)
    by_grade: dict[int, list[tuple[Pupil, str]]] = {}
    for grade in (1, 3, 5):
        for n in range(3):
            pupil = PupilFactory(school=school, entry_date=dt.date(2026 - grade + 1, 9, 5))
            by_grade.setdefault(grade, []).append((pupil, f"{grade}{'AB'[n % 2]}"))
    return school, year, by_grade


def test_a_grade_5_pupil_gets_grades_1_to_4_in_the_four_years_before(cohort):
    school, year, by_grade = cohort
    add_prior_years(school, year, by_grade, random.Random(1))
    pupil, class_name = by_grade[5][1]
    rows = list(PriorYearResult.objects.filter(pupil=pupil).order_by("school_year"))
    assert [(r.school_year, r.grade, r.class_name) for r in rows] == [
        ("2022-2023", 1, "1B"),
        ("2023-2024", 2, "2B"),
        ("2024-2025", 3, "3B"),
        ("2025-2026", 4, "4B"),
    ]
    assert rows[0].entered_on == dt.date(2022, 9, 5)
    assert all(r.school_name == school.name and r.source == "hoc_ba_giay" for r in rows)
    assert all(r.signed_on.month == 5 and 20 <= r.signed_on.day <= 25 for r in rows)
    assert all(r.signed_on.year == int(r.school_year[5:]) for r in rows)
    assert all(r.homeroom_teacher and r.promotion == "len_lop" for r in rows)


def test_a_grade_1_pupil_has_no_earlier_year_and_a_grade_3_pupil_two(cohort):
    school, year, by_grade = cohort
    made = add_prior_years(school, year, by_grade, random.Random(1))
    assert made == 3 * 4 + 3 * 2
    assert not PriorYearResult.objects.filter(pupil__in=[p for p, _ in by_grade[1]]).exists()
    assert PriorYearResult.objects.filter(pupil=by_grade[3][0][0]).count() == 2


def test_prior_years_follow_the_programme_only_tested_subjects_scored(cohort):
    school, year, by_grade = cohort
    add_prior_years(school, year, by_grade, random.Random(2))
    for row in PriorYearResult.objects.all():
        expected = [
            s.code for s in programme.subjects_for_grade(row.grade, include_electives=False)
        ]
        assert [s["subject"] for s in row.subjects] == expected
        for line in row.subjects:
            subject = programme.SUBJECTS_BY_CODE[line["subject"]]
            assert line["level"] in {"T", "H", "C"}
            if subject.has_test(row.grade):
                assert isinstance(line["score"], int) and 1 <= line["score"] <= 10
            else:
                assert line["score"] is None, (row.grade, line)
        codes = [c["competence"] for c in row.competences]
        assert codes == [code for code, _label in programme.COMPETENCE_CHOICES]
        assert {c["level"] for c in row.competences} <= {"T", "Đ", "C"}
        assert row.year_end_result == year_end_result(row.subjects, row.competences)


def test_a_promoted_year_never_ends_not_completed(cohort):
    school, year, by_grade = cohort
    add_prior_years(school, year, by_grade, random.Random(3))
    results = set(PriorYearResult.objects.values_list("year_end_result", flat=True))
    assert results and "CHT" not in results


def test_year_end_result_follows_thong_tu_27():
    good = [{"level": "T", "score": 9}, {"level": "T", "score": None}]
    tops = [{"level": "T"}]
    assert year_end_result(good, tops) == "HTXS"
    assert year_end_result([{"level": "T", "score": 8}], tops) == "HTT"
    assert year_end_result([{"level": "H", "score": 9}], tops) == "HT"
    assert year_end_result(good, [{"level": "Đ"}]) == "HT"
    assert year_end_result([{"level": "C", "score": 9}], tops) == "CHT"


def test_adding_prior_years_twice_adds_nothing_the_second_time(cohort):
    school, year, by_grade = cohort
    add_prior_years(school, year, by_grade, random.Random(1))
    before = list(PriorYearResult.objects.order_by("pk").values_list("pk", "subjects"))
    assert add_prior_years(school, year, by_grade, random.Random(9)) == 0
    assert list(PriorYearResult.objects.order_by("pk").values_list("pk", "subjects")) == before


def test_a_portrait_is_a_small_3_by_4_jpeg_the_same_for_the_same_pupil():
    data = portrait_jpeg("Nguyễn Thị Ngọc Ánh", "3101260007")
    assert data == portrait_jpeg("Nguyễn Thị Ngọc Ánh", "3101260007")
    image = PILImage.open(io.BytesIO(data))
    assert image.format == "JPEG" and image.size == (240, 320)
    assert len(data) < 20_000
    assert initials("Nguyễn Thị Ngọc Ánh") == "NÁ"
    assert initials("Đỗ Quang Huy") == "ĐH"


def test_every_pupil_gets_a_portrait_in_the_schools_photo_collection(cohort):
    school, _year, by_grade = cohort
    pupils = [p for entries in by_grade.values() for p, _ in entries]
    assert add_portraits(pupils) == len(pupils)
    for pupil in pupils:
        pupil.refresh_from_db()
        assert pupil.photo is not None
        assert pupil.photo.title == f"Ảnh học sinh {pupil.full_name}"
        assert pupil.photo.collection.name == PORTRAIT_COLLECTION
        assert pupil.photo.collection.get_parent().name == school.name
        assert (pupil.photo.width, pupil.photo.height) == (240, 320)
    assert add_portraits(Pupil.objects.filter(pk__in=[p.pk for p in pupils])) == 0


def test_portraits_and_prior_years_of_100_pupils_take_under_two_seconds(cohort):
    """The demo's 2,800 pupils may add at most ~20 s to `make run`."""
    school, year, _by_grade = cohort
    pupils = [PupilFactory(school=school) for _ in range(100)]
    started = time.perf_counter()
    add_portraits(pupils)
    add_prior_years(school, year, {5: [(p, "5A") for p in pupils]}, random.Random(4))
    elapsed = time.perf_counter() - started
    print(f"100 pupils: portraits and 4 prior years each in {elapsed:.2f} s")
    assert elapsed < 2.0
