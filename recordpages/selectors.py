"""Reads computed from the records: the year-end result Circular 27 suggests and the
class summary table. The page models hold only fields and panels; what is derived
from them lives here, so the PDF, the demo and the tests share one computation."""

from __future__ import annotations

from typing import TypedDict

from django.db.models import QuerySet

from recordpages import programme
from recordpages.models import (
    ClassResultSummaryPage,
    CompetenceLevel,
    CompetenceResult,
    Promotion,
    Pupil,
    StudentRecordPage,
    SubjectLevel,
    SubjectResult,
    SummaryPeriod,
    YearEndResult,
)


class SummarySubjectCell(TypedDict):
    code: str
    level: str
    score: int | None


class SummaryRow(TypedDict, total=False):
    pupil: Pupil
    subjects: list[SummarySubjectCell]
    competences: list[str]
    # The year-end columns: empty before the end of the year.
    result: str
    commendation: str
    completed: bool | None
    # Filled by the PDF renderer, which prepares its own cells.
    result_label: str
    cells: list


class SummaryTotals(TypedDict):
    pupils: int
    subjects: dict[str, dict[str, int]]
    competences: dict[str, dict[str, int]]
    results: dict[str, int]
    completed: int


# Which stored field each period's summary reads (Thông tư 27/2020 Điều 6–7: a level at
# mid-term I, end of term I, mid-term II and end of year; a score where that period has
# a test). A level or score of another period is never printed.
PERIOD_LEVEL_FIELD: dict[str, str] = {
    SummaryPeriod.MIDTERM: "level_mid1",
    SummaryPeriod.TERM1: "level_term1",
    SummaryPeriod.MIDTERM2: "level_mid2",
    SummaryPeriod.YEAR: "level",
}
PERIOD_SCORE_FIELD: dict[str, str] = {
    SummaryPeriod.MIDTERM: "score_mid1",
    SummaryPeriod.TERM1: "score_term1",
    SummaryPeriod.MIDTERM2: "score_mid2",
    SummaryPeriod.YEAR: "score_year",
}
# A pupil who completed the grade's programme (Điều 11): promoted, or the grade or the
# primary programme completed.
COMPLETING = frozenset({Promotion.PROMOTED, Promotion.COMPLETED_GRADE, Promotion.COMPLETED_PRIMARY})


def suggested_year_end_result(record: StudentRecordPage) -> str:
    """What Thông tư 27/2020 Điều 9 gives; the teacher confirms it."""
    subjects = list(record.subject_results.all())
    competences = list(record.competence_results.all())
    if not subjects or not competences:
        return ""
    scores = [s.score_year for s in subjects if s.score_year is not None]
    all_subject_good = all(s.level == SubjectLevel.GOOD for s in subjects)
    all_competence_good = all(c.level == CompetenceLevel.GOOD for c in competences)
    if all_subject_good and all_competence_good and all(score >= 9 for score in scores):
        return YearEndResult.EXCELLENT
    if all_subject_good and all_competence_good and all(score >= 7 for score in scores):
        return YearEndResult.GOOD
    if (
        all(s.level in (SubjectLevel.GOOD, SubjectLevel.COMPLETED) for s in subjects)
        and all(c.level != CompetenceLevel.NEEDS_EFFORT for c in competences)
        and all(score >= 5 for score in scores)
    ):
        return YearEndResult.COMPLETED
    return YearEndResult.NOT_COMPLETED


def summary_subjects(summary: ClassResultSummaryPage) -> list[programme.Subject]:
    """The subjects of the class's grade, in the order of the official table."""
    return programme.subjects_for_grade(summary.grade or 1)


def summary_student_records(summary: ClassResultSummaryPage) -> QuerySet[StudentRecordPage]:
    """The học bạ of the summary's class: its sibling pages, by pupil name."""
    return (
        StudentRecordPage.objects.child_of(summary.tree_parent())
        .select_related("pupil")
        .prefetch_related("subject_results", "competence_results")
        .order_by("pupil__full_name")
    )


def _period_value(result: SubjectResult | CompetenceResult | None, field: str):
    return getattr(result, field) if result is not None else None


def summary_rows(summary: ClassResultSummaryPage) -> list[SummaryRow]:
    """One row per pupil, derived from the học bạ: never typed twice. Each cell reads
    the summary's own period; the year-end columns are filled only at the end of the
    year."""
    level_field = PERIOD_LEVEL_FIELD[summary.period]
    score_field = PERIOD_SCORE_FIELD[summary.period]
    year_end = summary.period == SummaryPeriod.YEAR
    subjects = summary_subjects(summary)
    rows: list[SummaryRow] = []
    for record in summary_student_records(summary):
        by_subject = {r.subject: r for r in record.subject_results.all()}
        by_competence = {r.competence: r for r in record.competence_results.all()}
        rows.append(
            {
                "pupil": record.pupil,
                "subjects": [
                    {
                        "code": s.code,
                        "level": _period_value(by_subject.get(s.code), level_field) or "",
                        "score": _period_value(by_subject.get(s.code), score_field),
                    }
                    for s in subjects
                ],
                "competences": [
                    _period_value(by_competence.get(c), level_field) or ""
                    for c, _label in programme.COMPETENCE_CHOICES
                ],
                "result": record.year_end_result if year_end else "",
                "commendation": record.commendation if year_end else "",
                "completed": (record.promotion in COMPLETING) if year_end else None,
            }
        )
    return rows


def summary_totals(
    summary: ClassResultSummaryPage, rows: list[SummaryRow] | None = None
) -> SummaryTotals:
    """Class totals at the foot: per subject and per quality or competence, the count
    of each level; at the end of the year the results and the completed count."""
    rows = rows if rows is not None else summary_rows(summary)
    per_subject: dict[str, dict[str, int]] = {}
    for index, subject in enumerate(summary_subjects(summary)):
        per_subject[subject.code] = _count(
            SubjectLevel.values, (row["subjects"][index]["level"] for row in rows)
        )
    per_competence = {
        code: _count(CompetenceLevel.values, (row["competences"][index] for row in rows))
        for index, (code, _label) in enumerate(programme.COMPETENCE_CHOICES)
    }
    return {
        "pupils": len(rows),
        "subjects": per_subject,
        "competences": per_competence,
        "results": _count(YearEndResult.values, (row["result"] for row in rows)),
        "completed": sum(1 for row in rows if row.get("completed")),
    }


def _count(levels: list[str], values) -> dict[str, int]:
    counts = dict.fromkeys(levels, 0)
    for value in values:
        if value in counts:
            counts[value] += 1
    return counts
