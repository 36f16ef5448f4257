"""The sniffer tells a file by its content and refuses, naming the file, whatever is
empty, too large, corrupt, encrypted, macro-bearing or not what its name says."""

from __future__ import annotations

import pytest

from intake.models import FileKind
from intake.sniff import MAX_FILE_BYTES, Refused, sniff


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("ke-hoach.docx", FileKind.DOCX),
        ("ke-hoach.doc", FileKind.DOC),
        ("ke-hoach.odt", FileKind.ODT),
        ("bao-giang.xlsx", FileKind.XLSX),
        ("bao-giang.xls", FileKind.XLS),
        ("bao-giang.ods", FileKind.ODS),
        ("ban-chup-1-trang.pdf", FileKind.PDF),
    ],
)
def test_real_office_and_pdf_files_are_told_by_their_content(sample, name, kind):
    assert sniff(sample(name), name) == kind


def test_a_word_file_named_upper_case_is_still_accepted(sample):
    assert sniff(sample("ke-hoach.docx"), "KE-HOACH.DOCX") == FileKind.DOCX


REFUSALS = [
    ("bi-cat.docx", "Tệp «bi-cat.docx» bị hỏng hoặc không đọc được"),
    ("chuong-trinh.docx", "có đuôi .docx nhưng thực chất là một chương trình máy tính"),
    ("tep-nen.docx", "Tệp «tep-nen.docx» có đuôi .docx nhưng thực chất là một tệp nén ZIP"),
    ("van-ban.pdf", "có đuôi .pdf nhưng thực chất là một tệp văn bản thuần"),
    ("co-mat-khau.docx", "Tệp «co-mat-khau.docx» có mật khẩu hoặc bị mã hóa"),
    ("co-mat-khau.pdf", "Tệp «co-mat-khau.pdf» có mật khẩu hoặc bị mã hóa"),
    ("co-macro.docm", "Tệp «co-macro.docm» có chứa macro"),
    ("co-macro-doi-ten.docx", "Tệp «co-macro-doi-ten.docx» có chứa macro"),
    ("co-macro.odt", "Tệp «co-macro.odt» có chứa macro"),
]


@pytest.mark.parametrize(("name", "message"), REFUSALS)
def test_bad_files_are_refused_with_a_vietnamese_message_naming_the_file(sample, name, message):
    with pytest.raises(Refused) as refused:
        sniff(sample(name), name)
    assert message in refused.value.message


def test_a_word_file_renamed_pdf_says_what_it_really_is(sample):
    with pytest.raises(Refused) as refused:
        sniff(sample("ke-hoach.docx"), "ke-hoach.pdf")
    assert "có đuôi .pdf nhưng thực chất là văn bản Word (.docx)" in refused.value.message


def test_an_odt_renamed_docx_is_refused(sample):
    with pytest.raises(Refused) as refused:
        sniff(sample("ke-hoach.odt"), "ke-hoach.docx")
    assert "thực chất là văn bản OpenDocument (.odt)" in refused.value.message


def test_unsupported_kinds_are_refused_listing_the_accepted_ones():
    with pytest.raises(Refused) as refused:
        sniff(b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "anh-chup.png")
    message = refused.value.message
    assert "Tệp «anh-chup.png» không thuộc loại hệ thống nhận" in message
    assert ".docx, .doc, .odt, .pdf, .xlsx, .xls, .ods" in message


def test_an_empty_file_is_refused():
    with pytest.raises(Refused) as refused:
        sniff(b"", "trong.docx")
    assert refused.value.message == "Tệp «trong.docx» rỗng (0 byte)."


def test_a_file_over_the_limit_is_refused_before_it_is_read():
    with pytest.raises(Refused) as refused:
        sniff(b"%PDF-1.7\n" + b"0" * MAX_FILE_BYTES, "qua-lon.pdf")
    assert "Tệp «qua-lon.pdf» quá lớn" in refused.value.message
    assert "tối đa 25 MB" in refused.value.message


def test_a_zip_bomb_is_refused_by_what_it_inflates_to(monkeypatch, sample):
    import intake.sniff

    monkeypatch.setattr(intake.sniff, "MAX_UNPACKED_BYTES", 50_000)
    with pytest.raises(Refused) as refused:
        sniff(sample("ke-hoach.docx"), "ke-hoach.docx")
    assert "giải nén ra quá lớn" in refused.value.message


def test_a_pdf_with_javascript_is_refused(sample):
    from tests.conftest import minimal_pdf

    data = minimal_pdf(b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >> ")
    with pytest.raises(Refused) as refused:
        sniff(data, "hoat-dong.pdf")
    assert "Tệp «hoat-dong.pdf»: Tệp PDF chứa mã chạy tự động" in refused.value.message


def test_a_truncated_pdf_is_refused_as_corrupt(sample):
    data = sample("ban-chup-1-trang.pdf")
    with pytest.raises(Refused) as refused:
        sniff(data[: len(data) // 2], "bi-cat.pdf")
    assert "Tệp «bi-cat.pdf» bị hỏng" in refused.value.message
