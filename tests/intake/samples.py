"""Real files for the intake tests, made by the real tools (python-docx, openpyxl,
LibreOffice, Pillow, msoffcrypto-tool, pypdf) once per test session, in pytest's
temporary directory: nothing binary is kept in the repository.

LibreOffice's conversions (some 5 s) are also kept in a cache outside the repository,
`~/.cache/hoso/intake-samples/<soffice version>/<recipe>/`, where <recipe> is a digest
of this file: a mutation run starts a pytest session per mutant and must not pay for
them each time. The cache only ever holds what the installed soffice made from these
recipes; when it is missing, unreadable or unwritable the files are made again."""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import struct
import subprocess
import zipfile
from pathlib import Path

TITLE = "Kế hoạch bài dạy – Tuần 12 – Tiếng Việt – Bài 45: ươ, ương"
BODY = (
    "Học sinh đọc, viết được vần ươ, ương và các tiếng có vần này; hiểu nghĩa các từ "
    "con đường, bay lượn; yêu quý quê hương."
)
SCAN_LINES = [
    "Kế hoạch bài dạy",
    "Tuần 12 – Tiếng Việt",
    "Bài 45: ươ, ương",
    "Học sinh đọc được vần ương,",
    "viết được con đường, quê hương.",
    "Giáo viên soạn kế hoạch theo tuần.",
]
FONT = Path("/usr/share/fonts/truetype/noto/NotoSerif-Regular.ttf")


