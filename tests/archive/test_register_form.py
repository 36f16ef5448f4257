"""The sổ đăng bộ as the register it is (issue 16): each pupil's grade-1 photo, the whole
study history (imported years and this product's), "Hoàn thành chương trình tiểu học"
from the grade-5 result; and its data file archived beside the signed print (R8),
checked by archive_verify and carried by the year package."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import random
import subprocess
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models.fields.files import FieldFile
from django.test.utils import CaptureQueriesContext

from archive import services as archive_services
from archive import storage
from archive.forms.register import register_lines
from archive.models import ArchivedVersion
from archive.package import build_year_package
from archive.rendering import Footer, render_record
from recordpages.demo.history import add_portraits, add_prior_years
from recordpages.models import RegisterEntry, StudentRecordPage
from tests.archive.test_pdfa import _structure
from tests.factories import (
    EnrollmentRegisterFactory,
    PupilFactory,
    SchoolClassFactory,
    school_world,
    take_to,
)
from workflow.choices import State

pytestmark = pytest.mark.django_db

YEARS = ["2022-2023", "2023-2024", "2024-2025", "2025-2026", "2026-2027"]


def grade5_cohort(world, pupils: int = 3):
    """Class 5A of 2026-2027 (khóa 2022-2027): the first two pupils with a photo, every
    pupil's grades 1–4 imported from paper, the first two with a học bạ that says
    "Hoàn thành chương trình tiểu học"; its register."""
    teacher = world.staff["hn.giaovien"]
    school_class = SchoolClassFactory(
        school=world.school, school_year=world.year, name="5A", homeroom_teacher=teacher
    )
    cohort = [
        PupilFactory(school=world.school, school_class=school_class, entry_date=dt.date(2022, 9, 5))
        for _n in range(pupils)
    ]
    add_portraits(cohort[:2])
    add_prior_years(world.school, world.year, {5: [(p, "5A") for p in cohort]}, random.Random(5))
    for pupil in cohort[:2]:
        school_class.page.add_child(
            instance=StudentRecordPage(
                pupil=pupil,
                author=teacher,
                slug=f"hoc-ba-{pupil.ministry_id}",
                year_end_result="HTT",
                promotion="ht_tieu_hoc",
            )
        )
    register = EnrollmentRegisterFactory(
        school=world.school,
        year=world.year,
        author=world.staff["hn.vanthu"],
        cohort="2022-2027",
        pupils=cohort,
    )
    return register, cohort


@pytest.fixture
def world():
    return school_world()


def _pdf(register) -> bytes:
    footer = Footer(register.pk, 1, "0" * 64, f"CODE{register.pk}")
    return render_record(register, footer=footer, issued_on=dt.date(2027, 5, 28))


def _text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "so-dang-bo.pdf"
    path.write_bytes(pdf)
    result = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True)
    return " ".join(result.stdout.split())


def test_a_grade_5_pupils_history_has_all_five_years_with_the_imported_ones(world):
    register, cohort = grade5_cohort(world)
    [line, *_rest] = register_lines(register)
    assert line.pupil == cohort[0]
    assert [y.school_year for y in line.history] == YEARS
    assert [y.class_name for y in line.history] == ["1A", "2A", "3A", "4A", "5A"]
    assert [y.imported for y in line.history] == [True] * 4 + [False]
    assert all(y.promotion_label == "Được lên lớp" for y in line.history[:4])
    assert line.history[-1].result_label == "Hoàn thành tốt"


def test_completion_of_primary_school_comes_from_the_grade_5_result(world):
    register, _cohort = grade5_cohort(world)
    lines = register_lines(register)
    assert [line.completed_on for line in lines] == [dt.date(2027, 5, 31)] * 2 + [None]


def test_the_clerks_own_completion_date_wins_over_the_grade_5_result(world):
    register, cohort = grade5_cohort(world)
    RegisterEntry.objects.filter(page=register, pupil=cohort[0]).update(
        completed_on=dt.date(2027, 5, 25)
    )
    register.refresh_from_db()
    assert register_lines(register)[0].completed_on == dt.date(2027, 5, 25)


def test_the_printed_register_shows_history_result_and_completion(world, tmp_path):
    register, cohort = grade5_cohort(world)
    text = _text(_pdf(register), tmp_path)
    assert "Hoàn thành chương trình tiểu học" in text
    for year, grade in zip(YEARS, range(1, 6), strict=True):
        assert f"{year} – lớp {grade}A" in text, text
    assert "31/05/2027" in text
    assert "Được lên lớp" in text and "Hoàn thành tốt" in text


def test_every_photo_prints_with_the_pupils_name_as_alt_text(world):
    register, cohort = grade5_cohort(world)
    _catalog, elements = _structure(_pdf(register))
    alts = [str(e.get("/Alt", "")) for e in elements if e["/S"] == "/Figure"]
    photos = sorted(alt for alt in alts if not alt.startswith("Mã QR"))
    assert photos == sorted(f"Ảnh học sinh {p.full_name}" for p in cohort[:2]), alts


def test_a_photo_is_read_from_storage_not_from_a_local_path(world, monkeypatch):
    """An S3 store has no local path: the register must not ask for one."""
    register, _cohort = grade5_cohort(world)

    def no_path(self):
        raise NotImplementedError("This backend doesn't support absolute paths.")

    monkeypatch.setattr(FieldFile, "path", property(no_path))
    lines = register_lines(register)
    assert [bool(line.photo) for line in lines] == [True, True, False]
    assert lines[0].photo.startswith("data:image/jpeg;base64,")


def test_a_missing_photo_file_leaves_the_cell_empty(world):
    register, cohort = grade5_cohort(world)
    cohort[0].photo.file.storage.delete(cohort[0].photo.file.name)
    lines = register_lines(register)
    assert lines[0].photo == "" and lines[1].photo


def _queries(register) -> int:
    register.refresh_from_db()
    with CaptureQueriesContext(connection) as captured:
        register_lines(register)
    return len(captured)


def test_the_registers_lines_take_the_same_queries_for_3_or_12_pupils(world):
    small, _cohort = grade5_cohort(world, pupils=3)
    big_class = SchoolClassFactory(school=world.school, school_year=world.year, name="4A")
    pupils = [PupilFactory(school=world.school, school_class=big_class) for _n in range(12)]
    add_portraits(pupils)
    add_prior_years(world.school, world.year, {4: [(p, "4A") for p in pupils]}, random.Random(1))
    big = EnrollmentRegisterFactory(
        school=world.school, year=world.year, cohort="2023-2028", pupils=pupils
    )
    assert _queries(small) == _queries(big)


# --- the data file beside the print ---------------------------------------------------


def _frozen(register, state: str = State.SIGNED) -> ArchivedVersion:
    take_to(register, state)
    archive_services.freeze_missing()
    while archive_services.run_once():
        pass
    return ArchivedVersion.objects.get(page_ref=register.pk, kind="record")


def _rows(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())  # Excel reads it as UTF-8
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_freezing_the_register_archives_its_data_file_beside_the_pdf(world):
    register, cohort = grade5_cohort(world)
    row = _frozen(register)
    assert row.data_file_key == row.key.removesuffix(".pdf") + ".du-lieu.csv"
    assert row.data_file_name == "so-dang-bo-khoa-2022-2027.du-lieu.csv"
    data = storage.get_store().get(row.data_file_key)
    assert storage.sha256(data) == row.data_file_sha256 and len(data) == row.data_file_size
    header, *rows = _rows(data)
    assert len(rows) == len(cohort)
    first = dict(zip(header, rows[0], strict=True))
    assert first["Họ và tên"] == cohort[0].full_name
    assert first["Mã định danh"] == cohort[0].ministry_id  # text, leading zeros kept
    assert first["Ngày sinh"] == cohort[0].date_of_birth.strftime("%d/%m/%Y")
    assert first["Hoàn thành chương trình tiểu học"] == "31/05/2027"
    assert first["Có ảnh"] == "có"
    assert [first[f"Năm thứ {n} – năm học"] for n in range(1, 6)] == YEARS
    assert [first[f"Năm thứ {n} – lớp"] for n in range(1, 6)] == ["1A", "2A", "3A", "4A", "5A"]
    assert first["Năm thứ 5 – kết quả"] == "Hoàn thành tốt"
    assert first["Năm thứ 5 – lên lớp"] == "Hoàn thành chương trình tiểu học"


def test_the_verification_page_names_the_data_file_and_its_hash(world, client):
    register, _cohort = grade5_cohort(world)
    row = _frozen(register)
    page = client.get(f"/xac-thuc/{row.verification_code}/").content.decode()
    assert "Kèm tệp dữ liệu" in page and row.data_file_name in page
    assert row.data_file_sha256 in page


def test_another_record_type_gets_no_data_file(world):
    row = _frozen(world.records["other"], State.APPROVED)
    assert (row.data_file_key, row.data_file_sha256, row.data_file_size) == ("", "", 0)


def test_archive_verify_checks_the_data_file_and_finds_it_tampered(world):
    register, _cohort = grade5_cohort(world)
    row = _frozen(register)
    out = io.StringIO()
    call_command("archive_verify", kind=["data_file"], stdout=out)
    assert "data_file: 1 checked, 1 intact, 0 not intact" in out.getvalue()

    path = Path(storage.get_store().root, row.data_file_key)
    os.chmod(path, 0o644)
    path.write_bytes(path.read_bytes().replace("Được lên lớp".encode(), "Ở lại lớp".encode()))
    out = io.StringIO()
    with pytest.raises(CommandError, match="failed verification"):
        call_command("archive_verify", kind=["data_file"], stdout=out)
    assert f"TAMPERED    {row.data_file_key}" in out.getvalue()
    recorded = row.data_file_sha256
    row.refresh_from_db()
    assert row.data_file_sha256 == recorded  # the index unchanged


def test_the_year_package_carries_the_data_file_and_the_history_in_its_export(world):
    register, cohort = grade5_cohort(world)
    row = _frozen(register)
    zipped, manifest = build_year_package(world.school, world.year)
    [entry] = [d for d in manifest["documents"] if d["record_id"] == register.pk]
    listed = entry["data_file"]
    assert listed["path"] == entry["path"].removesuffix(".pdf") + ".du-lieu.csv"
    assert listed["sha256"] == row.data_file_sha256 and listed["sha256_matches_index"]
    bag = zipfile.ZipFile(io.BytesIO(zipped))
    top = bag.namelist()[0].split("/")[0]
    assert bag.read(f"{top}/{listed['path']}") == storage.get_store().get(row.data_file_key)
    assert listed["path"] in bag.read(f"{top}/manifest-sha256.txt").decode()

    header, *rows = _rows(bag.read(f"{top}/data/exports/so-dang-bo.csv"))
    assert header[-1] == "Khóa" and "Năm thứ 5 – lớp" in header
    mine = [dict(zip(header, r, strict=True)) for r in rows if r[-1] == "2022-2027"]
    assert [r["Họ và tên"] for r in mine] == [p.full_name for p in cohort]
    assert mine[0]["Năm thứ 1 – năm học"] == "2022-2023"
