"""Converting a stored file, once: claimed by one worker, its result stored in the row.

Called by the task (intake.tasks.convert_file) and by `manage.py intake_convert`;
intake.services re-exports `convert` as part of the public API.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import time
import zipfile
from collections.abc import Callable
from pathlib import PurePath

from django.core.files.base import ContentFile
from django.db.models import F, Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from intake import convert as converter
from intake import pdftools
from intake.models import FileKind, FileStatus, RecordFile
from intake.sniff import Refused, sniff

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
# A row left CONVERTING this long was lost with its worker (the timeout is shorter).
STALE_AFTER = dt.timedelta(seconds=converter.TIMEOUT_SECONDS * 5)


def convert(record_file: RecordFile) -> RecordFile:
    """Convert a pending row (synchronously: the task and the command call this).

    Idempotent: a READY or REFUSED row, or one another worker holds, is returned as
    it is. A failure or timeout marks the row REFUSED with a Vietnamese reason; it
    never raises."""
    if not _claim(record_file.pk):
        record_file.refresh_from_db()
        return record_file
    record_file.refresh_from_db()
    missing = converter.missing_tools({record_file.kind})
    if missing:
        # The server lacks a converter, not the teacher's file a fault: it waits (the
        # sweep converts it once the program is installed), saying what is missing.
        logger.error("Cannot convert file %s: %s not installed", record_file.pk, missing)
        RecordFile.objects.filter(pk=record_file.pk).update(
            status=FileStatus.PENDING,
            attempts=F("attempts") - 1,
            error=_(
                "Máy chủ chưa cài chương trình chuyển đổi (%(tools)s): tệp đang chờ, sẽ được "
                "chuyển khi quản trị viên cài đặt xong."
            )
            % {"tools": ", ".join(missing)},
        )
        record_file.refresh_from_db()
        return record_file
    started = time.monotonic()
    try:
        pdf, ocr_applied = _converted_pdf(record_file)
        text, pages = pdftools.text_of(pdf), pdftools.page_count(pdf)
    except converter.ConversionFailed as failure:
        logger.warning("File %s refused by the converter: %s", record_file.pk, failure.reason)
        return _finish(record_file, status=FileStatus.REFUSED, error=failure.message)
    except Exception:
        logger.exception("File %s could not be converted", record_file.pk)
        error = converter.cannot_convert(record_file.original_name)
        return _finish(record_file, status=FileStatus.REFUSED, error=error)
    stem = slugify(PurePath(record_file.original_name).stem) or "tep"
    record_file.converted.save(f"{stem}.pdf", ContentFile(pdf), save=False)
    return _finish(
        record_file,
        status=FileStatus.READY,
        converted_sha256=hashlib.sha256(pdf).hexdigest(),
        text=text,
        page_count=pages,
        ocr_applied=ocr_applied,
        conversion_ms=int((time.monotonic() - started) * 1000),
    )


def _claim(file_id: int) -> bool:
    """Take the row for this worker: PENDING, or CONVERTING left by a dead worker."""
    now = timezone.now()
    stale = Q(status=FileStatus.CONVERTING, started_at__lt=now - STALE_AFTER)
    taken = RecordFile.objects.filter(
        Q(status=FileStatus.PENDING) | stale, pk=file_id, attempts__lt=MAX_ATTEMPTS
    ).update(status=FileStatus.CONVERTING, started_at=now, attempts=F("attempts") + 1)
    return taken == 1


def _converted_pdf(record_file: RecordFile) -> tuple[bytes, bool]:
    with record_file.original.open("rb") as handle:
        data = handle.read()
    if record_file.kind != FileKind.BUNDLE:
        done = converter.to_pdfa(data, kind=record_file.kind, name=record_file.original_name)
        return done.pdf, done.ocr_applied
    parts, ocr_applied = [], False
    with zipfile.ZipFile(io.BytesIO(data)) as bundle:
        for info in bundle.infolist():
            member = bundle.read(info)
            try:
                kind = sniff(member, info.filename)
            except Refused as refusal:
                raise converter.ConversionFailed(refusal.message, refusal.reason) from None
            done = converter.to_pdfa(member, kind=kind, name=info.filename)
            parts.append((PurePath(info.filename).stem, done.pdf))
            ocr_applied = ocr_applied or done.ocr_applied
    return pdftools.join_with_outline(parts), ocr_applied


def _finish(record_file: RecordFile, **fields) -> RecordFile:
    for name, value in fields.items():
        setattr(record_file, name, value)
    record_file.save(update_fields=[*fields, "converted"])
    if record_file.is_ready and record_file.page_id:
        index_soon(record_file.page_id)
    return record_file


def convert_pending(
    *, progress: Callable[[int], None] | None = None, settled: dt.timedelta = dt.timedelta(0)
) -> tuple[int, int]:
    """Convert every row still waiting (a task lost, a worker that died); returns
    (converted, refused). Safe to run beside the workers: each row is claimed.
    `settled`: leave rows younger than this to their own task (the worker's sweep)."""
    stale = Q(status=FileStatus.CONVERTING, started_at__lt=timezone.now() - STALE_AFTER)
    # A file that killed its worker every time (a converter crash, memory) is given up
    # with a reason the teacher can act on, never left "converting" for ever.
    refused = RecordFile.objects.filter(stale, attempts__gte=MAX_ATTEMPTS).update(
        status=FileStatus.REFUSED,
        error=_(
            "Không chuyển được tệp sang PDF sau %(count)d lần thử. Hãy mở tệp, lưu lại "
            "(hoặc in ra PDF) rồi nộp lại."
        )
        % {"count": MAX_ATTEMPTS},
    )
    converted = 0
    pending = Q(status=FileStatus.PENDING, uploaded_at__lte=timezone.now() - settled)
    waiting = RecordFile.objects.filter(pending | stale, attempts__lt=MAX_ATTEMPTS).order_by(
        "uploaded_at"
    )
    for record_file in waiting.iterator():
        result = convert(record_file)
        converted += result.status == FileStatus.READY
        refused += result.status == FileStatus.REFUSED
        if progress is not None:
            progress(1)
    return converted, refused


def pending_count() -> int:
    return RecordFile.objects.filter(
        status__in=[FileStatus.PENDING, FileStatus.CONVERTING], attempts__lt=MAX_ATTEMPTS
    ).count()


def index_soon(page_id: int) -> None:
    """The record's text now includes the file's: search indexes it after commit."""
    from search.tasks import index_record_soon

    index_record_soon(page_id=page_id)
