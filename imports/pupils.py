"""The pupil sheet: matching each row to a pupil, and what the row does to them.

A row is matched on the ministry id; a pupil the ministry has not given one yet
(new grade-1 pupils) on folded full name, birth date and this year's class, so
re-importing the file changes nothing and a later file that brings the id fills
it in. The status column says whether the pupil still learns here: a leaving
status ends this year's enrolment, it never adds a pupil.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Max
from django.utils.translation import gettext as _
from wagtail.search.backends import get_search_backends

from imports.classes import ClassProposals
from imports.planning import (
    CHUNK,
    chunks,
    flag_duplicates,
    good_rows,
    model_problems,
    plan_one,
    read_rows,
    shown,
)
from imports.reader import RawSheet
from imports.types import FieldChange, PlannedRecord, RowProblem, SheetPlan
from recordpages.models import ClassEnrollment, Pupil, School, SchoolClass, SchoolYear
from recordpages.names import name_order_key
from recordpages.text import fold

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
COMPARED = (*PUPIL_FIELDS, "ministry_id", "class_name")
# The school and photo are not the file's; the id's uniqueness is checked here.
PUPIL_UNCHECKED = ["school", "photo"]

# Folded status texts of the sector database: still learning, or leaving.
STAYING = {"", "dang hoc"}
LEAVING = {
    "da chuyen di",
    "chuyen di",
    "chuyen truong",
    "thoi hoc",
    "bo hoc",
    "da tot nghiep",
    "tot nghiep",
    "hoan thanh chuong trinh tieu hoc",
}

NameKey = tuple[str, dt.date, str]


def _known_statuses() -> str:
    return _(
        "Đang học, Đã chuyển đi, Chuyển trường, Thôi học, Bỏ học, Đã tốt nghiệp, "
        "Hoàn thành chương trình tiểu học"
    )


def _compose(values: dict[str, Any], whole: str, parts: tuple[str, ...]) -> str:
    if values.get(whole):
        return values[whole]
    return ", ".join(values[p] for p in parts if values.get(p))


def _incoming(values: dict[str, Any]) -> dict[str, Any]:
    incoming = {name: values[name] for name in PUPIL_FIELDS if name in values}
    address = _compose(values, "address", ("address_street", "address_ward", "address_province"))
    hometown = _compose(values, "hometown", ("hometown_ward", "hometown_province"))
    incoming.update({k: v for k, v in (("address", address), ("hometown", hometown)) if v})
    incoming["class_name"] = values["class_name"]
    if values["ministry_id"]:
        incoming["ministry_id"] = values["ministry_id"]
    return incoming


def _name_key(values: dict[str, Any]) -> NameKey:
    return (fold(values["full_name"]), values["date_of_birth"], values["class_name"])


class SchoolPupils:
    """What the school has this year, read in whole-school queries and id chunks."""

    def __init__(self, school: School, year: SchoolYear, ids: list[str]):
        self.enrolment: dict[int, dict] = {}
        self.by_name: dict[NameKey, dict] = {}
        self.by_id: dict[str, dict] = {}
        fields = [f"pupil__{f}" for f in (*PUPIL_FIELDS, "ministry_id", "school_id")]
        rows = ClassEnrollment.objects.filter(
            school_class__school=school, school_class__school_year=year
        ).values("pk", "pupil_id", "school_class__name", "left_on", *fields)
        for row in sorted(rows, key=lambda r: r["left_on"] is None):  # the open one last wins
            pupil = {f.removeprefix("pupil__"): row[f] for f in fields}
            pupil.update(pk=row["pupil_id"], class_name=row["school_class__name"])
            self.enrolment[row["pupil_id"]] = row
            self.by_name[_name_key(pupil)] = pupil
            if pupil["ministry_id"]:
                self.by_id[pupil["ministry_id"]] = pupil
        missing = [i for i in ids if i not in self.by_id]
        for chunk in chunks(missing):
            for row in Pupil.objects.filter(ministry_id__in=chunk).values(
                "pk", "school_id", "ministry_id", *PUPIL_FIELDS
            ):
                self.by_id[row["ministry_id"]] = {**row, "class_name": ""}

    def match(self, values: dict[str, Any]) -> dict | None:
        """The pupil a row is about: by id, else by name, birth and class when the
        stored pupil has no id (or the row gives none)."""
        given = values["ministry_id"]
        if given and given in self.by_id:
            return self.by_id[given]
        same = self.by_name.get(_name_key(values))
        if same is not None and not (given and same["ministry_id"]):
            return same
        return None


def _flag_twins(rows: list) -> None:
    """A row without an id and another row for the same child (name, birth, class)
    are one pupil twice."""
    first: dict[NameKey, tuple[int, bool]] = {}
    for number, values, problems in rows:
        if problems:
            continue
        key, has_id = _name_key(values), bool(values.get("ministry_id"))
        if key not in first:
            first[key] = (number, has_id)
        elif not (has_id and first[key][1]):
            problems.append(
                _(
                    "Học sinh '%(name)s' (cùng ngày sinh, cùng lớp, chưa có mã) trùng với dòng %(row)s."
                )
                % {"name": values["full_name"], "row": first[key][0]}
            )


def plan_pupils(sheet: RawSheet, school: School, year: SchoolYear, new_classes: set[str]):
    plan = SheetPlan(sheet.kind, sheet.title, sheet.header_row)
    read = read_rows(sheet, plan, may_be_empty=("ministry_id",))
    flag_duplicates(read, "ministry_id", _("Mã học sinh"))
    _flag_twins(read)
    rows = good_rows(read, sheet, plan)
    known = set(
        SchoolClass.objects.filter(school=school, school_year=year).values_list("name", flat=True)
    )
    proposals = ClassProposals(sheet, known | new_classes)
    pupils = SchoolPupils(school, year, [v["ministry_id"] for _n, v in rows if v["ministry_id"]])
    today = dt.date.today()
    seen: dict[int, int] = {}  # pupil → the first row about them
    for number, values in rows:
        status = values.get("status") or ""
        current = pupils.match(values)
        problems = []
        if current is not None and seen.setdefault(current["pk"], number) != number:
            problems.append(
                _("Dòng này và dòng %(row)s cùng là học sinh %(name)s.")
                % {"row": seen[current["pk"]], "name": current["full_name"]}
            )
        if fold(status) not in STAYING | LEAVING:
            problems.append(
                _("Trạng thái '%(status)s' không rõ; dùng một trong: %(known)s.")
                % {"status": status, "known": _known_statuses()}
            )
        if current is not None and current["school_id"] != school.pk:
            problems.append(
                _("Mã học sinh %(id)s đang thuộc một trường khác: cần làm thủ tục chuyển trường.")
                % {"id": values["ministry_id"]}
            )
        if fold(status) in LEAVING and not problems:
            _plan_leaving(plan, sheet, number, values, current, pupils, year, today)
            continue
        problems += proposals.problems(number, values["class_name"], values.get("grade"))
        incoming = _incoming(values)
        stored = {
            k: v for k, v in (current or {}).items() if k in PUPIL_FIELDS or k == "ministry_id"
        }
        merged = {**stored, **{k: v for k, v in incoming.items() if v not in ("", None)}}
        merged.pop("class_name")
        problems += model_problems(sheet, Pupil(**merged), PUPIL_UNCHECKED)
        if problems:
            plan.errors.append(RowProblem(sheet.title, number, " ".join(problems)))
            continue
        key = (current or {}).get("ministry_id") or values["ministry_id"]
        plan_one(
            plan,
            Pupil,
            number,
            key or _("chưa có mã"),
            values["full_name"],
            current,
            incoming,
            COMPARED,
            note="" if key else _("chưa có mã định danh"),
        )
    plan.new_classes = proposals.listed()
    return plan


def _plan_leaving(plan, sheet, number, values, current, pupils, year, today) -> None:
    """End this year's enrolment of a pupil the school has; anyone else is left out."""
    status = values["status"]
    enrolment = pupils.enrolment.get(current["pk"]) if current else None
    if enrolment is None:
        reason = (
            _("%(name)s (%(status)s) chưa có trong danh sách học sinh của trường: không thêm.")
            if current is None
            else _("%(name)s (%(status)s) không học lớp nào của trường năm học %(year)s.")
        )
        plan.ignored.append(
            RowProblem(
                sheet.title,
                number,
                reason % {"name": values["full_name"], "status": status, "year": year.name},
            )
        )
        return
    key = current["ministry_id"] or _("chưa có mã")
    if enrolment["left_on"] is not None:
        plan.unchanged.append(key)
        return
    left_on = values.get("left_on") or today
    left = {"enrolment_pk": enrolment["pk"], "left_on": left_on, "left_reason": status}
    label = ClassEnrollment._meta.get_field
    changes = [
        FieldChange(
            "left_on", str(label("left_on").verbose_name).capitalize(), "—", shown(left_on)
        ),
        FieldChange(
            "left_reason", str(label("left_reason").verbose_name).capitalize(), "—", status
        ),
    ]
    plan.records.append(
        PlannedRecord(number, "change", key, values["full_name"], left, changes, current["pk"])
    )


