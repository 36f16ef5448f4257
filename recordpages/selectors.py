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
    result: str
    commendation: str
    # Filled by the PDF renderer, which prepares its own cells.
    result_label: str
    cells: list


class SummaryTotals(TypedDict):
    pupils: int
    subjects: dict[str, dict[str, int]]
    results: dict[str, int]


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


def _period_score(period: str, result: SubjectResult | None) -> int | None:
    if result is None:
        return None
    return {
        SummaryPeriod.MIDTERM: result.score_mid1,
        SummaryPeriod.TERM1: result.score_term1,
        SummaryPeriod.YEAR: result.score_year,
    }[period]


def summary_rows(summary: ClassResultSummaryPage) -> list[SummaryRow]:
    """One row per pupil, derived from the học bạ: never typed twice."""
    term1 = summary.period in (SummaryPeriod.TERM1, SummaryPeriod.MIDTERM)
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
                        "level": (
                            by_subject[s.code].level_term1 if term1 else by_subject[s.code].level
                        )
                        if s.code in by_subject
                        else "",
                        "score": _period_score(summary.period, by_subject.get(s.code)),
                    }
                    for s in subjects
                ],
                "competences": [
                    (by_competence[c].level_term1 if term1 else by_competence[c].level)
                    if c in by_competence
                    else ""
                    for c, _label in programme.COMPETENCE_CHOICES
                ],
                "result": "" if term1 else record.year_end_result,
                "commendation": "" if term1 else record.commendation,
            }
        )
    return rows


def summary_totals(
    summary: ClassResultSummaryPage, rows: list[SummaryRow] | None = None
) -> SummaryTotals:
    """Class totals at the foot: per subject, count of each level; results."""
    rows = rows if rows is not None else summary_rows(summary)
    per_subject: dict[str, dict[str, int]] = {}
    for index, subject in enumerate(summary_subjects(summary)):
        counts = {level: 0 for level in SubjectLevel.values}
        for row in rows:
            level = row["subjects"][index]["level"]
            if level in counts:
                counts[level] += 1
        per_subject[subject.code] = counts
    results = {value: 0 for value in YearEndResult.values}
    for row in rows:
        if row["result"] in results:
            results[row["result"]] += 1
    return {"pupils": len(rows), "subjects": per_subject, "results": results}
