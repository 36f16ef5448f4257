"""HTML → PDF/A with WeasyPrint: the paper form of each record, footed on every
page with what lets a reader check it (record id, version, content SHA-256, a QR
code to /xac-thuc/ and the Điều 12 conversion mark).

Fonts are Noto (Debian fonts-noto-core) loaded by file URL and embedded as
subsets: every Vietnamese glyph, including stacked diacritics, is in them.

Speed (a school freezes ~1,000 học bạ at year end): the stylesheet (font faces
and print.css) is parsed once per process into a WeasyPrint CSS object sharing
one FontConfiguration; the QR code is a small 1-bit PNG drawn without
interpolation (an SVG path was re-parsed on every page, ~40 ms each); the
evidence footer is a float, not a flexbox; the học bạ's tables use fixed
layout. Together ~2.3x less CPU per học bạ than the first version.

Which PDF/A: PDF/A-2a (ISO 19005-2:2011, conformance level A), for every record drawn
from its form but the học bạ, which is PDF/A-3a (below).
- Part 2, not part 1. TCVN 14159-1:2024 is ISO 19005-1 (PDF/A-1, on PDF 1.4), but the
  same series has TCVN 14159-2:2024 = ISO 19005-2 (PDF/A-2, on ISO 32000-1), so part 2 is
  a Vietnamese standard too. What we sign does not stay PDF/A-1: veraPDF fails a
  PDF/A-1b file as soon as pyHanko has signed it (6.3.5-3: the stamp's CIDFont subset
  has no CIDSet; 6.7.3-7: Info /Producer no longer matches the XMP), and PDF/A-1a also
  rejects WeasyPrint's table tags (6.8.3.4-1: TBody is not a PDF 1.4 structure type).
  PDF/A-1 also forbids transparency (a pupil's PNG photo with an alpha channel) and,
  on PDF 1.4, has no object streams (our files are smaller with them) and no DSS or
  document timestamps (PDF 2.0 / PAdES), which B-LT/B-LTA and each extension append as
  incremental updates. PDF/A-2 allows all of them, and of a signature it asks what
  PAdES does: a ByteRange over the whole file but the signature, CMS, not PKCS#1.
- Level A, not B or U: a tagged structure tree (headings, tables with header cells,
  figures with alternative text), /Lang vi and Unicode text, so a screen reader reads
  the record. It costs ~5-10% render time and ~10-25% size. The evidence footer is a
  margin box, which WeasyPrint leaves out of the structure tree: base.html repeats it
  once, tagged and clipped out of sight, after the content. PDF/UA-1 is not claimed:
  the signature widgets pyHanko adds are not tagged (veraPDF 7.18.1-3, 7.18.4-1).
- Part 3 for the học bạ only (PDF/A-3a, ISO 19005-3): the Ministry's học bạ số (CV
  1396/BGDĐT-GDTH 2024) is a signed electronic record whose data goes to the sector
  database, and Ho Chi Minh City gives its PDF and XML forms equal value. So its data
  file (recordpages.hocba.xml) travels inside the signed file as an associated file,
  /AFRelationship /Data listed in the catalog's /AF: the ZUGFeRD/Factur-X pattern, one
  signature covering what a person reads and what a machine reads. Part 3 differs from
  part 2 only in allowing such files; the tagging rules (level A) are the same. Every
  other record stays PDF/A-2a: a record handed in as a file (issue 15) keeps its
  original (a teacher's Word document) beside the signed PDF in the archive
  (archive.originals), not inside it, since a reader of the PDF needs no Word to read
  the record.

A record handed in as a file is PDF/A-2b, not 2a: its pages are what LibreOffice or
OCRmyPDF made (PDF/A-2b), and the confirmation page rendered after them is WeasyPrint's
`pdf/a-2b` so that the merged file (archive.pdf_files) declares one part and level
that every page meets.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import io
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import qrcode
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from archive import embedded, pdf_files
from archive.documents import DocumentSpec, Header
from archive.signing import SignatureBox
from intake.pdftools import declared_pdfa  # noqa: F401  (one XMP reader for archive and intake)

logger = logging.getLogger(__name__)
# fontTools logs every subset at INFO: far too loud for a worker rendering thousands.
logging.getLogger("fontTools").setLevel(logging.WARNING)
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


# WeasyPrint's name of the part and level, and veraPDF's: fixed in code, not a setting,
# because the year package and the README declare it and tests check it.
PDF_VARIANT = "pdf/a-2a"
PDFA_FLAVOUR = "2a"
PDFA_PART = "PDF/A-2a"
# A record that carries a data file inside (the học bạ, issue 16): PDF/A-3a.
PDFA3_VARIANT = "pdf/a-3a"
PDFA3_FLAVOUR = "3a"
PDFA3_PART = "PDF/A-3a"
# A record handed in as a file: LibreOffice and OCRmyPDF make PDF/A-2b, and the
# confirmation page appended to it is rendered to the same part and level.
FILE_PDF_VARIANT = "pdf/a-2b"
FILE_PDFA_PART = "PDF/A-2b"


@dataclass(frozen=True)
class Footer:
    """The evidence line printed on every page."""

    record_id: int
    version: int
    content_sha256: str
    verification_code: str

    @property
    def verify_url(self) -> str:
        base = settings.ARCHIVE["PUBLIC_BASE_URL"].rstrip("/")
        path = reverse("archive:verify_code", kwargs={"code": self.verification_code})
        return f"{base}{path}"


def qr_data_uri(text: str) -> str:
    """The QR code as a 1-bit PNG, one pixel per module: drawn once per document,
    scaled without interpolation (print.css), so it prints as sharp as a vector
    and costs nothing per page. DeviceGray is allowed beside the sRGB output intent."""
    image = qrcode.make(
        text, box_size=1, border=0, error_correction=qrcode.constants.ERROR_CORRECT_M
    )
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


FONT_FILES = {
    ("normal", "normal"): "NotoSerif-Regular.ttf",
    ("bold", "normal"): "NotoSerif-Bold.ttf",
    ("normal", "italic"): "NotoSerif-Italic.ttf",
    ("bold", "italic"): "NotoSerif-BoldItalic.ttf",
}


def font_url(name: str) -> str:
    return Path(settings.ARCHIVE["FONT_DIR"], name).as_uri()


def font_faces_css() -> str:
    return "\n".join(
        f'@font-face {{ font-family: "HosoSerif"; font-weight: {weight}; '
        f'font-style: {style}; src: url("{font_url(name)}"); }}'
        for (weight, style), name in FONT_FILES.items()
    )


class _Styles:
    """Per process: one FontConfiguration and the stylesheet parsed once, plus one
    tiny `@page { size }` sheet per paper size. Rebuilt after a fork (fontconfig
    and Pango objects are not shared between processes)."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.font_config = FontConfiguration()
        base_url = str(settings.BASE_DIR)
        css_path = Path(settings.BASE_DIR, "templates", "pdf", "print.css")
        self.main = CSS(
            string=font_faces_css() + "\n" + css_path.read_text("utf-8"),
            font_config=self.font_config,
            base_url=base_url,
        )
        self.sizes: dict[str, CSS] = {}

    def for_size(self, page_size: str) -> list[CSS]:
        if page_size not in self.sizes:
            self.sizes[page_size] = CSS(
                string=f"@page {{ size: {page_size}; }}", font_config=self.font_config
            )
        return [self.main, self.sizes[page_size]]


