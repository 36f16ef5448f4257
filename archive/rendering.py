"""HTML → PDF/A with WeasyPrint: the paper form of each record, footed on every
page with what lets a reader check it (record id, version, content SHA-256, a QR
code to /xac-thuc/ and the Điều 12 conversion mark).

Fonts are Noto (Debian fonts-noto-core) loaded by file URL and embedded as
subsets: every Vietnamese glyph, including stacked diacritics, is in them.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from weasyprint import HTML

from archive.documents import DocumentSpec, Header

logger = logging.getLogger(__name__)
# fontTools logs every subset at INFO: far too loud for a worker rendering thousands.
logging.getLogger("fontTools").setLevel(logging.WARNING)
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


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
    """A vector QR code (SVG): sharp at any print resolution, no image profile needed."""
    image = qrcode.make(
        text,
        image_factory=qrcode.image.svg.SvgPathImage,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=0,
    )
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def font_url(name: str) -> str:
    return Path(settings.ARCHIVE["FONT_DIR"], name).as_uri()


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
        "font_regular": font_url("NotoSerif-Regular.ttf"),
        "font_bold": font_url("NotoSerif-Bold.ttf"),
        "font_italic": font_url("NotoSerif-Italic.ttf"),
        "font_bold_italic": font_url("NotoSerif-BoldItalic.ttf"),
        **(extra or {}),
    }
    return render_to_string(spec.template, context)


def html_to_pdf(html: str, *, title: str, created: dt.datetime | None = None) -> bytes:
    """PDF/A (part and conformance from settings); sRGB output intent and
    XMP metadata come with WeasyPrint's PDF/A variants."""
    document = HTML(string=html, base_url=str(settings.BASE_DIR))
    pdf = document.write_pdf(
        pdf_variant=settings.ARCHIVE["PDF_VARIANT"],
        uncompressed_pdf=False,
        custom_metadata=False,
    )
    logger.debug("Rendered %s (%d bytes)", title, len(pdf))
    return pdf


def render_spec(spec: DocumentSpec, *, header: Header | None, footer: Footer | None) -> bytes:
    return html_to_pdf(render_html(spec, header=header, footer=footer), title=spec.title)


def render_record(
    page, *, footer: Footer | None, issued_on: dt.date, version: int | None = None
) -> bytes:
    """The paper form of one record (frozen page object) as PDF/A."""
    from archive.documents import build_header, document_number, record_spec

    spec = record_spec(page)
    header = build_header(
        page.school,
        number=document_number(
            page, page.record_type, version or (footer.version if footer else 0)
        ),
        issued_on=issued_on,
    )
    return render_spec(spec, header=header, footer=footer)
