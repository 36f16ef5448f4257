"""One PDF/A-2b from two: a record's converted file (LibreOffice or OCRmyPDF made it
PDF/A-2b) followed by the pages WeasyPrint rendered for it (the confirmation page).

The converted document is the base: its catalog, output intent (sRGB), XMP metadata
(pdfaid part 2, conformance B), document information and /ID are kept as they are,
so the merged file declares what the converted file declared and its Info still
matches its XMP. WeasyPrint's pages are rendered with its own `pdf/a-2b` variant, so
every object they bring (embedded font subsets, DeviceRGB under the sRGB intent,
annotations with the print flag) already satisfies part 2; only the pages are taken,
not WeasyPrint's catalog, outline or metadata. A tagged converted file keeps its
structure tree: the appended pages carry no marked content and no /StructParents,
so nothing in the tree points at them and nothing of theirs points at the tree
(level B does not ask for tags on them).

pikepdf (qpdf) is imported here only.
"""

from __future__ import annotations

import io

import pikepdf


def page_count(pdf: bytes) -> int:
    with pikepdf.open(io.BytesIO(pdf)) as document:
        return len(document.pages)


def append_pages(base: bytes, appended: bytes, *, title: str, author: str, keywords: str) -> bytes:
    """`base` with every page of `appended` after its own, written as one new file
    (signatures come later, as incremental updates of this one). The title, author and
    keywords are the record's (the keywords carry the verification code, as in every
    rendered record), written to the XMP and the document information alike, which
    PDF/A asks to agree; the producer stays the converter's."""
    with pikepdf.open(io.BytesIO(base)) as document, pikepdf.open(io.BytesIO(appended)) as extra:
        with document.open_metadata(set_pikepdf_as_editor=False) as meta:
            meta["dc:title"] = title
            meta["dc:creator"] = [author]
            meta["pdf:Keywords"] = keywords
        for page in extra.pages:
            # A structure parent of the other document would dangle here.
            if pikepdf.Name.StructParents in page.obj:
                del page.obj[pikepdf.Name.StructParents]
        document.pages.extend(extra.pages)
        out = io.BytesIO()
        document.save(out)
    return out.getvalue()
