"""What a handed-in file really is, read from its content, never from its name.

A file is accepted only when its content is one of the kinds we convert and
matches its extension; corrupt, encrypted and macro-bearing files, zip bombs and
anything else are refused before a byte is stored, each with a Vietnamese message
that names the file (the teacher may have dropped twenty at once).

Containers: OOXML (.docx, .xlsx) is a ZIP with `[Content_Types].xml`; ODF (.odt,
.ods) a ZIP whose first member `mimetype` names the kind; .doc and .xls are OLE2
compound files (read with olefile); an encrypted OOXML file is an OLE2 file too,
with `EncryptionInfo` and `EncryptedPackage` streams.
"""

from __future__ import annotations

import io
import logging
import re
import struct
import zipfile
from dataclasses import dataclass

from django.utils.translation import gettext as _

from intake.models import FileKind

logger = logging.getLogger(__name__)

# The one place for the limits of a handed-in file.
MAX_FILE_BYTES = 25 * 1024 * 1024
MAX_UNPACKED_BYTES = 200 * 1024 * 1024  # a ZIP container, inflated (zip bombs)
MAX_MEMBERS = 5000
ACCEPTED_EXTENSIONS = (".docx", ".doc", ".odt", ".pdf", ".xlsx", ".xls", ".ods")

_BY_EXTENSION = {ext.lstrip("."): FileKind(ext.lstrip(".")) for ext in ACCEPTED_EXTENSIONS}
_MACRO_EXTENSIONS = {"docm", "dotm", "xlsm", "xltm", "xlsb", "xlam"}
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_EXECUTABLE_MAGIC = (b"MZ", b"\x7fELF", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe", b"#!")
_OOXML_MAIN = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": "pptx",
}
_OOXML_MACRO_MAIN = re.compile(rb"macroEnabled\.main\+xml|vbaProject", re.IGNORECASE)
_ODF_KINDS = {
    b"application/vnd.oasis.opendocument.text": "odt",
    b"application/vnd.oasis.opendocument.spreadsheet": "ods",
}
_OLE_MACRO_STORAGES = {"macros", "_vba_project_cur", "vba"}
_CHUNK = 1 << 20


class Refused(Exception):
    """A file we do not take: `message` for the teacher (Vietnamese), `reason` for the log."""

    def __init__(self, message: str, reason: str):
        super().__init__(reason)
        self.message = message
        self.reason = reason


@dataclass(frozen=True)
class _Found:
    """What the content is: a kind we convert, or only a description of it."""

    kind: str  # a FileKind value, or "" for anything we do not convert
    description: str


