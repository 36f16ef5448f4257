"""The sector database's real layouts are recognised (R13, Đ9.4): which list a sheet
is, on which row its header stands and which column is which, in .xlsx and in .csv;
a class list is never taken for a pupil list nor the reverse; one header spelling
belongs to one field only."""

from __future__ import annotations

import datetime as dt

import pytest

from imports.columns import COLUMNS_BY_KIND, Parse, SheetKind, guess_kind
from imports.reader import read_workbook
from imports.values import read_cell
from tests.imports.layouts import (
    CA_MAU_PUPILS,
    CLASS_LIST,
    HCMC_PUPILS,
    STAFF_LIST,
    csv_bytes,
    hcmc_pupil,
    workbook_bytes,
)

BORN = dt.date(2019, 5, 2)
ONE_ROW = {
    HCMC_PUPILS: hcmc_pupil("0312600101", "Nguyễn Minh Khôi", BORN, "Nam", 1, "1A"),
    CA_MAU_PUPILS: {
        "Mã định danh": "0962600101",
        "Họ tên học sinh": "Lê Thị Thu Thủy",
        "Ngày sinh": BORN,
        "Giới tính": "Nữ",
        "Lớp": "1A",
        "Trạng thái học sinh": "Đang học",
    },
    CLASS_LIST: {"Tên lớp học": "3A1", "Khối học/Nhóm lớp": "Khối 3", "Buổi học": "Cả ngày"},
    STAFF_LIST: {"Mã cán bộ": "CB0001", "Họ và tên": "Nguyễn Thị Thu Hương", "Ngày sinh": BORN},
}

EXPECTED = {
    HCMC_PUPILS: (
        SheetKind.PUPILS,
        {
            "ministry_id": 1, "full_name": 2, "date_of_birth": 3, "sex": 4, "ethnicity": 5,
            "nationality": 6, "grade": 7, "class_name": 8, "status": 9, "place_of_birth": 10,
            "hometown_province": 11, "hometown_ward": 12, "address_street": 13,
            "address_ward": 14, "address_province": 15, "father_name": 18,
            "father_occupation": 19, "mother_name": 20, "mother_occupation": 21,
        },
    ),
    CA_MAU_PUPILS: (
        SheetKind.PUPILS,
        {
            "ministry_id": 1, "full_name": 2, "date_of_birth": 3, "sex": 4, "class_name": 5,
            "status": 6, "ethnicity": 7, "place_of_birth": 8, "hometown": 9,
            "address_ward": 10, "father_name": 12, "mother_name": 13,
        },
    ),
    CLASS_LIST: (
        SheetKind.CLASSES,
        {
            "name": 1, "grade": 2, "homeroom_teacher": 3, "sessions": 4,
            "foreign_language": 5, "sessions_per_week": 6,
        },
    ),
    STAFF_LIST: (
        SheetKind.STAFF,
        {
            "staff_code": 1, "ministry_id": 2, "full_name": 3, "date_of_birth": 4, "sex": 5,
            "status": 6, "position": 7, "post_group": 8, "contract": 9, "qualification": 10,
            "subjects_taught": 11,
        },
    ),
}  # fmt: skip


@pytest.mark.parametrize("as_csv", [False, True], ids=["xlsx", "csv"])
@pytest.mark.parametrize("layout", list(EXPECTED), ids=["hcmc", "ca-mau", "classes", "staff"])
def test_each_real_layout_is_recognised_with_its_header_row_and_columns(layout, as_csv):
    rows = [ONE_ROW[layout]]
    data = csv_bytes(layout, rows) if as_csv else workbook_bytes((layout, rows))
    (sheet,) = read_workbook(data).sheets
    kind, columns = EXPECTED[layout]
    assert (sheet.kind, sheet.header_row) == (kind, layout.header_row)
    assert sheet.columns == columns
    assert len(sheet.rows) == 1


def test_a_workbook_with_all_four_lists_is_read_in_one_pass():
    data = workbook_bytes(*((layout, [row]) for layout, row in ONE_ROW.items()))
    workbook = read_workbook(data)
    assert [(s.kind, s.header_row, len(s.rows)) for s in workbook.sheets] == [
        (SheetKind.PUPILS, 8, 1),
        (SheetKind.PUPILS, 4, 1),
        (SheetKind.CLASSES, 4, 1),
        (SheetKind.STAFF, 4, 1),
    ]
    assert "TRƯỜNG TIỂU HỌC HÒA NGHĨA" in workbook.title_text


def test_the_class_lists_grade_is_read_in_every_spelling():
    spellings = ["Khối 3", "3", 3, "Khối 3 (Lớp 3)", "khối 3"]
    rows = [{"Tên lớp học": f"3A{n}", "Khối học/Nhóm lớp": g} for n, g in enumerate(spellings)]
    (sheet,) = read_workbook(workbook_bytes((CLASS_LIST, rows))).sheets
    grade = sheet.columns["grade"]
    assert [read_cell(Parse.GRADE, row[grade], "Khối") for _number, row in sheet.rows] == [3] * 5


@pytest.mark.parametrize(
    ("header", "kind"),
    [
        (CLASS_LIST.header, SheetKind.CLASSES),
        (
            ("STT", "Mã lớp", "Tên lớp", "Khối", "Giáo viên chủ nhiệm", "Số học sinh"),
            SheetKind.CLASSES,
        ),
        # A pupil list without ids or birth dates still names its pupils: not a class list.
        (("STT", "Họ và tên", "Giới tính", "Khối", "Lớp"), SheetKind.PUPILS),
        (("STT", "Họ tên học sinh", "Khối học", "Lớp học", "Trạng thái"), SheetKind.PUPILS),
        (CA_MAU_PUPILS.header, SheetKind.PUPILS),
        (HCMC_PUPILS.header, SheetKind.PUPILS),
        (STAFF_LIST.header, SheetKind.STAFF),
    ],
)
def test_a_class_list_and_a_pupil_list_are_never_taken_for_each_other(header, kind):
    assert guess_kind(list(header))[0] == kind


@pytest.mark.parametrize("kind", list(COLUMNS_BY_KIND))
def test_every_header_spelling_belongs_to_one_field_of_its_list(kind):
    claimed: dict[str, set[str]] = {}
    for column in COLUMNS_BY_KIND[kind]:
        for key in column.keys:
            claimed.setdefault(key, set()).add(column.field)
    assert {key: fields for key, fields in claimed.items() if len(fields) > 1} == {}
    assert "" not in claimed
