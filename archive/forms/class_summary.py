"""Bảng tổng hợp kết quả đánh giá giáo dục của lớp: what its PDF prints."""

from __future__ import annotations

from archive.specs import A4_LANDSCAPE, DocumentSpec
from recordpages import programme, selectors
from recordpages.models import ClassResultSummaryPage, YearEndResult


def class_summary(page: ClassResultSummaryPage) -> DocumentSpec:
    """One row per pupil: a level column per subject, a score column only for the
    subjects tested at that grade (or that carry a score), then the 15 qualities and
    competences. Cells are prepared here so the template stays a plain loop."""
    rows = selectors.summary_rows(page)
    labels = dict(YearEndResult.choices)
    grade = page.grade or 1
    subjects = selectors.summary_subjects(page)
    scored = [
        subject.has_test(grade) or any(row["subjects"][i]["score"] is not None for row in rows)
        for i, subject in enumerate(subjects)
    ]
    columns = []
    for subject, has_score in zip(subjects, scored, strict=True):
        columns.append(subject.name)
        if has_score:
            columns.append(f"{subject.name} – điểm KTĐK")
    for row in rows:
        row["result_label"] = labels.get(row["result"], row["result"])
        cells = []
        for cell, has_score in zip(row["subjects"], scored, strict=True):
            cells.append(cell["level"] or "")
            if has_score:
                cells.append("" if cell["score"] is None else cell["score"])
        row["cells"] = [*cells, *(level or "" for level in row["competences"])]
    return DocumentSpec(
        template="pdf/class_summary.html",
        page_size=A4_LANDSCAPE,
        title=page.title,
        context={
            "subjects": subjects,
            "subject_columns": columns,
            "competences": programme.COMPETENCE_CHOICES,
            "rows": rows,
            "totals": selectors.summary_totals(page, rows),
            "school_class": page.school_class,
        },
    )
