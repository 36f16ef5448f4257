"""The demo shows both periods of the 2025 reform (recordpages.demo.authorities): every
demo school has the district office from 2024-2025 and its new ward from 2025-2026,
and the main school's 2024-2025 school plan prints the old header while its 2026-2027
plan prints the new one."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess

import pytest

from archive.rendering import Footer, render_record
from recordpages.demo.authorities import add_authority_terms, add_past_year
from recordpages.demo.records import RecordBuilders
from recordpages.models import (
    AuthorityKind,
    AuthorityTerm,
    RoleCode,
    SchoolPlanPage,
    SchoolYearPage,
)
from tests.factories.pages import SchoolFactory
from tests.factories.people import StaffFactory
from workflow.choices import State
from workflow.demo import apply_demo_states
from workflow.models import RecordState

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 25)


def _school(code: str, ward: str):
    return SchoolFactory(code=code, address=f"Phường {ward}, quận Dương Kinh, Hải Phòng")


@pytest.mark.parametrize(
    ("ward", "new_ward"),
    [
        ("Hòa Nghĩa", "Hưng Đạo"),
        ("Hưng Đạo", "Hưng Đạo"),
        ("Anh Dũng", "Dương Kinh"),
        ("Hải Thành", "Dương Kinh"),
    ],
)
def test_each_demo_school_has_the_district_office_then_its_new_ward(ward, new_ward):
    school = _school("THX", ward)
    add_authority_terms(school)
    add_authority_terms(school)  # the loader may run twice
    before, after = AuthorityTerm.objects.filter(school=school).order_by("starts__start_date")
    assert AuthorityTerm.objects.filter(school=school).count() == 2
    assert (before.starts.name, before.kind) == ("2024-2025", AuthorityKind.DISTRICT_OFFICE)
    assert before.issuing_body == "PHÒNG GD&ĐT QUẬN DƯƠNG KINH"
    assert before.authority_name == "Phòng Giáo dục và Đào tạo quận Dương Kinh"
    assert (before.commune, before.district) == (f"Phường {ward}", "Quận Dương Kinh")
    assert (after.starts.name, after.kind) == ("2025-2026", AuthorityKind.COMMUNE)
    assert after.issuing_body == f"UBND PHƯỜNG {new_ward.upper()}"
    assert after.authority_name == f"Ủy ban nhân dân phường {new_ward}"
    assert after.professional_body == "Sở Giáo dục và Đào tạo Hải Phòng"
    assert (after.commune, after.district) == (f"Phường {new_ward}", "")
    assert before.province == after.province == "Thành phố Hải Phòng"


def _header(state: RecordState) -> str:
    page = state.approved_revision.as_object()
    pdf = render_record(page, footer=Footer(page.pk, 1, "0" * 64, "MA1"), issued_on=TODAY)
    text = subprocess.run(
        ["pdftotext", "-l", "1", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    return re.sub(r"\s+", " ", text)[:200]


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")
def test_the_main_schools_past_year_plan_prints_the_district_office_and_this_years_the_ward():
    school = _school("THHN", "Hòa Nghĩa")
    StaffFactory(school=school, roles=[RoleCode.PRINCIPAL])
    vice = StaffFactory(school=school, roles=[RoleCode.VICE_PRINCIPAL])
    this_year = SchoolYearPage.objects.get(school=school)  # the factory's 2026-2027
    builders = RecordBuilders()
    builders.school_plan(this_year, school, this_year.school_year, vice, builders.rng("x"))
    add_authority_terms(school)
    past = add_past_year(school)
    assert add_past_year(school).pk == past.pk  # idempotent
    assert past.school_year.name == "2024-2025"
    assert past.school_year.start_date == dt.date(2024, 9, 5)

    apply_demo_states(TODAY)  # what the demo command runs after the loader
    states = {
        s.school_year.name: s
        for s in RecordState.objects.filter(school=school, record_type="school_plan")
    }
    assert set(states) == {"2024-2025", "2026-2027"}
    assert all(s.state == State.PUBLISHED for s in states.values()), states
    assert SchoolPlanPage.objects.filter(school=school).count() == 2
    old, new = _header(states["2024-2025"]), _header(states["2026-2027"])
    assert "PHÒNG GD&ĐT QUẬN DƯƠNG KINH" in old and "UBND PHƯỜNG HƯNG ĐẠO" in new
    assert "UBND QUẬN" not in old + new
