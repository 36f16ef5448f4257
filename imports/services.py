"""Every write of the import: keeping the uploaded file, and applying it.

Applying is all or nothing. The plan is computed again inside the transaction
(the data may have changed since the preview), a file with any bad row is
refused, and a second apply of the same file finds nothing to change and writes
nothing. The admin view and `manage.py import_csdl` both come through here.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from imports.classes import apply_classes, create_classes, plan_classes
from imports.columns import SheetKind
from imports.models import DataFile, DataFileStatus
from imports.pupils import apply_pupils, plan_pupils
from imports.reader import RawWorkbook, read_workbook
from imports.selectors import may_import
from imports.staff import apply_staff, plan_staff
from imports.types import ImportPlan
from recordpages.models import School, SchoolYear
from recordpages.text import fold
from workflow.audit import audit_append

logger = logging.getLogger(__name__)

_ORDER = {SheetKind.STAFF: 0, SheetKind.CLASSES: 1, SheetKind.PUPILS: 2}


class ImportRefused(Exception):
    """A refusal with a Vietnamese message; nothing was written."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_RECENT = 2
_read: dict[str, RawWorkbook] = {}


def _workbook(data: bytes, sha256: str, filename: str = "") -> RawWorkbook:
    """The file read once for its preview, detection and apply in this process (parsing
    5,000 rows is seconds); the apply still plans again from what the database holds."""
    if sha256 not in _read:
        workbook = read_workbook(data, filename)
        while len(_read) >= _RECENT:
            _read.pop(next(iter(_read)))
        _read[sha256] = workbook
    return _read[sha256]


def import_preview(
    *, school: School, school_year: SchoolYear, data: bytes, filename: str
) -> ImportPlan:
    """What applying `data` would do. Reads only; raises ImportFileError for a bad file."""
    plan = ImportPlan(school.pk, school_year.pk, filename, sha256_of(data), len(data))
    workbook = _workbook(data, plan.sha256, filename)
    new_classes: set[str] = set()
    for sheet in sorted(workbook.sheets, key=lambda s: _ORDER[s.kind]):
        if sheet.kind == SheetKind.CLASSES:
            sheet_plan = plan_classes(sheet, school, school_year)
            new_classes |= {r.key for r in sheet_plan.added}
        elif sheet.kind == SheetKind.STAFF:
            sheet_plan = plan_staff(sheet, school, school_year)
        else:
            sheet_plan = plan_pupils(sheet, school, school_year, new_classes)
        plan.sheets.append(sheet_plan)
    return plan


def detect_school_and_year(
    data: bytes, filename: str = ""
) -> tuple[School | None, SchoolYear | None]:
    """The school and year named in the export's title rows, when they are unambiguous."""
    workbook = _workbook(data, sha256_of(data), filename)
    text = fold(workbook.title_text)
    schools = [
        s
        for s in School.objects.all()
        if fold(s.name) in text or (s.ministry_code and s.ministry_code in text)
    ]
    match = re.search(r"(\d{4})\s*-\s*(\d{4})", text)
    year = (
        SchoolYear.objects.filter(name=f"{match.group(1)}-{match.group(2)}").first()
        if match
        else None
    )
    return (schools[0] if len(schools) == 1 else None), year


@transaction.atomic
def import_upload(
    *, user, school: School, school_year: SchoolYear, data: bytes, filename: str
) -> tuple[ImportPlan, DataFile | None]:
    """Preview an upload; keep the file as pending only when it can be applied."""
    if user is not None and not may_import(user, school):
        raise ImportRefused(
            _("Chỉ hiệu trưởng hoặc cán bộ quản trị hệ thống của trường được nhập dữ liệu.")
        )
    plan = import_preview(school=school, school_year=school_year, data=data, filename=filename)
    if plan.has_errors:
        return plan, None
    data_file, created = DataFile.objects.get_or_create(
        school=school,
        school_year=school_year,
        sha256=plan.sha256,
        defaults={
            "filename": filename[:255],
            "size": len(data),
            "content": data,
            "sheets": [str(s.kind) for s in plan.sheets],
            "uploaded_by": user if getattr(user, "pk", None) else None,
        },
    )
    if created:
        logger.info("CSDL file %s kept as pending for school %s", plan.sha256[:12], school.code)
    return plan, data_file


@transaction.atomic
def import_apply(
    *, user, data_file: DataFile, progress: Callable[[int], None] | None = None
) -> ImportPlan:
    """Apply a kept file. Atomic; refuses (writing nothing) when any row is bad.

    `progress` is told how many rows each step wrote, for a progress bar.
    """
    data_file = DataFile.objects.select_for_update().get(pk=data_file.pk)
    if user is not None and not may_import(user, data_file.school_id):
        raise ImportRefused(
            _("Chỉ hiệu trưởng hoặc cán bộ quản trị hệ thống của trường được nhập dữ liệu.")
        )
    school, year = data_file.school, data_file.school_year
    plan = import_preview(
        school=school, school_year=year, data=bytes(data_file.content), filename=data_file.filename
    )
    if plan.has_errors:
        raise ImportRefused(
            _("Tệp có %(n)s dòng lỗi, chưa có dữ liệu nào được ghi. %(first)s")
            % {"n": len(plan.errors), "first": plan.first_error}
        )
    try:
        _write(plan, school, year, progress or (lambda rows: None))
    except (ValidationError, DatabaseError) as exc:
        logger.warning("CSDL file %s refused while writing: %s", plan.sha256[:12], exc)
        raise ImportRefused(
            _("Không ghi được dữ liệu của tệp (%(error)s). Chưa có dữ liệu nào được ghi.")
            % {"error": exc}
        ) from exc
    if data_file.status != DataFileStatus.APPLIED or plan.has_writes:
        data_file.status = DataFileStatus.APPLIED
        data_file.applied_at = timezone.now()
        data_file.applied_by = user if getattr(user, "pk", None) else None
        data_file.summary = plan.counts()
        data_file.save()
    if plan.has_writes:
        _audit(user, school, data_file, plan)
    logger.info(
        "CSDL file %s applied for school %s: %s", plan.sha256[:12], school.code, plan.counts()
    )
    return plan


def _write(plan: ImportPlan, school: School, year: SchoolYear, progress) -> None:
    """Staff first (class teachers name them), then classes, then pupils."""
    sheets = sorted(plan.sheets, key=lambda s: _ORDER[s.kind])
    for sheet in sheets:
        if sheet.kind == SheetKind.STAFF:
            apply_staff(sheet, school)
        elif sheet.kind == SheetKind.CLASSES:
            apply_classes(sheet, school, year)
        else:
            create_classes(sheet.new_classes, school, year)
            apply_pupils(sheet, school, year, progress)


def plan_size(plan: ImportPlan) -> int:
    """How many rows an apply reports to `progress`, for the bar's total."""
    return sum(len(sheet.records) for sheet in plan.sheets if sheet.kind == SheetKind.PUPILS)


def _audit(user, school: School, data_file: DataFile, plan: ImportPlan) -> None:
    """R15: loading data is an edit like any other, and is on the school's audit chain."""
    audit_append(
        action="csdl.imported",
        school_id=school.pk,
        actor=user if getattr(user, "pk", None) else None,
        object_type="csdl_file",
        object_id=data_file.pk,
        summary=f"{data_file.filename} ({data_file.sha256[:12]})"[:300],
        detail={"counts": plan.counts(), "sha256": data_file.sha256},
    )
