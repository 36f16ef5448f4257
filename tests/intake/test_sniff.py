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


MORE_REFUSALS = [
    ("co-mat-khau.doc", "Tệp «co-mat-khau.doc» có mật khẩu hoặc bị mã hóa"),
    ("co-mat-khau.xls", "Tệp «co-mat-khau.xls» có mật khẩu hoặc bị mã hóa"),
    ("mat-khau-zip.docx", "Tệp «mat-khau-zip.docx» có mật khẩu hoặc bị mã hóa"),
    ("khong-trang.pdf", "Tệp «khong-trang.pdf» bị hỏng hoặc không đọc được"),
    ("thieu-manifest.odt", "Tệp «thieu-manifest.odt» bị hỏng hoặc không đọc được"),
    (
        "mau.odt",
        "Tệp «mau.odt» có đuôi .odt nhưng thực chất là một tệp OpenDocument khác "
        "(application/vnd.oasis.opendocument.text-template).",
    ),
]


@pytest.mark.parametrize(("name", "message"), MORE_REFUSALS)
def test_encrypted_empty_and_other_odf_files_are_refused(sample, name, message):
    with pytest.raises(Refused) as refused:
        sniff(sample(name), name)
    assert message in refused.value.message


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (
            b"\xff\xfe\x00\x01" * 64,
            "la.docx",
            "có đuôi .docx nhưng thực chất là một loại tệp không rõ",
        ),
        (b"PK\x05\x06" + b"\0" * 18, "rong.docx", "Tệp «rong.docx» bị hỏng"),
        (b"ghi chu", "README", "Tệp «README» không thuộc loại hệ thống nhận"),
        (b"\x7fELF\x02\x01" + b"\0" * 64, "tep.pdf", "thực chất là một chương trình máy tính"),
    ],
)
def test_what_is_not_a_document_is_said_plainly(data, name, message):
    with pytest.raises(Refused) as refused:
        sniff(data, name)
    assert message in refused.value.message


def test_a_pdf_header_counts_within_the_first_1024_bytes_only(sample):
    pdf = sample("ban-chup-1-trang.pdf")
    assert sniff(b" " * 1019 + pdf, "ban-chup.pdf") == FileKind.PDF
    with pytest.raises(Refused) as refused:
        sniff(b" " * 1020 + pdf, "ban-chup.pdf")
    assert "có đuôi .pdf nhưng thực chất là" in refused.value.message


def test_the_size_limit_names_the_size_and_lets_the_limit_itself_through():
    with pytest.raises(Refused) as refused:
        sniff(b"%PDF-1.7\n" + b"0" * (MAX_FILE_BYTES - 8), "qua-lon.pdf")
    assert refused.value.message == "Tệp «qua-lon.pdf» quá lớn (25.0 MB); tối đa 25 MB."
    with pytest.raises(Refused) as refused:
        sniff(b"%PDF-1.7\n" + b"0" * (MAX_FILE_BYTES - 9), "vua-du.pdf")
    assert "Tệp «vua-du.pdf» bị hỏng" in refused.value.message  # read, not refused for size


def _unpacked(data: bytes) -> tuple[int, int]:
    import io
    import zipfile

    members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    return len(members), sum(info.file_size for info in members)


def test_a_container_at_the_unpacked_limits_is_accepted_and_one_over_is_not(monkeypatch, sample):
    import intake.sniff

    data = sample("ke-hoach.docx")
    count, size = _unpacked(data)
    monkeypatch.setattr(intake.sniff, "MAX_MEMBERS", count)
    monkeypatch.setattr(intake.sniff, "MAX_UNPACKED_BYTES", size)
    assert sniff(data, "ke-hoach.docx") == FileKind.DOCX
    for limit, value in (("MAX_MEMBERS", count - 1), ("MAX_UNPACKED_BYTES", size - 1)):
        monkeypatch.setattr(intake.sniff, limit, value)
        with pytest.raises(Refused) as refused:
            sniff(data, "ke-hoach.docx")
        assert "giải nén ra quá lớn" in refused.value.message
        monkeypatch.setattr(intake.sniff, limit, count if limit == "MAX_MEMBERS" else size)
