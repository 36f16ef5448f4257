"""Text of attached files (PDF, DOCX), cached by content hash, and of the files plans
are handed in as (converted and read once by intake).

pypdf and python-docx are pure Python and well kept; a file that cannot be
parsed is logged and indexed without its text rather than blocking the save.
"""

from __future__ import annotations

import io
import logging

from intake.models import FileStatus, RecordFile
from search.models import AttachmentText

logger = logging.getLogger(__name__)

MAX_CHARS = 150_000


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    parts: list[str] = []
    size = 0
    for page in reader.pages:
        text = page.extract_text() or ""
        parts.append(text)
        size += len(text)
        if size > MAX_CHARS:
            break
    return "\n".join(parts)


def _docx_text(data: bytes) -> str:
    import docx

    document = docx.Document(io.BytesIO(data))
    parts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


_EXTRACTORS = {"pdf": _pdf_text, "docx": _docx_text}


def extract_text(*, name: str, data: bytes) -> str:
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    extractor = _EXTRACTORS.get(extension)
    if extractor is None:
        return ""
    try:
        return extractor(data)[:MAX_CHARS]
    except Exception:  # noqa: BLE001 - a broken upload must not block indexing
        logger.warning("Could not extract text from %s", name, exc_info=True)
        return ""


def document_text(document) -> str:
    """Text of a wagtaildocs Document, parsed once per file content."""
    if document is None or not document.file:
        return ""
    file_hash = document.file_hash or ""
    cached = AttachmentText.objects.filter(document_id=document.pk, file_hash=file_hash).first()
    if cached is not None:
        return cached.text
    try:
        with document.open_file() as handle:
            data = handle.read()
    except OSError:
        logger.warning("Attachment %s is missing from storage", document.pk)
        return ""
    text = extract_text(name=document.file.name, data=data)
    AttachmentText.objects.update_or_create(
        document_id=document.pk, file_hash=file_hash, defaults={"text": text}
    )
    return text


def record_file_text(page) -> str:
    """Text of the file a plan was handed in as (FileHandIn.source_file), once converted.

    Read from the row intake filled when it converted the file (OCR included), not
    parsed again; a file still converting has none yet: the conversion queues the
    record for indexing again when it is done."""
    file_id = getattr(page, "source_file_id", None)
    if not file_id:
        return ""
    text = (
        RecordFile.objects.filter(pk=file_id, status=FileStatus.READY)
        .values_list("text", flat=True)
        .first()
    )
    return (text or "")[:MAX_CHARS]
