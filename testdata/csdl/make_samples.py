"""Writes the sample CSDL ngành exports used by tests/imports and the demo.

Run from the repository root: `.venv/bin/python testdata/csdl/make_samples.py`.
The files imitate what a school downloads from the sector database: title rows
above the header (header on row 8 or row 4), identifiers stored as text with
leading zeros, dates as text and as Excel dates, "(cũ)" address columns after
the 2025 mergers, header spelling variants, and a wrongly declared sheet size.
Some files carry deliberate errors (named in the file name). The .xls files are
the same exports saved as Excel 97-2003 by LibreOffice, remade only where
`soffice` is installed (the committed copies stay otherwise).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

HERE = Path(__file__).resolve().parent
FIXED = dt.datetime(2026, 8, 20, 8, 0, 0)

PUPIL_HEADER = [
    "STT",
    "Mã định danh bộ GD&ĐT",
    "Họ và tên",
    "Ngày sinh",
    "Giới tính",
    "Dân tộc",
    "Quốc tịch",
    "Lớp",
    "Nơi sinh",
    "Quê quán",
    "Thôn/Tổ dân phố",
    "Xã/Phường",
    "Tỉnh/Thành phố",
    "Xã/Phường (cũ)",
    "Quận/Huyện (cũ)",
    "Họ tên cha",
    "Nghề nghiệp cha",
    "Họ tên mẹ",
    "Nghề nghiệp mẹ",
    "Số CCCD",
]

WARD = "Phường Hòa Nghĩa"
CITY = "Thành phố Hải Phòng"

# (id, name, birth, sex, class, place, father, father job, mother, mother job)
PUPILS = [
    (
        "0312600101",
        "Nguyễn Minh Khôi",
        "12/03/2020",
        "Nam",
        "1A",
        "Hải Phòng",
        "Nguyễn Văn Hùng",
        "Công nhân",
        "Trần Thị Lan",
        "Buôn bán",
    ),
    (
        "0312600102",
        "Trần Ngọc Ánh",
        dt.date(2020, 7, 1),
        "Nữ",
        "1A",
        "Hải Phòng",
        "Trần Văn Đức",
        "Lái xe",
        "Phạm Thị Hoà",
        "Giáo viên",
    ),
    (
        "0312600103",
        "Phạm Gia Huy",
        "05/11/2020",
        "Nam",
        "1B",
        "Thái Bình",
        "Phạm Văn Quý",
        "Kỹ sư",
        "Lê Thị Thủy",
        "Nội trợ",
    ),
    (
        "0312600104",
        "Lê Thị Khánh Linh",
        "28/02/2020",
        "Nữ",
        "1B",
        "Hải Phòng",
        "Lê Văn Toàn",
        "Ngư dân",
        "Vũ Thị Hằng",
        "Công nhân",
    ),
    (
        "0312300105",
        "Vũ Đức Anh",
        dt.date(2017, 1, 19),
        "Nam",
        "4A",
        "Hải Dương",
        "Vũ Văn Khoa",
        "Bộ đội",
        "Đỗ Thị Mai",
        "Kế toán",
    ),
    (
        "0312300106",
        "Đỗ Thị Ngọc Ánh",
        "09/09/2017",
        "Nữ",
        "4A",
        "Hải Phòng",
        "Đỗ Văn Thắng",
        "Buôn bán",
        "Ngô Thị Huyền",
        "Buôn bán",
    ),
    (
        "0312300107",
        "Hoàng Bảo Ngọc",
        "30/06/2017",
        "Nữ",
        "4B",
        "Hải Phòng",
        "Hoàng Văn Sơn",
        "Công nhân",
        "Bùi Thị Nga",
        "Công nhân",
    ),
]


def _pupil_row(n: int, pupil: tuple, street: str = "Tổ dân phố 3") -> list:
    pid, name, birth, sex, cls, place, father, fjob, mother, mjob = pupil
    return [
        n, pid, name, birth, sex, "Kinh", "Việt Nam", cls, place, "Hải Phòng",
        street, WARD, CITY, "Phường Hòa Nghĩa", "Quận Dương Kinh",
        father, fjob, mother, mjob, "0312" + pid[2:] + "01",
    ]  # fmt: skip


def _title_rows(ws: Worksheet, title: str, rows_before_header: int) -> None:
    lines = [
        "UBND THÀNH PHỐ HẢI PHÒNG – PHÒNG GD&ĐT QUẬN DƯƠNG KINH (cũ)",
        "TRƯỜNG TIỂU HỌC HÒA NGHĨA",
        "",
        title,
        "Năm học 2026-2027",
        "Ngày xuất dữ liệu: 20/08/2026",
        "",
    ]
    for index in range(rows_before_header - 1):
        ws.cell(row=index + 1, column=1, value=lines[index] if index < len(lines) else None)


def _write_table(ws: Worksheet, header: list[str], rows: list[list], header_row: int) -> None:
    for col, value in enumerate(header, start=1):
        ws.cell(row=header_row, column=col, value=value)
    for r, row in enumerate(rows, start=header_row + 1):
        for col, value in enumerate(row, start=1):
            cell = ws.cell(row=r, column=col, value=value)
            if isinstance(value, dt.date):
                cell.number_format = "DD/MM/YYYY"
            elif isinstance(value, str):
                cell.number_format = "@"  # identifiers stay text


def _save(wb: Workbook, name: str, *, wrong_dimension: str | None = None) -> Path:
    wb.properties.created = FIXED
    wb.properties.modified = FIXED
    buffer = io.BytesIO()
    wb.save(buffer)
    data = buffer.getvalue()
    if wrong_dimension:
        data = _declare_dimension(data, wrong_dimension)
    path = HERE / name
    path.write_bytes(data)
    return path


def _declare_dimension(data: bytes, ref: str) -> bytes:
    """Rewrite every sheet's <dimension ref=…> the way some exports get it wrong."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                content = re.sub(
                    rb'<dimension ref="[^"]+"', f'<dimension ref="{ref}"'.encode(), content
                )
            target.writestr(info, content)
    return out.getvalue()


