import pytest
from django.contrib.auth import get_user_model

from recordpages import selectors
from recordpages.models import SubjectResult
from workflow.services import ensure_all_record_states


def user(username):
    return get_user_model().objects.get(username=username)


def complete_student_record(page):
    """Fill the year-end evaluation a homeroom teacher enters before submitting."""
    for result in page.subject_results.all():
        result.level = result.level_term1 or "H"
        if result.score_term1 is not None:
            result.score_year = result.score_term1
        result.save()
    page.competence_results.update(level="T")
    page.year_end_result = selectors.suggested_year_end_result(page)
    page.promotion = "len_lop"
    page.save()
    return page


@pytest.fixture
def states(district):
    ensure_all_record_states()
    return district


__all__ = ["SubjectResult", "complete_student_record", "user"]
