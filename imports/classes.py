"""The class list sheet, and the classes a pupil list names that the school has not made.

A new school year's pupil file names classes ("3A2") before anyone has entered them:
the preview proposes them (grade from "Khối học", else the name's leading digit) and
the apply creates them with the pupils. A class list sheet in the same file wins.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from imports.planning import flag_duplicates, good_rows, model_problems, plan_one, read_rows
from imports.reader import RawSheet
from imports.types import FieldChange, NewClass, RowProblem, SheetPlan
from recordpages.models import School, SchoolClass, SchoolYear, StaffProfile
from recordpages.text import fold

CLASS_FIELDS = ("grade", "homeroom_teacher_id")
# Checked by the planner, or set by hand: left out of the model's validation.
CLASS_UNCHECKED = ["school", "school_year", "homeroom_teacher", "group"]


def _staff_by_name(school: School) -> dict[str, list[int]]:
    names: dict[str, list[int]] = {}
    for pk, name in StaffProfile.objects.filter(school=school).values_list("pk", "full_name"):
        names.setdefault(fold(name), []).append(pk)
    return names


def _grade_problem(name: str, grade: int | None) -> str | None:
    if grade is None:
        return _(
            "Không xác định được khối của lớp '%(name)s': điền cột Khối học hoặc đặt tên lớp "
            "bắt đầu bằng số khối."
        ) % {"name": name}
    if not name.startswith(str(grade)):
        return _("Tên lớp '%(name)s' không bắt đầu bằng số khối %(grade)s.") % {
            "name": name,
            "grade": grade,
        }
    return None


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
        problem = _grade_problem(name, grade)
        problems = [problem] if problem else []
        problems = problems or model_problems(
            sheet, SchoolClass(name=name, grade=grade), CLASS_UNCHECKED
        )
        if problems:
            plan.errors.append(RowProblem(sheet.title, number, " ".join(problems)))
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
    if not any(c.field == "homeroom_teacher_id" for r in plan.records for c in r.changes):
        return
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


class ClassProposals:
    """The classes a pupil sheet names that are not there yet, each checked once."""

    def __init__(self, sheet: RawSheet, known: set[str]):
        self.sheet = sheet
        self.known = known
        self.proposed: dict[str, NewClass] = {}
        self.refused: dict[str, list[str]] = {}

    def problems(self, number: int, name: str, grade: int | None) -> list[str]:
        """Why the row's class cannot be used or made; proposes it when it can."""
        if name in self.known or name in self.proposed:
            return []
        if name not in self.refused:
            if grade is None and name[:1].isdigit():
                grade = int(name[0])
            problem = _grade_problem(name, grade)
            problems = [problem] if problem else []
            problems = problems or model_problems(
                self.sheet, SchoolClass(name=name, grade=grade), CLASS_UNCHECKED
            )
            if not problems:
                self.proposed[name] = NewClass(number, name, grade)
                return []
            self.refused[name] = problems
        return self.refused[name]

    def listed(self) -> list[NewClass]:
        return sorted(self.proposed.values(), key=lambda c: (c.grade, c.name))


def apply_classes(sheet: SheetPlan, school: School, year: SchoolYear) -> None:
    """The class sheet's additions and changes: a few dozen rows, written one by one."""
    for record in sheet.records:
        values = {k: v for k, v in record.values.items() if k in CLASS_FIELDS}
        if record.op == "add":
            school_class = SchoolClass(school=school, school_year=year, name=record.key, **values)
        else:
            school_class = SchoolClass.objects.get(pk=record.existing_pk)
            for change in record.changes:
                setattr(school_class, change.field, values[change.field])
        school_class.save()


def create_classes(new: list[NewClass], school: School, year: SchoolYear) -> None:
    SchoolClass.objects.bulk_create(
        [SchoolClass(school=school, school_year=year, name=c.name, grade=c.grade) for c in new]
    )
