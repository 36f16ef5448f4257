"""The intake's public API: take a handed-in file, convert it, attach it to a record.

    accept_upload(upload, school=, staff=, page=None) -> RecordFile   (in a request)
    accept_bundle(uploads, school=, staff=, page=None) -> RecordFile  (one per lesson)
    convert(record_file) -> RecordFile                                (the worker)
    attach(record_file, page) -> RecordFile
    original_url / converted_url / preview_url(record_file, n)

A request only sniffs and stores the original (`IntakeRefused` for what we do not
take, and then nothing is stored); the conversion is a task enqueued on commit
(intake.tasks). A row is converted once: READY and REFUSED rows never change, a
new upload is a new row.
"""

from __future__ import annotations

import hashlib
import io
import logging
import zipfile
from collections.abc import Sequence
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _

from intake import pdftools
from intake.conversion import convert, convert_pending, index_soon, pending_count
from intake.models import FileKind, RecordFile
from intake.sniff import MAX_FILE_BYTES, Refused, sniff
from intake.tasks import convert_file

__all__ = [
    "IntakeRefused",
    "accept_bundle",
    "accept_upload",
    "attach",
    "convert",
    "convert_pending",
    "converted_url",
    "original_url",
    "pending_count",
    "preview_png",
    "preview_url",
]

logger = logging.getLogger(__name__)

MAX_BUNDLE_FILES = 40  # a grade-1 week is about 20 lessons


class IntakeRefused(ValidationError):
    """A handed-in file we do not take; the message (Vietnamese) names the file."""

    def __init__(self, message: str, reason: str = ""):
        super().__init__(message, code="intake_refused")
        self.reason = reason


# --- Accepting ------------------------------------------------------------------


def accept_upload(upload, *, school, staff, page=None) -> RecordFile:
    """Check one uploaded file (Django UploadedFile or any file with .name) and keep it.

    Raises IntakeRefused, storing nothing, for a file that is empty, too large,
    corrupt, encrypted, carries macros or is not what its name says. The conversion
    runs after the transaction commits."""
    name, data = _read(upload)
    kind = _sniffed(data, name, staff)
    return _store(data, name=name, kind=kind, school=school, staff=staff, page=page)


def accept_bundle(uploads: Sequence, *, school, staff, page=None) -> RecordFile:
    """Several files handed in as one record (one per lesson): one row whose original
    is a ZIP of the files (names and order kept) and whose PDF joins their
    conversions, one outline entry per file. One refused file refuses the bundle."""
    if not uploads:
        raise IntakeRefused(_("Chưa chọn tệp nào."), "empty bundle")
    if len(uploads) > MAX_BUNDLE_FILES:
        raise IntakeRefused(
            _("Mỗi lần nộp tối đa %(max)d tệp; đã chọn %(count)d tệp.")
            % {"max": MAX_BUNDLE_FILES, "count": len(uploads)},
            f"bundle of {len(uploads)} files",
        )
    if len(uploads) == 1:
        return accept_upload(uploads[0], school=school, staff=staff, page=page)
    buffer = io.BytesIO()
    used: set[str] = set()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for upload in uploads:
            name, data = _read(upload)
            _sniffed(data, name, staff)
            bundle.writestr(_unique(name, used), data)
    title = _("%(count)d tệp") % {"count": len(uploads)}
    return _store(
        buffer.getvalue(),
        name=f"{slugify(str(title)) or 'tep'}.zip",
        kind=FileKind.BUNDLE,
        school=school,
        staff=staff,
        page=page,
    )


