"""The file a plan was handed in as, for the record page and the editor: its state,
its page previews and the links to the PDF and the original (intake serves them,
checking who may read the record)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from intake import services as intake_services
from intake.models import FileStatus, RecordFile

register = template.Library()

# Previews shown on the page; a longer file is read in the PDF (the link says so).
MAX_PREVIEWS = 40


@dataclass(frozen=True)
class Preview:
    number: int
    url: str
    alt: str


@dataclass(frozen=True)
class RecordFileView:
    name: str
    extension: str
    status: str  # FileStatus: the CSS modifier
    is_ready: bool
    is_refused: bool
    state_text: str
    page_count: int
    original_url: str
    pdf_url: str
    previews: tuple[Preview, ...]
    more_pages: int


def _state_text(record_file: RecordFile) -> str:
    if record_file.status == FileStatus.READY:
        return ngettext(
            "Đã chuyển sang PDF, %(count)d trang",
            "Đã chuyển sang PDF, %(count)d trang",
            record_file.page_count,
        ) % {"count": record_file.page_count}
    if record_file.status == FileStatus.REFUSED:
        return _("Không chuyển được sang PDF: %(reason)s") % {"reason": record_file.error}
    if record_file.status == FileStatus.PENDING and record_file.error:
        return record_file.error  # waiting for the server: a converter not installed yet
    return _("Đang chuyển sang PDF…")


def record_file_view(record_file: RecordFile | None) -> RecordFileView | None:
    if record_file is None:
        return None
    ready = record_file.status == FileStatus.READY
    shown = min(record_file.page_count, MAX_PREVIEWS) if ready else 0
    previews = tuple(
        Preview(n, intake_services.preview_url(record_file, n), _("Trang %(n)d") % {"n": n})
        for n in range(1, shown + 1)
    )
    return RecordFileView(
        name=record_file.original_name,
        extension=PurePath(record_file.original_name).suffix.lower() or ".pdf",
        status=str(record_file.status),
        is_ready=ready,
        is_refused=record_file.status == FileStatus.REFUSED,
        state_text=_state_text(record_file),
        page_count=record_file.page_count if ready else 0,
        original_url=intake_services.original_url(record_file),
        pdf_url=intake_services.converted_url(record_file) if ready else "",
        previews=previews,
        more_pages=max(0, record_file.page_count - shown) if ready else 0,
    )


@register.simple_tag
def record_file_of(page) -> RecordFileView | None:
    """The file `page` (a record, or a revision of one) names, or None."""
    current = getattr(page, "current_source_file", None)
    return record_file_view(current()) if current is not None else None
