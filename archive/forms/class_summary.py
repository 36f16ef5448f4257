"""Bảng tổng hợp kết quả đánh giá giáo dục của lớp: the nine official templates.

Three periods (giữa học kì, cuối học kì I, cuối năm học) × three grade bands (lớp 1–2,
lớp 3, lớp 4–5), Thông tư 27/2020 Điều 6–7, 9–11. Each template's columns are declared
below, one entry per template, so a reviewer reads a template's columns in one place;
the template (templates/pdf/class_summary.html) only loops over what is prepared here.
The rows come from the pupils' học bạ (recordpages.selectors.summary_rows), each cell
from the summary's own period.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from archive.specs import A4_LANDSCAPE, DocumentSpec
from recordpages import programme, selectors
from recordpages.models import (
    ClassResultSummaryPage,
    CompetenceLevel,
    SubjectLevel,
    YearEndResult,
)

# The subjects of each band, in the order of the học bạ (programme.SUBJECTS).
_GRADES_1_2 = (
    "tieng_viet",
    "toan",
    "ngoai_ngu_1",  # tự chọn in grades 1-2: a column, empty for a class without it
    "dao_duc",
    "tu_nhien_xa_hoi",
    "giao_duc_the_chat",
    "am_nhac",
    "mi_thuat",
    "hoat_dong_trai_nghiem",
)
_GRADE_3 = (
    "tieng_viet",
    "toan",
    "ngoai_ngu_1",
    "dao_duc",
    "tu_nhien_xa_hoi",
    "tin_hoc_cong_nghe",
    "giao_duc_the_chat",
    "am_nhac",
    "mi_thuat",
    "hoat_dong_trai_nghiem",
)
_GRADES_4_5 = (
    "tieng_viet",
    "toan",
    "ngoai_ngu_1",
    "dao_duc",
    "lich_su_dia_li",
    "khoa_hoc",
    "tin_hoc_cong_nghe",
    "giao_duc_the_chat",
    "am_nhac",
    "mi_thuat",
    "hoat_dong_trai_nghiem",
)
# Điều 7: periodic tests at the end of term I and of the year in the compulsory tested
# subjects; grades 4-5 also at mid-term in Tiếng Việt and Toán only.
_TESTED_1_2 = ("tieng_viet", "toan")
_TESTED_3 = ("tieng_viet", "toan", "ngoai_ngu_1", "tin_hoc_cong_nghe")
_TESTED_4_5 = (
    "tieng_viet",
    "toan",
    "ngoai_ngu_1",
    "lich_su_dia_li",
    "khoa_hoc",
    "tin_hoc_cong_nghe",
)
_MIDTERM_TESTED_4_5 = ("tieng_viet", "toan")


@dataclass(frozen=True)
class SummaryForm:
    """One official template: its subject columns (a level each), the subjects that
    also have a "Điểm KTĐK" column, and whether the year-end columns are printed
    (Kết quả giáo dục, Khen thưởng, Hoàn thành chương trình lớp học / tiểu học). Every
    template has the 5 qualities and 10 competences."""

    period_label: str
    band_label: str
    subjects: tuple[str, ...]
    scored: tuple[str, ...] = ()
    year_end: bool = False


FORMS: dict[str, SummaryForm] = {
    "giua_ky/1-2": SummaryForm("giữa học kì", "lớp 1, 2", _GRADES_1_2),
    "giua_ky/3": SummaryForm("giữa học kì", "lớp 3", _GRADE_3),
    "giua_ky/4-5": SummaryForm("giữa học kì", "lớp 4, 5", _GRADES_4_5, _MIDTERM_TESTED_4_5),
    "cuoi_hk1/1-2": SummaryForm("cuối học kì I", "lớp 1, 2", _GRADES_1_2, _TESTED_1_2),
    "cuoi_hk1/3": SummaryForm("cuối học kì I", "lớp 3", _GRADE_3, _TESTED_3),
    "cuoi_hk1/4-5": SummaryForm("cuối học kì I", "lớp 4, 5", _GRADES_4_5, _TESTED_4_5),
    "cuoi_nam/1-2": SummaryForm("cuối năm học", "lớp 1, 2", _GRADES_1_2, _TESTED_1_2, True),
    "cuoi_nam/3": SummaryForm("cuối năm học", "lớp 3", _GRADE_3, _TESTED_3, True),
    "cuoi_nam/4-5": SummaryForm("cuối năm học", "lớp 4, 5", _GRADES_4_5, _TESTED_4_5, True),
}

_COMPETENCE_GROUPS = (
    ("Phẩm chất chủ yếu", programme.QUALITIES),
    ("Năng lực chung", programme.GENERAL_COMPETENCES),
    ("Năng lực đặc thù", programme.SPECIFIC_COMPETENCES),
)


def completion_label(grade: int) -> str:
    """Điều 11: grade 5 completes the primary programme, the others their grade's."""
    if grade == 5:
        return _("Hoàn thành chương trình tiểu học")
    return _("Hoàn thành chương trình lớp học")


