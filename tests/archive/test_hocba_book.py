"""The học bạ as the book it is (issue 16): every school year of the pupil, oldest
first, from the imported years and the product's records; "Quá trình học tập" one row a
year; the school as the authority of the year names it; a constant number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from archive.forms.hocba import book_for, signed_statement
from recordpages.hocba.book import SignedBy, Source
from recordpages.models import AuthorityTerm, StudentRecordPage
from tests.archive.hocba_world import (
    CURRENT,
    EARLIER_CODE,
    EARLIER_TEACHER,
    OLD_SCHOOL,
    PRINCIPAL,
    TEACHER,
    build_hocba_world,
)

pytestmark = pytest.mark.django_db

YEARS = ["2022-2023", "2023-2024", "2024-2025", "2025-2026", CURRENT]


def _frozen(world):
    return world.state.approved_revision.as_object()


def test_a_grade_5_book_holds_five_years_oldest_first_the_current_year_last():
    world = build_hocba_world()
    book = book_for(_frozen(world))
    assert [y.school_year for y in book.years] == YEARS
    assert [y.grade for y in book.years] == [1, 2, 3, 4, 5]
    assert [y.source for y in book.years] == [
        Source.OTHER_SCHOOL,
        Source.OTHER_SCHOOL,
        Source.PAPER,
        Source.PAPER,
        Source.RECORD,
    ]
    assert book.current is book.years[-1] and book.current.record_id == world.page.pk
    assert book.current.promotion_label == "Hoàn thành chương trình tiểu học"
    grade_1 = book.years[0]
    assert grade_1.school_name == OLD_SCHOOL and grade_1.year_end_result_label == "Hoàn thành"
    assert [s.level_label for s in grade_1.subjects][:2] == ["Hoàn thành", "Hoàn thành"]
    assert {c.level for c in grade_1.qualities} == {"Đ"}  # Đ, never D


def test_quá_trình_học_tập_has_one_row_a_year_with_register_number_and_entry_dates():
    world = build_hocba_world()
    rows = book_for(_frozen(world)).history
    assert [r.school_year for r in rows] == YEARS
    assert [r.class_name for r in rows] == ["1A", "2A", "3A", "4A", "5A"]
    # The register number is this school's: none at the school the pupil came from.
    assert [r.register_number for r in rows] == ["", "", "017/2024", "017/2024", "017/2024"]
    # The date of entry at each school: grade 1 there, the transfer here in grade 3.
    assert [r.entered_on for r in rows] == [
        dt.date(2022, 9, 5),
        None,
        dt.date(2024, 8, 20),
        None,
        None,
    ]


def test_the_current_years_signatures_are_the_digital_blocks_of_this_file():
    world = build_hocba_world()
    signers = book_for(_frozen(world)).current.signers
    assert [(s.role, s.signed_by) for s in signers] == [
        ("giao_vien_chu_nhiem", SignedBy.DIGITAL),
        ("hieu_truong", SignedBy.DIGITAL),
    ]
    assert signers[0].name == TEACHER


def test_an_imported_year_says_it_was_signed_on_the_paper_hoc_ba():
    world = build_hocba_world()
    year = book_for(_frozen(world)).years[2]
    assert {s.signed_by for s in year.signers} == {SignedBy.PAPER}
    teacher = year.signers[0]
    assert teacher.name == "Giáo viên lớp 3"
    assert signed_statement(year, teacher.signed_by, teacher.signed_on) == (
        "Đã ký trên học bạ giấy ngày 25/05/2025"
    )


def test_a_year_recorded_in_the_product_wins_over_the_imported_row_and_prints_as_approved():
    world = build_hocba_world(earlier_in_product=True)
    # The live row changed behind the workflow's back: the book prints what was approved.
    StudentRecordPage.objects.filter(pk=world.earlier.pk).update(teacher_comment="Sửa sau")
    book = book_for(_frozen(world))
    assert [y.school_year for y in book.years] == YEARS
    grade_4 = book.years[3]
    assert grade_4.source == Source.RECORD and grade_4.record_id == world.earlier.pk
    assert grade_4.teacher_comment == "Năm lớp 4 trong hệ thống."
    assert grade_4.year_end_result == "HTT"  # the record's, not the imported "HT"
    assert grade_4.verification_code == EARLIER_CODE
    teacher, principal = grade_4.signers
    assert (teacher.name, principal.name) == (EARLIER_TEACHER, PRINCIPAL)
    assert {teacher.signed_by, principal.signed_by} == {SignedBy.ARCHIVED}
    assert signed_statement(grade_4, teacher.signed_by, teacher.signed_on) == (
        f"Đã ký số ngày 18/05/2026 – bản lưu trữ mã {EARLIER_CODE}"
    )


def test_an_earlier_record_without_signature_rows_names_its_approver():
    world = build_hocba_world(earlier_in_product=True)
    from archive.models import Signature

    Signature.objects.filter(page_ref=world.earlier.pk).delete()
    grade_4 = book_for(_frozen(world)).years[3]
    assert grade_4.signers[0].name == EARLIER_TEACHER  # the class's homeroom teacher
    assert grade_4.signers[1].name == PRINCIPAL  # who approved it
    assert grade_4.signers[1].signed_on == dt.date(2026, 5, 18)


def test_the_school_is_named_by_the_authority_term_in_force_for_the_year():
    world = build_hocba_world()
    school = book_for(_frozen(world)).school
    assert school.issuing_body == "UBND PHƯỜNG DƯƠNG KINH"
    assert (school.commune, school.district, school.province) == (
        "Phường Dương Kinh",
        "",
        "Thành phố Hải Phòng",
    )
    assert school.professional_body == "Sở Giáo dục và Đào tạo Hải Phòng"


def test_without_an_authority_term_the_school_falls_back_to_the_page_trees_authority():
    world = build_hocba_world()
    AuthorityTerm.objects.filter(school=world.school).delete()
    school = book_for(_frozen(world)).school
    assert school.issuing_body == "UBND QUẬN DƯƠNG KINH"
    assert school.commune == world.school.place_name


def test_the_book_takes_the_same_number_of_queries_for_one_year_as_for_five():
    one = build_hocba_world(code="THQ1", priors=False)
    five = build_hocba_world(code="THQ5", earlier_in_product=True)
    counts = []
    for world, years in ((one, 1), (five, 5)):
        frozen = _frozen(world)
        book_for(frozen)  # warm: content types, renditions
        with CaptureQueriesContext(connection) as queries:
            book = book_for(frozen)
        assert len(book.years) == years
        counts.append(len(queries))
    # The same queries, whatever the years; a book with earlier records of the product
    # adds only the two that fetch their results (Django skips them when there are none).
    assert counts[1] - counts[0] == 2 and counts[1] <= 12, counts