# --- writing ---------------------------------------------------------------------


def _pupil_values(record: PlannedRecord) -> dict[str, Any]:
    return {
        k: v
        for k, v in record.values.items()
        if (k in PUPIL_FIELDS or k == "ministry_id") and v not in ("", None)
    }


def apply_pupils(sheet: SheetPlan, school: School, year: SchoolYear, progress) -> None:
    """Every write in bulk, a query per chunk of rows: pupils, their changes, their
    enrolments (numbered in name order after the class's last number), the
    enrolments that end, and the search index of the pupils whose name or id is new."""
    added = [Pupil(school=school, **_pupil_values(r)) for r in sheet.added]
    for chunk in chunks(added):
        Pupil.objects.bulk_create(chunk)
        progress(len(chunk))
    changed = [r for r in sheet.changed if "enrolment_pk" not in r.values]
    renamed = _update_pupils(changed, progress)
    moved = [r for r in changed if any(c.field == "class_name" for c in r.changes)]
    _enrol(school, year, [*zip(sheet.added, added, strict=True), *((r, None) for r in moved)])
    leaving = [r for r in sheet.changed if "enrolment_pk" in r.values]
    ClassEnrollment.objects.bulk_update(
        [
            ClassEnrollment(
                pk=r.values["enrolment_pk"],
                left_on=r.values["left_on"],
                left_reason=r.values["left_reason"][:200],
            )
            for r in leaving
        ],
        ["left_on", "left_reason"],
        batch_size=CHUNK,
    )
    progress(len(leaving))
    _index([*added, *renamed])


