"""Opening an uploaded workbook without trusting it.

The bytes may be anything: not a spreadsheet, an old .xls, an empty file, a
zip bomb, or a real export whose declared sheet size ("A1:BS4" for 16,000
rows) is wrong. Sizes are checked before parsing, the sheet dimension is
reset so the streaming reader reads every row, and every failure becomes an
ImportFileError with a Vietnamese message.
"""

from __future__ import annotations

import io
import logging
import zipfile
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from imports.columns import SheetKind, guess_kind
from imports.values import as_text

logger = logging.getLogger(__name__)

HEADER_SCAN_ROWS = 30
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class ImportFileError(Exception):
    """The file as a whole cannot be imported; nothing was written."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


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


def _check_container(data: bytes) -> None:
    limit = limits()
    if not data:
        raise ImportFileError(_("Tệp rỗng: không có dữ liệu để nhập."))
    if len(data) > limit["max_bytes"]:
        raise ImportFileError(
            _("Tệp quá lớn (%(size)s MB); giới hạn là %(max)s MB.")
            % {"size": round(len(data) / 1048576, 1), "max": limit["max_bytes"] // 1048576}
        )
    if data.startswith(_OLE2_MAGIC):
        raise ImportFileError(
            _(
                "Tệp Excel 97-2003 (.xls) chưa được hỗ trợ: hãy mở tệp và lưu lại dạng "
                "Excel Workbook (.xlsx) rồi tải lên lại."
            )
        )
    not_xlsx = _("Tệp không phải bảng tính Excel (.xlsx) xuất từ CSDL ngành.")
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ImportFileError(not_xlsx)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            unzipped = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise ImportFileError(not_xlsx) from exc
    if "xl/workbook.xml" not in names:
        raise ImportFileError(not_xlsx)
    if unzipped > limit["max_unzipped_bytes"]:
        raise ImportFileError(_("Tệp có dữ liệu quá lớn để nhập trong một lần."))


def _find_header(rows: list[tuple]) -> tuple[int, SheetKind | None, dict[str, int]]:
    """The first row (1-based) among the top rows that reads as a header row."""
    best = (0, None, {})
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS], start=1):
        kind, columns = guess_kind(list(row))
        if kind is not None and len(columns) > len(best[2]):
            best = (index, kind, columns)
    return best


def _sheet_rows(workbook, max_rows: int) -> list[tuple[str, list[tuple]]]:
    """Every sheet's rows as value tuples, read to the real end of the sheet."""
    sheets = []
    try:
        for worksheet in workbook.worksheets:
            if hasattr(worksheet, "reset_dimensions"):
                worksheet.reset_dimensions()  # the declared size may be wrong
            rows: list[tuple] = []
            for row in worksheet.iter_rows(values_only=True):
                rows.append(tuple(row))
                if len(rows) > max_rows + HEADER_SCAN_ROWS:
                    raise ImportFileError(
                        _("Trang tính “%(sheet)s” có quá nhiều dòng (tối đa %(max)s).")
                        % {"sheet": worksheet.title, "max": max_rows}
                    )
            sheets.append((worksheet.title, rows))
    except ImportFileError:
        raise
    except Exception as exc:  # damaged XML inside a valid zip
        logger.info("Workbook failed while streaming: %s", exc)
        raise ImportFileError(
            _("Không đọc được tệp bảng tính: tệp bị hỏng hoặc sai định dạng.")
        ) from exc
    finally:
        workbook.close()
    return sheets


def read_workbook(data: bytes) -> RawWorkbook:
    """Every recognisable sheet of the workbook, or ImportFileError."""
    _check_container(data)
    max_rows = limits()["max_rows"]
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for damaged files
        logger.info("Unreadable workbook: %s", exc)
        raise ImportFileError(
            _("Không đọc được tệp bảng tính: tệp bị hỏng hoặc sai định dạng.")
        ) from exc
    sheets: list[RawSheet] = []
    titles: list[str] = []
    for title, rows in _sheet_rows(workbook, max_rows):
        header_row, kind, columns = _find_header(rows)
        if kind is None:
            continue
        titles.extend(
            as_text(cell) for row in rows[: header_row - 1] for cell in row if cell is not None
        )
        body = [
            (number, row)
            for number, row in enumerate(rows[header_row:], start=header_row + 1)
            if any(as_text(cell) for cell in row)
        ]
        sheets.append(
            RawSheet(
                title=title,
                kind=kind,
                header_row=header_row,
                columns=columns,
                headers=[as_text(cell) for cell in rows[header_row - 1]],
                rows=body,
            )
        )
    if not sheets:
        raise ImportFileError(
            _(
                "Không tìm thấy dòng tiêu đề cột của danh sách học sinh, lớp hay cán bộ "
                "(ví dụ: “Mã định danh Bộ GD&ĐT”, “Họ và tên”, “Ngày sinh”, “Lớp”)."
            )
        )
    return RawWorkbook(sheets=sheets, title_text=" ".join(titles))
