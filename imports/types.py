"""What a preview shows and an apply executes: typed, independent of any view."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from django.utils.translation import gettext as _

from imports.columns import SHEET_KIND_LABELS, SheetKind

Op = Literal["add", "change"]


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    before: str
    after: str


@dataclass
class PlannedRecord:
    """One row that will be written: its cleaned values and, for a change, the row it updates."""

    row: int
    op: Op
    key: str  # what identifies it to a person: pupil id, class name, staff code
    name: str
    values: dict[str, Any]
    changes: list[FieldChange] = field(default_factory=list)
    existing_pk: int | None = None
    note: str = ""  # said beside the key: "chưa có mã định danh"


@dataclass(frozen=True)
class NewClass:
    """A class the pupil list names and the school has not made: created on apply."""

    row: int  # the first row naming it
    name: str
    grade: int


@dataclass(frozen=True)
class RowProblem:
    sheet: str
    row: int | None  # None: the sheet as a whole (a missing column)
    message: str


@dataclass
class SheetPlan:
    kind: SheetKind
    title: str
    header_row: int
    records: list[PlannedRecord] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[RowProblem] = field(default_factory=list)
    warnings: list[RowProblem] = field(default_factory=list)
    ignored_headers: list[str] = field(default_factory=list)
    new_classes: list[NewClass] = field(default_factory=list)
    ignored: list[RowProblem] = field(default_factory=list)  # rows read and left out, with why

    @property
    def label(self) -> str:
        return SHEET_KIND_LABELS[self.kind]

    @property
    def added(self) -> list[PlannedRecord]:
        return [r for r in self.records if r.op == "add"]

    @property
    def changed(self) -> list[PlannedRecord]:
        return [r for r in self.records if r.op == "change"]


@dataclass
class ImportPlan:
    school_id: int
    school_year_id: int
    filename: str
    sha256: str
    size: int
    sheets: list[SheetPlan] = field(default_factory=list)

    @property
    def errors(self) -> list[RowProblem]:
        return [e for sheet in self.sheets for e in sheet.errors]

    @property
    def has_errors(self) -> bool:
        return any(sheet.errors for sheet in self.sheets)

    @property
    def has_writes(self) -> bool:
        return any(sheet.records or sheet.new_classes for sheet in self.sheets)

    @property
    def first_error(self) -> str:
        """The first bad row, as a sentence naming sheet and row."""
        problem = self.errors[0]
        if problem.row is None:
            return f"{problem.sheet}: {problem.message}"
        return _("Dòng %(row)s (trang “%(sheet)s”): %(message)s") % {
            "sheet": problem.sheet,
            "row": problem.row,
            "message": problem.message,
        }

    def counts(self) -> dict[str, dict[str, int]]:
        return {
            str(sheet.kind): {
                "added": len(sheet.added),
                "changed": len(sheet.changed),
                "unchanged": len(sheet.unchanged),
                "errors": len(sheet.errors),
            }
            for sheet in self.sheets
        }