_styles: _Styles | None = None


def _current_styles() -> _Styles:
    global _styles
    if _styles is None or _styles.pid != os.getpid():
        _styles = _Styles()
    return _styles


def render_html(
    spec: DocumentSpec, *, header: Header | None, footer: Footer | None, extra: dict | None = None
) -> str:
    context: dict[str, Any] = {
        **spec.context,
        "title": spec.title,
        "page_size": spec.page_size,
        "header": header,
        "footer": footer,
        "qr": qr_data_uri(footer.verify_url) if footer else None,
        **(extra or {}),
    }
    return render_to_string(spec.template, context)


def html_to_pdf(
    html: str, *, title: str, page_size: str = "A4 portrait", created: dt.datetime | None = None
) -> bytes:
    """Tagged PDF/A-2a (PDF_VARIANT); sRGB output intent, XMP metadata and the
    structure tree come with WeasyPrint's PDF/A variant. The stylesheet is not in
    the HTML: it is the per-process parsed one (`_Styles`)."""
    document, options = _laid_out(html, page_size=page_size)
    pdf = document.write_pdf(**options)
    logger.debug("Rendered %s (%d bytes)", title, len(pdf))
    return pdf


def _laid_out(
    html: str, *, page_size: str, variant: str = PDF_VARIANT
) -> tuple[Any, dict[str, Any]]:
    """The laid-out WeasyPrint document and the options to write it with: the
    positions of its elements (anchors) are read before it is written."""
    styles = _current_styles()
    options: dict[str, Any] = {
        "stylesheets": styles.for_size(page_size),
        "pdf_variant": variant,
        "uncompressed_pdf": False,
        "custom_metadata": False,
    }
    document = HTML(string=html, base_url=str(settings.BASE_DIR)).render(
        font_config=styles.font_config, **options
    )
    return document, options


def render_spec(spec: DocumentSpec, *, header: Header | None, footer: Footer | None) -> bytes:
    return html_to_pdf(
        render_html(spec, header=header, footer=footer),
        title=spec.title,
        page_size=spec.page_size,
    )


def render_record(
    page, *, footer: Footer | None, issued_on: dt.date, version: int | None = None
) -> bytes:
    """The paper form of one record (frozen page object) as PDF/A."""
    pdf, _boxes = _render_page(page, footer=footer, issued_on=issued_on, version=version, blocks=())
    return pdf


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_PT_PER_PX = 0.75  # CSS px are 1/96 in, PDF points 1/72 in