def docx_bytes() -> bytes:
    import docx

    document = docx.Document()
    document.add_heading(TITLE, 1)
    document.add_paragraph(BODY)
    table = document.add_table(rows=2, cols=3)
    for cell, text in zip(table.rows[0].cells, ("Hoạt động", "Thời gian", "Ghi chú"), strict=True):
        cell.text = text
    for cell, text in zip(table.rows[1].cells, ("Khởi động: hát", "5 phút", "Cả lớp"), strict=True):
        cell.text = text
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def xlsx_bytes() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Báo giảng"
    sheet.append(["Thứ", "Tiết", "Môn", "Tên bài dạy"])
    sheet.append(["Hai", 1, "Tiếng Việt", "Bài 45: ươ, ương"])
    sheet.append(["Hai", 2, "Toán", "Phép cộng trong phạm vi 10"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def soffice_convert(source: Path, target_ext: str, workdir: Path) -> Path:
    profile = workdir / "lo-profile"
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            target_ext,
            "--outdir",
            str(workdir),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return workdir / f"{source.stem}.{target_ext.split(':')[0]}"


def scanned_pdf(pages: int) -> bytes:
    """Vietnamese text drawn into a 200 dpi greyscale image per page: a scan, no text layer."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(FONT), 56)
    images = []
    for number in range(pages):
        image = Image.new("L", (1654, 2339), 255)  # A4 at 200 dpi
        draw = ImageDraw.Draw(image)
        for line, text in enumerate([*SCAN_LINES, f"Trang {number + 1}"]):
            draw.text((160, 200 + line * 110), text, font=font, fill=0)
        images.append(image)
    out = io.BytesIO()
    images[0].save(out, "PDF", resolution=200, save_all=True, append_images=images[1:])
    return out.getvalue()


def encrypted_docx(plain: bytes) -> bytes:
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(plain)).encrypt("matkhau", out)
    return out.getvalue()


def encrypted_pdf(plain: bytes) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(plain)))
    writer.encrypt("matkhau", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def docm_bytes(plain: bytes) -> bytes:
    """A .docx with a VBA project injected, as Word saves a macro-enabled document."""
    source = zipfile.ZipFile(io.BytesIO(plain))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(
                    b"wordprocessingml.document.main+xml", b"ms-word.document.macroEnabled.main+xml"
                ).replace(
                    b"</Types>",
                    b'<Default Extension="bin" '
                    b'ContentType="application/vnd.ms-office.vbaProject"/></Types>',
                )
            target.writestr(info, data)
        target.writestr("word/vbaProject.bin", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    return out.getvalue()


def odt_with_basic(plain_odt: bytes) -> bytes:
    """An ODT with a Basic library, as LibreOffice saves a document with a macro."""
    source = zipfile.ZipFile(io.BytesIO(plain_odt))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            target.writestr(info, source.read(info))
        target.writestr(
            "Basic/Standard/Module1.xml",
            '<?xml version="1.0"?><script:module script:name="Module1" '
            'script:language="StarBasic">Sub Main\nShell("rm -rf /")\nEnd Sub</script:module>',
        )
    return out.getvalue()


def ole_patched(data: bytes, stream: str, offset: int, patch: bytes) -> bytes:
    """An OLE2 file with bytes of one stream overwritten in place (same size)."""
    import olefile

    ole = olefile.OleFileIO(io.BytesIO(data), write_mode=True)
    content = bytearray(ole.openstream(stream).read())
    content[offset : offset + len(patch)] = patch
    ole.write_stream(stream, bytes(content))
    ole.close()
    return ole.fp.getvalue()


def encrypted_doc(plain_doc: bytes) -> bytes:
    """LibreOffice's .doc with fEncrypted (bit 8 of the FibBase flags at offset 10) set,
    as Word marks a document saved with a password to open."""
    (flags,) = struct.unpack_from("<H", _stream(plain_doc, "WordDocument"), 10)
    return ole_patched(plain_doc, "WordDocument", 10, struct.pack("<H", flags | 0x0100))


def encrypted_xls(plain_xls: bytes) -> bytes:
    """LibreOffice's .xls with the record after BOF turned into FILEPASS (0x002F), where
    Excel writes it for a workbook with a password to open."""
    (length,) = struct.unpack_from("<H", _stream(plain_xls, "Workbook"), 2)
    return ole_patched(plain_xls, "Workbook", 4 + length, struct.pack("<H", 0x002F))


def _stream(data: bytes, stream: str) -> bytes:
    import olefile

    with olefile.OleFileIO(data) as ole:
        return ole.openstream(stream).read()


def odf_without(plain_odf: bytes, member: str) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(plain_odf))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            if info.filename != member:
                target.writestr(info, source.read(info))
    return out.getvalue()


def pdf_without_pages() -> bytes:
    from pypdf import PdfWriter

    out = io.BytesIO()
    PdfWriter().write(out)
    return out.getvalue()


def password_zip(plain: bytes, workdir: Path) -> bytes:
    """The .docx's parts zipped again with a password (`zip -P`), as a teacher who
    "protects" a file with an archiver and keeps the name would hand it in."""
    parts = workdir / "zip-parts"
    zipfile.ZipFile(io.BytesIO(plain)).extractall(parts)
    target = workdir / "mat-khau-zip.docx"
    target.unlink(missing_ok=True)
    subprocess.run(
        ["zip", "-q", "-r", "-P", "matkhau", str(target), "."],
        cwd=parts,
        check=True,
        capture_output=True,
        timeout=60,
    )
    return target.read_bytes()


def plain_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        target.writestr("ghi-chu.txt", "Không phải văn bản Word")
    return out.getvalue()


SOFFICE_MADE = ("ke-hoach.odt", "ke-hoach.ott", "ke-hoach.doc", "bao-giang.xls", "bao-giang.ods")


def cache_dir() -> Path:
    """Where this soffice's conversions of these recipes are kept."""
    version = subprocess.run(
        ["soffice", "--version"], check=True, capture_output=True, text=True, timeout=60
    ).stdout
    version = re.sub(r"[^A-Za-z0-9.]+", "-", version).strip("-") or "unknown"
    recipe = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "hoso" / "intake-samples" / version / recipe


def _cached(directory: Path) -> dict[str, bytes] | None:
    try:
        return {name: (directory / name).read_bytes() for name in SOFFICE_MADE}
    except OSError:
        return None


def _store(directory: Path, files: dict[str, bytes]) -> None:
    # Each file under a temporary name, then renamed: two sessions filling the cache
    # at once never leave a half-written file under a real name.
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for name in SOFFICE_MADE:
            partial = directory / f".{name}.{os.getpid()}"
            partial.write_bytes(files[name])
            partial.replace(directory / name)
    except OSError:
        pass  # a read-only home: the next session makes them again


def soffice_made(docx: bytes, xlsx: bytes, workdir: Path) -> dict[str, bytes]:
    """The .odt, .doc, .xls and .ods LibreOffice makes of the .docx and .xlsx samples."""
    directory = cache_dir()
    cached = _cached(directory)
    if cached is not None:
        return cached
    docx_path = workdir / "ke-hoach.docx"
    docx_path.write_bytes(docx)
    xlsx_path = workdir / "bao-giang.xlsx"
    xlsx_path.write_bytes(xlsx)
    made = {
        "ke-hoach.odt": soffice_convert(docx_path, "odt", workdir).read_bytes(),
        "ke-hoach.ott": soffice_convert(docx_path, "ott", workdir).read_bytes(),
        "ke-hoach.doc": soffice_convert(docx_path, "doc:MS Word 97", workdir).read_bytes(),
        "bao-giang.xls": soffice_convert(xlsx_path, "xls:MS Excel 97", workdir).read_bytes(),
        "bao-giang.ods": soffice_convert(xlsx_path, "ods", workdir).read_bytes(),
    }
    _store(directory, made)
    return made


def build_all(workdir: Path) -> dict[str, bytes]:
    """Every sample by name; the LibreOffice-made ones only when soffice is here."""
    workdir.mkdir(parents=True, exist_ok=True)
    files: dict[str, bytes] = {}
    files["ke-hoach.docx"] = docx_bytes()
    files["bao-giang.xlsx"] = xlsx_bytes()
    files["ban-chup-1-trang.pdf"] = scanned_pdf(1)
    files["ban-chup-3-trang.pdf"] = scanned_pdf(3)
    files["co-mat-khau.docx"] = encrypted_docx(files["ke-hoach.docx"])
    files["co-mat-khau.pdf"] = encrypted_pdf(files["ban-chup-1-trang.pdf"])
    files["co-macro.docm"] = docm_bytes(files["ke-hoach.docx"])
    files["co-macro-doi-ten.docx"] = files["co-macro.docm"]
    files["bi-cat.docx"] = files["ke-hoach.docx"][: len(files["ke-hoach.docx"]) // 2]
    files["chuong-trinh.docx"] = b"MZ\x90\x00\x03" + b"\0" * 200
    files["tep-nen.docx"] = plain_zip()
    files["van-ban.pdf"] = "Đây là một tệp văn bản thuần, không phải PDF.\n".encode()
    files["khong-trang.pdf"] = pdf_without_pages()
    if shutil.which("zip"):
        files["mat-khau-zip.docx"] = password_zip(files["ke-hoach.docx"], workdir)
    if shutil.which("soffice"):
        files.update(soffice_made(files["ke-hoach.docx"], files["bao-giang.xlsx"], workdir))
        files["co-macro.odt"] = odt_with_basic(files["ke-hoach.odt"])
        files["mau.odt"] = files["ke-hoach.ott"]
        files["thieu-manifest.odt"] = odf_without(files["ke-hoach.odt"], "META-INF/manifest.xml")
        files["co-mat-khau.doc"] = encrypted_doc(files["ke-hoach.doc"])
        files["co-mat-khau.xls"] = encrypted_xls(files["bao-giang.xls"])
    return files
