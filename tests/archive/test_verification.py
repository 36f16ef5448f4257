"""archive_verify and /xac-thuc/ agree: an intact copy is intact, one flipped byte is tampering."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from archive import services, storage
from archive.models import ArchivedVersion
from tests.conftest import minimal_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def archived(school_data) -> ArchivedVersion:
    services.freeze_enqueue(record_state=school_data.states["student_record"])
    assert services.run_once() == 1
    return ArchivedVersion.objects.get()


def _flip_stored_byte(settings, row: ArchivedVersion) -> bytes:
    path = Path(settings.OBJECT_STORE["LOCAL_ROOT"], row.key)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    os.chmod(path, 0o644)
    path.write_bytes(bytes(data))
    return bytes(data)


def test_archive_verify_reports_intact_objects(archived, capsys):
    call_command("archive_verify", school="THHN", year="2024-2025")
    out = capsys.readouterr().out
    assert f"INTACT      {archived.key}" in out
    assert "1 checked, 1 intact, 0 not intact" in out


def test_one_flipped_byte_is_reported_as_tampered_by_the_command(archived, settings, capsys):
    _flip_stored_byte(settings, archived)
    with pytest.raises(CommandError):
        call_command("archive_verify")
    assert f"TAMPERED    {archived.key}" in capsys.readouterr().out


def test_public_page_says_an_intact_copy_is_intact_with_signer_and_version(archived, client):
    data = storage.get_store().get(archived.key)
    response = client.post(
        "/xac-thuc/", {"file": SimpleUploadedFile("hoc-ba.pdf", data, "application/pdf")}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Văn bản nguyên vẹn" in body
    assert archived.signer in body and "Nguyễn Thị Ngọc Ánh" in body
    assert "<dt>Phiên bản</dt><dd>1</dd>" in body


def test_public_page_says_a_copy_with_one_flipped_byte_is_tampered(archived, client, settings):
    data = _flip_stored_byte(settings, archived)
    response = client.post(
        "/xac-thuc/", {"file": SimpleUploadedFile("hoc-ba.pdf", data, "application/pdf")}
    )
    assert response.status_code == 200
    assert "Văn bản đã bị thay đổi" in response.content.decode()


def test_the_qr_code_page_checks_the_stored_object(archived, client, settings):
    response = client.get(f"/xac-thuc/{archived.verification_code}/")
    assert "Văn bản nguyên vẹn" in response.content.decode()
    _flip_stored_byte(settings, archived)
    response = client.get(f"/xac-thuc/{archived.verification_code}/")
    assert "Văn bản đã bị thay đổi" in response.content.decode()


def test_unknown_code_is_not_found(db, client):
    response = client.get("/xac-thuc/AAAAAAAAAAAAAAAA/")
    assert response.status_code == 200
    assert "Không tìm thấy văn bản" in response.content.decode()


def test_a_non_pdf_upload_is_refused_with_a_clear_message(db, client):
    response = client.post(
        "/xac-thuc/", {"file": SimpleUploadedFile("x.docx", b"PK\x03\x04 not a pdf")}
    )
    assert response.status_code == 400
    assert "không phải là tệp PDF" in response.content.decode()


def test_an_oversized_upload_is_refused(db, client, settings):
    settings.ARCHIVE = {**settings.ARCHIVE, "UPLOAD_MAX_BYTES": 1024 * 1024}
    response = client.post(
        "/xac-thuc/", {"file": SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * (1024 * 1024))}
    )
    assert response.status_code == 413
    assert "Tệp quá lớn" in response.content.decode()


def test_a_broken_pdf_is_a_verdict_not_a_server_error(db, client):
    response = client.post("/xac-thuc/", {"file": SimpleUploadedFile("b.pdf", b"%PDF-1.7 junk")})
    assert response.status_code == 200
    assert "Văn bản đã bị thay đổi" in response.content.decode()


# --- The signer must be the unit the record names (issue #11, finding 8) ----------------


@pytest.fixture
def signed_by_other_school(school_data, monkeypatch) -> ArchivedVersion:
    """A học bạ of THHN archived with the certificate of another school (a key in the
    wrong place, or another school's principal signing): valid under the trust roots."""
    from archive import signing
    from recordpages.models import School

    other = School.objects.create(
        code="THAD", name="Trường Tiểu học Anh Dũng", place_name="Dương Kinh"
    )
    real_sign = signing.sign_pdf
    monkeypatch.setattr(
        signing, "sign_pdf", lambda pdf, *, school, **kw: real_sign(pdf, school=other, **kw)
    )
    # The clerk's seal already signed the chain's file with THHN's own key (the seal
    # refuses another school's certificate): this stands for a file signed elsewhere.
    from django.utils import timezone

    from archive.models import SigningFile

    SigningFile.objects.update(voided_at=timezone.now())
    services.freeze_enqueue(record_state=school_data.states["student_record"])
    assert services.run_once() == 1
    row = ArchivedVersion.objects.get()
    assert row.school == school_data.school and row.validation["ok"]
    return row


MISMATCH = "Chữ ký hợp lệ về kỹ thuật nhưng người ký"


def _assert_mismatch_page(body: str) -> None:
    assert MISMATCH in body
    assert "không phải đơn vị lập hồ sơ" in body
    assert "Trường Tiểu học Anh Dũng" in body and "Trường Tiểu học Hòa Nghĩa THHN" in body
    assert "Văn bản nguyên vẹn" not in body


def test_a_record_signed_by_another_schools_certificate_is_not_valid_on_upload(
    signed_by_other_school, client
):
    data = storage.get_store().get(signed_by_other_school.key)
    response = client.post(
        "/xac-thuc/", {"file": SimpleUploadedFile("hoc-ba.pdf", data, "application/pdf")}
    )
    assert response.status_code == 200
    _assert_mismatch_page(response.content.decode())


def test_a_record_signed_by_another_schools_certificate_is_not_valid_by_code(
    signed_by_other_school, client
):
    response = client.get(f"/xac-thuc/{signed_by_other_school.verification_code}/")
    assert response.status_code == 200
    _assert_mismatch_page(response.content.decode())


def test_archive_verify_names_a_record_signed_by_another_school(signed_by_other_school, capsys):
    with pytest.raises(CommandError):
        call_command("archive_verify")
    assert f"SIGNER      {signed_by_other_school.key}" in capsys.readouterr().out


def test_the_signer_binding_takes_the_expected_school_and_optionally_a_person(archived):
    from archive import signing, verification

    report = signing.validate_pdf(storage.get_store().get(archived.key))
    school = archived.school
    assert verification.signer_binding(report, school=school).matches
    school.name = "Trường Tiểu học Anh Dũng"
    binding = verification.signer_binding(report, school=school)
    assert not binding.matches and binding.expected == "Trường Tiểu học Anh Dũng"
    school.refresh_from_db()
    assert not verification.signer_binding(report, school=school, person="Trần Văn Hưng").matches


def test_the_archive_refuses_to_sign_with_a_certificate_naming_another_school(
    school_data, settings, tmp_path
):
    """A key in the wrong place (THAD's file under THHN's name) signs nothing."""
    import shutil

    from archive import signing
    from archive.models import ArchiveJob
    from recordpages.models import School

    other = School.objects.create(
        code="THAD", name="Trường Tiểu học Anh Dũng", place_name="Dương Kinh"
    )
    signing.sign_pdf(minimal_pdf(), school=other, reason="x")  # issues THAD's dev certificate
    keys = tmp_path / "keys"
    keys.mkdir()
    shutil.copy(signing.dev_pki().school_p12("THAD"), keys / "THHN.p12")
    settings.SIGNING = {
        **settings.SIGNING,
        "BACKEND": "pkcs12",
        "PKCS12_DIR": str(keys),
        "PKCS12_PASSPHRASE": "dev-only",
    }
    with pytest.raises(signing.SigningUnavailable, match="not the school"):
        signing.sign_pdf(minimal_pdf(), school=school_data.school, reason="x")
    # A plan: its chain leaves the seal to the archive, which signs it when freezing.
    services.freeze_enqueue(record_state=school_data.states["group_plan"])
    services.run_once()
    assert not ArchivedVersion.objects.exists()
    job = ArchiveJob.objects.get()
    assert "not the school" in job.last_error and job.status == "pending"


def test_a_dev_certificate_follows_the_school_name(school_data):
    from archive import signing

    school = school_data.school
    first = signing.sign_pdf(minimal_pdf(), school=school, reason="x")
    school.name = "Trường Tiểu học Hòa Nghĩa (đổi tên)"
    second = signing.sign_pdf(minimal_pdf(), school=school, reason="x")
    assert first.signer != second.signer == "Trường Tiểu học Hòa Nghĩa (đổi tên)"


def test_a_signed_copy_outside_the_archive_names_its_signer_and_vouches_for_nothing(
    school_data, client
):
    from archive import signing

    signed = signing.sign_pdf(minimal_pdf(), school=school_data.school, reason="x").pdf
    response = client.post(
        "/xac-thuc/", {"file": SimpleUploadedFile("hoc-ba.pdf", signed, "application/pdf")}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "không có trong kho lưu trữ" in body
    assert "chứng thư số của Trường Tiểu học Hòa Nghĩa THHN" in body
    assert "không xác nhận được nội dung và đơn vị lập hồ sơ" in body
    assert "đơn vị tin cậy" not in body
