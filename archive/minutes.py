"""Correction minutes (biên bản sửa dữ liệu, R5) rendered from a plain dict.

Seam for the workflow: when a correction's minutes are acknowledged by the
principal, the system administrator and the requester, workflow (or the lead's
wiring) calls `archive.services.minutes_enqueue(minutes=..., school_id=...,
school_year_id=...)` with a dict of this shape::

    {
      "record": {"page_id": 12, "record_type": "student_record", "title": "Học bạ – …"},
      "version_before": 1, "version_after": 2,
      "changes": [{"field": "Toán – mức đạt được", "before": "H", "after": "T"}],
      "reason": "Nhập nhầm mức đạt được",
      "requested_by": {"name": "…", "role": "Giáo viên"}, "requested_at": "2025-05-22T09:00",
      "consented_by": {"name": "…", "role": "Hiệu trưởng"}, "consented_at": "…",
      "acknowledgements": [{"name": "…", "role": "…", "at": "…"}],
    }
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from archive.documents import A4_PORTRAIT, DocumentSpec, build_header
from archive.rendering import Footer, render_spec


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


def render_minutes(data: dict, *, school, verification_code: str) -> bytes:
    record = data["record"]
    acknowledgements = [
        {**ack, "at": _parse(ack.get("at"))} for ack in data.get("acknowledgements", [])
    ]
    last = max((a["at"] for a in acknowledgements if a["at"]), default=None)
    issued = (last or _parse(data.get("consented_at")) or timezone.localtime()).date()
    number = data.get("number") or (
        f"{record['page_id']}.{data.get('version_after')}/BB-{school.code}"
    )
    header = build_header(school, number=number, issued_on=issued)
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
