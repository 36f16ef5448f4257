"""Correction minutes (biên bản sửa dữ liệu, R5): built from the workflow's
closed Correction, rendered from a plain dict, signed and stored like a record.

When the last acknowledgement closes a correction, workflow emits
`record_transitioned` with transition="correction"; archive.signals then calls
`minutes_from_correction()` and `archive.services.minutes_enqueue()` with a
dict of this shape (also what tests and other callers may pass directly)::

    {
      "correction_id": 7,
      "record": {"page_id": 12, "record_type": "student_record", "type_label": "Học bạ",
                 "title": "Học bạ – …", "school": "Trường …", "school_year": "2024-2025"},
      "version_before": 1, "version_after": 2,
      "changes": [{"key": "subject_results", "field": "Toán – mức đạt được cuối năm",
                   "before": "Hoàn thành", "after": "Hoàn thành tốt"}],
      "reason": "Nhập nhầm mức đạt được",
      "requested_by": {"name": "…", "role": "Giáo viên"}, "requested_at": "2025-05-22T09:00",
      "consented_by": {"name": "…", "role": "Hiệu trưởng"}, "consented_at": "…",
      "acknowledgements": [{"name": "…", "role": "…", "at": "…"}],
      "content_sha256_after": "…",
    }
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.html import strip_tags

from archive.documents import A4_PORTRAIT, DocumentSpec, build_header
from archive.rendering import Footer, render_spec
from recordpages.models import SchoolYear


def _parse(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    parsed = dt.datetime.fromisoformat(value)
    return timezone.localtime(parsed) if timezone.is_aware(parsed) else parsed


def minutes_key(job) -> str:
    record = job.payload["record"]
    return (
        f"schools/{job.school.code}/{job.school_year.name}/minutes/{record['page_id']}/"
        f"v{job.payload.get('version_before')}-v{job.payload.get('version_after')}-{job.pk}.pdf"
    )


def _record_year(data: dict) -> SchoolYear | None:
    """The corrected record's school year, which minutes_from_correction names."""
    name = data["record"].get("school_year")
    return SchoolYear.objects.filter(name=name).first() if name else None


def render_minutes(
    data: dict, *, school, verification_code: str, school_year: SchoolYear | None = None
) -> bytes:
    """The minutes of a correction to a record: headed by the authority in force for the
    record's own school year (given, or named in `data`), like the record they correct."""
    school_year = school_year or _record_year(data)
    record = data["record"]
    acknowledgements = [
        {**ack, "at": _parse(ack.get("at"))} for ack in data.get("acknowledgements", [])
    ]
    last = max((a["at"] for a in acknowledgements if a["at"]), default=None)
    issued = (last or _parse(data.get("consented_at")) or timezone.localtime()).date()
    number = data.get("number") or (
        f"{record['page_id']}.{data.get('version_after')}/BB-{school.code}"
    )
    header = build_header(school, number=number, issued_on=issued, school_year=school_year)
    spec = DocumentSpec(
        template="pdf/minutes.html",
        page_size=A4_PORTRAIT,
        title=f"Biên bản sửa dữ liệu – {record.get('title', '')}",
        context={
            "m": data,
            "record": record,
            "requested_at": _parse(data.get("requested_at")),
            "consented_at": _parse(data.get("consented_at")),
            "acknowledgements": acknowledgements,
        },
    )
    footer = Footer(
        record_id=int(record["page_id"]),
        version=int(data.get("version_after") or 0),
        content_sha256=data.get("content_sha256_after", "") or "-",
        verification_code=verification_code,
    )
    return render_spec(spec, header=header, footer=footer)


# --- building the minutes from the workflow's Correction ---------------------------

EMPTY = "(để trống)"
_MAX_TEXT = 600
# Keys of a child item that identify it rather than describe it.
_ITEM_KEYS = ("subject", "competence", "pupil", "register_number")
_SKIP_ITEM_FIELDS = frozenset({"pk", "id", "page", "sort_order"})