def pupils_clean() -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "Danh sách học sinh"
    _title_rows(ws, "DANH SÁCH HỌC SINH", 8)
    _write_table(ws, PUPIL_HEADER, [_pupil_row(n, p) for n, p in enumerate(PUPILS, 1)], 8)
    return _save(wb, "hoa-nghia-hoc-sinh-2026-2027.xlsx", wrong_dimension="A1:T4")


def pupils_updated() -> Path:
    """The same export a month later: one pupil moved class, one new address, one
    name re-typed with the old tone placement (not a change), one new pupil."""
    pupils = [list(p) for p in PUPILS]
    pupils[2][4] = "1A"  # Phạm Gia Huy moves 1B → 1A
    pupils[1][8] = "Phạm Thị Hòa"  # was "Hoà": the same name, not a change
    pupils[0][2] = "12/3/2020"  # the same date, written another way
    pupils[5][8] = "Ngô Thị Huyền Trang"  # mother's full name corrected: a change
    rows = [_pupil_row(n, p) for n, p in enumerate(pupils, 1)]
    rows[3][10] = "Tổ dân phố 7"  # Lê Thị Khánh Linh's new address
    rows.append(
        _pupil_row(
            8,
            (
                "0312600108",
                "Bùi Thanh Hòa",
                "17/04/2020",
                "Nữ",
                "1B",
                "Hải Phòng",
                "Bùi Văn Khoa",
                "Công nhân",
                "Mạc Thị Thoa",
                "Công nhân",
            ),
        )  # fmt: skip
    )
    header = [h if h != "Mã định danh bộ GD&ĐT" else "Mã định danh Bộ GD&ĐT" for h in PUPIL_HEADER]
    header[2] = "HỌ VÀ  TÊN"
    wb = Workbook()
    ws = wb.active
    ws.title = "Danh sách học sinh"
    _title_rows(ws, "DANH SÁCH HỌC SINH", 4)
    _write_table(ws, header, rows, 4)
    return _save(wb, "hoa-nghia-hoc-sinh-cap-nhat.xlsx")


