"""Uploaded documents must be what they claim (issue 7, bad input).

Wagtail limits document extensions (WAGTAILDOCS_EXTENSIONS); that says nothing of
the content. These checks read the file itself: an executable renamed .pdf, a
zip bomb named .docx, an oversize file, a PDF that carries JavaScript or launch
actions, or a macro-enabled Office file renamed .docx are refused with a
Vietnamese message before anything is stored.
"""

from __future__ import annotations

import logging
import re
import zipfile

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from wagtail.documents.forms import BaseDocumentForm

from accounts.conf import accounts_settings
from accounts.signals import EventKind, emit_security_event

logger = logging.getLogger(__name__)

_EXECUTABLE_MAGIC = (
    b"MZ",  # Windows PE
    b"\x7fELF",  # Linux ELF
    b"\xca\xfe\xba\xbe",  # Mach-O universal / Java class
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"#!",  # scripts
)
_ZIP_MAGIC = b"PK\x03\x04"
_OOXML_MAIN_PART = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}
_ODF_MIMETYPE = {
    "odt": b"application/vnd.oasis.opendocument.text",
    "ods": b"application/vnd.oasis.opendocument.spreadsheet",
}
# PDF names that run code or carry files; name characters may be #xx-escaped.
_PDF_ACTIVE_NAMES = {
    b"JavaScript",
    b"JS",
    b"Launch",
    b"EmbeddedFile",
    b"EmbeddedFiles",
    b"RichMedia",
}
_PDF_NAME = re.compile(rb"/([^\s/<>\[\]()%{}]+)")
_HEX_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_MAX_RATIO = 100  # uncompressed : compressed, per member
_CHUNK = 1 << 20


class UploadRefused(Exception):
    """Why an upload was refused: `message` for the user (Vietnamese), `reason` for the log."""

    def __init__(self, message: str, reason: str):
        super().__init__(reason)
        self.message = message
        self.reason = reason


def inspect_upload(uploaded, *, filename: str | None = None) -> None:
    """Raise UploadRefused unless the file's content matches its extension and is safe."""
    conf = accounts_settings()
    name = filename or getattr(uploaded, "name", "") or ""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    size = getattr(uploaded, "size", None)
    if size is not None and size > conf.upload_max_bytes:
        raise UploadRefused(
            _("Tệp quá lớn (%(size)s MB). Dung lượng tối đa là %(max)s MB.")
            % {"size": round(size / 1048576), "max": conf.upload_max_bytes // 1048576},
            f"too large: {size} bytes",
        )
    uploaded.seek(0)
    head = uploaded.read(1024)
    uploaded.seek(0)
    if not head:
        raise UploadRefused(_("Tệp rỗng."), "empty")
    if head.startswith(_EXECUTABLE_MAGIC):
        raise UploadRefused(
            _("Tệp này là một chương trình máy tính, không phải tài liệu. Hệ thống không nhận."),
            "executable content",
        )
    if extension == "pdf":
        _check_pdf(uploaded, head)
    elif extension in _OOXML_MAIN_PART or extension in _ODF_MIMETYPE:
        _check_zip_document(uploaded, head, extension, conf)
    uploaded.seek(0)


def _not_what_it_claims(extension: str, reason: str) -> UploadRefused:
    return UploadRefused(
        _("Nội dung tệp không phải tài liệu .%(ext)s như tên tệp cho biết.") % {"ext": extension},
        reason,
    )


def _check_pdf(uploaded, head: bytes) -> None:
    if b"%PDF-" not in head:
        raise _not_what_it_claims("pdf", "no %PDF- header")
    data = uploaded.read()
    uploaded.seek(0)
    found = _active_pdf_names(data)
    try:
        from pypdf import PdfReader
        from pypdf.generic import StreamObject

        reader = PdfReader(uploaded, strict=False)
        if reader.is_encrypted:
            raise UploadRefused(
                _("Tệp PDF có mật khẩu hoặc bị mã hóa; hãy tải lên bản không mã hóa."),
                "encrypted pdf",
            )
        # Objects packed in compressed object streams hide their names from a raw scan.
        for number in _object_numbers(reader):
            obj = reader.get_object(number)
            if isinstance(obj, StreamObject) and obj.get("/Type") == "/ObjStm":
                found |= _active_pdf_names(obj.get_data())
    except UploadRefused:
        raise
    except Exception as exc:  # pypdf raises many kinds on a broken file
        raise UploadRefused(
            _("Tệp PDF bị hỏng hoặc không đọc được."), f"unreadable pdf: {exc!r}"
        ) from exc
    finally:
        uploaded.seek(0)
    if found:
        raise UploadRefused(
            _(
                "Tệp PDF chứa mã chạy tự động hoặc tệp đính kèm (JavaScript, Launch). "
                "Hãy in lại ra PDF thường rồi tải lên."
            ),
            "active pdf content: " + ", ".join(sorted(n.decode() for n in found)),
        )


def _object_numbers(reader) -> set[int]:
    numbers: set[int] = set()
    for table in reader.xref.values():
        numbers.update(table)
    return numbers


def _active_pdf_names(data: bytes) -> set[bytes]:
    found = set()
    for match in _PDF_NAME.finditer(data):
        name = _HEX_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), match.group(1))
        if name in _PDF_ACTIVE_NAMES:
            found.add(name)
    return found


