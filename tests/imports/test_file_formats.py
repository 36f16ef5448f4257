"""Every file the sector database exports imports (R13, Đ9.4): an old .xls reads
as the .xlsx it was saved from; a .csv in UTF-8, UTF-16 or Windows-1258 with a
comma, semicolon or tab reads as the same sheet in .xlsx; an encrypted, damaged
or binary file is refused with a Vietnamese sentence. A cell hiding a character
the model would refuse at apply time is a row error in the preview, naming the
row and the column, and nothing is written."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from imports.columns import SheetKind
from imports.formats import decode_text
from imports.forms import UploadForm
from imports.models import DataFile
from imports.reader import ImportFileError, read_workbook
from imports.services import import_preview, import_upload
from recordpages.models import Pupil, School, SchoolClass, SchoolYear
from tests.imports.layouts import HCMC_PUPILS, csv_bytes, hcmc_pupil, windows_1258, workbook_bytes

SAMPLES = Path(__file__).resolve().parents[2] / "testdata" / "csdl"


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


@pytest.fixture
def school_year(db):
    school = School.objects.create(
        code="THHN", name="Trường Tiểu học Hòa Nghĩa", place_name="Dương Kinh"
    )
    year = SchoolYear.objects.create(name="2026-2027", **SchoolYear.defaults_for(2026))
    for name in ("1A", "1B", "4A", "4B"):
        SchoolClass.objects.create(school=school, school_year=year, name=name, grade=int(name[0]))
    return school, year


def preview(school_year, data: bytes, filename: str):
    school, year = school_year
    return import_preview(school=school, school_year=year, data=data, filename=filename)


def summary(plan) -> list:
    """What a plan would do, without what names the file (its name, hash and size)."""
    return [
        (
            sheet.kind,
            sheet.header_row,
            [(r.op, r.key, r.values) for r in sheet.records],
            [(e.row, e.message) for e in sheet.errors],
            sheet.ignored_headers,
        )
        for sheet in plan.sheets
    ]


def without_trailing_blanks(workbook) -> list:
    def trimmed(row: tuple) -> tuple:
        while row and row[-1] is None:
            row = row[:-1]
        return row

    return [
        (s.title, s.kind, s.header_row, s.columns, [(n, trimmed(r)) for n, r in s.rows])
        for s in workbook.sheets
    ]


def test_the_upload_form_offers_xlsx_xls_and_csv():
    field = UploadForm.base_fields["file"]
    assert 'accept=".xlsx,.xls,.csv"' in field.widget.render("file", None)
    assert ".xls" in str(field.label) and ".csv" in str(field.label)


# --- .xls -------------------------------------------------------------------------


def test_an_xls_export_imports_exactly_as_the_xlsx_it_was_saved_from(school_year):
    from_xls = preview(school_year, sample("hoa-nghia-hoc-sinh-2026-2027.xls"), "hs.xls")
    from_xlsx = preview(school_year, sample("hoa-nghia-hoc-sinh-2026-2027.xlsx"), "hs.xlsx")
    assert not from_xls.has_errors
    assert summary(from_xls) == summary(from_xlsx)
    added = {r.key: r.values for r in from_xls.sheets[0].added}
    assert len(added) == 7
    assert added["0312600102"]["date_of_birth"] == dt.date(2020, 7, 1)  # a date cell
    assert added["0312600101"]["date_of_birth"] == dt.date(2020, 3, 12)  # a text cell


def test_every_sheet_of_an_xls_is_read_with_its_dates_numbers_and_text():
    from_xls = read_workbook(sample("hoa-nghia-lop-can-bo.xls"))
    from_xlsx = read_workbook(sample("hoa-nghia-lop-can-bo.xlsx"))
    assert [s.kind for s in from_xls.sheets] == [SheetKind.STAFF, SheetKind.CLASSES]
    assert without_trailing_blanks(from_xls) == without_trailing_blanks(from_xlsx)
    _number, quan = from_xls.sheets[0].rows[1]
    assert quan[:5] == (2, "CB0002", "0319900456", "Đặng Văn Quân", dt.datetime(1990, 10, 2))
    assert from_xls.title_text == from_xlsx.title_text


def _encrypted(xls: bytes) -> bytes:
    """The workbook with its WRITEACCESS record (type 0x5C, 112 bytes) retyped as the
    FILEPASS record (0x2F) that opens the globals of a password-protected workbook."""
    at = xls.index(b"\x5c\x00\x70\x00")
    return xls[:at] + b"\x2f\x00" + xls[at + 2 :]


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (_encrypted, "được đặt mật khẩu"),
        (lambda xls: xls[: len(xls) // 2], "bị hỏng"),
        (lambda xls: xls[:512] + b"\xff" * (len(xls) - 512), "bị hỏng"),
    ],
    ids=["encrypted", "truncated", "overwritten"],
)
def test_an_encrypted_or_damaged_xls_is_refused_in_vietnamese(school_year, damage, message):
    school, year = school_year
    data = damage(sample("hoa-nghia-hoc-sinh-2026-2027.xls"))
    with pytest.raises(ImportFileError) as caught:
        import_upload(user=None, school=school, school_year=year, data=data, filename="a.xls")
    assert message in caught.value.message and "(.xls)" in caught.value.message
    assert DataFile.objects.count() == 0


def test_the_row_limit_holds_for_a_csv(settings):
    settings.IMPORTS = {"MAX_ROWS": 2}
    born = dt.date(2017, 1, 19)
    rows = [hcmc_pupil(f"03123001{n:02d}", "Vũ Đức Anh", born, "Nam", 4, "4A") for n in range(40)]
    with pytest.raises(ImportFileError) as caught:
        read_workbook(csv_bytes(HCMC_PUPILS, rows), "hoc-sinh.csv")
    assert "quá nhiều dòng (tối đa 2)" in caught.value.message


# --- .csv -------------------------------------------------------------------------

PUPILS = [
    hcmc_pupil(
        "0312600101", "Nguyễn Minh Khôi", dt.date(2020, 3, 12), "Nam", 1, "1A",
        **{"Thôn/Tổ dân phố": "Tổ 3, khu phố 2", "Xã/Phường": "Phường Hòa Nghĩa"},
    ),
    hcmc_pupil(
        "0012300106", "Đỗ Thị Ngọc Ánh", dt.date(2017, 9, 9), "Nữ", 4, "4A",
        **{"Họ tên mẹ": "Ngô Thị Huyền", "Nơi sinh chi tiết": "Thủy Nguyên; Hải Phòng"},
    ),
    hcmc_pupil("0312600103", "Phạm Gia Huy", dt.date(2020, 11, 5), "Nam", 1, "1B"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [
        ("utf-8", ","),
        ("utf-8-sig", ","),
        ("utf-8-sig", ";"),
        ("utf-16", "\t"),
        ("cp1258", ","),
        ("cp1258", ";"),
    ],
)
def test_a_csv_export_imports_as_the_same_sheet_in_xlsx(school_year, encoding, delimiter):
    data = csv_bytes(HCMC_PUPILS, PUPILS, encoding=encoding, delimiter=delimiter)
    from_csv = preview(school_year, data, "hoc-sinh.csv")
    from_xlsx = preview(school_year, workbook_bytes((HCMC_PUPILS, PUPILS)), "hoc-sinh.xlsx")
    assert not from_csv.has_errors
    assert summary(from_csv) == summary(from_xlsx)
    added = {r.key: r.values for r in from_csv.sheets[0].added}
    assert added["0012300106"]["full_name"] == "Đỗ Thị Ngọc Ánh"  # NFC, leading zeros kept
    assert added["0012300106"]["date_of_birth"] == dt.date(2017, 9, 9)


def test_windows_1258_text_is_spelled_with_combining_tones_and_read_back_in_nfc():
    data = windows_1258("Nguyễn Thị Thủy, Hoà")
    assert b"\xea\xde" in data  # ê followed by the combining tilde
    assert decode_text(data) == "Nguyễn Thị Thủy, Hòa"


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
        bytes(range(1, 32)) * 8,
        b"PK\x03\x04 broken zip",
        # A compound file without a workbook stream, as a Word 97 document is.
        sample("hoa-nghia-hoc-sinh-2026-2027.xls").replace(
            "Workbook".encode("utf-16-le"), "Document".encode("utf-16-le")
        ),
    ],
    ids=["png", "control-bytes", "broken-zip", "word-97"],
)
def test_binary_junk_is_not_a_spreadsheet(data):
    with pytest.raises(ImportFileError) as caught:
        read_workbook(data, "hoc-sinh.csv")
    assert caught.value.message == (
        "Tệp không phải bảng tính (.xlsx, .xls hoặc .csv) xuất từ CSDL ngành."
    )


def test_a_text_file_without_a_known_header_is_not_an_export():
    data = "Họ và tên,Điểm\nNguyễn Minh Khôi,9\n".encode()
    with pytest.raises(ImportFileError) as caught:
        read_workbook(data, "diem.csv")
    assert "không phải bảng tính .csv xuất từ CSDL ngành" in caught.value.message
    assert "Không tìm thấy dòng tiêu đề cột" in caught.value.message


# --- hidden characters ------------------------------------------------------------


def _pupils_with(cells: dict) -> list[dict]:
    """Two pupils; the second, on row 10, with `cells` (header → value) replaced."""
    return [
        PUPILS[0],
        {**hcmc_pupil("0312600102", "Trần Ngọc Ánh", dt.date(2020, 7, 1), "Nữ", 1, "1A"), **cells},
    ]


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("Trần\u200b Ngọc Ánh", "U+200B"),
        ("\ufeffTrần Ngọc Ánh", "U+FEFF"),
        ("Trần Ngọc\x7f Ánh", "U+007F"),
        ("Trần Ngọc\u0301\u0301 Ánh", "dấu chồng nhiều lần"),
    ],
    ids=["zero-width-space", "bom", "control", "stray-mark"],
)
def test_a_name_with_a_hidden_character_is_a_row_error_naming_its_column(school_year, name, reason):
    data = workbook_bytes((HCMC_PUPILS, _pupils_with({"Họ và tên": name})))
    school, year = school_year
    plan, data_file = import_upload(
        user=None, school=school, school_year=year, data=data, filename="hs.xlsx"
    )
    assert [e.row for e in plan.errors] == [10]
    assert plan.errors[0].message.startswith("Họ và tên")
    assert reason in plan.errors[0].message
    assert data_file is None
    assert Pupil.objects.count() == 0 and DataFile.objects.count() == 0


def test_a_control_character_in_any_text_cell_is_refused_with_its_column(school_year):
    rows = _pupils_with({"Họ tên mẹ": "Ngô Thị\x07 Huyền"})
    plan = preview(school_year, csv_bytes(HCMC_PUPILS, rows), "hs.csv")
    assert [(e.row, e.message) for e in plan.errors] == [
        (10, "Họ tên mẹ chứa kí tự điều khiển (mã U+0007): hãy gõ lại ô này.")
    ]


def test_zero_width_characters_in_other_cells_are_dropped_silently(school_year):
    rows = _pupils_with(
        {"Nơi sinh chi tiết": "Hải\u200b Phòng\ufeff", "Mã định danh bộ GD&ĐT": "0312600102\u200b"}
    )
    plan = preview(school_year, workbook_bytes((HCMC_PUPILS, rows)), "hs.xlsx")
    assert not plan.has_errors
    added = {r.key: r.values for r in plan.sheets[0].added}
    assert added["0312600102"]["place_of_birth"] == "Hải Phòng"
