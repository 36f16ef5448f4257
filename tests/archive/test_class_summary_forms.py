"""Bảng tổng hợp kết quả đánh giá giáo dục: the nine official templates (period × grade
band, Thông tư 27/2020 Điều 6–7, 9–11), each rendered for a small factory class with
approved học bạ and read back with pdftotext: the title, the subject and score columns
of that period and band, the 15 qualities and competences, the year-end columns only at
the end of the year, the cells of the summary's own period only, the class totals and
the homeroom teacher's and the principal's signature blocks."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import pytest

from archive.forms.class_summary import FORMS, class_summary
from archive.rendering import render_record, render_record_with_boxes
from recordpages import programme, selectors
from recordpages.demo.authorities import add_authority_terms
from recordpages.models import (
    CompetenceResult,
    RoleCode,
    SchoolYear,
    SchoolYearPage,
    StudentRecordPage,
    SubjectResult,
    SummaryPeriod,
)
from tests.archive.form_pictures import keep_first_page
from tests.factories import (
    ClassSummaryFactory,
    PupilFactory,
    SchoolClassFactory,
    StaffFactory,
    StudentRecordFactory,
    take_to,
)
from workflow.choices import State

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed"),
]

ISSUED = dt.date(2025, 5, 20)
TEACHER = "Lê Thị Hồng Nhung"
PRINCIPAL = "Trần Văn Hưng"
# Each period's level and score differ, so a cell read from another period shows.
SUBJECT_LEVEL = {"level_mid1": "H", "level_term1": "T", "level_mid2": "C", "level": "T"}
COMPETENCE_LEVEL = {"level_mid1": "Đ", "level_term1": "T", "level_mid2": "C", "level": "T"}
SCORES = {"score_mid1": 5, "score_term1": 7, "score_mid2": 6, "score_year": 8}
GRADE_OF_BAND = {"1-2": 1, "3": 3, "4-5": 5}
PERIOD_OF_TEMPLATE = {
    "giua_ky": SummaryPeriod.MIDTERM,
    "cuoi_hk1": SummaryPeriod.TERM1,
    "cuoi_nam": SummaryPeriod.YEAR,
}
SUBJECT_NAMES = {s.code: s.name for s in programme.SUBJECTS}
COMPETENCE_NAMES = [name for _code, name in programme.COMPETENCE_CHOICES]
COMMENDATION = "Học sinh Tiêu biểu"
YEAR_END_HEADINGS = ("Kết quả giáo dục", "Khen thưởng", "Hoàn thành chương trình")


def _record(school_class, pupil_name: str, *, excellent: bool) -> StudentRecordPage:
    grade = school_class.grade
    pupil = PupilFactory(
        school=school_class.school, school_class=school_class, full_name=pupil_name
    )
    record = StudentRecordFactory(
        school_class=school_class,
        pupil=pupil,
        results=False,
        year_end_result="HTT" if excellent else "CHT",
        commendation=COMMENDATION if excellent else "",
        promotion=("ht_tieu_hoc" if grade == 5 else "len_lop") if excellent else "o_lai",
    )
    SubjectResult.objects.bulk_create(
        SubjectResult(
            page=record,
            sort_order=order,
            subject=subject.code,
            **SUBJECT_LEVEL,
            **{
                field: score
                for field, score in SCORES.items()
                if subject.has_test(grade)
                and (field in ("score_term1", "score_year") or subject.has_midterm_test(grade))
            },
        )
        for order, subject in enumerate(programme.subjects_for_grade(grade))
    )
    CompetenceResult.objects.bulk_create(
        CompetenceResult(page=record, sort_order=order, competence=code, **COMPETENCE_LEVEL)
        for order, (code, _label) in enumerate(programme.COMPETENCE_CHOICES)
    )
    take_to(record, State.APPROVED)
    return record


def _summary(grade: int, period: str):
    """A class of `grade` with two approved học bạ (one completing the grade, one
    not) and its summary of `period`."""
    teacher = StaffFactory(full_name=TEACHER, roles=[RoleCode.TEACHER])
    school = teacher.school
    StaffFactory(school=school, full_name=PRINCIPAL, roles=[RoleCode.PRINCIPAL])
    add_authority_terms(school, ward="Hòa Nghĩa")  # 2026-2027: the ward's People's Committee
    school_class = SchoolClassFactory(
        school=school,
        school_year=_year_of(school),
        name=f"{grade}A",
        homeroom_teacher=teacher,
    )
    _record(school_class, "Lê Bảo An", excellent=True)
    _record(school_class, "Vũ Minh Châu", excellent=False)
    return ClassSummaryFactory(school_class=school_class, period=period)


def _year_of(school) -> SchoolYear:
    return SchoolYearPage.objects.filter(school=school).first().school_year


def _text(pdf: bytes, tmp_path, *, layout: bool = True) -> str:
    """pdftotext's text: with -layout a pupil's row is one line; without it a wrapped
    upright heading stays together (read with _words)."""
    path = tmp_path / "summary.pdf"
    path.write_bytes(pdf)
    command = ["pdftotext", *(["-layout"] if layout else []), str(path), "-"]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def _words(pdf: bytes, tmp_path) -> str:
    return " ".join(_text(pdf, tmp_path, layout=False).split())


def _row_line(text: str, name: str) -> list[str]:
    """The cells printed on a pupil's row, as words, without the name."""
    line = next(line for line in text.splitlines() if name in line)
    return line.replace(name, " ").split()