def _person(user, fallback_role: str = "") -> dict[str, str]:
    """Name and roles as printed: the staff profile's full name when there is one."""
    if user is None:
        return {"name": "", "role": fallback_role}
    profile = getattr(user, "staff_profile", None)
    name = (profile.full_name if profile else "") or user.get_full_name() or user.get_username()
    roles = ", ".join(r.name for r in profile.roles.all()) if profile else ""
    return {"name": name, "role": roles or fallback_role}


def _iso(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def _text(value: Any) -> str:
    text = re.sub(r"\s+", " ", strip_tags(str(value))).strip()
    return text if len(text) <= _MAX_TEXT else text[: _MAX_TEXT - 1] + "…"


def _stream_text(value: str) -> str:
    """A StreamField as the revision stores it (JSON text): its words, not its JSON."""
    try:
        blocks = json.loads(value)
    except (TypeError, ValueError):
        return _text(value)
    words: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, item in node.items():
                if key not in ("type", "id"):
                    walk(item)
        elif isinstance(node, list):
            for item in node:
                walk(item)
        elif node not in (None, ""):
            words.append(str(node))

    walk(blocks)
    return _text(" · ".join(words))


def format_value(field: models.Field | None, value: Any) -> str:
    """One value as a reader of the minutes understands it (labels, not codes)."""
    if value is None or value == "":
        return EMPTY
    if field is None:
        return _text(value)
    if getattr(field, "choices", None):
        labels = {str(k): str(v) for k, v in field.flatchoices}
        return labels.get(str(value), str(value))
    if isinstance(field, models.BooleanField):
        return "Có" if value else "Không"
    if isinstance(field, models.DateField) and isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10]).strftime("%d/%m/%Y")
        except ValueError:
            return value
    if isinstance(field, models.ForeignKey):
        try:
            return str(field.related_model._default_manager.get(pk=value))
        except Exception:  # noqa: BLE001 - a deleted row still prints its id
            return f"#{value}"
    if type(field).__name__ == "StreamField":
        return _stream_text(value)
    return _text(value)


def _model_field(model, name: str) -> models.Field | None:
    try:
        field = model._meta.get_field(name)
    except Exception:  # noqa: BLE001
        return None
    return field if isinstance(field, models.Field) else None


def _label(model, name: str) -> str:
    field = _model_field(model, name)
    return str(field.verbose_name) if field is not None else name


def _item_key(item: dict, index: int) -> tuple:
    for key in _ITEM_KEYS:
        if item.get(key) not in (None, ""):
            return (key, str(item[key]))
    return ("pk", str(item.get("pk") or index))


def _item_label(model, item: dict, index: int) -> str:
    key, value = _item_key(item, index)
    if key == "pk":
        return f"{model._meta.verbose_name} {index + 1}".capitalize()
    return format_value(_model_field(model, key), item.get(key))


def _child_changes(page_model, key: str, before: list, after: list) -> list[dict]:
    """A child relation (subject results, competences, register entries…): one line
    per changed field of a matching item, one per item added or removed."""
    relation = page_model._meta.get_field(key)
    model = relation.related_model
    old = {_item_key(item, i): (i, item) for i, item in enumerate(before or [])}
    new = {_item_key(item, i): (i, item) for i, item in enumerate(after or [])}
    lines = []
    for item_key in [*old, *[k for k in new if k not in old]]:
        index, was = old.get(item_key, (None, None))
        new_index, now = new.get(item_key, (None, None))
        label = _item_label(model, was or now, index if index is not None else new_index)
        if was is None or now is None:
            present = now if was is None else was
            summary = "; ".join(
                f"{_label(model, f)}: {format_value(_model_field(model, f), v)}"
                for f, v in present.items()
                if f not in _SKIP_ITEM_FIELDS and v not in (None, "")
            )
            lines.append(
                {
                    "key": key,
                    "field": f"{str(model._meta.verbose_name).capitalize()} – {label}",
                    "before": summary if now is None else "(không có)",
                    "after": summary if was is None else "(đã xóa)",
                }
            )
            continue
        for name in [n for n in {**was, **now} if n not in _SKIP_ITEM_FIELDS]:
            if was.get(name) == now.get(name):
                continue
            field = _model_field(model, name)
            lines.append(
                {
                    "key": key,
                    "field": f"{label} – {_label(model, name)}",
                    "before": format_value(field, was.get(name)),
                    "after": format_value(field, now.get(name)),
                }
            )
    return lines