def _check_zip_document(uploaded, head: bytes, extension: str, conf) -> None:
    if not head.startswith(_ZIP_MAGIC):
        raise _not_what_it_claims(extension, "not a zip container")
    try:
        archive = zipfile.ZipFile(uploaded)
    except zipfile.BadZipFile as exc:
        raise _not_what_it_claims(extension, f"bad zip: {exc}") from exc
    with archive:
        members = archive.infolist()
        names = {info.filename for info in members}
        if len(members) > conf.upload_max_members:
            raise _zip_bomb(f"{len(members)} members")
        declared = sum(info.file_size for info in members)
        if declared > conf.upload_max_unpacked_bytes:
            raise _zip_bomb(f"declares {declared} bytes unpacked")
        for info in members:
            if info.compress_size and info.file_size / info.compress_size > _MAX_RATIO:
                raise _zip_bomb(f"ratio {info.file_size // info.compress_size} in {info.filename}")
        if extension in _OOXML_MAIN_PART:
            if "[Content_Types].xml" not in names or _OOXML_MAIN_PART[extension] not in names:
                raise _not_what_it_claims(extension, "missing OOXML parts")
            if any(name.lower().endswith("vbaproject.bin") for name in names):
                raise UploadRefused(
                    _("Tệp có chứa macro (mã chạy tự động). Hãy lưu lại dạng không macro."),
                    "macro-enabled office file",
                )
        else:
            try:
                mimetype = archive.read("mimetype").strip()
            except KeyError as exc:
                raise _not_what_it_claims(extension, "no ODF mimetype") from exc
            if mimetype != _ODF_MIMETYPE[extension]:
                raise _not_what_it_claims(extension, f"ODF mimetype {mimetype!r}")
        # Declared sizes can lie: inflate for real, stopping at the limit.
        total = 0
        for info in members:
            with archive.open(info) as member:
                while chunk := member.read(_CHUNK):
                    total += len(chunk)
                    if total > conf.upload_max_unpacked_bytes:
                        raise _zip_bomb("inflates past the limit")


def _zip_bomb(reason: str) -> UploadRefused:
    return UploadRefused(
        _("Tệp nén bất thường (giải nén ra quá lớn). Hệ thống không nhận tệp này."),
        f"zip bomb: {reason}",
    )


class SafeDocumentForm(BaseDocumentForm):
    """Wagtail's document form (add, multiple upload, chooser upload, edit) with the
    content checks above. Set as WAGTAILDOCS_DOCUMENT_FORM_BASE."""

    def clean_file(self):
        uploaded = self.cleaned_data.get("file")
        if not uploaded or uploaded is self.original_file:
            return uploaded
        try:
            inspect_upload(uploaded)
        except UploadRefused as refusal:
            emit_security_event(
                EventKind.UPLOAD_REFUSED,
                user=getattr(self, "user", None),
                detail=f"{getattr(uploaded, 'name', '')!r}: {refusal.reason}",
            )
            raise ValidationError(refusal.message, code="unsafe_upload") from None
        return uploaded
