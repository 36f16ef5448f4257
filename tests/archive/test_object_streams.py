"""archive.signing._objstm: pyHanko reads a tagged PDF/A's object stream once per
reader instead of once per object, and reads the same objects as before."""

from __future__ import annotations

import io

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader
from weasyprint import HTML

from archive.rendering import PDF_VARIANT
from archive.signing import _objstm

ROWS = "".join(f"<tr><th scope='row'>Học sinh {n}</th><td>Hoàn thành</td></tr>" for n in range(300))
TAGGED = HTML(string=f"<html lang='vi'><h1>Học bạ</h1><table>{ROWS}</table></html>").write_pdf(
    pdf_variant=PDF_VARIANT
)


def _every_object(pdf: bytes) -> list[str]:
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    size = int(reader.trailer_view["/Size"])
    return [repr(reader.get_object(generic.Reference(n, 0, reader))) for n in range(1, size)]


def test_every_object_reads_the_same_with_the_index(monkeypatch):
    indexed = _every_object(TAGGED)
    monkeypatch.setattr(PdfFileReader, "_get_object_from_stream", _objstm._ORIGINAL)
    assert indexed == _every_object(TAGGED)
    assert len(indexed) > 1000  # a structure tree: the case the index is for


def test_an_object_stream_is_decoded_once_per_reader(monkeypatch):
    decoded = []
    original = generic.StreamObject.read_data

    def counting(self, *args, **kwargs):
        if self.get("/Type") == "/ObjStm":
            decoded.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(generic.StreamObject, "read_data", counting)
    _every_object(TAGGED)
    assert len(decoded) == 1
