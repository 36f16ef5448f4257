"""Opening an uploaded workbook without trusting it.

The bytes may be anything: not a spreadsheet, an .xlsx, an old .xls, a .csv
in one of three encodings, an empty file, a zip bomb, or a real export whose
declared sheet size ("A1:BS4" for 16,000 rows) is wrong. The content decides
the format, not the file name. Sizes are checked before parsing, the sheet
dimension is reset so the streaming reader reads every row, and every failure
becomes an ImportFileError with a Vietnamese message.
"""

from __future__ import annotations

import io
import logging
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePath

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from imports.columns import SheetKind, guess_kind
from imports.formats import (
    HEADER_SCAN_ROWS,
    OLE2_MAGIC,
    ImportFileError,
    SheetRows,
    check_row_count,
    csv_sheets,
    not_a_spreadsheet,
    xls_sheets,
)
from imports.values import as_text

logger = logging.getLogger(__name__)


@dataclass
class RawSheet:
    """One recognised sheet: where its header is, which column is which, its rows."""

    title: str
    kind: SheetKind
    header_row: int
    columns: dict[str, int]
    headers: list[str]
    rows: list[tuple[int, tuple]] = field(default_factory=list)


@dataclass
class RawWorkbook:
    sheets: list[RawSheet]
    title_text: str  # the title rows above the headers: school name, school year


def limits() -> dict[str, int]:
    conf = getattr(settings, "IMPORTS", {})
    return {
        "max_bytes": int(conf.get("MAX_BYTES", 10 * 1024 * 1024)),
        "max_unzipped_bytes": int(conf.get("MAX_UNZIPPED_BYTES", 200 * 1024 * 1024)),
        "max_rows": int(conf.get("MAX_ROWS", 20000)),
    }


def _check_size(data: bytes) -> None:
    if not data:
        raise ImportFileError(_("Tệp rỗng: không có dữ liệu để nhập."))
    max_bytes = limits()["max_bytes"]
    if len(data) > max_bytes:
        raise ImportFileError(
            _("Tệp quá lớn (%(size)s MB); giới hạn là %(max)s MB.")
            % {"size": round(len(data) / 1048576, 1), "max": max_bytes // 1048576}
        )


def _is_xlsx(data: bytes) -> bool:
    return data.startswith(b"PK\x03\x04") or zipfile.is_zipfile(io.BytesIO(data))


def _check_xlsx_container(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            unzipped = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise not_a_spreadsheet() from exc
    if "xl/workbook.xml" not in names:
        raise not_a_spreadsheet()
    if unzipped > limits()["max_unzipped_bytes"]:
        raise ImportFileError(_("Tệp có dữ liệu quá lớn để nhập trong một lần."))


def _find_header(rows: list[tuple]) -> tuple[int, SheetKind | None, dict[str, int]]:
    """The first row (1-based) among the top rows that reads as a header row."""
    best = (0, None, {})
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS], start=1):
        kind, columns = guess_kind(list(row))
        if kind is not None and len(columns) > len(best[2]):
            best = (index, kind, columns)
    return best


def _unreadable() -> ImportFileError:
    return ImportFileError(_("Không đọc được tệp bảng tính: tệp bị hỏng hoặc sai định dạng."))


def _xlsx_sheets(data: bytes, max_rows: int) -> SheetRows:
    """Every sheet's rows as value tuples, read to the real end of the sheet."""
    _check_xlsx_container(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for damaged files
        logger.info("Unreadable workbook: %s", exc)
        raise _unreadable() from exc
    sheets = []
    try:
        for worksheet in workbook.worksheets:
            if hasattr(worksheet, "reset_dimensions"):
                worksheet.reset_dimensions()  # the declared size may be wrong
            rows: list[tuple] = []
            for row in worksheet.iter_rows(values_only=True):
                rows.append(tuple(row))
                check_row_count(worksheet.title, len(rows), max_rows)
            sheets.append((worksheet.title, rows))
    except ImportFileError:
        raise
    except Exception as exc:  # damaged XML inside a valid zip
        logger.info("Workbook failed while streaming: %s", exc)
        raise _unreadable() from exc
    finally:
        workbook.close()
    return sheets


def _raw_sheet(title: str, rows: list[tuple]) -> tuple[RawSheet | None, list[str]]:
    """The sheet with its header found, and the title text above it; None if no header."""
    header_row, kind, columns = _find_header(rows)
    if kind is None:
        return None, []
    titles = [as_text(cell) for row in rows[: header_row - 1] for cell in row if cell is not None]
    body = [
        (number, row)
        for number, row in enumerate(rows[header_row:], start=header_row + 1)
        if any(as_text(cell) for cell in row)
    ]
    headers = [as_text(cell) for cell in rows[header_row - 1]]
    return RawSheet(title, kind, header_row, columns, headers, body), titles


def read_workbook(data: bytes, filename: str = "") -> RawWorkbook:
    """Every recognisable sheet of an .xlsx, .xls or .csv export, or ImportFileError.

    The file name only names a .csv's one sheet: the bytes decide the format.
    """
    _check_size(data)
    max_rows = limits()["max_rows"]
    is_text = False
    if _is_xlsx(data):
        raw = _xlsx_sheets(data, max_rows)
    elif data.startswith(OLE2_MAGIC):
        raw = xls_sheets(data, max_rows)
    else:
        raw = csv_sheets(data, PurePath(filename).stem or "CSV", max_rows)
        is_text = True
    sheets: list[RawSheet] = []
    titles: list[str] = []
    for title, rows in raw:
        sheet, above = _raw_sheet(title, rows)
        if sheet is not None:
            sheets.append(sheet)
            titles.extend(above)
    if not sheets:
        raise ImportFileError(_no_header_message(is_text))
    return RawWorkbook(sheets=sheets, title_text=" ".join(titles))


def _no_header_message(is_text: bool) -> str:
    hint = _(
        "Không tìm thấy dòng tiêu đề cột của danh sách học sinh, lớp hay cán bộ "
        "(ví dụ: “Mã định danh Bộ GD&ĐT”, “Họ và tên”, “Ngày sinh”, “Lớp”)."
    )
    if is_text:  # a text file with no known header is most likely not an export at all
        return _("Tệp văn bản này không phải bảng tính .csv xuất từ CSDL ngành. %(hint)s") % {
            "hint": hint
        }
    return hint
