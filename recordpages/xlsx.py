"""Spreadsheet cells that cannot run: the one guard every XLSX and CSV export uses.

A name typed by a user ("=HYPERLINK(…)", "@SUM(…)", "+cmd|…") becomes a live
formula when a spreadsheet opens the export (openpyxl itself writes every str
beginning with "=" as a formula). Each export passes its values through here:
such text is written as a literal text cell (quote-prefixed, as Excel marks
text typed after an apostrophe), so the reader sees exactly what was typed.
Numbers, negative ones included, stay numbers.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet

# What spreadsheet programs treat as the start of a formula (OWASP "CSV injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def formula_like(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def safe_cell(sheet: Worksheet, value: Any) -> Any:
    """A value for `sheet.append()`: unchanged, or a text cell when it would be a formula."""
    if not formula_like(value):
        return value
    cell = Cell(sheet)
    # Assigning .value would type "=…" as a formula; set the text and its type directly.
    cell._value = value
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def safe_row(sheet: Worksheet, values: Iterable[Any]) -> list[Any]:
    return [safe_cell(sheet, value) for value in values]


def csv_safe(value: Any) -> Any:
    """CSV has no cell types: formula-like text gets a leading apostrophe, the
    convention spreadsheet programs show as text."""
    return "'" + value if formula_like(value) else value
