"""Every kind converts to PDF/A-2 with its text; a scan gets a Vietnamese text layer
from OCRmyPDF; macros never run (the profile LibreOffice is given says so)."""

from __future__ import annotations

import pytest

from intake import convert, pdftools
from intake.models import FileKind


@pytest.mark.parametrize(
    ("name", "kind", "words"),
    [
        ("ke-hoach.doc", FileKind.DOC, ["Bài 45: ươ, ương", "Khởi động: hát"]),
        ("ke-hoach.odt", FileKind.ODT, ["Kế hoạch bài dạy", "quê hương"]),
        ("bao-giang.xlsx", FileKind.XLSX, ["Phép cộng trong phạm vi 10"]),
        ("bao-giang.xls", FileKind.XLS, ["Tên bài dạy", "Tiếng Việt"]),
        ("bao-giang.ods", FileKind.ODS, ["Tên bài dạy", "Tiếng Việt"]),
    ],
)
def test_each_office_kind_becomes_pdfa2_with_its_vietnamese_text(sample, tools, name, kind, words):
    tools(kind)
    done = convert.to_pdfa(sample(name), kind=kind, name=name)

    assert pdftools.declared_pdfa(done.pdf).startswith("PDF/A-2")
    text = pdftools.text_of(done.pdf)
    for word in words:
        assert word in text
    assert not done.ocr_applied


def test_a_scanned_pdf_gets_a_vietnamese_text_layer(sample, tools):
    tools(FileKind.PDF)
    done = convert.to_pdfa(sample("ban-chup-3-trang.pdf"), kind=FileKind.PDF, name="scan.pdf")

    assert done.ocr_applied
    assert pdftools.declared_pdfa(done.pdf).startswith("PDF/A-2")
    assert pdftools.page_count(done.pdf) == 3
    text = pdftools.text_of(done.pdf).lower()
    for word in ("kế hoạch", "tiếng việt", "đọc được", "quê hương"):
        assert word in text, text[:400]


def test_a_pdf_with_text_is_not_read_again_by_ocr(sample, tools):
    tools(FileKind.DOCX, FileKind.PDF)
    made = convert.to_pdfa(sample("ke-hoach.docx"), kind=FileKind.DOCX, name="a.docx").pdf

    done = convert.to_pdfa(made, kind=FileKind.PDF, name="ke-hoach.pdf")

    assert not done.ocr_applied
    assert "Bài 45: ươ, ương" in pdftools.text_of(done.pdf)
