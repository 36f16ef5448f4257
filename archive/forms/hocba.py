"""Học bạ (Thông tư 27/2020, Phụ lục 1): what its PDF prints."""

from __future__ import annotations

from archive.specs import A4_PORTRAIT, DocumentSpec
from recordpages import programme
from recordpages.models import CompetenceLevel, StudentRecordPage, SubjectLevel


def _levels(results, attr: str) -> dict[str, str]:
    return {getattr(r, attr): r for r in results}


def student_record(page: StudentRecordPage) -> DocumentSpec:
    grade = page.grade or 1
    by_subject = _levels(page.subject_results.all(), "subject")
    subjects = []
    for subject in programme.subjects_for_grade(grade):
        result = by_subject.get(subject.code)
        subjects.append(
            {
                "name": subject.name,
                "level": SubjectLevel(result.level).label if result and result.level else "",
                "level_code": result.level if result else "",
                "score": result.score_year if result and subject.has_test(grade) else None,
                "comment": result.comment if result else "",
            }
        )
    by_comp = _levels(page.competence_results.all(), "competence")

    def comp_rows(pairs):
        rows = []
        for code, name in pairs:
            result = by_comp.get(code)
            rows.append(
                {
                    "name": name,
                    "level": CompetenceLevel(result.level).label if result and result.level else "",
                    "comment": result.comment if result else "",
                }
            )
        return rows

    pupil = page.pupil
    history = (
        pupil.enrollments.select_related("school_class__school_year", "school_class__school")
        .order_by("school_class__school_year__start_date")
        .all()[:5]
    )
    return DocumentSpec(
        template="pdf/student_record.html",
        page_size=A4_PORTRAIT,
        title=page.title,
        context={
            "pupil": pupil,
            "school_class": page.school_class,
            "subjects": subjects,
            "qualities": comp_rows(programme.QUALITIES),
            "general_competences": comp_rows(programme.GENERAL_COMPETENCES),
            "specific_competences": comp_rows(programme.SPECIFIC_COMPETENCES),
            "history": history,
            "year_end_result": page.get_year_end_result_display(),
            "promotion": page.get_promotion_display(),
        },
    )