@pytest.mark.parametrize("key", sorted(FORMS))
def test_each_of_the_nine_templates_prints_its_own_columns_and_period(key, tmp_path):
    period_key, band = key.split("/")
    grade = GRADE_OF_BAND[band]
    summary = _summary(grade, PERIOD_OF_TEMPLATE[period_key])
    assert summary.template_key == key
    form = FORMS[key]
    spec = class_summary(summary)
    pdf = render_record(summary, footer=None, issued_on=ISSUED)
    text, flat = _text(pdf, tmp_path), _words(pdf, tmp_path)
    keep_first_page(pdf, f"class_summary-{period_key}-{band}", tmp_path)

    assert "BẢNG TỔNG HỢP KẾT QUẢ ĐÁNH GIÁ GIÁO DỤC" in flat.upper()
    assert "UBND PHƯỜNG HƯNG ĐẠO" in flat  # the authority of 2026-2027, after the reform
    assert f"Mẫu {form.period_label} – dùng cho {form.band_label}" in flat
    # Subjects: those of the band, nothing of another band.
    for code, name in SUBJECT_NAMES.items():
        if name not in COMPETENCE_NAMES:  # "Khoa học" is also a competence
            assert (name in flat) == (code in form.subjects), (key, name)
    headers = spec.context["subject_headers"]
    assert [h["name"] for h in headers] == [SUBJECT_NAMES[code] for code in form.subjects]
    for name in COMPETENCE_NAMES:
        assert name in flat, name
    # Score columns: only the subjects tested in that period at that band.
    scored = [h["name"] for h in headers if h["scored"]]
    assert scored == [SUBJECT_NAMES[code] for code in form.scored]
    assert flat.count("Điểm KTĐK") == len(form.scored)
    # Year-end columns only at the end of the year.
    for heading in YEAR_END_HEADINGS:
        assert (heading in flat) == form.year_end, (key, heading)

    # The row prints the period's levels and scores, never another period's.
    field = selectors.PERIOD_LEVEL_FIELD[summary.period]
    score = SCORES[selectors.PERIOD_SCORE_FIELD[summary.period]]
    cells = _row_line(text, "Lê Bảo An")
    expected = [SUBJECT_LEVEL[field]] * len(form.subjects) + [COMPETENCE_LEVEL[field]] * 15
    expected += [str(score)] * len(form.scored)
    if form.year_end:
        expected += ["HTT", "x"]
        assert COMMENDATION in flat
        cells = [cell for cell in cells if cell not in COMMENDATION.split()]
    assert sorted(cells[1:]) == sorted(expected), cells  # cells[0] is the STT


def test_mid_term_summary_never_prints_a_term_1_or_year_level(tmp_path):
    summary = _summary(5, SummaryPeriod.MIDTERM)
    text = _text(render_record(summary, footer=None, issued_on=ISSUED), tmp_path)
    cells = _row_line(text, "Lê Bảo An")[1:]
    # Mid-term I: H for subjects, Đ for competences, 5 for Tiếng Việt and Toán.
    assert set(cells) == {"H", "Đ", "5"}, cells
    assert cells.count("5") == 2
    assert "T" not in cells and "7" not in cells and "8" not in cells
    row = selectors.summary_rows(summary)[0]
    assert {cell["level"] for cell in row["subjects"]} == {"H"}
    assert row["result"] == "" and row["commendation"] == "" and row["completed"] is None


def test_second_mid_term_reads_the_second_mid_term_fields_on_the_mid_term_template(tmp_path):
    summary = _summary(4, SummaryPeriod.MIDTERM2)
    assert summary.template_key == "giua_ky/4-5"
    assert summary.title.startswith(
        "Bảng tổng hợp kết quả đánh giá giáo dục giữa học kì II – Lớp 4A"
    )
    text = _text(render_record(summary, footer=None, issued_on=ISSUED), tmp_path)
    cells = _row_line(text, "Vũ Minh Châu")[1:]
    assert set(cells) == {"C", "6"}, cells


