"""What each record type prints: its template, paper size and context.

One function per paper form (FORMS.md). The page passed in is the frozen
object rebuilt from the pinned revision, so the PDF shows exactly what was
approved, not what was edited since.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from wagtail.fields import RichTextField
from wagtail.rich_text import RichText

from archive.forms import class_summary, hocba, register
from archive.specs import A3_LANDSCAPE, A4_LANDSCAPE, A4_PORTRAIT, DocumentSpec, Header
from recordpages import blocks, programme
from recordpages.authorities import authority_term, tree_authority
from recordpages.models import (
    ClassResultSummaryPage,
    EnrollmentRegisterPage,
    GroupTeachingPlanPage,
    LessonPlanPage,
    OtherRecordPage,
    RecordPage,
    RoleCode,
    School,
    SchoolPlanPage,
    SchoolYear,
    StaffProfile,
    StudentRecordPage,
)

__all__ = ["A3_LANDSCAPE", "A4_LANDSCAPE", "A4_PORTRAIT", "DocumentSpec", "Header"]


def build_header(
    school: School, *, number: str, issued_on: dt.date, school_year: SchoolYear | None
) -> Header:
    """The header of a record of `school_year`: its first line is the authority in force
    that year (FORMS.md "Who is above a school"), so a 2024-2025 record keeps the
    district office after the 2025 reform and a later term never changes it. A school
    without terms (set up before them) takes the page tree's authority, as before."""
    term = authority_term(school, school_year) if school_year is not None else None
    # The tree's authority only where the term leaves a line empty.
    authority = None if term is not None and school.place_name else tree_authority(school)
    issuing_body = term.issuing_body if term else (authority.issuing_body if authority else "")
    place = school.place_name or (authority.place_name if authority else "")
    return Header(
        issuing_body=issuing_body.upper(),
        school_name=school.name.upper(),
        number=number,
        place=place,
        date=issued_on,
    )


def document_number(page: RecordPage, version: int) -> str:
    """The number the system gives; never a blank or a placeholder (FORMS.md). The
    abbreviation is the type's declared `document_prefix` (Nghị định 30/2020)."""
    own = getattr(page, "document_number", "")
    if own:
        return own
    abbr = page.rules.document_prefix
    suffix = f".{version}" if version > 1 else ""
    return f"{page.pk}{suffix}/{abbr}-{page.school.code}"


def _lesson_plan(page: LessonPlanPage) -> DocumentSpec:
    weekdays = dict(blocks.WEEKDAY_CHOICES)
    sessions = dict(blocks.SESSION_CHOICES)
    stages = dict(blocks.LESSON_STAGE_CHOICES)
    subjects = dict(programme.SUBJECT_CHOICES)
    timetable = [
        {
            **dict(row.value),
            "weekday": weekdays.get(int(row.value["weekday"]), row.value["weekday"]),
            "session": sessions.get(row.value["session"], row.value["session"]),
            "subject": subjects.get(row.value["subject"], row.value["subject"]),
        }
        for row in page.timetable
    ]
    lessons = []
    for block in page.lessons:
        lesson = dict(block.value)
        lesson["subject"] = subjects.get(lesson["subject"], lesson["subject"])
        lesson["activities"] = [
            {**dict(a), "stage": stages.get(a["stage"], a["stage"])} for a in lesson["activities"]
        ]
        lessons.append(lesson)
    return DocumentSpec(
        template="pdf/lesson_plan.html",
        page_size=A4_PORTRAIT,
        title=page.title,
        context={"timetable": timetable, "lessons": lessons},
    )


def _school_plan(page: SchoolPlanPage) -> DocumentSpec:
    return DocumentSpec(template="pdf/school_plan.html", page_size=A4_PORTRAIT, title=page.title)


def _group_plan(page: GroupTeachingPlanPage) -> DocumentSpec:
    return DocumentSpec(
        template="pdf/group_plan.html",
        page_size=A4_PORTRAIT,
        title=page.title,
        context={"subject_name": programme.SUBJECTS_BY_CODE[page.subject].name},
    )


def _other(page: OtherRecordPage) -> DocumentSpec:
    return DocumentSpec(template="pdf/other_record.html", page_size=A4_PORTRAIT, title=page.title)


