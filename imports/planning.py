"""Comparing the rows of an export with what the school already has.

Reads only: the plan lists what would be added, changed (field by field) and
left alone, and every bad row with its number and reason. The database is read
in a fixed number of queries per sheet (whole-school lookups, id lists in
chunks), never one per row.

Rules that keep a re-import safe: an empty cell never erases a stored value;
a pupil who belongs to another school is an error, not a move; pupils and staff
absent from the file are left alone.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from imports.columns import COLUMNS_BY_KIND, Column
from imports.reader import RawSheet
from imports.types import FieldChange, PlannedRecord, RowProblem, SheetPlan
from imports.values import CellError, read_cell
from recordpages.models import SchoolClass

CHUNK = 500


@functools.cache
def _label_in(model, field: str, language: str) -> str:
    """A field's label once per language: a 5,000-row plan asks it 50,000 times."""
    if field == "class_name":
        return _("Lớp")
    if field == "homeroom_teacher_id":
        return str(SchoolClass._meta.get_field("homeroom_teacher").verbose_name).capitalize()
    return str(model._meta.get_field(field).verbose_name).capitalize()


def _label(model, field: str) -> str:
    return _label_in(model, field, get_language())


def shown(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if value == "nam":
        return "Nam"
    if value == "nu":
        return _("Nữ")
    return str(value)


def chunks(values: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _diff(model, current: dict[str, Any], incoming: dict[str, Any], fields) -> list[FieldChange]:
    """Fields whose incoming value is given and differs; empty cells change nothing."""
    changes = []
    for name in fields:
        if name not in incoming:
            continue
        new = incoming[name]
        if new is None or new == "":
            continue
        if current.get(name) != new:
            changes.append(
                FieldChange(name, _label(model, name), shown(current.get(name)), shown(new))
            )
    return changes


Row = tuple[int, dict[str, Any], list[str]]  # number, cleaned values, problems


def read_rows(sheet: RawSheet, plan: SheetPlan, may_be_empty: tuple[str, ...] = ()) -> list[Row]:
    """Cells read per row, with the row's problems (unreadable or missing required cells).

    A field in `may_be_empty` must have its column but a cell may be blank.
    """
    columns: list[Column] = [c for c in COLUMNS_BY_KIND[sheet.kind] if c.field in sheet.columns]
    missing = [
        c.label for c in COLUMNS_BY_KIND[sheet.kind] if c.required and c.field not in sheet.columns
    ]
    if missing:
        plan.errors.append(
            RowProblem(
                sheet.title,
                None,
                _("Thiếu cột bắt buộc: %(columns)s (dòng tiêu đề là dòng %(row)s).")
                % {"columns": ", ".join(missing), "row": sheet.header_row},
            )
        )
        return []
    known = set(sheet.columns.values())
    plan.ignored_headers = [h for i, h in enumerate(sheet.headers) if h and i not in known]
    rows: list[Row] = []
    for number, raw in sheet.rows:
        values: dict[str, Any] = {}
        problems: list[str] = []
        for column in columns:
            index = sheet.columns[column.field]
            cell = raw[index] if index < len(raw) else None
            try:
                values[column.field] = read_cell(column.parse, cell, column.label)
            except CellError as exc:
                problems.append(str(exc))
                values[column.field] = None
                continue
            if (
                column.required
                and column.field not in may_be_empty
                and values[column.field] in ("", None)
            ):
                problems.append(_("Thiếu %(label)s.") % {"label": column.label})
        rows.append((number, values, problems))
    return rows


def flag_duplicates(rows: list[Row], key: str, label: str) -> None:
    """Every repeat of an identifier is a problem of its row, naming the first row."""
    first_row: dict[str, int] = {}
    for number, values, problems in rows:
        value = values.get(key)
        if not value:
            continue
        if value in first_row:
            problems.append(
                _("%(label)s '%(value)s' trùng với dòng %(row)s.")
                % {"label": label, "value": value, "row": first_row[value]}
            )
        else:
            first_row[value] = number


def good_rows(rows: list[Row], sheet: RawSheet, plan: SheetPlan) -> list[tuple[int, dict]]:
    good = []
    for number, values, problems in rows:
        if problems:
            plan.errors.append(RowProblem(sheet.title, number, " ".join(problems)))
        else:
            good.append((number, values))
    return good


def plan_one(plan, model, number, key, name, current, incoming, fields, note="") -> None:
    if current is None:
        changes = _diff(model, {}, incoming, fields)
        plan.records.append(PlannedRecord(number, "add", key, name, incoming, changes, note=note))
        return
    changes = _diff(model, current, incoming, fields)
    if changes:
        plan.records.append(
            PlannedRecord(number, "change", key, name, incoming, changes, current["pk"], note)
        )
    else:
        plan.unchanged.append(key)


# Model fields filled from several columns, and the columns, in the order to name them.
_SOURCES = {
    "address": ("address", "address_street", "address_ward", "address_province"),
    "hometown": ("hometown", "hometown_ward", "hometown_province"),
    "name": ("name", "class_name"),
    "position": ("post_group", "position"),
}


def _column_of(sheet: RawSheet, field: str) -> str:
    for source in _SOURCES.get(field, (field,)):
        if source in sheet.columns:
            return sheet.headers[sheet.columns[source]]
    return field


def model_problems(sheet: RawSheet, instance, exclude: list[str]) -> list[str]:
    """The model's own validation of a row about to be written, as sentences naming
    the sheet's column, so that the apply meets no rule the preview did not check.
    Uniqueness and foreign keys are the planner's to check, and are excluded."""
    try:
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        return [
            _("Cột “%(column)s”: %(message)s")
            % {"column": _column_of(sheet, field), "message": " ".join(messages)}
            for field, messages in exc.message_dict.items()
        ]
    return []
