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


def sign_hoc_ba_along_its_chain(world, *, teacher_has_certificate: bool = True):
    """The world's học bạ taken through its chain: the homeroom teacher hands it in, the
    principal approves, the clerk confirms the paper copy and applies the seal (each
    with a certificate bound, the teacher's if asked)."""
    from signatures import binding
    from workflow.actions.transitions import TakeStep

    page = complete_student_record(world.records["student_record"])
    if teacher_has_certificate:
        binding.bind_dev_certificate(world.staff["hn.giaovien"])
    binding.bind_dev_certificate(world.staff["hn.hieutruong"])
    for username, step in (
        ("hn.giaovien", "submit"),
        ("hn.hieutruong", "approve"),
        ("hn.vanthu", "confirm_paper"),
        ("hn.vanthu", "sign"),
    ):
        TakeStep(user=world.staff[username].user, page_id=page.pk, step=step).execute()
    return page


@pytest.fixture
def states(district):
    ensure_all_record_states()
    return district


__all__ = ["SubjectResult", "complete_student_record", "sign_hoc_ba_along_its_chain", "user"]
