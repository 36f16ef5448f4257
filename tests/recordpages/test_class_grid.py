"""The class's year-end grid: the homeroom teacher enters every pupil's year-end levels
and scores on one screen; each changed học bạ becomes a new draft revision through
the editor's guards, in a number of queries that grows by a constant per pupil."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import Revision

from recordpages.models import CompetenceResult, StudentRecordPage, SubjectResult
from recordpages.registry import State
from tests.conftest import kept_for_module
from tests.factories import school_world, take_to

# The most queries saving one more pupil's học bạ may cost (stated in class_grid.py).
QUERIES_PER_PUPIL = 100


@pytest.fixture(scope="module")
def _world(django_db_setup, django_db_blocker):
    with kept_for_module(django_db_blocker), django_db_blocker.unblock():
        world = school_world(pupils_per_class=4)
        class_1b = world.classes["1B"]
        records = list(
            StudentRecordPage.objects.filter(school_class=class_1b).order_by(
                "pupil__enrollments__number"
            )
        )
        yield SimpleNamespace(
            world=world,
            url=f"/admin/lop/{class_1b.page.pk}/ket-qua-cuoi-nam/",
            class_page=class_1b.page.pk,
            records=[record.pk for record in records],
        )


@pytest.fixture
def grid(_world, db, client):
    client.force_login(_world.world.user("hn.giaovien"))
    return _world


def revisions_of(page_id: int) -> int:
    return Revision.page_revisions.filter(object_id=str(page_id)).count()


def draft_results(page_id: int) -> dict[str, tuple[str, int | None]]:
    draft = StudentRecordPage.objects.get(pk=page_id).get_latest_revision_as_object()
    return {r.subject: (r.level, r.score_year) for r in draft.subject_results.all()}


def test_the_homeroom_teacher_saves_two_pupils_as_new_drafts(client, grid):
    response = client.get(grid.url)
    assert response.status_code == 200
    page = response.content.decode()
    first, second, third = grid.records[:3]
    assert f'name="p{first}-toan-level"' in page and f'name="p{first}-toan-score"' in page
    assert f'name="p{first}-dao_duc-score"' not in page  # grade 1: no test in Đạo đức
    before = {pk: revisions_of(pk) for pk in grid.records}

    response = client.post(
        grid.url,
        {
            f"p{first}-toan-level": "T",
            f"p{first}-toan-score": "10",
            f"p{first}-tieng_viet-level": "h",
            f"p{second}-dao_duc-level": "C",
        },
    )

    assert response.status_code == 302
    assert draft_results(first)["toan"] == ("T", 10)
    assert draft_results(first)["tieng_viet"][0] == "H"
    assert draft_results(second)["dao_duc"][0] == "C"
    assert draft_results(second)["toan"] == ("", None)  # untouched
    after = {pk: revisions_of(pk) for pk in grid.records}
    assert after == {**before, first: before[first] + 1, second: before[second] + 1}
    assert third in after


def test_saving_more_pupils_costs_a_constant_number_of_queries_each(client, grid):
    def save(values: dict[str, str]) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.post(grid.url, values)
        assert response.status_code == 302
        return len(queries)

    save({f"p{pk}-am_nhac-level": "T" for pk in grid.records})  # each has a draft now
    one = save({f"p{grid.records[0]}-toan-level": "T"})
    three = save({f"p{pk}-toan-level": "H" for pk in grid.records[1:4]})
    four = save({f"p{pk}-toan-level": "C" for pk in grid.records})
    per_pupil = (three - one) / 2
    assert per_pupil <= QUERIES_PER_PUPIL
    assert abs((four - three) - per_pupil) <= 5  # one record's history differs a little


def test_a_teacher_of_another_class_is_refused(client, grid):
    client.force_login(grid.world.user("hn.totruong1"))
    assert client.get(grid.url).status_code == 403
    response = client.post(grid.url, {f"p{grid.records[0]}-toan-level": "T"})
    assert response.status_code == 403
    assert draft_results(grid.records[0])["toan"][0] == ""


def test_an_approved_record_is_read_only_in_the_grid(client, grid):
    approved = grid.records[1]
    SubjectResult.objects.filter(page_id=approved).update(level="T")
    CompetenceResult.objects.filter(page_id=approved).update(level="T")
    StudentRecordPage.objects.filter(pk=approved).update(year_end_result="HT")
    take_to(StudentRecordPage.objects.get(pk=approved), State.APPROVED)
    before = revisions_of(approved)

    page = client.get(grid.url).content.decode()
    assert f'name="p{approved}-toan-level"' not in page
    assert "muốn sửa phải đề nghị sửa dữ liệu" in page

    response = client.post(
        grid.url,
        {f"p{approved}-toan-level": "C", f"p{grid.records[0]}-toan-level": "T"},
    )
    assert response.status_code == 302
    assert revisions_of(approved) == before
    assert draft_results(approved)["toan"][0] == "T"
    assert draft_results(grid.records[0])["toan"][0] == "T"


def test_errors_name_row_and_column_and_nothing_is_saved(client, grid):
    first, second = grid.records[:2]
    before = {pk: revisions_of(pk) for pk in (first, second)}
    response = client.post(
        grid.url,
        {
            f"p{first}-toan-score": "11",
            f"p{second}-toan-level": "X",
            f"p{second}-tieng_viet-level": "T",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert (
        "Dòng 1 (" in page and "cột Toán: Điểm kiểm tra định kì là số nguyên từ 1 đến 10." in page
    )
    assert "Dòng 2 (" in page
    assert f'name="p{first}-toan-score" value="11"' in page  # kept for correcting
    assert {pk: revisions_of(pk) for pk in (first, second)} == before


def test_the_class_page_links_its_homeroom_teacher_to_the_grid(client, grid):
    page = client.get(f"/admin/pages/{grid.class_page}/").content.decode()
    assert grid.url in page
    client.force_login(grid.world.user("hn.totruong1"))
    assert grid.url not in client.get(f"/admin/pages/{grid.class_page}/").content.decode()
