"""Documents are built from the record's real versions and attachments."""

from __future__ import annotations

import io

import pytest
from conftest import add_other_record, approve_record, edit_record
from django.core.files.base import ContentFile
from wagtail.documents.models import Document

from search.documents import build_documents

pytestmark = pytest.mark.django_db


def by_variant(page_id):
    return {doc.variant: doc for doc in build_documents([page_id])}


def test_a_draft_has_only_a_working_version(district):
    page = add_other_record(district, "s1", "Biên bản họp tổ", "Thảo luận chuyên đề Toán")
    docs = by_variant(page.pk)
    assert set(docs) == {"working"}
    doc = docs["working"]
    assert "Thảo luận chuyên đề Toán" in doc.body
    assert "Nội dung" in doc.body  # the section heading
    assert doc.school_id == district.schools["s1"].pk
    assert doc.school_year == "2024-2025"
    assert doc.record_type == "other"
    assert doc.state == "draft"


def test_approved_version_holds_the_pinned_revision_and_working_the_latest_edit(district):
    page = add_other_record(district, "s1", "Biên bản họp tổ", "Phiên bản đã duyệt")
    approve_record(page)
    edit_record(page, "Phiên bản đang sửa")
    docs = by_variant(page.pk)
    assert "Phiên bản đã duyệt" in docs["approved"].body
    assert "đang sửa" not in docs["approved"].body
    assert "Phiên bản đang sửa" in docs["working"].body
    assert docs["approved"].state == docs["working"].state == "approved"


def test_old_tone_placement_in_content_is_normalised(district):
    page = add_other_record(district, "s1", "Văn bản", "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    assert "CỘNG HÒA" in by_variant(page.pk)["working"].body


def _attach(name: str, data: bytes) -> Document:
    document = Document(title=name)
    document.file.save(name, ContentFile(data), save=False)
    document._set_document_file_metadata()
    document.save()
    return document


def test_text_of_an_attached_pdf_is_indexed(district):
    from weasyprint import HTML

    pdf = HTML(string="<p>Biên bản kiểm tra nội bộ trường học</p>").write_pdf()
    page = add_other_record(
        district, "s1", "Hồ sơ kiểm tra", "Xem tệp đính kèm", attachment=_attach("kt.pdf", pdf)
    )
    assert "kiểm tra nội bộ" in by_variant(page.pk)["working"].body


def test_text_of_an_attached_docx_is_indexed(district):
    import docx

    document = docx.Document()
    document.add_paragraph("Kế hoạch bồi dưỡng học sinh năng khiếu")
    buffer = io.BytesIO()
    document.save(buffer)
    page = add_other_record(
        district,
        "s1",
        "Hồ sơ bồi dưỡng",
        "Xem tệp",
        attachment=_attach("bd.docx", buffer.getvalue()),
    )
    assert "bồi dưỡng học sinh năng khiếu" in by_variant(page.pk)["working"].body


def test_a_deleted_record_has_no_documents(district):
    page = add_other_record(district, "s1", "Tạm", "Nội dung tạm")
    page_id = page.pk
    page.delete()
    assert build_documents([page_id]) == []


def test_every_lesson_subject_of_a_lesson_plan_is_kept_once():
    from types import SimpleNamespace

    from search.documents import _subjects

    def lesson(code):
        return SimpleNamespace(value={"subject": code, "lesson_title": "Bài"})

    plan = SimpleNamespace(
        lessons=[lesson("toan"), lesson("tieng_viet"), lesson("toan"), lesson("dao_duc")]
    )
    assert _subjects(plan) == ("toan", "tieng_viet", "dao_duc")
    assert _subjects(SimpleNamespace(subject="khoa_hoc")) == ("khoa_hoc",)
    assert _subjects(SimpleNamespace(title="Biên bản")) == ()
