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
from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from imports.columns import COLUMNS_BY_KIND, Column
from imports.reader import RawSheet
from imports.types import FieldChange, PlannedRecord, RowProblem, SheetPlan
from imports.values import CellError, read_cell
from recordpages.models import ClassEnrollment, Pupil, School, SchoolClass, SchoolYear, StaffProfile
from recordpages.text import fold

CHUNK = 500

PUPIL_FIELDS = (
    "full_name",
    "date_of_birth",
    "sex",
    "ethnicity",
    "nationality",
    "place_of_birth",
    "hometown",
    "address",
    "father_name",
    "father_occupation",
    "mother_name",
    "mother_occupation",
    "guardian_name",
    "register_number",
    "entry_date",
)
CLASS_FIELDS = ("grade", "homeroom_teacher_id")


def _label(model, field: str) -> str:
    if field == "class_name":
        return _("Lớp")
    if field == "homeroom_teacher_id":
        return str(SchoolClass._meta.get_field("homeroom_teacher").verbose_name).capitalize()
    return str(model._meta.get_field(field).verbose_name).capitalize()


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if value == "nam":
        return "Nam"
    if value == "nu":
        return _("Nữ")
    return str(value)


def _chunks(values: list, size: int = CHUNK) -> Iterable[list]:
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
                FieldChange(name, _label(model, name), _shown(current.get(name)), _shown(new))
            )
    return changes


Row = tuple[int, dict[str, Any], list[str]]  # number, cleaned values, problems


def read_rows(sheet: RawSheet, plan: SheetPlan) -> list[Row]:
    """Cells read per row, with the row's problems (unreadable or missing required cells)."""
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
            if column.required and values[column.field] in ("", None):
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


# --- classes ---------------------------------------------------------------------


def _staff_by_name(school: School) -> dict[str, list[int]]:
    names: dict[str, list[int]] = {}
    for pk, name in StaffProfile.objects.filter(school=school).values_list("pk", "full_name"):
        names.setdefault(fold(name), []).append(pk)
    return names


def plan_classes(sheet: RawSheet, school: School, year: SchoolYear) -> SheetPlan:
    plan = SheetPlan(sheet.kind, sheet.title, sheet.header_row)
    read = read_rows(sheet, plan)
    flag_duplicates(read, "name", _("Tên lớp"))
    rows = good_rows(read, sheet, plan)
    existing = {
        c["name"]: c
        for c in SchoolClass.objects.filter(school=school, school_year=year).values(
            "pk", "name", "grade", "homeroom_teacher_id"
        )
    }
    staff = _staff_by_name(school) if any("homeroom_teacher" in v for _n, v in rows) else {}
    for number, values in rows:
        name, grade = values["name"], values["grade"]
        if not name.startswith(str(grade)):
            plan.errors.append(
                RowProblem(
                    sheet.title,
                    number,
                    _("Tên lớp '%(name)s' không bắt đầu bằng số khối %(grade)s.")
                    % {"name": name, "grade": grade},
                )
            )
            continue
        incoming: dict[str, Any] = {"grade": grade}
        teacher = values.get("homeroom_teacher")
        if teacher:
            matches = staff.get(fold(teacher), [])
            if len(matches) == 1:
                incoming["homeroom_teacher_id"] = matches[0]
            else:
                plan.warnings.append(
                    RowProblem(
                        sheet.title,
                        number,
                        _(
                            "Không xác định được giáo viên chủ nhiệm '%(name)s' trong danh sách "
                            "cán bộ của trường: giữ nguyên."
                        )
                        % {"name": teacher},
                    )
                )
        plan_one(plan, SchoolClass, number, name, name, existing.get(name), incoming, CLASS_FIELDS)
    _name_teachers(plan, school)
    return plan


def _name_teachers(plan: SheetPlan, school: School) -> None:
    """Show teachers by name, not by id, in the class diffs."""
    names = dict(StaffProfile.objects.filter(school=school).values_list("pk", "full_name"))
    for record in plan.records:
        record.changes = [
            FieldChange(
                c.field,
                c.label,
                names.get(int(c.before), c.before) if c.before.isdigit() else c.before,
                names.get(int(c.after), c.after) if c.after.isdigit() else c.after,
            )
            if c.field == "homeroom_teacher_id"
            else c
            for c in record.changes
        ]


def plan_one(plan, model, number, key, name, current, incoming, fields) -> None:
    if current is None:
        changes = _diff(model, {}, incoming, fields)
        plan.records.append(PlannedRecord(number, "add", key, name, incoming, changes))
        return
    changes = _diff(model, current, incoming, fields)
    if changes:
        plan.records.append(
            PlannedRecord(number, "change", key, name, incoming, changes, current["pk"])
        )
    else:
        plan.unchanged.append(key)


# --- pupils ----------------------------------------------------------------------


def _compose_address(values: dict[str, Any]) -> str:
    if values.get("address"):
        return values["address"]
    parts = [values.get(k) for k in ("address_street", "address_ward", "address_province")]
    return ", ".join(p for p in parts if p)


def plan_pupils(
    sheet: RawSheet, school: School, year: SchoolYear, new_classes: set[str]
) -> SheetPlan:
    plan = SheetPlan(sheet.kind, sheet.title, sheet.header_row)
    read = read_rows(sheet, plan)
    flag_duplicates(read, "ministry_id", _("Mã học sinh"))
    rows = good_rows(read, sheet, plan)
    classes = set(
        SchoolClass.objects.filter(school=school, school_year=year).values_list("name", flat=True)
    )
    classes |= new_classes
    ids = [values["ministry_id"] for _n, values in rows]
    existing: dict[str, dict] = {}
    for chunk in _chunks(ids):
        for row in Pupil.objects.filter(ministry_id__in=chunk).values(
            "pk", "school_id", *PUPIL_FIELDS, "ministry_id"
        ):
            existing[row["ministry_id"]] = row
    enrolled: dict[int, str] = {}
    pupil_pks = [row["pk"] for row in existing.values()]
    for chunk in _chunks(pupil_pks):
        for pupil_id, class_name in ClassEnrollment.objects.filter(
            pupil_id__in=chunk, school_class__school=school, school_class__school_year=year
        ).values_list("pupil_id", "school_class__name"):
            enrolled[pupil_id] = class_name
    today = dt.date.today()
    for number, values in rows:
        problems = []
        class_name = values["class_name"]
        if class_name not in classes:
            problems.append(
                _("Lớp '%(name)s' không có trong danh sách lớp năm học %(year)s của trường.")
                % {"name": class_name, "year": year.name}
            )
        if values["date_of_birth"] and values["date_of_birth"] > today:
            problems.append(_("Ngày sinh không thể ở tương lai."))
        current = existing.get(values["ministry_id"])
        if current is not None and current["school_id"] != school.pk:
            problems.append(
                _("Mã học sinh %(id)s đang thuộc một trường khác: cần làm thủ tục chuyển trường.")
                % {"id": values["ministry_id"]}
            )
        if problems:
            plan.errors.append(RowProblem(sheet.title, number, " ".join(problems)))
            continue
        incoming = {name: values[name] for name in PUPIL_FIELDS if name in values}
        address = _compose_address(values)
        if address:
            incoming["address"] = address
        incoming["class_name"] = class_name
        incoming["ministry_id"] = values["ministry_id"]
        if current is not None:
            current = {**current, "class_name": enrolled.get(current["pk"], "")}
        plan_one(
            plan,
            Pupil,
            number,
            values["ministry_id"],
            values["full_name"],
            current,
            incoming,
            (*PUPIL_FIELDS, "class_name"),
        )
    return plan
