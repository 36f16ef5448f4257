"""Học bạ (Thông tư 27/2020, Phụ lục 1): what its PDF prints, and the data file it
carries (issue 16). The book is assembled by archive.forms.hocba_book; the template
prints every year of it, and the same Book is written as the embedded XML, so the
signed PDF and its data file say one thing."""

from __future__ import annotations

from django.utils.translation import gettext as _

from archive.forms.hocba_book import book_for
from archive.specs import A4_PORTRAIT, Attachment, DocumentSpec
from recordpages.hocba.book import Book, SignedBy, YearSection
from recordpages.hocba.xml import to_xml
from recordpages.models import StudentRecordPage

__all__ = ["book_for", "data_file_name", "signed_statement"]

# The chain's PDF field of the homeroom teacher's signature (recordpages.chains):
# its block is on the left of the year's signatures, every later step (the
# principal, the seal) on the right, the seal with the principal's signature.
TEACHER_FIELD = "Ky_giao_vien_chu_nhiem"


def data_file_name(book: Book) -> str:
    """hoc-ba-<ministry id, else record id>-<school year>.xml"""
    who = book.pupil.ministry_id or str(book.record_id or "")
    return f"hoc-ba-{who}-{book.current_year}.xml"


def _data_file(book: Book) -> list[Attachment]:
    """The book as XML (recordpages.hocba.xml, schema hoc-ba-1.0.xsd), embedded so the
    signature covers it too (PDF/A-3, /AFRelationship /Data)."""
    return [
        Attachment(
            name=data_file_name(book),
            data=to_xml(book),
            mime_type="application/xml",
            description=_("Dữ liệu học bạ của học sinh %(pupil)s, năm học %(year)s (XML)")
            % {"pupil": book.pupil.full_name, "year": book.current_year},
            relationship="Data",
        )
    ]


def signed_statement(year: YearSection, signed_by: str, signed_on) -> str:
    """How an earlier year was signed, printed where its signature would be: this file
    cannot carry it, the archived file or the paper học bạ does."""
    day = signed_on.strftime("%d/%m/%Y") if signed_on else ""
    if signed_by == SignedBy.ARCHIVED:
        text = _("Đã ký số ngày %(day)s") % {"day": day} if day else _("Đã ký số")
        if year.verification_code:
            text += " – " + _("bản lưu trữ mã %(code)s") % {"code": year.verification_code}
        return text
    if signed_by == SignedBy.PAPER:
        return (
            _("Đã ký trên học bạ giấy ngày %(day)s") % {"day": day}
            if day
            else _("Đã ký trên học bạ giấy")
        )
    return _("Chưa ký")


def _sections(book: Book) -> list[dict]:
    sections = []
    for year in book.years:
        signed = [
            {
                "title": signer.title,
                "statement": signed_statement(year, signer.signed_by, signer.signed_on),
                "name": signer.name,
            }
            for signer in year.signers
        ]
        current = year.school_year == book.current_year
        sections.append({"year": year, "current": current, "signatures": signed})
    return sections


def student_record(page: StudentRecordPage) -> DocumentSpec:
    book = book_for(page)
    return DocumentSpec(
        template="pdf/student_record.html",
        page_size=A4_PORTRAIT,
        title=page.title,
        context={
            "book": book,
            "pupil": book.pupil,
            "school": book.school,
            "sections": _sections(book),
            "teacher_field": TEACHER_FIELD,
        },
        attachments=_data_file(book),
    )
