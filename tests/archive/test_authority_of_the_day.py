"""The authority of the day (issue 16): a record's header names the authority in force
for the record's own school year, the district office before the 1 July 2025 reform
and the ward's People's Committee after it; a later change of authority never changes
an earlier record, on paper or in the archive (FORMS.md "Who is above a school")."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess

import pytest
from django.core.management import call_command

from archive import services, storage
from archive.minutes import render_minutes
from archive.models import ArchivedVersion
from archive.rendering import Footer, render_record
from recordpages.models import (
    AuthorityKind,
    AuthorityTerm,
    School,
    SchoolPage,
    SchoolPlanPage,
    SchoolYear,
    SchoolYearPage,
)
from tests.archive.conftest import build_school, pin
from workflow.choices import State
from workflow.models import RecordState

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed"),
]

OFFICE = "PHÒNG GD&ĐT QUẬN DƯƠNG KINH"
WARD = "UBND PHƯỜNG HƯNG ĐẠO"
ISSUED = dt.date(2026, 11, 30)


def _year(first: int) -> SchoolYear:
    year, _ = SchoolYear.objects.get_or_create(
        name=f"{first}-{first + 1}", defaults=SchoolYear.defaults_for(first)
    )
    return year


def _term(school: School, first: int, body: str, kind: str = AuthorityKind.COMMUNE):
    return AuthorityTerm.objects.create(
        school=school,
        starts=_year(first),
        kind=kind,
        issuing_body=body,
        authority_name=body.title(),
        commune="Phường Hưng Đạo",
        province="Thành phố Hải Phòng",
    )


def _reformed_school() -> School:
    """THHN with the district office from 2024-2025 and the ward from 2025-2026."""
    school = build_school(pupils=1, with_records=False).school
    _term(school, 2024, "Phòng GD&ĐT quận Dương Kinh", AuthorityKind.DISTRICT_OFFICE)
    _term(school, 2025, WARD)
    return school


def _plan(school: School, first: int) -> RecordState:
    """An approved school plan of the school's year starting in `first`."""
    year = _year(first)
    year_page = SchoolYearPage.objects.filter(school=school, school_year=year).first()
    if year_page is None:
        year_page = SchoolYearPage(school_year=year)
        SchoolPage.objects.get(school=school).add_child(instance=year_page)
    plan = SchoolPlanPage(
        legal_basis="<p>Căn cứ Thông tư 27/2020/TT-BGDĐT.</p>",
        conditions="<p>Trường có 1 học sinh.</p>",
        objectives="<p>Nâng cao chất lượng giáo dục.</p>",
        organisation="<p>Dạy 2 buổi/ngày.</p>",
        solutions="<p>Đổi mới phương pháp dạy học.</p>",
        implementation="<p>Các tổ chuyên môn triển khai.</p>",
        recipients="- Lưu: VT.",
    )
    year_page.add_child(instance=plan)
    return pin(plan, State.APPROVED)


def _first_lines(pdf: bytes) -> str:
    text = subprocess.run(
        ["pdftotext", "-l", "1", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    return re.sub(r"\s+", " ", text)[:300]


def _printed(state: RecordState) -> str:
    page = state.approved_revision.as_object()  # what the archive renders
    return _first_lines(
        render_record(page, footer=Footer(page.pk, 1, "0" * 64, "MA1"), issued_on=ISSUED)
    )


def test_a_2024_2025_record_is_headed_by_the_district_office_and_a_2026_2027_one_by_the_ward():
    school = _reformed_school()
    before, after = _plan(school, 2024), _plan(school, 2026)
    old, new = _printed(before), _printed(after)
    assert OFFICE in old and WARD not in old
    assert WARD in new and OFFICE not in new
    assert "UBND QUẬN" not in old + new  # the tree's authority is not used once terms exist


def test_a_school_without_terms_keeps_the_page_tree_authority():
    school = build_school(pupils=1, with_records=False).school
    assert "UBND QUẬN DƯƠNG KINH" in _printed(_plan(school, 2024))


def test_a_new_term_leaves_an_old_record_and_its_archived_file_unchanged():
    school = _reformed_school()
    plan = _plan(school, 2024)
    services.freeze_enqueue(record_state=plan)
    assert services.run_once() == 1
    row = ArchivedVersion.objects.get(page_ref=plan.page_id)
    stored = storage.get_store().get(row.key)
    assert OFFICE in _first_lines(stored)

    _term(school, 2027, "UBND PHƯỜNG DƯƠNG KINH")  # a later reform, after archiving
    assert OFFICE in _printed(plan)  # printed again: still its own year's authority
    row.refresh_from_db()
    assert storage.get_store().get(row.key) == stored and storage.sha256(stored) == row.sha256
    out = io.StringIO()
    call_command("archive_verify", stdout=out, stderr=io.StringIO())
    assert "total: 1 checked, 1 intact, 0 not intact" in out.getvalue()


def test_correction_minutes_are_headed_by_the_authority_of_the_corrected_records_year():
    school = _reformed_school()
    record = {"page_id": 1, "record_type": "school_plan", "title": "Kế hoạch"}
    data = {
        "version_before": 1,
        "version_after": 2,
        "changes": [],
        "reason": "Nhập nhầm",
        "consented_at": "2026-11-22T10:00:00+07:00",
    }
    # The worker passes the data only: the record's year is named in it.
    old = render_minutes(
        {**data, "record": {**record, "school_year": "2024-2025"}},
        school=school,
        verification_code="M1",
    )
    new = render_minutes(
        {**data, "record": record}, school=school, school_year=_year(2026), verification_code="M2"
    )
    assert OFFICE in _first_lines(old) and WARD in _first_lines(new)