def _subject_headers(form: SummaryForm) -> list[dict[str, Any]]:
    return [
        {"name": programme.SUBJECTS_BY_CODE[code].name, "scored": code in form.scored}
        for code in form.subjects
    ]


def _cells(form: SummaryForm, row: selectors.SummaryRow, codes: list[str]) -> list[str]:
    """A row's level and score cells in the template's column order."""
    by_code = {cell["code"]: cell for cell in row["subjects"]}
    cells: list[str] = []
    for code in form.subjects:
        cell = by_code.get(code) if code in codes else None
        cells.append(cell["level"] if cell else "")
        if code in form.scored:
            score = cell["score"] if cell else None
            cells.append("" if score is None else str(score))
    return [*cells, *row["competences"]]


def _foot(form: SummaryForm, totals: selectors.SummaryTotals) -> list[dict[str, Any]]:
    """The class totals under each level column: one row per level letter, counting
    the subjects' T/H/C and the qualities' and competences' T/Đ/C (score columns
    stay empty)."""
    rows = []
    for subject_level, competence_level in zip(
        SubjectLevel.values, CompetenceLevel.values, strict=True
    ):
        cells: list[str] = []
        for code in form.subjects:
            counts = totals["subjects"].get(code)
            cells.append(str(counts[subject_level]) if counts else "")
            if code in form.scored:
                cells.append("")
        for code, _label in programme.COMPETENCE_CHOICES:
            cells.append(str(totals["competences"][code][competence_level]))
        letters = subject_level
        if competence_level != subject_level:
            letters = f"{subject_level} / {competence_level}"
        rows.append({"label": _("Số học sinh mức %(level)s") % {"level": letters}, "cells": cells})
    return rows


def class_summary(page: ClassResultSummaryPage) -> DocumentSpec:
    """The template of the page's period and grade band, its rows and class totals."""
    form = FORMS[page.template_key]
    grade = page.grade or 1
    rows = selectors.summary_rows(page)
    totals = selectors.summary_totals(page, rows)
    codes = [subject.code for subject in selectors.summary_subjects(page)]
    labels = dict(YearEndResult.choices)
    for row in rows:
        row["result_label"] = labels.get(row["result"], row["result"])
        row["cells"] = _cells(form, row, codes)
    subject_columns = sum(2 if code in form.scored else 1 for code in form.subjects)
    return DocumentSpec(
        template="pdf/class_summary.html",
        page_size=A4_LANDSCAPE,
        title=page.title,
        context={
            "form": form,
            "period_label": page.get_period_display(),
            "subject_headers": _subject_headers(form),
            "subject_column_count": subject_columns,
            "competence_groups": _COMPETENCE_GROUPS,
            "competences": programme.COMPETENCE_CHOICES,
            "completion_label": completion_label(grade),
            "rows": rows,
            "foot": _foot(form, totals),
            "totals": totals,
            "result_totals": [(labels[code], n) for code, n in totals["results"].items()],
            "school_class": page.school_class,
        },
    )