def _read(upload) -> tuple[str, bytes]:
    name = PurePath(str(getattr(upload, "name", "") or "tep")).name[:200]
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_FILE_BYTES:
        raise IntakeRefused(
            _("Tệp «%(name)s» quá lớn (%(size).1f MB); tối đa %(max)d MB.")
            % {"name": name, "size": size / 1048576, "max": MAX_FILE_BYTES // 1048576},
            f"too large: {size} bytes",
        )
    upload.seek(0)
    return name, upload.read(MAX_FILE_BYTES + 1)


def _sniffed(data: bytes, name: str, staff) -> FileKind:
    try:
        return sniff(data, name)
    except Refused as refusal:
        from accounts.signals import EventKind, emit_security_event

        emit_security_event(
            EventKind.UPLOAD_REFUSED,
            user=getattr(staff, "user", None),
            detail=f"intake {name!r}: {refusal.reason}",
        )
        raise IntakeRefused(refusal.message, refusal.reason) from None


def _unique(name: str, used: set[str]) -> str:
    """ZIP member names as given; a second file of the same name gets " (2)"."""
    candidate, number = name, 1
    while candidate in used:
        number += 1
        stem, dot, ext = name.rpartition(".")
        candidate = f"{stem} ({number}).{ext}" if dot else f"{name} ({number})"
    used.add(candidate)
    return candidate


@transaction.atomic
def _store(data: bytes, *, name: str, kind: str, school, staff, page) -> RecordFile:
    row = RecordFile(
        school=school,
        uploaded_by=staff,
        page=page,
        original_name=name,
        original_sha256=hashlib.sha256(data).hexdigest(),
        original_size=len(data),
        kind=kind,
    )
    row.original.save(name, ContentFile(data), save=False)
    row.save()
    file_id = row.pk
    transaction.on_commit(lambda: _enqueue(convert_file, file_id))
    logger.info("Accepted %s file %s (%d bytes) as %s", kind, file_id, len(data), name)
    return row


def _enqueue(task, file_id: int) -> None:
    """Never raises: a lost task is caught by `manage.py intake_convert`."""
    try:
        task.enqueue(file_id=file_id)
    except Exception:
        logger.exception("Could not queue the conversion of file %s", file_id)


# --- Records --------------------------------------------------------------------


def attach(record_file: RecordFile, page) -> RecordFile:
    """The file now belongs to this record: who may read the record may read it. A file
    attached to one record is never moved to another (its history names it)."""
    if record_file.page_id not in (None, page.pk):
        raise IntakeRefused(
            _("Tệp «%(name)s» đã thuộc một hồ sơ khác; hãy tải tệp lên lại.")
            % {"name": record_file.original_name},
            f"file {record_file.pk} already attached to page {record_file.page_id}",
        )
    if record_file.page_id is None:
        RecordFile.objects.filter(pk=record_file.pk, page__isnull=True).update(page=page)
        record_file.page_id = page.pk
        if record_file.is_ready:
            transaction.on_commit(lambda: index_soon(page.pk))
    return record_file


# --- Reading --------------------------------------------------------------------


def original_url(record_file: RecordFile) -> str:
    return reverse("intake:original", args=[record_file.pk])


def converted_url(record_file: RecordFile) -> str:
    return reverse("intake:converted", args=[record_file.pk])


def preview_url(record_file: RecordFile, page_number: int) -> str:
    return reverse("intake:preview", args=[record_file.pk, page_number])


def preview_name(record_file: RecordFile, page_number: int) -> str:
    sha = record_file.converted_sha256
    return f"tep-ho-so/{record_file.school_id}/xem-truoc/{sha[:2]}/{sha}-{page_number}.png"


def preview_png(record_file: RecordFile, page_number: int) -> bytes:
    """The page as a PNG, made on first request and kept: named by the converted PDF's
    hash, so it never goes stale (a converted row never changes)."""
    name = preview_name(record_file, page_number)
    if default_storage.exists(name):
        with default_storage.open(name, "rb") as handle:
            return handle.read()
    with record_file.converted.open("rb") as handle:
        png = pdftools.preview_png(handle.read(), page_number)
    if not default_storage.exists(name):
        default_storage.save(name, ContentFile(png))
    return png