# The record types with a paper form of their own (FORMS.md). Keyed by page class, so
# that a renamed type code changes nothing here; any other record type prints with
# `_generic`, so a new type archives without touching this module.
BUILDERS: dict[type[RecordPage], Callable[[Any], DocumentSpec]] = {
    StudentRecordPage: hocba.student_record,
    ClassResultSummaryPage: class_summary.class_summary,
    EnrollmentRegisterPage: register.enrollment_register,
    LessonPlanPage: _lesson_plan,
    SchoolPlanPage: _school_plan,
    GroupTeachingPlanPage: _group_plan,
    OtherRecordPage: _other,
}

# Fields every record page has: the header and footer say them already.
_COMMON_FIELDS = frozenset(f.name for f in RecordPage._meta.get_fields())


def record_fields(page: RecordPage, only: frozenset[str] | None = None) -> list[dict[str, Any]]:
    """The page type's own fields (or `only` these), in declaration order, with their
    labels and values as the template prints them (a StreamField or rich text renders
    as HTML)."""
    rows = []
    for model_field in page._meta.concrete_fields:
        if model_field.name in _COMMON_FIELDS or model_field.auto_created:
            continue
        if only is not None and model_field.name not in only:
            continue
        if model_field.is_relation or not model_field.editable:
            continue
        value = getattr(page, model_field.name)
        if model_field.choices:
            value = getattr(page, f"get_{model_field.name}_display")()
        elif isinstance(model_field, RichTextField):
            value = RichText(value)  # printed as HTML; a StreamValue already is
        rows.append({"label": str(model_field.verbose_name), "value": value})
    return rows


def _generic(page: RecordPage) -> DocumentSpec:
    """A record type without a paper form of its own: its title, what it is, and
    each of its fields under its label."""
    return DocumentSpec(
        template="pdf/record.html",
        page_size=A4_PORTRAIT,
        title=page.title,
        context={"fields": record_fields(page)},
    )


def builder_for(page: RecordPage) -> Callable[[Any], DocumentSpec]:
    for cls in type(page).__mro__:
        if cls in BUILDERS:
            return BUILDERS[cls]
    return _generic


def principal_name(school: School) -> str:
    principal = (
        StaffProfile.objects.filter(school=school, roles__code=RoleCode.PRINCIPAL)
        .order_by("pk")
        .first()
    )
    return principal.full_name if principal else ""


# What identifies a record handed in as a file on its confirmation page, besides its
# type, title, school and year: whichever of these fields its type has, in this order.
_IDENTITY_FIELDS = ("teacher", "school_class", "week_number", "week_start", "subject", "category")


def ready_source(page: RecordPage):
    """The converted file the record was handed in as, or None (a form record, or a
    file not converted: then the form prints as before)."""
    source = getattr(page, "source_file", None) if getattr(page, "source_file_id", None) else None
    if source is None or not source.is_ready or not source.converted:
        return None
    return source


def _identity(page: RecordPage) -> list[dict[str, Any]]:
    rows = []
    for name in _IDENTITY_FIELDS:
        try:
            model_field = page._meta.get_field(name)
        except Exception:  # noqa: BLE001 - the type has no such field
            continue
        value = getattr(page, name)
        if model_field.choices:
            value = getattr(page, f"get_{name}_display")()
        elif isinstance(value, dt.date):
            value = value.strftime("%d/%m/%Y")
        elif model_field.is_relation and value is not None:
            value = getattr(value, "name", None) or str(value)
        if value not in (None, ""):
            rows.append({"label": str(model_field.verbose_name), "value": value})
    return rows


def _form_content(page: RecordPage) -> list[dict[str, Any]]:
    """The form's content fields that were filled beside the file: printed after the
    file, because the approved content (and its hash) covers them too."""
    names = frozenset(getattr(page, "form_content_fields", ()))
    return [row for row in record_fields(page, only=names) if _filled(row["value"])]


def _filled(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, RichText):
        return bool(value.source.strip())
    try:
        return len(value) > 0
    except TypeError:
        return True


def _file_record(page: RecordPage, source) -> DocumentSpec:
    return DocumentSpec(
        template="pdf/file_record.html",
        page_size=A4_PORTRAIT,
        title=page.title,
        context={"file": source, "identity": _identity(page), "fields": _form_content(page)},
        source=source,
    )


def record_spec(page: RecordPage) -> DocumentSpec:
    source = ready_source(page)
    spec = _file_record(page, source) if source is not None else builder_for(page)(page)
    spec.context.setdefault("page", page)
    spec.context.setdefault("principal_name", principal_name(page.school))
    spec.context.setdefault("record_type_label", page.record_type_label)
    return spec