def pupils_with_errors() -> Path:
    rows = [_pupil_row(n, p) for n, p in enumerate(PUPILS[:4], 1)]
    rows[0][3] = "31/02/2020"  # no such date
    rows[1][3] = "2020/13/01"  # not dd/mm/yyyy
    rows[2][1] = "0312600101"  # duplicate of the first row's code
    rows[3][7] = "3C"  # no class 3C this year
    rows.append(_pupil_row(5, PUPILS[4]))
    rows[4][1] = "312300105"  # nine digits
    rows[4][4] = "Không rõ"
    rows.append(_pupil_row(6, PUPILS[5]))  # the one good row
    wb = Workbook()
    ws = wb.active
    ws.title = "Danh sách học sinh"
    _title_rows(ws, "DANH SÁCH HỌC SINH", 8)
    _write_table(ws, PUPIL_HEADER, rows, 8)
    return _save(wb, "hoa-nghia-hoc-sinh-loi.xlsx")


def pupils_missing_columns() -> Path:
    drop = {"Ngày sinh", "Giới tính"}
    keep = [i for i, h in enumerate(PUPIL_HEADER) if h not in drop]
    header = [PUPIL_HEADER[i] for i in keep]
    rows = [[_pupil_row(n, p)[i] for i in keep] for n, p in enumerate(PUPILS, 1)]
    wb = Workbook()
    ws = wb.active
    _title_rows(ws, "DANH SÁCH HỌC SINH", 8)
    _write_table(ws, header, rows, 8)
    return _save(wb, "hoa-nghia-hoc-sinh-thieu-cot.xlsx")


def classes_and_staff() -> Path:
    wb = Workbook()
    staff = wb.active
    staff.title = "Cán bộ"
    _title_rows(staff, "DANH SÁCH CÁN BỘ, GIÁO VIÊN, NHÂN VIÊN", 4)
    _write_table(
        staff,
        [
            "STT", "Mã cán bộ", "Mã định danh Bộ GD&ĐT", "Họ và tên", "Ngày sinh", "Giới tính",
            "Trạng thái", "Loại cán bộ / Vị trí việc làm", "Nhóm chức vụ", "Hình thức hợp đồng",
            "Trình độ chuyên môn nghiệp vụ", "Môn dạy",
        ],
        [
            [1, "CB0001", "031185000123", "Nguyễn Thị Thu Hương", "14/05/1985", "Nữ", "Đang làm việc", "Giáo viên", "Giáo viên", "Viên chức", "Đại học", "Tiếng Việt, Toán"],
            [2, "CB0002", "0319900456", "Đặng Văn Quân", dt.date(1990, 10, 2), "Nam", "Đang làm việc", "Giáo viên", "Giáo viên", "Hợp đồng lao động", "Đại học", "Giáo dục thể chất"],
        ],
        4,
    )  # fmt: skip
    classes = wb.create_sheet("Lớp học")
    _title_rows(classes, "DANH SÁCH LỚP HỌC", 4)
    _write_table(
        classes,
        ["STT", "Mã lớp", "Tên lớp", "Khối", "Giáo viên chủ nhiệm", "Số học sinh"],
        [
            [1, "L01", "1A", "Khối 1", "", 2],
            [2, "L02", "1B", "Khối 1", "", 2],
            [3, "L03", "4A", "Khối 4", "", 2],
            [4, "L04", "4B", "Khối 4", "Nguyễn Thị Thu Hương", 1],
        ],
        4,
    )
    return _save(wb, "hoa-nghia-lop-can-bo.xlsx")


def not_a_spreadsheet() -> Path:
    path = HERE / "khong-phai-bang-tinh.xlsx"
    path.write_text("Đây là một văn bản, không phải bảng tính.\n", encoding="utf-8")
    return path


def saved_as_xls(*sources: Path) -> list[Path]:
    """`sources` converted to .xls by LibreOffice; none when it is not installed."""
    soffice = shutil.which("soffice")
    if soffice is None:
        print("soffice not found: the committed .xls files are kept")
        return []
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                soffice,
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--convert-to",
                "xls",
                "--outdir",
                str(HERE),
                *map(str, sources),
            ],
            check=True,
            capture_output=True,
        )
    return [source.with_suffix(".xls") for source in sources]


def main() -> None:
    made = [
        make()
        for make in (
            pupils_clean,
            pupils_updated,
            pupils_with_errors,
            pupils_missing_columns,
            classes_and_staff,
            not_a_spreadsheet,
        )
    ]
    made += saved_as_xls(made[0], made[4])
    for path in made:
        print(path.relative_to(HERE.parent.parent))


if __name__ == "__main__":
    main()
