"""The học bạ editor's result tables as compact grids (issue #18): light to open, and
saving what the InlinePanels saved, with their messages, as a new draft revision."""

from __future__ import annotations

from html.parser import HTMLParser
from types import SimpleNamespace

import pytest
from wagtail.models import Revision

from recordpages.models import StudentRecordPage
from tests.conftest import kept_for_module
from tests.factories import PupilFactory, SchoolClassFactory, StudentRecordFactory, school_world


@pytest.fixture(scope="module")
def _world(django_db_setup, django_db_blocker):
    with kept_for_module(django_db_blocker), django_db_blocker.unblock():
        world = school_world()
        teacher = world.staff["hn.giaovien"]
        class_5a = SchoolClassFactory(
            school=world.school, school_year=world.year, name="5A", homeroom_teacher=teacher
        )
        pupils = [PupilFactory(school=world.school, school_class=class_5a) for _n in range(2)]
        yield SimpleNamespace(
            teacher=teacher.user,
            full=StudentRecordFactory(school_class=class_5a, pupil=pupils[0]).pk,
            empty=StudentRecordFactory(school_class=class_5a, pupil=pupils[1], results=False).pk,
        )


@pytest.fixture
def world(_world, db, client):
    client.force_login(_world.teacher)
    return _world


class _FormFields(HTMLParser):
    """The fields a browser would post from the editor's form, as it shows them."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, str] = {}
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button", "file"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.data[name] = attrs.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""
        elif tag == "select" and name:
            self.data[name] = ""
            self._select = name
        elif tag == "option" and "selected" in attrs:
            self.data[self._select] = attrs.get("value", "")

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None


def opened(client, page_id: int) -> tuple[bytes, dict[str, str]]:
    response = client.get(f"/admin/pages/{page_id}/edit/")
    assert response.status_code == 200
    parser = _FormFields()
    parser.feed(response.content.decode())
    return response.content, parser.data


def cell(data: dict[str, str], relation: str, item: str, field: str) -> str:
    """The posted name of a grid's cell, found by its row's code."""
    item_field = "subject" if relation == "subject_results" else "competence"
    for name, value in data.items():
        if name.startswith(f"{relation}-") and name.endswith(f"-{item_field}") and value == item:
            return name.rsplit("-", 1)[0] + f"-{field}"
    raise AssertionError(f"no row {item} in {relation}")


def test_the_editor_is_two_compact_tables_not_two_hundred_widgets(client, world):
    content, data = opened(client, world.full)
    # Before: 650 KB and a field wrapper per result field (InlinePanel children).
    assert len(content) < 150_000
    assert content.count(b"data-field-wrapper") <= 15
    assert content.count(b'<table class="hoso-grid"') == 2
    assert b"EMPTY_FORM_TEMPLATE" not in content
    # Every subject of grade 5 and every quality and competence has its row.
    assert data["subject_results-TOTAL_FORMS"] == "11"
    assert data["competence_results-TOTAL_FORMS"] == "15"
    # A score is asked only where grade 5 has that test.
    assert "toan" in data.values()
    assert cell(data, "subject_results", "toan", "score_mid1") in data
    dao_duc_score = cell(data, "subject_results", "dao_duc", "score_year")
    assert dao_duc_score not in data


def test_a_round_trip_saves_two_levels_and_a_score_as_a_new_draft(client, world):
    page = StudentRecordPage.objects.get(pk=world.full)
    revisions = Revision.page_revisions.filter(object_id=str(page.pk)).count()
    _content, data = opened(client, world.full)
    data[cell(data, "subject_results", "toan", "level")] = "T"
    data[cell(data, "subject_results", "tieng_viet", "level")] = "H"
    data[cell(data, "subject_results", "toan", "score_year")] = "9"
    data[cell(data, "competence_results", "cham_chi", "level")] = "Đ"

    response = client.post(f"/admin/pages/{world.full}/edit/", data)
    assert response.status_code == 302, response.content.decode()[:2000]

    assert Revision.page_revisions.filter(object_id=str(page.pk)).count() == revisions + 1
    draft = StudentRecordPage.objects.get(pk=world.full).get_latest_revision_as_object()
    results = {r.subject: r for r in draft.subject_results.all()}
    assert (results["toan"].level, results["toan"].score_year) == ("T", 9)
    assert results["tieng_viet"].level == "H"
    assert results["toan"].level_term1 == "T" and results["toan"].score_term1 == 9  # kept
    assert len(results) == 11
    assert {c.competence: c.level for c in draft.competence_results.all()}["cham_chi"] == "Đ"
    # The reopened editor shows what was saved.
    _content, again = opened(client, world.full)
    assert again[cell(again, "subject_results", "toan", "score_year")] == "9"
    assert again[cell(again, "subject_results", "tieng_viet", "level")] == "H"


def test_rows_left_empty_are_not_saved(client, world):
    _content, data = opened(client, world.empty)
    data[cell(data, "subject_results", "toan", "level")] = "H"
    data[cell(data, "competence_results", "trung_thuc", "level_mid1")] = "T"

    response = client.post(f"/admin/pages/{world.empty}/edit/", data)
    assert response.status_code == 302

    draft = StudentRecordPage.objects.get(pk=world.empty).get_latest_revision_as_object()
    assert [(r.subject, r.level) for r in draft.subject_results.all()] == [("toan", "H")]
    assert [(c.competence, c.level_mid1) for c in draft.competence_results.all()] == [
        ("trung_thuc", "T")
    ]


def test_errors_are_shown_in_the_grid_by_row_and_column_in_vietnamese(client, world):
    revisions = Revision.page_revisions.filter(object_id=str(world.full)).count()
    _content, data = opened(client, world.full)
    data[cell(data, "subject_results", "toan", "score_year")] = "11"
    data[cell(data, "subject_results", "tieng_viet", "level")] = "X"
    dao_duc = cell(data, "subject_results", "dao_duc", "score_year")
    data[dao_duc] = "8"

    response = client.post(f"/admin/pages/{world.full}/edit/", data)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Dòng “Toán”, cột “Điểm KTĐK cuối năm”: Điểm kiểm tra định kì là số nguyên" in page
    assert "Dòng “Đạo đức”, cột “Điểm KTĐK cuối năm”: Môn này không có bài kiểm tra" in page
    assert "Dòng “Tiếng Việt”, cột “Mức đạt được cuối năm”: " in page
    # The refused value stays in its cell, marked for screen readers.
    assert f'name="{dao_duc}" value="8"' in page
    assert page.count('aria-invalid="true"') == 3
    assert Revision.page_revisions.filter(object_id=str(world.full)).count() == revisions


def test_a_new_record_opens_with_the_grade_s_rows(client, world):
    parent = StudentRecordPage.objects.get(pk=world.full).get_parent()
    response = client.get(f"/admin/pages/add/recordpages/studentrecordpage/{parent.pk}/")
    assert response.status_code == 200
    assert b'name="subject_results-TOTAL_FORMS" value="11"' in response.content
