"""A record handed in as a file (issue 15) is approved, signed and archived as its
converted PDF/A: the file's pages, then a confirmation page carrying the chain's
signatures; the original file is stored beside it, in the year package too, and
archive_verify checks its hash. Real LibreOffice, OCRmyPDF, veraPDF and the dev PKI."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from pypdf import PdfReader

from archive import services as archive_services
from archive import signing, storage
from archive.models import ArchivedVersion, SigningFile
from archive.package import build_year_package
from archive.rendering import FILE_PDFA_PART, Footer, SourceChanged, declared_pdfa, render_record
from intake.models import FileKind, FileStatus, RecordFile
from signatures import binding
from tests.factories import school_world
from workflow.actions.transitions import TakeStep
from workflow.choices import State

pytestmark = pytest.mark.django_db

PDFA_2 = 'pdf:writer_pdf_Export:{"SelectPdfVersion":{"type":"long","value":"2"}}'
CHAIN = ["Ky_giao_vien", "Ky_to_truong", "Ky_nguoi_duyet", "Ky_con_dau"]


def _need(binary: str) -> str:
    path = shutil.which(binary)
    if path is None:
        pytest.skip(f"{binary} is not installed (Debian: libreoffice-writer-nogui, ocrmypdf)")
    return path


def week_docx(pages: int = 3) -> bytes:
    """A teacher's week as Word writes it: a heading and a page per lesson."""
    document = docx.Document()
    document.add_heading("Kế hoạch bài dạy – Tuần 12", 0)
    for number in range(1, pages + 1):
        document.add_heading(f"Bài {55 + number}: ăng, ăc – Tiếng Việt", 1)
        for _ in range(6):
            document.add_paragraph(
                "Mục tiêu: đọc đúng, viết đúng các vần ăng, ăc; nhận biết tiếng có vần mới. "
                "Hoạt động: khởi động, khám phá, luyện tập, vận dụng. " * 3
            )
        if number < pages:
            document.add_page_break()
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def soffice_pdf(source: bytes, name: str, tmp_path: Path, *, pdfa: bool = True) -> bytes:
    """LibreOffice headless, a profile of its own, PDF/A-2b (as the intake worker)."""
    binary = _need("soffice")
    work = tmp_path / f"lo-{hashlib.sha256(source).hexdigest()[:8]}"
    work.mkdir()
    (work / name).write_bytes(source)
    subprocess.run(
        [
            binary,
            f"-env:UserInstallation={(work / 'profile').as_uri()}",
            "--headless",
            "--convert-to",
            PDFA_2 if pdfa else "pdf",
            "--outdir",
            str(work / "out"),
            str(work / name),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return (work / "out" / (Path(name).stem + ".pdf")).read_bytes()


def scanned_pdf(source_pdf: bytes, tmp_path: Path) -> tuple[bytes, bytes]:
    """(a scan of the first page as an image-only PDF, OCRmyPDF's PDF/A-2b of it with a
    Vietnamese text layer)."""
    ocrmypdf = _need("ocrmypdf")
    (tmp_path / "in.pdf").write_bytes(source_pdf)
    subprocess.run(
        ["pdftoppm", "-r", "150", "-gray", "-png", "-f", "1", "-l", "1", "-singlefile"]
        + [str(tmp_path / "in.pdf"), str(tmp_path / "scan")],
        check=True,
    )
    from PIL import Image

    scan = io.BytesIO()
    Image.open(tmp_path / "scan.png").save(scan, "PDF", resolution=150)
    (tmp_path / "scan.pdf").write_bytes(scan.getvalue())
    subprocess.run(
        [ocrmypdf, "-q", "-l", "vie", "--output-type", "pdfa-2", "--jobs", "1"]
        + [str(tmp_path / "scan.pdf"), str(tmp_path / "ocr.pdf")],
        check=True,
        timeout=300,
    )
    return scan.getvalue(), (tmp_path / "ocr.pdf").read_bytes()


def ready_file(page, *, name: str, original: bytes, converted: bytes, kind: str) -> RecordFile:
    """A RecordFile as the intake worker leaves it once converted."""
    digest = hashlib.sha256(original).hexdigest()
    row = RecordFile(
        school=page.school,
        uploaded_by=page.author,
        page=page,
        original_name=name,
        original_sha256=digest,
        original_size=len(original),
        kind=kind,
        status=FileStatus.READY,
        converted_sha256=hashlib.sha256(converted).hexdigest(),
        page_count=len(PdfReader(io.BytesIO(converted)).pages),
    )
    row.original.save(name, ContentFile(original), save=False)
    row.converted.save(Path(name).stem + ".pdf", ContentFile(converted), save=False)
    row.save()
    return row


def hand_in(page, file: RecordFile, *, keep_form: bool = False):
    """The teacher attaches the file (and, unless kept, leaves the form empty)."""
    page.source_file = file
    page.source_sha256 = file.converted_sha256
    if not keep_form:
        page.timetable = []
        page.lessons = []
    page.save_revision(user=page.author.user)
    return page


def _take(world, username: str, page, step: str):
    user = world.staff[username].user
    return TakeStep(user=user, page_id=page.pk, step=step).execute()


def approved_and_archived(world, page) -> tuple[ArchivedVersion, bytes]:
    """submit → check → approve, each signer with a certificate the server holds; then
    the freeze the approval queued."""
    for username in ("hn.giaovien", "hn.totruong1", "hn.hieutruong"):
        binding.bind_dev_certificate(world.staff[username])
    _take(world, "hn.giaovien", page, "submit")
    _take(world, "hn.totruong1", page, "check")
    assert _take(world, "hn.hieutruong", page, "approve").state == State.APPROVED
    archive_services.freeze_missing()
    while archive_services.run_once():
        pass
    row = ArchivedVersion.objects.get(page_ref=page.pk, kind="record")
    return row, storage.get_store().get(row.key)


def pdf_text(pdf: bytes, tmp_path: Path, page: int | None = None) -> str:
    path = tmp_path / "text.pdf"
    path.write_bytes(pdf)
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(
        ["pdftotext", "-layout", *pages, str(path), "-"], capture_output=True, text=True
    ).stdout


def verapdf_says(pdf: bytes, tmp_path: Path, name: str) -> str:
    from tests.archive.test_pdfa import verapdf

    path = tmp_path / name
    path.write_bytes(pdf)
    return verapdf(path)


@pytest.fixture
def docx_world(tmp_path):
    world = school_world()
    page = world.records["lesson_plan"]
    original = week_docx(3)
    converted = soffice_pdf(original, "tuan-12.docx", tmp_path)
    file = ready_file(
        page, name="Tuần 12 – KHBD.docx", original=original, converted=converted, kind=FileKind.DOCX
    )
    return world, hand_in(page, file), file, original


def test_lesson_plan_handed_in_as_docx_is_signed_and_archived_as_its_converted_pdf(
    docx_world, tmp_path
):
    world, page, file, original = docx_world
    row, pdf = approved_and_archived(world, page)

    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    assert pages == file.page_count + 1  # the file's pages, then the confirmation page
    assert "Kế hoạch bài dạy" in pdf_text(pdf, tmp_path, page=1)
    last = pdf_text(pdf, tmp_path, page=pages)
    assert "TRANG XÁC NHẬN" in last
    assert "Tuần 12 – KHBD.docx" in last
    assert file.original_sha256 in last.replace("\n", "").replace(" ", "")
    assert file.converted_sha256 in last.replace("\n", "").replace(" ", "")
    assert f"Trang {pages}/{pages}" in last

    found = signing.signatures_in(pdf)
    assert [s.field for s in found] == CHAIN
    assert all(s.intact and s.valid and s.trusted for s in found), found
    assert found[0].certified and found[-1].covers_whole_file
    reader = PdfReader(io.BytesIO(pdf))
    on_last = {str(a.get_object().get("/T")) for a in reader.pages[-1].get("/Annots", []) or []}
    assert set(CHAIN) <= on_last  # every signature field sits on the confirmation page

    assert declared_pdfa(pdf) == FILE_PDFA_PART == "PDF/A-2b"
    assert signing.level(pdf) == signing.B_LTA
    stage0 = storage.get_store().get(
        SigningFile.objects.get(page_ref=page.pk).stage_key.rsplit("-", 1)[0] + "-0.pdf"
    )
    assert verapdf_says(stage0, tmp_path, "before.pdf").startswith("PASS"), "before signing"
    assert verapdf_says(pdf, tmp_path, "after.pdf").startswith("PASS"), "after signing"

    row.refresh_from_db()
    assert row.original_key == row.key.removesuffix(".pdf") + ".goc.docx"
    assert row.original_name == "Tuần 12 – KHBD.docx"
    assert row.original_sha256 == hashlib.sha256(original).hexdigest()
    assert row.original_size == len(original)
    assert storage.get_store().get(row.original_key) == original


def test_scanned_pdf_gets_its_ocr_text_signed_and_archived_with_the_scan_beside_it(tmp_path):
    world = school_world()
    page = world.records["lesson_plan"]
    plain = soffice_pdf(week_docx(1), "tuan-12.docx", tmp_path, pdfa=False)
    scan, converted = scanned_pdf(plain, tmp_path)
    file = ready_file(
        page, name="scan tuần 12.pdf", original=scan, converted=converted, kind=FileKind.PDF
    )
    row, pdf = approved_and_archived(world, hand_in(page, file))

    assert "Kế hoạch" in pdf_text(pdf, tmp_path, page=1)  # Tesseract's Vietnamese layer
    assert [s.field for s in signing.signatures_in(pdf)] == CHAIN
    assert all(s.intact and s.valid and s.trusted for s in signing.signatures_in(pdf))
    assert declared_pdfa(pdf) == "PDF/A-2b"
    assert verapdf_says(pdf, tmp_path, "scan.pdf").startswith("PASS")
    row.refresh_from_db()
    assert row.original_key.endswith(".goc.pdf")
    assert storage.get_store().get(row.original_key) == scan


def test_original_is_beside_its_pdf_in_the_year_package_and_its_tampering_fails_archive_verify(
    docx_world, tmp_path, client
):
    world, page, _file, original = docx_world
    row, _pdf = approved_and_archived(world, page)

    zipped, manifest = build_year_package(world.school, world.year)
    [entry] = [d for d in manifest["documents"] if d["record_id"] == page.pk]
    assert entry["original"]["path"] == entry["path"].removesuffix(".pdf") + ".goc.docx"
    assert entry["original"]["sha256"] == hashlib.sha256(original).hexdigest()
    assert entry["original"]["sha256_matches_index"]
    names = zipfile.ZipFile(io.BytesIO(zipped)).namelist()
    top = names[0].split("/")[0]
    assert f"{top}/{entry['original']['path']}" in names
    bag_manifest = zipfile.ZipFile(io.BytesIO(zipped)).read(f"{top}/manifest-sha256.txt")
    assert entry["original"]["path"] in bag_manifest.decode()
    assert json.loads(json.dumps(entry))  # plain JSON

    out = io.StringIO()
    call_command("archive_verify", kind=["original"], stdout=out)
    assert "original: 1 checked, 1 intact, 0 not intact" in out.getvalue()
    page_text = client.get(f"/xac-thuc/{row.verification_code}/").content.decode()
    assert "Kèm tệp gốc" in page_text and "Tuần 12 – KHBD.docx" in page_text
    assert row.original_sha256 in page_text

    path = Path(storage.get_store().root, row.original_key)
    os.chmod(path, 0o644)
    path.write_bytes(original + b"tampered")
    out = io.StringIO()
    with pytest.raises(CommandError, match="failed verification"):
        call_command("archive_verify", kind=["original"], stdout=out)
    assert f"TAMPERED    {row.original_key}" in out.getvalue()
    row.refresh_from_db()
    assert row.original_sha256 == hashlib.sha256(original).hexdigest()  # the index unchanged


def test_form_content_filled_beside_the_file_prints_after_it_before_the_confirmation_page(
    tmp_path,
):
    world = school_world()
    page = world.records["lesson_plan"]
    original = week_docx(1)
    converted = soffice_pdf(original, "tuan-12.docx", tmp_path)
    file = ready_file(
        page, name="KHBD.docx", original=original, converted=converted, kind=FileKind.DOCX
    )
    hand_in(page, file, keep_form=True)  # the báo giảng typed in the form, beside the file
    footer = Footer(page.pk, 1, "0" * 64, "FORMFILE")
    pdf = render_record(
        page.get_latest_revision_as_object(), footer=footer, issued_on=page.week_start
    )
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    assert pages >= file.page_count + 2
    assert "Phép cộng trong phạm vi 10" in pdf_text(pdf, tmp_path, page=file.page_count + 1)
    assert "TRANG XÁC NHẬN" in pdf_text(pdf, tmp_path, page=pages)
    assert "Phép cộng" not in pdf_text(pdf, tmp_path, page=1)


def test_a_converted_file_that_no_longer_hashes_to_the_approved_one_is_never_rendered(
    docx_world,
):
    world, page, file, _original = docx_world
    frozen = page.get_latest_revision_as_object()
    with open(file.converted.path, "ab") as handle:
        handle.write(b"\n% changed behind the workflow's back\n")
    footer = Footer(page.pk, 1, "0" * 64, "CHANGED")
    with pytest.raises(SourceChanged):
        render_record(frozen, footer=footer, issued_on=page.week_start)
    assert not ArchivedVersion.objects.filter(page_ref=page.pk).exists()