def extension_of(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _describe(kind: str) -> str:
    labels = {
        "docx": _("văn bản Word (.docx)"),
        "doc": _("văn bản Word 97-2003 (.doc)"),
        "odt": _("văn bản OpenDocument (.odt)"),
        "pdf": _("tệp PDF"),
        "xlsx": _("bảng tính Excel (.xlsx)"),
        "xls": _("bảng tính Excel 97-2003 (.xls)"),
        "ods": _("bảng tính OpenDocument (.ods)"),
        "pptx": _("bài trình chiếu PowerPoint (.pptx)"),
    }
    return labels.get(kind, kind)


def sniff(data: bytes, name: str) -> FileKind:
    """The kind of this file, or Refused with why not."""
    extension = extension_of(name)
    if not data:
        raise Refused(_("Tệp «%(name)s» rỗng (0 byte).") % {"name": name}, "empty")
    if len(data) > MAX_FILE_BYTES:
        raise Refused(
            _("Tệp «%(name)s» quá lớn (%(size).1f MB); tối đa %(max)d MB.")
            % {"name": name, "size": len(data) / 1048576, "max": MAX_FILE_BYTES // 1048576},
            f"too large: {len(data)} bytes",
        )
    if extension in _MACRO_EXTENSIONS:
        raise _macros(name, f"macro-enabled extension .{extension}")
    if extension not in _BY_EXTENSION:
        raise Refused(
            _(
                "Tệp «%(name)s» không thuộc loại hệ thống nhận. Hãy nộp tệp %(accepted)s "
                "(bảng biểu: .xlsx, .xls, .ods)."
            )
            % {"name": name, "accepted": ", ".join(ACCEPTED_EXTENSIONS)},
            f"extension .{extension}",
        )
    found = _identify(data, name)
    if found.kind != extension:
        raise Refused(
            _("Tệp «%(name)s» có đuôi .%(ext)s nhưng thực chất là %(what)s.")
            % {"name": name, "ext": extension, "what": found.description},
            f"content is {found.description!r}, extension .{extension}",
        )
    return FileKind(found.kind)


def _identify(data: bytes, name: str) -> _Found:
    """What the content is; refuses on the way what is corrupt, encrypted or has macros."""
    head = data[:1024]
    if head.startswith(b"%PDF-") or b"%PDF-" in head:
        _check_pdf(data, name)
        return _Found("pdf", _describe("pdf"))
    if head.startswith(b"PK\x03\x04"):
        return _identify_zip(data, name)
    if head.startswith(_OLE2_MAGIC):
        return _identify_ole(data, name)
    if head.startswith(_EXECUTABLE_MAGIC):
        return _Found("", _("một chương trình máy tính"))
    if head.startswith(b"PK"):
        raise _corrupt(name, "damaged zip header")
    if _is_text(head):
        return _Found("", _("một tệp văn bản thuần (text)"))
    return _Found("", _("một loại tệp không rõ"))


def _is_text(head: bytes) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\x00" not in head


# --- ZIP containers: OOXML and ODF --------------------------------------------


def _identify_zip(data: bytes, name: str) -> _Found:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _corrupt(name, f"bad zip: {exc}") from exc
    with archive:
        _check_zip_size(archive, members, name)
        names = [info.filename for info in members]
        if "[Content_Types].xml" in names:
            return _identify_ooxml(archive, names, name)
        if names and names[0] == "mimetype":
            return _identify_odf(archive, names, name)
    return _Found("", _("một tệp nén ZIP"))


def _check_zip_size(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo], name: str) -> None:
    """Declared sizes can lie: inflate every member for real, stopping at the limit.
    A CRC error or a truncated member on the way means the file is damaged."""
    if len(members) > MAX_MEMBERS:
        raise _zip_bomb(name, f"{len(members)} members")
    # A password set with an archiver (bit 0 of the flags): zipfile cannot open the
    # member and raises RuntimeError, which is not damage but a password.
    if any(info.flag_bits & 0x1 for info in members):
        raise _encrypted(name, "zip with encrypted members")
    if sum(info.file_size for info in members) > MAX_UNPACKED_BYTES:
        raise _zip_bomb(name, "declared size over the limit")
    total = 0
    try:
        for info in members:
            with archive.open(info) as member:
                while chunk := member.read(_CHUNK):
                    total += len(chunk)
                    if total > MAX_UNPACKED_BYTES:
                        raise _zip_bomb(name, "inflates past the limit")
    except Refused:
        raise
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
        raise _corrupt(name, f"zip member unreadable: {exc!r}") from exc


def _identify_ooxml(archive: zipfile.ZipFile, names: list[str], name: str) -> _Found:
    types = archive.read("[Content_Types].xml")
    if _OOXML_MACRO_MAIN.search(types) or any(n.lower().endswith("vbaproject.bin") for n in names):
        raise _macros(name, "OOXML with a VBA project")
    for content_type, kind in _OOXML_MAIN.items():
        if content_type.encode() in types:
            return _Found(kind if kind != "pptx" else "", _describe(kind))
    return _Found("", _("một tệp Office không phải văn bản hay bảng tính"))


def _identify_odf(archive: zipfile.ZipFile, names: list[str], name: str) -> _Found:
    mimetype = archive.read("mimetype").strip()
    try:
        manifest = archive.read("META-INF/manifest.xml")
    except KeyError as exc:
        raise _corrupt(name, "ODF without a manifest") from exc
    if b"encryption-data" in manifest:
        raise _encrypted(name, "ODF manifest with encryption-data")
    if any(n.startswith(("Basic/", "Scripts/")) for n in names):
        raise _macros(name, "ODF with Basic or Scripts")
    kind = _ODF_KINDS.get(mimetype, "")
    if not kind:
        return _Found("", _("một tệp OpenDocument khác (%(type)s)") % {"type": mimetype.decode()})
    return _Found(kind, _describe(kind))


# --- OLE2 compound files: .doc, .xls, encrypted OOXML --------------------------


def _identify_ole(data: bytes, name: str) -> _Found:
    import olefile

    try:
        ole = olefile.OleFileIO(data)
    except Exception as exc:  # olefile raises OSError and others on a damaged file
        raise _corrupt(name, f"bad OLE2: {exc!r}") from exc
    with ole:
        entries = {"/".join(path).lower() for path in ole.listdir(streams=True, storages=True)}
        tops = {entry.split("/", 1)[0] for entry in entries}
        if {"encryptioninfo", "encryptedpackage"} & tops:
            raise _encrypted(name, "OOXML in an OLE2 encryption container")
        if _OLE_MACRO_STORAGES & tops:
            raise _macros(name, "OLE2 with a VBA storage")
        try:
            if "worddocument" in tops:
                if _word_encrypted(ole.openstream("WordDocument").read(64)):
                    raise _encrypted(name, "doc with fEncrypted")
                return _Found("doc", _describe("doc"))
            for stream in ("Workbook", "Book"):
                if stream.lower() in tops:
                    if _workbook_encrypted(ole.openstream(stream).read(64 * 1024)):
                        raise _encrypted(name, "xls with FILEPASS")
                    return _Found("xls", _describe("xls"))
        except Refused:
            raise
        except Exception as exc:
            raise _corrupt(name, f"OLE2 stream unreadable: {exc!r}") from exc
    return _Found("", _("một tệp Office cũ không phải văn bản hay bảng tính"))


def _word_encrypted(fib: bytes) -> bool:
    """[MS-DOC] FibBase: the flags word at offset 10, fEncrypted is bit 8."""
    if len(fib) < 12:
        raise ValueError("short FIB")
    (flags,) = struct.unpack_from("<H", fib, 10)
    return bool(flags & 0x0100)


def _workbook_encrypted(stream: bytes) -> bool:
    """[MS-XLS]: a FILEPASS record (0x002F) follows the first BOF when encrypted."""
    offset = 0
    for _index in range(64):
        if offset + 4 > len(stream):
            return False
        record, length = struct.unpack_from("<HH", stream, offset)
        if record == 0x002F:
            return True
        if record == 0x000A:  # EOF of the globals substream
            return False
        offset += 4 + length
    return False


# --- PDF -----------------------------------------------------------------------


def _check_pdf(data: bytes, name: str) -> None:
    from pypdf import PdfReader

    if b"%%EOF" not in data[-2048:]:
        raise _corrupt(name, "pdf without %%EOF at the end (truncated)")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise _encrypted(name, "pdf with /Encrypt")
        if len(reader.pages) == 0:
            raise _corrupt(name, "pdf without pages")
    except Refused:
        raise
    except Exception as exc:  # pypdf raises many kinds on a broken file
        raise _corrupt(name, f"unreadable pdf: {exc!r}") from exc
    _check_pdf_active(data, name)


def _check_pdf_active(data: bytes, name: str) -> None:
    """JavaScript, launch actions, attached files: the same rule as any uploaded PDF."""
    from accounts.uploads import UploadRefused, inspect_upload

    upload = io.BytesIO(data)
    upload.name = "tep.pdf"
    try:
        inspect_upload(upload, filename="tep.pdf")
    except UploadRefused as refusal:
        raise Refused(
            _("Tệp «%(name)s»: %(why)s") % {"name": name, "why": refusal.message},
            refusal.reason,
        ) from None


# --- Messages ------------------------------------------------------------------


def _corrupt(name: str, reason: str) -> Refused:
    return Refused(
        _("Tệp «%(name)s» bị hỏng hoặc không đọc được. Hãy mở lại tệp, lưu lại rồi nộp lại.")
        % {"name": name},
        f"corrupt: {reason}",
    )


def _encrypted(name: str, reason: str) -> Refused:
    return Refused(
        _(
            "Tệp «%(name)s» có mật khẩu hoặc bị mã hóa. Hãy gỡ mật khẩu (lưu lại không "
            "đặt mật khẩu) rồi nộp lại."
        )
        % {"name": name},
        f"encrypted: {reason}",
    )


def _macros(name: str, reason: str) -> Refused:
    return Refused(
        _(
            "Tệp «%(name)s» có chứa macro (mã chạy tự động), hệ thống không nhận. Hãy lưu "
            "lại dạng .docx, .xlsx hoặc .odt không có macro rồi nộp lại."
        )
        % {"name": name},
        f"macros: {reason}",
    )


def _zip_bomb(name: str, reason: str) -> Refused:
    return Refused(
        _("Tệp «%(name)s» bất thường: giải nén ra quá lớn. Hệ thống không nhận tệp này.")
        % {"name": name},
        f"zip bomb: {reason}",
    )
