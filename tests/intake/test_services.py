"""accept_upload / accept_bundle / convert / attach: what is stored, what is refused,
and that a converted row never changes. Conversions run the real LibreOffice and
OCRmyPDF (skipped naming the program when missing, a failure in CI)."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from intake import services
from intake.models import FileKind, FileStatus, RecordFile
from intake.pdftools import declared_pdfa
from intake.services import IntakeRefused
from tests.factories.world import school_world


@pytest.fixture
def world(db):
    return school_world()


def _upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def _accept(world, name, data, **kwargs):
    teacher = world.staff["hn.giaovien"]
    return services.accept_upload(_upload(name, data), school=world.school, staff=teacher, **kwargs)


def _stored_files() -> set[str]:
    def walk(path: str) -> set[str]:
        if not default_storage.exists(path):
            return set()
        dirs, files = default_storage.listdir(path)
        found = {f"{path}/{name}" for name in files}
        for name in dirs:
            found |= walk(f"{path}/{name}")
        return found

    return walk("tep-ho-so")


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("co-mat-khau.docx", "Tệp «co-mat-khau.docx» có mật khẩu hoặc bị mã hóa"),
        ("co-macro.docm", "Tệp «co-macro.docm» có chứa macro"),
        ("chuong-trinh.docx", "có đuôi .docx nhưng thực chất là một chương trình máy tính"),
        ("bi-cat.docx", "Tệp «bi-cat.docx» bị hỏng"),
    ],
)
def test_a_refused_upload_stores_nothing(world, sample, name, message):
    before = _stored_files()
    with pytest.raises(IntakeRefused) as refused:
        _accept(world, name, sample(name))
    assert message in refused.value.messages[0]
    assert not RecordFile.objects.exists()
    assert _stored_files() == before


def test_an_accepted_upload_keeps_the_original_and_waits_for_the_worker(world, sample):
    data = sample("ke-hoach.docx")
    row = _accept(world, "Kế hoạch tuần 12.docx", data)

    row.refresh_from_db()
    assert (row.kind, row.status, row.original_name) == (
        FileKind.DOCX,
        FileStatus.PENDING,
        "Kế hoạch tuần 12.docx",
    )
    assert row.uploaded_by == world.staff["hn.giaovien"] and row.original_size == len(data)
    with row.original.open("rb") as handle:
        assert handle.read() == data


def test_the_upload_is_converted_on_commit_into_pdfa2_with_its_text(
    world, sample, tools, django_capture_on_commit_callbacks
):
    tools("docx")
    page = world.records["lesson_plan"]
    with django_capture_on_commit_callbacks(execute=True):
        row = _accept(world, "ke-hoach.docx", sample("ke-hoach.docx"), page=page)

    row.refresh_from_db()
    assert row.status == FileStatus.READY, row.error
    with row.converted.open("rb") as handle:
        pdf = handle.read()
    assert declared_pdfa(pdf).startswith("PDF/A-2")
    assert "Bài 45: ươ, ương" in row.text and "Khởi động: hát" in row.text
    assert (row.page_count, row.ocr_applied, row.page_id) == (1, False, page.pk)
    assert row.converted_sha256 and row.conversion_ms > 0 and row.attempts == 1


def test_a_converted_row_never_changes(world, sample, tools):
    tools("docx")
    row = _accept(world, "ke-hoach.docx", sample("ke-hoach.docx"))
    services.convert(row)
    row.refresh_from_db()
    first = (row.status, row.converted.name, row.converted_sha256, row.attempts)

    again = services.convert(RecordFile.objects.get(pk=row.pk))

    assert (again.status, again.converted.name, again.converted_sha256, again.attempts) == first


def test_a_file_the_converter_cannot_read_is_refused_with_a_reason_not_an_error(world, sample):
    row = _accept(world, "ke-hoach.docx", sample("ke-hoach.docx"))
    # The stored original damaged after the upload (a disk, a restore gone wrong).
    default_storage.delete(row.original.name)
    default_storage.save(row.original.name, io.BytesIO(b"PK\x03\x04 hong"))

    services.convert(row)

    row.refresh_from_db()
    assert row.status == FileStatus.REFUSED and not row.converted
    assert row.error.startswith("Không chuyển được tệp «ke-hoach.docx» sang PDF")


def test_a_conversion_that_times_out_is_refused_and_killed(world, sample, tools, monkeypatch):
    tools("docx")
    from intake import convert

    monkeypatch.setattr(convert, "TIMEOUT_SECONDS", 0.01)
    row = _accept(world, "ke-hoach.docx", sample("ke-hoach.docx"))

    services.convert(row)

    row.refresh_from_db()
    assert row.status == FileStatus.REFUSED
    assert "chuyển đổi quá lâu" in row.error


def test_a_bundle_keeps_each_file_and_joins_their_pdfs_with_an_outline(
    world, sample, tools, django_capture_on_commit_callbacks
):
    tools("docx", "odt")
    files = [
        _upload("Bài 45 ươ ương.docx", sample("ke-hoach.docx")),
        _upload("Bài 46.odt", sample("ke-hoach.odt")),
        _upload("Bài 45 ươ ương.docx", sample("ke-hoach.docx")),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        row = services.accept_bundle(files, school=world.school, staff=world.staff["hn.giaovien"])

    row.refresh_from_db()
    assert row.kind == FileKind.BUNDLE and row.status == FileStatus.READY, row.error
    with row.original.open("rb") as handle:
        names = zipfile.ZipFile(io.BytesIO(handle.read())).namelist()
    assert names == ["Bài 45 ươ ương.docx", "Bài 46.odt", "Bài 45 ươ ương (2).docx"]
    from pypdf import PdfReader

    with row.converted.open("rb") as handle:
        pdf = handle.read()
    reader = PdfReader(io.BytesIO(pdf))
    assert [item.title for item in reader.outline] == [
        "Bài 45 ươ ương",
        "Bài 46",
        "Bài 45 ươ ương (2)",
    ]
    assert row.page_count == 3 and declared_pdfa(pdf).startswith("PDF/A-2")


def test_one_refused_file_refuses_the_whole_bundle(world, sample):
    files = [
        _upload("bai-1.docx", sample("ke-hoach.docx")),
        _upload("co-macro.docx", sample("co-macro-doi-ten.docx")),
    ]
    with pytest.raises(IntakeRefused) as refused:
        services.accept_bundle(files, school=world.school, staff=world.staff["hn.giaovien"])
    assert "Tệp «co-macro.docx» có chứa macro" in refused.value.messages[0]
    assert not RecordFile.objects.exists()


def test_a_file_attached_to_one_record_is_never_moved_to_another(world, sample):
    row = _accept(world, "ke-hoach.docx", sample("ke-hoach.docx"))
    services.attach(row, world.records["lesson_plan"])

    with pytest.raises(IntakeRefused) as refused:
        services.attach(row, world.records["group_plan"])

    row.refresh_from_db()
    assert row.page_id == world.records["lesson_plan"].pk
    assert "đã thuộc một hồ sơ khác" in refused.value.messages[0]


def test_the_sweep_converts_what_a_lost_task_left_pending(world, sample, tools):
    tools("docx")
    row = _accept(world, "ke-hoach.docx", sample("ke-hoach.docx"))  # on_commit never ran

    from django.core.management import call_command

    out = io.StringIO()
    call_command("intake_convert", stdout=out, stderr=io.StringIO())

    row.refresh_from_db()
    assert row.status == FileStatus.READY
    assert "Converted 1, refused 0" in out.getvalue()


def test_a_file_that_killed_its_worker_three_times_is_given_up_with_a_reason(world, sample):
    import datetime as dt

    from django.utils import timezone

    row = _accept(world, "ke-hoach.docx", sample("ke-hoach.docx"))
    long_ago = timezone.now() - dt.timedelta(hours=1)
    RecordFile.objects.filter(pk=row.pk).update(
        status=FileStatus.CONVERTING, started_at=long_ago, attempts=3
    )

    assert services.convert_pending() == (0, 1)

    row.refresh_from_db()
    assert row.status == FileStatus.REFUSED and "sau 3 lần thử" in row.error


def test_the_archive_workers_sweep_converts_a_lost_file_and_leaves_a_fresh_one_to_its_task(
    world, sample, tools
):
    import datetime as dt

    from django.core.management import call_command
    from django.utils import timezone

    tools("docx")
    lost = _accept(world, "tuan-1.docx", sample("ke-hoach.docx"))  # on_commit never ran
    fresh = _accept(world, "tuan-2.docx", sample("ke-hoach.docx"))
    long_ago = timezone.now() - dt.timedelta(minutes=30)
    RecordFile.objects.filter(pk=lost.pk).update(uploaded_at=long_ago)

    call_command("archive_worker", once=True, stdout=io.StringIO())

    lost.refresh_from_db()
    fresh.refresh_from_db()
    assert lost.status == FileStatus.READY and lost.page_count >= 1
    assert fresh.status == FileStatus.PENDING


def test_a_server_without_libreoffice_keeps_the_file_waiting_and_says_why(
    world, sample, monkeypatch
):
    from intake import convert as converter
    from intake.conversion import convert

    row = _accept(world, "ke-hoach.docx", sample("ke-hoach.docx"))
    real_which = converter.shutil.which
    monkeypatch.setattr(
        converter.shutil, "which", lambda name: None if name == "soffice" else real_which(name)
    )

    convert(row)

    row.refresh_from_db()
    assert row.status == FileStatus.PENDING and row.attempts == 0
    assert "chưa cài chương trình chuyển đổi (soffice)" in row.error