def readable_changes(page_model, changes: list[dict]) -> list[dict]:
    """The workflow's field-by-field diff ({field, label, before, after} with raw
    revision values) as lines a reader understands, with Vietnamese labels."""
    lines: list[dict] = []
    for change in changes:
        key = change.get("field", "")
        before, after = change.get("before"), change.get("after")
        field = _model_field(page_model, key)
        if field is None and (isinstance(before, list) or isinstance(after, list)):
            try:
                lines.extend(_child_changes(page_model, key, before or [], after or []))
                continue
            except Exception:  # noqa: BLE001 - an unknown relation prints as text below
                pass
        label = change.get("label") or (str(field.verbose_name) if field is not None else key)
        lines.append(
            {
                "key": key,
                "field": str(label)[:1].upper() + str(label)[1:],
                "before": format_value(field, before),
                "after": format_value(field, after),
            }
        )
    return lines


def minutes_from_correction(correction, *, version_after: int | None = None) -> dict:
    """The minutes dict (module docstring) of a closed workflow Correction."""
    from workflow.models import RecordVersion

    record = correction.record
    page = record.page.specific
    versions = {
        v.revision_id: v.number
        for v in RecordVersion.objects.filter(record=record).order_by("number")
    }
    after = (
        (
            RecordVersion.objects.filter(record=record, correction=correction)
            .values_list("number", flat=True)
            .first()
        )
        or version_after
        or record.version
    )
    before = versions.get(correction.before_revision_id) or max(after - 1, 0)
    principal = _person(correction.acknowledged_by_principal, "Hiệu trưởng")
    sysadmin = _person(correction.acknowledged_by_sysadmin, "Cán bộ quản trị hệ thống")
    requester = _person(correction.requested_by, "Người đề nghị sửa")
    return {
        "correction_id": correction.pk,
        "record": {
            "page_id": page.pk,
            "record_type": record.record_type,
            "type_label": str(page.record_type_label),
            "title": page.title,
            "school": page.school.name,
            "school_year": page.school_year.name,
        },
        "version_before": before,
        "version_after": after,
        "changes": readable_changes(type(page), correction.changes or []),
        "reason": correction.reason,
        "requested_by": requester,
        "requested_at": _iso(correction.requested_at),
        "consented_by": _person(correction.consented_by, "Hiệu trưởng"),
        "consented_at": _iso(correction.consented_at),
        "acknowledgements": [
            {
                **principal,
                "role": "Hiệu trưởng",
                "at": _iso(correction.acknowledged_by_principal_at),
            },
            {
                **sysadmin,
                "role": "Cán bộ quản trị hệ thống",
                "at": _iso(correction.acknowledged_by_sysadmin_at),
            },
            {
                **requester,
                "role": "Người đề nghị sửa",
                "at": _iso(correction.acknowledged_by_requester_at),
            },
        ],  # fmt: skip
        "closed_at": _iso(correction.closed_at),
        "content_sha256_before": RecordVersion.objects.filter(record=record, number=before)
        .values_list("content_hash", flat=True)
        .first()
        or "",
        "content_sha256_after": RecordVersion.objects.filter(record=record, number=after)
        .values_list("content_hash", flat=True)
        .first()
        or record.approved_hash,
    }