def _signature_boxes(document, blocks: Sequence[tuple[str, str]]) -> list[SignatureBox]:
    """Where each block's box landed: WeasyPrint gives the border box of the element
    with id "sig-<field>" as (x1, y1, x2, y2) in CSS px from the page's top-left; a
    PDF field wants points from the bottom-left."""
    wanted = {f"sig-{field}": field for field, _label in blocks}
    boxes: dict[str, SignatureBox] = {}
    for index, page in enumerate(document.pages):
        page_height = page.height * _PT_PER_PX
        for anchor, (x1, y1, x2, y2) in page.anchors.items():
            field = wanted.get(anchor)
            if field is None or field in boxes:
                continue
            box = (x1 * _PT_PER_PX, page_height - y2 * _PT_PER_PX)
            box += (x2 * _PT_PER_PX, page_height - y1 * _PT_PER_PX)
            boxes[field] = SignatureBox(
                field=field, page=index, box=tuple(round(v, 2) for v in box)
            )
    missing = [field for field, _label in blocks if field not in boxes]
    if missing:
        # A template that does not draw the blocks: signing would put a field nowhere.
        raise ValueError(f"The template drew no signature block for {missing}")
    return [boxes[field] for field, _label in blocks]


def render_record_with_boxes(
    page,
    *,
    footer: Footer | None,
    issued_on: dt.date,
    version: int | None = None,
    blocks: Sequence[tuple[str, str]],
) -> tuple[bytes, list[SignatureBox]]:
    """The paper form of one record as PDF/A with a signature block per chain step
    ((field, label), in order), and where each block's box is on its page: the
    signature fields go there (archive.signing.add_signature_fields)."""
    pdf, boxes = _render_page(
        page, footer=footer, issued_on=issued_on, version=version, blocks=blocks
    )
    logger.debug(
        "Rendered %s with %d signature blocks (%d bytes)", page.title, len(boxes), len(pdf)
    )
    return pdf, boxes


def _render_page(
    page,
    *,
    footer: Footer | None,
    issued_on: dt.date,
    version: int | None,
    blocks: Sequence[tuple[str, str]],
) -> tuple[bytes, list[SignatureBox]]:
    from archive.documents import build_header, document_number, record_spec

    spec = record_spec(page)
    header = build_header(
        page.school,
        number=document_number(page, version or (footer.version if footer else 0)),
        issued_on=issued_on,
        school_year=page.school_year,
    )
    extra = {"signature_blocks": list(blocks)} if blocks else None
    if spec.source is not None:
        return _render_file_record(spec, page, header=header, footer=footer, extra=extra or {})
    variant = PDFA3_VARIANT if spec.attachments else PDF_VARIANT
    document, options = _laid_out(
        render_html(spec, header=header, footer=footer, extra=extra),
        page_size=spec.page_size,
        variant=variant,
    )
    boxes = _signature_boxes(document, blocks) if blocks else []
    if not spec.attachments:
        return document.write_pdf(**options), boxes
    files = embedded.pdf_attachments(spec.attachments, made_on=header.date)
    finisher = embedded.Finisher(spec.attachments)
    return document.write_pdf(**options, attachments=files, finisher=finisher), boxes


class SourceChanged(Exception):
    """The converted file no longer hashes to what the record approved."""


def _render_file_record(
    spec: DocumentSpec, page, *, header: Header, footer: Footer | None, extra: dict
) -> tuple[bytes, list[SignatureBox]]:
    """A record handed in as a file: its converted PDF/A, then the confirmation page
    (and the form's filled fields before it) rendered as PDF/A-2b, the part and level
    the converted file declares, and appended (archive.pdf_files). The signature boxes
    are on the appended pages: their page numbers follow the file's."""
    source = spec.source
    with source.converted.open("rb") as handle:
        converted = handle.read()
    approved = getattr(page, "source_sha256", "") or source.converted_sha256
    if sha256_hex(converted) != approved:
        # The hash the reviewers approved covers these bytes: never sign others.
        raise SourceChanged(f"{source.converted.name} does not hash to {approved}")
    offset = pdf_files.page_count(converted)
    blocks = extra.get("signature_blocks", [])
    appended_pages = 1
    for _attempt in range(3):  # the total printed on each page is known after layout
        context = {
            **extra,
            "converted_pages": offset,
            "page_offset": offset,
            "first_page_number": offset + 1,
            "total_pages": offset + appended_pages,
        }
        html = render_html(spec, header=header, footer=footer, extra=context)
        document, options = _laid_out(html, page_size=spec.page_size, variant=FILE_PDF_VARIANT)
        if len(document.pages) == appended_pages:
            break
        appended_pages = len(document.pages)
    boxes = [
        dataclasses.replace(box, page=box.page + offset)
        for box in (_signature_boxes(document, blocks) if blocks else [])
    ]
    pdf = pdf_files.append_pages(
        converted,
        document.write_pdf(**options),
        title=spec.title,
        author=header.school_name,
        keywords=f"xac-thuc:{footer.verification_code}" if footer else "",
    )
    return pdf, boxes