def test_year_end_totals_count_each_level_the_results_and_the_completed(tmp_path):
    summary = _summary(5, SummaryPeriod.YEAR)
    totals = selectors.summary_totals(summary)
    assert totals["pupils"] == 2
    assert totals["subjects"]["toan"] == {"T": 2, "H": 0, "C": 0}
    assert totals["competences"]["yeu_nuoc"] == {"T": 2, "Đ": 0, "C": 0}
    assert totals["results"] == {"HTXS": 0, "HTT": 1, "HT": 0, "CHT": 1}
    assert totals["completed"] == 1
    pdf = render_record(summary, footer=None, issued_on=ISSUED)
    text, flat = _text(pdf, tmp_path), _words(pdf, tmp_path)
    assert "Hoàn thành tốt: 1; Hoàn thành: 0; Chưa hoàn thành: 1" in flat
    assert "Hoàn thành chương trình tiểu học: 1/2 học sinh" in flat
    foot = _row_line(text, "Số học sinh mức T")
    # 11 subjects and 15 qualities and competences, every pupil at T.
    assert foot.count("2") == 11 + 15, foot


def test_mid_term_totals_count_the_mid_term_levels_and_no_results(tmp_path):
    summary = _summary(3, SummaryPeriod.MIDTERM)
    totals = selectors.summary_totals(summary)
    assert totals["subjects"]["tieng_viet"] == {"T": 0, "H": 2, "C": 0}
    assert totals["competences"]["tu_chu_tu_hoc"] == {"T": 0, "Đ": 2, "C": 0}
    assert totals["results"] == {"HTXS": 0, "HTT": 0, "HT": 0, "CHT": 0}
    assert totals["completed"] == 0
    flat = _words(render_record(summary, footer=None, issued_on=ISSUED), tmp_path)
    assert "Kết quả giáo dục:" not in flat


def test_grade_below_5_completes_the_grade_not_primary_school(tmp_path):
    summary = _summary(1, SummaryPeriod.YEAR)
    flat = _words(render_record(summary, footer=None, issued_on=ISSUED), tmp_path)
    assert "Hoàn thành chương trình lớp học: 1/2 học sinh" in flat
    assert "tiểu học" not in flat.replace("Trường Tiểu học", "")


CHAIN = (
    ("Ky_giao_vien_chu_nhiem", "Giáo viên chủ nhiệm"),
    ("Ky_hieu_truong", "Hiệu trưởng"),
    ("Ky_dong_dau", "Văn thư (đóng dấu)"),
)


def test_signed_summary_has_the_homeroom_teachers_and_the_principals_boxes_not_names(tmp_path):
    summary = _summary(3, SummaryPeriod.YEAR)
    pdf, boxes = render_record_with_boxes(summary, footer=None, issued_on=ISSUED, blocks=CHAIN)
    assert [box.field for box in boxes] == [field for field, _label in CHAIN]
    assert all(box.page == boxes[0].page for box in boxes)
    text = _text(pdf, tmp_path)
    assert "GIÁO VIÊN CHỦ NHIỆM" in text.upper() and "HIỆU TRƯỞNG" in text.upper()
    # Where a signature goes the box is empty: no printed principal's name.
    assert PRINCIPAL not in text


def test_paper_summary_names_the_homeroom_teacher_under_the_title(tmp_path):
    summary = _summary(3, SummaryPeriod.YEAR)
    text = _text(render_record(summary, footer=None, issued_on=ISSUED), tmp_path)
    lines = [line for line in text.splitlines() if line.strip()]
    title = next(i for i, line in enumerate(lines) if "GIÁO VIÊN CHỦ NHIỆM" in line)
    assert any(TEACHER in line for line in lines[title + 1 :])


def test_declared_templates_agree_with_the_programme():
    """FORMS spells each template's columns out for review; they must still be the
    programme's subjects and tests of every grade of the band (Điều 7)."""
    for key, form in FORMS.items():
        period_key, band = key.split("/")
        for grade in (1, 2, 3, 4, 5):
            if programme.grade_band(grade) != band:
                continue
            subjects = programme.subjects_for_grade(grade)
            assert form.subjects == tuple(s.code for s in subjects), key
            tested = [
                s.code
                for s in subjects
                if (s.has_midterm_test(grade) if period_key == "giua_ky" else s.has_test(grade))
            ]
            assert form.scored == tuple(tested), key
            assert form.year_end == (period_key == "cuoi_nam"), key
