"""The sector database's other export formats: old Excel 97-2003 (.xls) and text (.csv).

Both end as the .xlsx reader's output, a list of (sheet title, rows of cell
values), so one header detection serves every format. An .xls keeps its cell
types (dates become datetimes through the book's datemode); a .csv has only
text, which imports.values reads like a text cell of a workbook. A .csv saved
by Excel on Vietnamese Windows is in Windows-1258, where a toned letter is a
base letter followed by a combining mark: the text is put into NFC before any
cell is read.
"""

from __future__ import annotations

import csv
import io
import logging
import unicodedata

import xlrd
from django.utils.translation import gettext as _

from recordpages.text import normalize_text

logger = logging.getLogger(__name__)

HEADER_SCAN_ROWS = 30
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_DELIMITERS = (",", ";", "\t")
_LINE_BREAKS = {"\t", "\n", "\r"}

SheetRows = list[tuple[str, list[tuple]]]


class ImportFileError(Exception):
    """The file as a whole cannot be imported; nothing was written."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def not_a_spreadsheet() -> ImportFileError:
    return ImportFileError(
        _("Tệp không phải bảng tính (.xlsx, .xls hoặc .csv) xuất từ CSDL ngành.")
    )


def check_row_count(title: str, count: int, max_rows: int) -> None:
    if count > max_rows + HEADER_SCAN_ROWS:
        raise ImportFileError(
            _("Trang tính “%(sheet)s” có quá nhiều dòng (tối đa %(max)s).")
            % {"sheet": title, "max": max_rows}
        )


def _xls_value(cell, datemode: int):
    if cell.ctype == xlrd.XL_CELL_DATE:
        try:
            return xlrd.xldate.xldate_as_datetime(cell.value, datemode)
        except (xlrd.xldate.XLDateError, OverflowError, ValueError):
            return cell.value
    if cell.ctype == xlrd.XL_CELL_NUMBER:
        return int(cell.value) if float(cell.value).is_integer() else cell.value
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return bool(cell.value)
    if cell.ctype == xlrd.XL_CELL_TEXT:
        return cell.value or None
    return None  # empty, blank, or an error value such as #N/A


def xls_sheets(data: bytes, max_rows: int) -> SheetRows:
    """Every sheet of an Excel 97-2003 workbook; encrypted or damaged → ImportFileError."""
    try:
        book = xlrd.open_workbook(file_contents=data, ragged_rows=True, on_demand=True)
    except xlrd.XLRDError as exc:
        logger.info("Unreadable .xls: %s", exc)
        if "find workbook" in str(exc):  # an Office file of another kind (.doc, .ppt)
            raise not_a_spreadsheet() from exc
        if "encrypted" in str(exc).lower():
            raise ImportFileError(
                _(
                    "Tệp Excel 97-2003 (.xls) được đặt mật khẩu: hãy mở tệp, gỡ mật khẩu, "
                    "lưu lại rồi tải lên lại."
                )
            ) from exc
        raise _damaged_xls() from exc
    except Exception as exc:  # xlrd raises many kinds for a damaged compound file
        logger.info("Unreadable .xls: %s", exc)
        raise _damaged_xls() from exc
    sheets = []
    try:
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            check_row_count(sheet.name, sheet.nrows, max_rows)
            rows = [
                tuple(_xls_value(cell, book.datemode) for cell in sheet.row(number))
                for number in range(sheet.nrows)
            ]
            sheets.append((sheet.name, rows))
            book.unload_sheet(index)
    except ImportFileError:
        raise
    except Exception as exc:
        logger.info("Damaged .xls sheet: %s", exc)
        raise _damaged_xls() from exc
    finally:
        book.release_resources()
    return sheets


def _damaged_xls() -> ImportFileError:
    return ImportFileError(
        _("Không đọc được tệp Excel 97-2003 (.xls): tệp bị hỏng hoặc sai định dạng.")
    )


def decode_text(data: bytes) -> str | None:
    """The text of a .csv export, or None when the bytes are not text.

    Excel's "Unicode text" is UTF-16 with a byte order mark; its "CSV (UTF-8)"
    starts with a UTF-8 mark; its plain "CSV" on Vietnamese Windows is Windows-1258.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ("utf-16",)
    elif data.startswith(b"\xef\xbb\xbf"):
        encodings = ("utf-8-sig",)
    elif b"\0" in data:
        return None
    else:
        encodings = ("utf-8", "cp1258")
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _looks_binary(text):
            return None
        return normalize_text(text)
    return None


def _looks_binary(text: str) -> bool:
    """More than one character in fifty a control character: not text. A few stray
    ones are a typing accident, refused cell by cell by imports.values."""
    controls = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in _LINE_BREAKS)
    return controls * 50 > len(text)


def _sniff_delimiter(text: str) -> str | None:
    """The delimiter that splits the top lines into the most cells; None for plain prose."""
    sample = text.splitlines()[: HEADER_SCAN_ROWS * 2]
    best, cells = None, len(sample)
    for delimiter in _DELIMITERS:
        count = sum(len(row) for row in csv.reader(sample, delimiter=delimiter))
        if count > cells:
            best, cells = delimiter, count
    return best


def csv_sheets(data: bytes, title: str, max_rows: int) -> SheetRows:
    """The one sheet of a .csv export, every cell as text (empty → None)."""
    text = decode_text(data)
    if text is None:
        raise not_a_spreadsheet()
    delimiter = _sniff_delimiter(text)
    if delimiter is None:
        raise not_a_spreadsheet()
    rows: list[tuple] = []
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            rows.append(tuple(cell if cell.strip() else None for cell in row))
            check_row_count(title, len(rows), max_rows)
    except csv.Error as exc:
        logger.info("Unreadable .csv: %s", exc)
        raise ImportFileError(
            _("Không đọc được tệp .csv: dòng %(row)s sai định dạng.") % {"row": len(rows) + 1}
        ) from exc
    return [(title, rows)]
