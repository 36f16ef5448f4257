"""Reading, previewing and applying CSDL ngành exports (R13) on the sample files."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from imports.models import DataFile
from imports.reader import ImportFileError, read_workbook
from imports.selectors import data_files_for
from imports.services import import_apply, import_preview, import_upload
from recordpages.models import ClassEnrollment, Pupil, School, SchoolClass, SchoolYear, StaffProfile

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).resolve().parents[2] / "testdata" / "csdl"


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


@pytest.fixture
def school_year():
    school = School.objects.create(
        code="THHN", name="Trường Tiểu học Hòa Nghĩa", place_name="Dương Kinh"
    )
    year = SchoolYear.objects.create(name="2026-2027", **SchoolYear.defaults_for(2026))
    for name in ("1A", "1B", "4A", "4B"):
        SchoolClass.objects.create(school=school, school_year=year, name=name, grade=int(name[0]))
    return school, year


def upload(school_year, name: str):
    school, year = school_year
    return import_upload(
        user=None, school=school, school_year=year, data=sample(name), filename=name
    )


def apply(school_year, name: str):
    plan, data_file = upload(school_year, name)
    assert data_file is not None, [e.message for e in plan.errors]
    return import_apply(user=None, data_file=data_file)


def test_header_found_on_row_8_although_the_sheet_declares_a_wrong_size():
    workbook = read_workbook(sample("hoa-nghia-hoc-sinh-2026-2027.xlsx"))
    sheet = workbook.sheets[0]
    assert sheet.header_row == 8
    assert len(sheet.rows) == 7  # the file declares A1:T4
    assert "TRƯỜNG TIỂU HỌC HÒA NGHĨA" in workbook.title_text


def test_clean_file_preview_lists_every_addition_and_writes_nothing(school_year):
    school, year = school_year
    plan = import_preview(
        school=school,
        school_year=year,
        data=sample("hoa-nghia-hoc-sinh-2026-2027.xlsx"),
        filename="a.xlsx",
    )
    assert not plan.has_errors
    sheet = plan.sheets[0]
    assert [r.key for r in sheet.added] == [
        "0312600101", "0312600102", "0312600103", "0312600104", "0312300105", "0312300106", "0312300107",
    ]  # fmt: skip
    first = {c.label: c.after for c in sheet.added[0].changes}
    assert first["Ngày sinh"] == "12/03/2020"
    assert first["Lớp"] == "1A"
    assert "Xã/Phường (cũ)" in sheet.ignored_headers
    assert Pupil.objects.count() == 0 and DataFile.objects.count() == 0


def test_clean_file_applies_with_text_ids_dates_and_new_address_units(school_year):
    school, year = school_year
    plan = apply(school_year, "hoa-nghia-hoc-sinh-2026-2027.xlsx")
    assert plan.counts()["pupils"] == {"added": 7, "changed": 0, "unchanged": 0, "errors": 0}
    pupil = Pupil.objects.get(ministry_id="0312600102")
    assert pupil.full_name == "Trần Ngọc Ánh"
    assert pupil.date_of_birth == dt.date(2020, 7, 1)  # an Excel date cell
    assert pupil.sex == "nu"
    assert pupil.mother_name == "Phạm Thị Hòa"  # "Hoà" normalised
    assert (
        pupil.address == "Tổ dân phố 3, Phường Hòa Nghĩa, Thành phố Hải Phòng"
    )  # not the (cũ) units
    assert ClassEnrollment.objects.get(pupil=pupil).school_class.name == "1A"
    files = data_files_for(school=school, school_year=year)
    assert len(files) == 1
    assert files[0].content == sample("hoa-nghia-hoc-sinh-2026-2027.xlsx")
    assert len(files[0].sha256) == 64


def test_applying_the_same_file_twice_changes_nothing(school_year):
    apply(school_year, "hoa-nghia-hoc-sinh-2026-2027.xlsx")
    before = list(Pupil.objects.order_by("pk").values())
    enrollments = list(ClassEnrollment.objects.order_by("pk").values())
    applied_at = DataFile.objects.get().applied_at
    plan = apply(school_year, "hoa-nghia-hoc-sinh-2026-2027.xlsx")
    assert not plan.has_writes
    assert plan.counts()["pupils"]["unchanged"] == 7
    assert list(Pupil.objects.order_by("pk").values()) == before
    assert list(ClassEnrollment.objects.order_by("pk").values()) == enrollments
    assert DataFile.objects.get().applied_at == applied_at


def test_reimport_with_changes_shows_the_exact_field_diff(school_year):
    school, year = school_year
    apply(school_year, "hoa-nghia-hoc-sinh-2026-2027.xlsx")
    plan, _file = upload(school_year, "hoa-nghia-hoc-sinh-cap-nhat.xlsx")
    sheet = plan.sheets[0]
    assert sheet.header_row == 4
    assert [r.key for r in sheet.added] == ["0312600108"]
    assert {r.key: [(c.label, c.before, c.after) for c in r.changes] for r in sheet.changed} == {
        "0312600103": [("Lớp", "1B", "1A")],
        "0312600104": [
            (
                "Nơi ở hiện nay",
                "Tổ dân phố 3, Phường Hòa Nghĩa, Thành phố Hải Phòng",
                "Tổ dân phố 7, Phường Hòa Nghĩa, Thành phố Hải Phòng",
            )
        ],
        "0312300106": [("Họ tên mẹ", "Ngô Thị Huyền", "Ngô Thị Huyền Trang")],
    }
    assert sorted(sheet.unchanged) == ["0312300105", "0312300107", "0312600101", "0312600102"]
    apply(school_year, "hoa-nghia-hoc-sinh-cap-nhat.xlsx")
    moved = Pupil.objects.get(ministry_id="0312600103")
    assert list(
        ClassEnrollment.objects.filter(pupil=moved).values_list("school_class__name", flat=True)
    ) == ["1A"]
    assert Pupil.objects.count() == 8
    assert len(data_files_for(school=school, school_year=year)) == 2


def test_bad_rows_are_listed_with_row_number_and_reason_and_nothing_is_written(school_year):
    plan, data_file = upload(school_year, "hoa-nghia-hoc-sinh-loi.xlsx")
    errors = {e.row: e.message for e in plan.errors}
    assert set(errors) == {9, 10, 11, 13}
    assert "31/02/2020" in errors[9] and "ngày/tháng/năm" in errors[9]
    assert "2020/13/01" in errors[10]
    assert "trùng với dòng 9" in errors[11]
    assert [c.name for c in plan.sheets[0].new_classes] == ["3C"]  # row 12: proposed, not refused
    assert "312300105" in errors[13] and "10 chữ số" in errors[13]
    assert "Nam hoặc Nữ" in errors[13]
    assert data_file is None
    assert Pupil.objects.count() == 0 and DataFile.objects.count() == 0


def test_missing_required_columns_are_named(school_year):
    plan, data_file = upload(school_year, "hoa-nghia-hoc-sinh-thieu-cot.xlsx")
    assert [e.message for e in plan.errors] == [
        "Thiếu cột bắt buộc: Ngày sinh, Giới tính (dòng tiêu đề là dòng 8)."
    ]
    assert data_file is None and Pupil.objects.count() == 0


def test_classes_and_staff_sheets_add_staff_without_accounts_or_roles(school_year):
    plan = apply(school_year, "hoa-nghia-lop-can-bo.xlsx")
    counts = plan.counts()
    assert counts["staff"]["added"] == 2
    assert counts["classes"] == {"added": 0, "changed": 0, "unchanged": 4, "errors": 0}
    huong = StaffProfile.objects.get(staff_code="CB0001")
    assert huong.ministry_id == "031185000123" and huong.subjects_taught == "Tiếng Việt, Toán"
    assert not huong.user.is_active and not huong.user.has_usable_password()
    assert huong.roles.count() == 0
    again = apply(school_year, "hoa-nghia-lop-can-bo.xlsx")
    assert again.counts()["classes"]["changed"] == 1  # 4B's homeroom teacher now exists
    assert SchoolClass.objects.get(name="4B").homeroom_teacher == huong


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (sample("khong-phai-bang-tinh.xlsx"), "không phải bảng tính"),
        (b"", "Tệp rỗng"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "(.xls)"),
        (b"PK\x03\x04 broken zip", "không phải bảng tính"),
    ],
)
def test_a_file_that_is_not_an_xlsx_gets_a_clear_error(school_year, data, message):
    school, year = school_year
    with pytest.raises(ImportFileError) as caught:
        import_upload(user=None, school=school, school_year=year, data=data, filename="x.xlsx")
    assert message in caught.value.message
    assert DataFile.objects.count() == 0


def test_a_workbook_without_a_known_header_is_refused(school_year):
    school, year = school_year
    workbook = Workbook()
    workbook.active.append(["Cột A", "Cột B"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(ImportFileError) as caught:
        import_upload(
            user=None, school=school, school_year=year, data=buffer.getvalue(), filename="x.xlsx"
        )
    assert "Không tìm thấy dòng tiêu đề" in caught.value.message


def test_a_huge_file_is_refused_before_it_is_parsed(school_year, settings):
    settings.IMPORTS = {"MAX_BYTES": 1024}
    school, year = school_year
    with pytest.raises(ImportFileError) as caught:
        upload(school_year, "hoa-nghia-hoc-sinh-2026-2027.xlsx")
    assert "Tệp quá lớn" in caught.value.message


def test_command_previews_then_applies_reading_school_and_year_from_the_title(school_year):
    path = str(SAMPLES / "hoa-nghia-hoc-sinh-2026-2027.xlsx")
    out = io.StringIO()
    call_command("import_csdl", path, stdout=out)
    text = out.getvalue()
    assert "Trường Tiểu học Hòa Nghĩa – năm học 2026-2027" in text
    assert "thêm 7" in text and "--apply" in text
    assert Pupil.objects.count() == 0
    call_command("import_csdl", path, "--apply", stdout=out)
    assert Pupil.objects.count() == 7
    out = io.StringIO()
    call_command(
        "import_csdl", path, "--school", "THHN", "--year", "2026-2027", "--apply", stdout=out
    )
    assert "Không có gì thay đổi" in out.getvalue()


def test_command_refuses_a_file_with_errors(school_year):
    with pytest.raises(CommandError, match="lỗi"):
        call_command(
            "import_csdl",
            str(SAMPLES / "hoa-nghia-hoc-sinh-loi.xlsx"),
            "--apply",
            stdout=io.StringIO(),
        )
    assert Pupil.objects.count() == 0
