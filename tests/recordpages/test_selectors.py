"""Reads derived from the records: the suggested year-end result and the class summary."""

import pytest

from recordpages import selectors
from recordpages.models import (
    AuthorityPage,
    ClassResultSummaryPage,
    CompetenceLevel,
    SchoolPage,
    StudentRecordPage,
    SubjectLevel,
    YearEndResult,
)


@pytest.fixture
def hoc_ba(district):
    return StudentRecordPage.objects.filter(school__code="THAD", school_class__grade=4).first()


def test_year_end_result_is_suggested_by_circular_27(hoc_ba):
    hoc_ba.subject_results.update(level=SubjectLevel.GOOD)
    hoc_ba.competence_results.update(level=CompetenceLevel.GOOD)
    tested = hoc_ba.subject_results.exclude(score_term1=None)
    tested.update(score_year=9)
    assert selectors.suggested_year_end_result(hoc_ba) == YearEndResult.EXCELLENT
    tested.filter(subject="toan").update(score_year=7)
    assert selectors.suggested_year_end_result(hoc_ba) == YearEndResult.GOOD
    hoc_ba.competence_results.filter(competence="cham_chi").update(level=CompetenceLevel.PASS)
    hoc_ba.subject_results.filter(subject="toan").update(level=SubjectLevel.COMPLETED)
    assert selectors.suggested_year_end_result(hoc_ba) == YearEndResult.COMPLETED
    hoc_ba.subject_results.filter(subject="toan").update(level=SubjectLevel.NOT_COMPLETED)
    assert selectors.suggested_year_end_result(hoc_ba) == YearEndResult.NOT_COMPLETED


def test_no_year_end_result_is_suggested_before_results_are_entered(hoc_ba):
    hoc_ba.competence_results.all().delete()
    assert selectors.suggested_year_end_result(hoc_ba) == ""


def test_class_summary_is_derived_from_the_pupils_records(district):
    summary = ClassResultSummaryPage.objects.filter(school__code="THHN").first()
    rows = selectors.summary_rows(summary)
    records = StudentRecordPage.objects.child_of(summary.get_parent())
    assert len(rows) == records.count() == 2
    first = records.order_by("pupil__full_name").first()
    toan = first.subject_results.get(subject="toan")
    toan_index = [s.code for s in selectors.summary_subjects(summary)].index("toan")
    assert rows[0]["pupil"] == first.pupil
    # Each cell is read from the summary's own period (Thông tư 27/2020 Điều 6–7).
    assert rows[0]["subjects"][toan_index] == {
        "code": "toan",
        "level": getattr(toan, selectors.PERIOD_LEVEL_FIELD[summary.period]),
        "score": getattr(toan, selectors.PERIOD_SCORE_FIELD[summary.period]),
    }
    totals = selectors.summary_totals(summary, rows)
    assert totals["pupils"] == 2
    assert sum(totals["subjects"]["toan"].values()) == 2
    assert selectors.summary_totals(summary) == totals


def test_report_logic_lives_in_selectors_not_on_the_page_models():
    # Models keep fields and panels (issue 12): a computation found on a model
    # would be a second place for the same rule.
    for name in ("rows", "totals", "subjects", "student_records"):
        assert not hasattr(ClassResultSummaryPage, name), name
    assert not hasattr(StudentRecordPage, "suggested_year_end_result")


def test_public_page_lists_come_from_the_public_selectors_not_the_page_models():
    # The lists of schools and published plans are asked of reports.public.selectors
    # by the templates; a second query on the model ("published" without the expiry
    # check) was a second, diverging rule for what the public may see.
    assert "get_context" not in vars(AuthorityPage)
    assert "get_context" not in vars(SchoolPage)