def _update_pupils(records: list[PlannedRecord], progress) -> list[Pupil]:
    """The changed fields of existing pupils; returns those whose indexed fields changed."""
    renamed = []
    for chunk in chunks(records):
        pupils = Pupil.objects.in_bulk([r.existing_pk for r in chunk])
        fields: set[str] = set()
        for record in chunk:
            pupil = pupils[record.existing_pk]
            values = _pupil_values(record)
            for change in record.changes:
                if change.field in values:
                    setattr(pupil, change.field, values[change.field])
                    fields.add(change.field)
            if {c.field for c in record.changes} & {"full_name", "ministry_id"}:
                renamed.append(pupil)
        if fields:
            Pupil.objects.bulk_update(list(pupils.values()), sorted(fields))
        progress(len(chunk))
    return renamed


def _enrol(school: School, year: SchoolYear, enrolling: list[tuple[PlannedRecord, Any]]) -> None:
    """Put pupils in their class of the year, leaving any other class of the year."""
    if not enrolling:
        return
    classes = dict(
        SchoolClass.objects.filter(school=school, school_year=year).values_list("name", "pk")
    )
    this_year = ClassEnrollment.objects.filter(
        school_class__school=school, school_class__school_year=year
    )
    moving = [r.existing_pk for r, pupil in enrolling if pupil is None]
    for chunk in chunks(moving):
        this_year.filter(pupil_id__in=chunk).delete()
    last = dict(
        this_year.values("school_class_id")
        .annotate(top=Max("number"))
        .values_list("school_class_id", "top")
    )
    by_class: dict[int, list[tuple[str, int]]] = {}
    for record, pupil in enrolling:
        pupil_pk = pupil.pk if pupil is not None else record.existing_pk
        class_pk = classes[record.values["class_name"]]
        by_class.setdefault(class_pk, []).append((record.name, pupil_pk))
    enrolments = []
    for class_pk, members in by_class.items():
        members.sort(key=lambda m: name_order_key(m[0]))
        start = last.get(class_pk) or 0
        enrolments += [
            ClassEnrollment(school_class_id=class_pk, pupil_id=pk, number=start + n)
            for n, (_name, pk) in enumerate(members, start=1)
        ]
    ClassEnrollment.objects.bulk_create(enrolments, batch_size=CHUNK)


def _index(pupils: list[Pupil]) -> None:
    """Bulk writes send no post_save: the search backends get the pupils in chunks."""
    for backend in get_search_backends(with_auto_update=True):
        for chunk in chunks(pupils):
            backend.add_bulk(Pupil, chunk)
