"""Real files for the intake tests, made by the real tools (python-docx, openpyxl,
LibreOffice, Pillow, msoffcrypto-tool, pypdf) once per test session, in pytest's
temporary directory: nothing binary is kept in the repository."""

from __future__ import annotations

import io
import shutil
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


def plain_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        target.writestr("ghi-chu.txt", "Không phải văn bản Word")
    return out.getvalue()


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
    if shutil.which("soffice"):
        docx = workdir / "ke-hoach.docx"
        docx.write_bytes(files["ke-hoach.docx"])
        xlsx = workdir / "bao-giang.xlsx"
        xlsx.write_bytes(files["bao-giang.xlsx"])
        files["ke-hoach.odt"] = soffice_convert(docx, "odt", workdir).read_bytes()
        files["ke-hoach.doc"] = soffice_convert(docx, "doc:MS Word 97", workdir).read_bytes()
        files["bao-giang.xls"] = soffice_convert(xlsx, "xls:MS Excel 97", workdir).read_bytes()
        files["bao-giang.ods"] = soffice_convert(xlsx, "ods", workdir).read_bytes()
        files["co-macro.odt"] = odt_with_basic(files["ke-hoach.odt"])
    return files
