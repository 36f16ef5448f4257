"""Reading converted PDFs: text (poppler's pdftotext, which keeps Vietnamese
diacritics and reading order better than a pure-Python extractor), page count,
PNG previews (pdftoppm), the PDF/A part a file declares, and joining the parts
of a bundle with one outline entry per part (pypdf)."""

from __future__ import annotations

import io
import re
import subprocess
import tempfile
from pathlib import Path

MAX_TEXT_CHARS = 300_000  # what the search index keeps of one file
PREVIEW_DPI = 80
PREVIEW_WIDTH = 800
_TOOL_TIMEOUT = 60
# The XMP's pdfaid:part and pdfaid:conformance, written as elements (LibreOffice)
# or as attributes (OCRmyPDF, pikepdf).
_PDFA_ID = re.compile(
    rb"pdfaid:(part|conformance)\s*(?:=\s*[\"']|>)\s*([0-9A-Za-z]+)", re.IGNORECASE
)


def declared_pdfa(pdf: bytes) -> str:
    """ "PDF/A-2b" and the like, from the document's XMP metadata; "" if none."""
    from pypdf import PdfReader

    try:
        metadata = PdfReader(io.BytesIO(pdf)).trailer["/Root"].get("/Metadata")
        xmp = metadata.get_object().get_data() if metadata is not None else b""
    except Exception:  # noqa: BLE001 - an unreadable file declares nothing
        return ""
    found = {key.decode().lower(): value.decode() for key, value in _PDFA_ID.findall(xmp)}
    if "part" not in found:
        return ""
    return f"PDF/A-{found['part']}{found.get('conformance', '').lower()}"


def page_count(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def text_of(pdf: bytes) -> str:
    """The PDF's text in reading order, form feeds between pages."""
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-layout", "-", "-"],
        input=pdf,
        capture_output=True,
        timeout=_TOOL_TIMEOUT,
        check=True,
    )
    return result.stdout.decode("utf-8", "replace")[:MAX_TEXT_CHARS]


def preview_png(pdf: bytes, page_number: int) -> bytes:
    """Page `page_number` (from 1) as a PNG about PREVIEW_WIDTH pixels wide."""
    with tempfile.TemporaryDirectory(prefix="hoso-preview-") as tmp:
        source = Path(tmp) / "tep.pdf"
        source.write_bytes(pdf)
        target = Path(tmp) / "trang"
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                str(PREVIEW_DPI),
                "-scale-to-x",
                str(PREVIEW_WIDTH),
                "-scale-to-y",
                "-1",
                "-f",
                str(page_number),
                "-l",
                str(page_number),
                "-singlefile",
                str(source),
                str(target),
            ],
            capture_output=True,
            timeout=_TOOL_TIMEOUT,
            check=True,
        )
        return target.with_suffix(".png").read_bytes()


def join_with_outline(parts: list[tuple[str, bytes]]) -> bytes:
    """One PDF of the parts in order, with an outline (bookmark) entry per part titled
    by its name, so that a reviewer jumps to lesson 3 of the week."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject

    writer = PdfWriter()
    readers = [(title, PdfReader(io.BytesIO(pdf))) for title, pdf in parts]
    for title, reader in readers:
        start = len(writer.pages)
        writer.append(reader, import_outline=False)
        writer.add_outline_item(title, start)
    # Every part is PDF/A-2b from the same converter: the first part's XMP and output
    # intent (its colour profile) declare the whole, as a merge keeps fonts embedded.
    first = readers[0][1].trailer["/Root"]
    for key in ("/Metadata", "/OutputIntents"):
        if key in first:
            writer._root_object[NameObject(key)] = first[key].clone(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
