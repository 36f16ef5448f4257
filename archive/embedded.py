"""Files carried inside a rendered PDF as PDF/A-3 associated files (issue 16: the học
bạ's XML data file), the ZUGFeRD/Factur-X pattern: an /EmbeddedFile stream with its MIME
type and dates, a /Filespec with /AFRelationship, listed once in the catalog's /AF, and
an XMP extension schema (pdfaExtension) that names the file, as Factur-X's fx: schema
does, so a reader of the metadata finds the data without walking the name tree.

WeasyPrint's PDF/A-3 variant writes the stream, the /Filespec and the /AF array; the
finisher here runs after it, before the trailer, to mend what WeasyPrint 70 gets wrong
(each file listed twice in /AF) and to add the extension schema to its XMP packet.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape

from weasyprint import Attachment as PdfAttachment

from archive.specs import Attachment

# Our XMP namespace for the embedded data file (XMP property names are ASCII).
XMP_NAMESPACE = "urn:hoso-chuyenmon:tep-du-lieu:1.0#"
XMP_PREFIX = "hoso"
_PROPERTIES = (
    ("DocumentFileName", "The name of the embedded data file"),
    ("DocumentMediaType", "The MIME type of the embedded data file"),
    ("DocumentRelationship", "The AFRelationship of the embedded data file"),
)


def pdf_attachments(attachments: Sequence[Attachment], *, made_on: dt.date) -> list:
    """The spec's files as WeasyPrint attachments. A data: URL carries the MIME type
    exactly (a file name's guess varies by machine); the dates are the record's, so a
    re-render of the same record is the same bytes."""
    moment = dt.datetime.combine(made_on, dt.time(), tzinfo=dt.UTC)
    return [
        PdfAttachment(
            url=f"data:{a.mime_type};base64,{base64.b64encode(a.data).decode('ascii')}",
            name=a.name,
            description=a.description,
            relationship=a.relationship,
            created=moment,
            modified=moment,
        )
        for a in attachments
    ]


def xmp_descriptions(attachment: Attachment) -> bytes:
    """The rdf:Description of the data file and the pdfaExtension schema that declares
    its properties (ISO 19005-3, 6.6.2.3: a custom property needs its schema)."""
    properties = "".join(
        "<rdf:li rdf:parseType='Resource'>"
        f"<pdfaProperty:name>{name}</pdfaProperty:name>"
        "<pdfaProperty:valueType>Text</pdfaProperty:valueType>"
        "<pdfaProperty:category>external</pdfaProperty:category>"
        f"<pdfaProperty:description>{about}</pdfaProperty:description>"
        "</rdf:li>"
        for name, about in _PROPERTIES
    )
    values = (attachment.name, attachment.mime_type, attachment.relationship)
    fields = "".join(
        f"<{XMP_PREFIX}:{name}>{escape(value)}</{XMP_PREFIX}:{name}>"
        for (name, _about), value in zip(_PROPERTIES, values, strict=True)
    )
    return (
        f"<rdf:Description rdf:about='' xmlns:{XMP_PREFIX}='{XMP_NAMESPACE}'>{fields}"
        "</rdf:Description>"
        "<rdf:Description rdf:about=''"
        " xmlns:pdfaExtension='http://www.aiim.org/pdfa/ns/extension/'"
        " xmlns:pdfaSchema='http://www.aiim.org/pdfa/ns/schema#'"
        " xmlns:pdfaProperty='http://www.aiim.org/pdfa/ns/property#'>"
        "<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType='Resource'>"
        "<pdfaSchema:schema>The data file embedded in a school record</pdfaSchema:schema>"
        f"<pdfaSchema:namespaceURI>{XMP_NAMESPACE}</pdfaSchema:namespaceURI>"
        f"<pdfaSchema:prefix>{XMP_PREFIX}</pdfaSchema:prefix>"
        f"<pdfaSchema:property><rdf:Seq>{properties}</rdf:Seq></pdfaSchema:property>"
        "</rdf:li></rdf:Bag></pdfaExtension:schemas>"
        "</rdf:Description>"
    ).encode()


class Finisher:
    """WeasyPrint's `finisher`: called with the pydyf PDF after the PDF/A variant wrote
    the attachments and the XMP packet, before the trailer."""

    def __init__(self, attachments: Sequence[Attachment]) -> None:
        self.attachments = list(attachments)

    def __call__(self, _document: Any, pdf: Any) -> None:
        _one_af_entry_per_file(pdf)
        if self.attachments:
            _describe_in_xmp(pdf, xmp_descriptions(self.attachments[0]))


def _one_af_entry_per_file(pdf: Any) -> None:
    """WeasyPrint 70 lists each embedded file twice in the catalog's /AF (once from the
    EmbeddedFiles name tree, once from the /Filespec objects): keep one of each, in order."""
    entries = pdf.catalog.get("AF")
    if entries:
        unique: dict[str, Any] = {}
        for entry in entries:  # references, as pydyf writes them ("12 0 R")
            unique.setdefault(repr(entry), entry)
        entries.clear()
        entries.extend(unique.values())


def _describe_in_xmp(pdf: Any, descriptions: bytes) -> None:
    """Into WeasyPrint's one rdf:RDF (an XMP packet holds one): our descriptions."""
    reference = pdf.catalog["Metadata"]  # b"606 0 R"
    if isinstance(reference, bytes):
        reference = reference.decode("ascii")
    number = int(reference.split()[0])
    stream = pdf.objects[number]
    content = b"".join(
        part if isinstance(part, bytes) else str(part).encode() for part in stream.stream
    )
    head, tail = content.rsplit(b"</rdf:RDF>", 1)
    stream.stream = [head + descriptions + b"</rdf:RDF>" + tail]
