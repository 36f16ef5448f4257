"""Spreadsheets shaped like the sector database's real exports, built in memory.

Each layout is the header row as the export spells it, the title rows above it
(school, year, export date) and the row it sits on. Rows are dicts keyed by the
header text, so a test says only what matters to it ("Trạng thái": "Thôi học");
cells it leaves out stay empty. Identifiers are written as text cells and dates
as real Excel dates unless a test passes a string. `csv_bytes` writes the same
sheet as Excel's text exports do: every cell text, dates dd/mm/yyyy, in UTF-8,
UTF-16 ("Unicode text") or Windows-1258 (plain "CSV" on Vietnamese Windows).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import unicodedata
from dataclasses import dataclass

from openpyxl import Workbook


@dataclass(frozen=True)
class Layout:
    title: str
    header: tuple[str, ...]
    header_row: int


# CSDL ngành, pupil list as the HCMC schools download it: header on row 8.
HCMC_PUPILS = Layout(
    "DANH SÁCH HỌC SINH",
    (
        "STT", "Mã định danh bộ GD&ĐT", "Họ và tên", "Ngày sinh", "Giới tính", "Dân tộc",
        "Quốc tịch", "Khối học", "Lớp học", "Trạng thái", "Nơi sinh chi tiết",
        "Tỉnh thành quê quán", "Phường Xã quê quán", "Thôn/Tổ dân phố", "Xã/Phường",
        "Tỉnh/Thành phố", "Xã/Phường (cũ)", "Quận/Huyện (cũ)", "Họ tên cha", "Nghề nghiệp cha",
        "Họ tên mẹ", "Nghề nghiệp mẹ",
    ),
    8,
)  # fmt: skip

# CSDL ngành, pupil list in the Cà Mau layout: header on row 4.
CA_MAU_PUPILS = Layout(
    "DANH SÁCH HỌC SINH",
    (
        "STT", "Mã định danh", "Họ tên học sinh", "Ngày sinh", "Giới tính", "Lớp",
        "Trạng thái học sinh", "Dân tộc", "Nơi sinh", "Quê quán", "Xã/Phường",
        "Xã/Phường (cũ)", "Họ tên cha", "Họ tên mẹ",
    ),
    4,
)  # fmt: skip

# CSDL ngành, class list.
CLASS_LIST = Layout(
    "DANH SÁCH LỚP HỌC",
    (
        "STT", "Tên lớp học", "Khối học/Nhóm lớp", "Giáo viên chủ nhiệm", "Buổi học",
        "Học ngoại ngữ 1", "Số buổi học trên tuần",
    ),
    4,
)  # fmt: skip

# CSDL ngành, staff list (FORMS.md's core columns).
STAFF_LIST = Layout(
    "DANH SÁCH CÁN BỘ, GIÁO VIÊN, NHÂN VIÊN",
    (
        "STT", "Mã cán bộ", "Mã định danh Bộ GD&ĐT", "Họ và tên", "Ngày sinh", "Giới tính",
        "Trạng thái", "Loại cán bộ", "Nhóm chức vụ", "Hình thức hợp đồng",
        "Trình độ chuyên môn nghiệp vụ", "Môn dạy",
    ),
    4,
)  # fmt: skip

SCHOOL_LINES = (
    "UBND PHƯỜNG HƯNG ĐẠO",
    "TRƯỜNG TIỂU HỌC HÒA NGHĨA",
)


def _title_lines(layout: Layout, year: str) -> list[str]:
    lines = [*SCHOOL_LINES, "", layout.title, f"Năm học {year}", "Ngày xuất: 20/08/2026"]
    return lines[: layout.header_row - 1]


def write_sheet(workbook: Workbook, layout: Layout, rows: list[dict], *, year: str, title=None):
    """One sheet of `workbook` in `layout`; unknown keys in a row are an error of the test."""
    sheet = workbook.create_sheet(title or layout.title.title()[:31])
    for number, line in enumerate(_title_lines(layout, year), start=1):
        sheet.cell(row=number, column=1, value=line or None)
    for col, text in enumerate(layout.header, start=1):
        sheet.cell(row=layout.header_row, column=col, value=text)
    for offset, row in enumerate(rows, start=1):
        unknown = set(row) - set(layout.header)
        assert not unknown, f"not in {layout.title}: {unknown}"
        values = {"STT": offset, **row}
        for col, text in enumerate(layout.header, start=1):
            value = values.get(text)
            if value is None:
                continue
            cell = sheet.cell(row=layout.header_row + offset, column=col, value=value)
            if isinstance(value, dt.date):
                cell.number_format = "DD/MM/YYYY"
            elif isinstance(value, str):
                cell.number_format = "@"
    return sheet


def sheet_grid(layout: Layout, rows: list[dict], *, year: str = "2026-2027") -> list[list]:
    """The sheet as a grid of cells, title rows first; empty cells are None."""
    grid: list[list] = [[line or None] for line in _title_lines(layout, year)]
    grid += [[None]] * (layout.header_row - 1 - len(grid))
    grid.append(list(layout.header))
    for offset, row in enumerate(rows, start=1):
        unknown = set(row) - set(layout.header)
        assert not unknown, f"not in {layout.title}: {unknown}"
        values = {"STT": offset, **row}
        grid.append([values.get(text) for text in layout.header])
    return grid


_TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"


def windows_1258(text: str) -> bytes:
    """`text` as Windows-1258 writes it: a letter it has no code for becomes the
    letter without its tone mark followed by the tone as a combining mark."""
    out = bytearray()
    for char in unicodedata.normalize("NFC", text):
        try:
            out += char.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", char)
            tone = next(mark for mark in parts if mark in _TONE_MARKS)
            base = unicodedata.normalize("NFC", parts.replace(tone, ""))
            out += base.encode("cp1258") + tone.encode("cp1258")
    return bytes(out)


def csv_bytes(
    layout: Layout,
    rows: list[dict],
    *,
    year: str = "2026-2027",
    delimiter: str = ",",
    encoding: str = "utf-8",
) -> bytes:
    """The sheet as a text export. `encoding` "utf-16" adds a byte order mark as Excel
    does, "utf-8-sig" the UTF-8 one, "cp1258" spells tones as combining marks."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    for row in sheet_grid(layout, rows, year=year):
        writer.writerow(
            [value.strftime("%d/%m/%Y") if isinstance(value, dt.date) else value for value in row]
        )
    if encoding == "cp1258":
        return windows_1258(buffer.getvalue())
    return buffer.getvalue().encode(encoding)


def workbook_bytes(*sheets: tuple[Layout, list[dict]], year: str = "2026-2027") -> bytes:
    """An .xlsx with one sheet per (layout, rows), in the order given."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for layout, rows in sheets:
        write_sheet(workbook, layout, rows, year=year)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def hcmc_pupil(ministry_id, name, born, sex, grade, class_name, **more) -> dict:
    """A row of HCMC_PUPILS; `more` maps header text (with spaces) via keyword aliases."""
    row = {
        "Mã định danh bộ GD&ĐT": ministry_id,
        "Họ và tên": name,
        "Ngày sinh": born,
        "Giới tính": sex,
        "Dân tộc": "Kinh",
        "Quốc tịch": "Việt Nam",
        "Khối học": f"Khối {grade}",
        "Lớp học": class_name,
        "Trạng thái": "Đang học",
    }
    row.update(more)
    return row
