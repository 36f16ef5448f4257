"""Signing through a remote service over the CSC API: the real certomancer-csc-dummy
(devservices/csc.py), its CA trusted, the tests' school's seal one of its credentials."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import io
import os
import shutil
import subprocess

import pytest
from django.utils import timezone
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pypdf import PdfWriter

from archive import services, signing, storage
from archive.models import ArchivedVersion, ArchiveJob, JobStatus
from archive.rendering import Footer, render_record
from tests.archive.test_freeze import _send

pytestmark = pytest.mark.django_db

LAN = "hoso/nguyen-thi-lan"
SEAL = "hoso/THHN"


@pytest.fixture
def csc(settings, csc_server):
    """The school's seal through the CSC service; its CA and the dev CA (the audit
    checkpoints' installation key) trusted."""
    settings.SIGNING = {
        **settings.SIGNING,
        "BACKEND": "csc",
        "CSC_URL": csc_server.url,
        "CSC_AUTH_TOKEN": csc_server.auth_token,
        "CSC_SEAL_CREDENTIAL": "hoso/{school_code}",
        "TRUST_ROOTS": os.pathsep.join(
            [str(csc_server.root_cert_path), str(signing.dev_pki().ca_cert)]
        ),
    }
    return csc_server


def _record_pdf(school_data) -> bytes:
    state = school_data.states["student_record"]
    return render_record(
        state.approved_revision.as_object(),
        footer=Footer(state.page_id, state.version, state.approved_hash, "CSCTEST"),
        issued_on=dt.date(2025, 5, 20),
    )


def _blank_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _sign_as(signer, pdf: bytes, field: str = "GiaoVienChuNhiem") -> bytes:
    meta = signers.PdfSignatureMetadata(field_name=field, md_algorithm="sha256")
    out = signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), meta, signer=signer)
    return out.getvalue()


def _embedded_cert(pdf: bytes) -> bytes:
    (signature,) = PdfFileReader(io.BytesIO(pdf)).embedded_regular_signatures
    return bytes(signature.signer_cert.dump())


def test_the_schools_seal_signed_through_csc_is_intact_trusted_and_names_the_school(
    csc, school_data
):
    result = signing.sign_pdf(_record_pdf(school_data), school=school_data.school, reason="Lưu trữ")
    report = signing.validate_pdf(result.pdf)
    assert report.ok, report.errors
    assert report.intact and report.valid and report.trusted and report.whole_file
    assert result.signer == report.signer == school_data.school.name
    assert report.signer_organisation == school_data.school.name


@pytest.mark.skipif(not shutil.which("pdfsig"), reason="poppler-utils (pdfsig) not installed")
def test_poppler_agrees_a_csc_signature_is_valid(csc, school_data, tmp_path):
    path = tmp_path / "csc.pdf"
    path.write_bytes(
        signing.sign_pdf(_record_pdf(school_data), school=school_data.school, reason="Lưu trữ").pdf
    )
    out = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True).stdout
    assert "Signature is Valid" in out
    assert "Total document signed" in out


def test_the_certificate_read_before_signing_is_the_one_in_the_signature(csc):
    certificate = signing.csc_credential_certificate(LAN)
    with signing.csc_signer(LAN) as signer:
        signed = _sign_as(signer, _blank_pdf())
    assert _embedded_cert(signed) == certificate
    report = signing.validate_pdf(signed)
    assert report.ok, report.errors
    assert report.signer_common_name == "Nguyễn Thị Lan"
    assert report.signer_fingerprint == hashlib.sha256(certificate).hexdigest()


def test_one_csc_signer_signs_several_documents_each_authorized_for_its_own_hash(csc):
    with signing.csc_signer(LAN) as signer:
        signed = [_sign_as(signer, _blank_pdf(), field=f"Ky{n}") for n in range(3)]
    assert all(signing.validate_pdf(pdf).ok for pdf in signed)
    assert len({hashlib.sha256(pdf).digest() for pdf in signed}) == 3


def test_freezing_with_the_csc_backend_stores_the_seals_signature(csc, school_data):
    state = school_data.states["student_record"]
    _send(state, "signed")

    assert services.run_once() == 1

    job = ArchiveJob.objects.get(page_id=state.page_id)
    row = ArchivedVersion.objects.get(page_ref=state.page_id)
    assert job.status == JobStatus.DONE and job.result == row
    data = storage.get_store().get(row.key)
    assert storage.sha256(data) == row.sha256
    assert row.signer == school_data.school.name and row.validation["ok"] is True
    assert _embedded_cert(data) == signing.csc_credential_certificate(SEAL)


def test_an_unknown_credential_is_unavailable_and_named(csc):
    with pytest.raises(signing.SigningUnavailable) as refused:
        with signing.csc_signer("hoso/khong-ton-tai"):
            pytest.fail("no signer for an unknown credential")
    assert "'hoso/khong-ton-tai'" in str(refused.value) and "HTTP 404" in str(refused.value)
    with pytest.raises(signing.SigningUnavailable, match="khong-ton-tai"):
        signing.csc_credential_certificate("hoso/khong-ton-tai")


def test_the_token_and_pin_never_appear_in_the_error(csc):
    auth = signing.CscAuth(token="bi-mat-token-123", pin="246810")
    with pytest.raises(signing.SigningUnavailable) as refused:
        signing.csc_credential_certificate("hoso/khong-ton-tai", auth=auth)
    text = f"{refused.value} {refused.value!r} {auth!r}"
    assert "bi-mat-token-123" not in text and "246810" not in text


def _assert_pending_and_nothing_stored(state, *, error: str) -> None:
    job = ArchiveJob.objects.get(page_id=state.page_id)
    assert job.status == JobStatus.PENDING and job.result is None
    assert error in job.last_error and "SigningUnavailable" in job.last_error
    assert not ArchivedVersion.objects.filter(page_ref=state.page_id).exists()
    # Only the chains' working files (the signers' stages, "ky-so-…") are in the store.
    stored = list(storage.get_store().keys("schools/"))
    assert [key for key in stored if "/ky-so-" not in key] == []


def test_a_freeze_with_an_unknown_seal_credential_stays_pending_and_stores_nothing(
    csc, settings, school_data
):
    settings.SIGNING = {**settings.SIGNING, "CSC_SEAL_CREDENTIAL": "hoso/con-dau-{school_code}"}
    # A plan: the archive applies its seal when freezing (a học bạ is sealed by
    # the clerk at its last step).
    state = school_data.states["group_plan"]
    _send(state, state.state)

    assert services.run_once() == 0

    _assert_pending_and_nothing_stored(state, error="'hoso/con-dau-THHN'")


def test_a_stopped_service_leaves_the_freeze_pending_until_it_is_back(csc, school_data):
    # A plan: the archive applies its seal when freezing (a học bạ is sealed by
    # the clerk at its last step).
    state = school_data.states["group_plan"]
    _send(state, state.state)
    csc.stop()
    try:
        assert services.run_once() == 0
        _assert_pending_and_nothing_stored(state, error="the service is unreachable")
    finally:
        csc.start()

    assert services.run_once(now=timezone.now() + dt.timedelta(hours=2)) == 1
    assert ArchiveJob.objects.get(page_id=state.page_id).status == JobStatus.DONE


def test_the_service_going_down_while_signing_is_unavailable_naming_the_credential(csc):
    pdf = _blank_pdf()
    try:
        with pytest.raises(signing.SigningUnavailable) as refused:
            with signing.csc_signer(LAN) as signer:  # certificate read: the service was up
                csc.stop()
                _sign_as(signer, pdf)
    finally:
        csc.start()
    assert f"'{LAN}'" in str(refused.value) and "unreachable" in str(refused.value)


def test_the_certificate_can_be_read_from_code_already_running_an_event_loop(csc):
    async def inside_a_loop() -> bytes:
        return signing.csc_credential_certificate(LAN)

    assert asyncio.run(inside_a_loop()) == signing.csc_credential_certificate(LAN)


def test_without_a_service_url_csc_signing_is_unavailable(settings):
    settings.SIGNING = {**settings.SIGNING, "CSC_URL": None}
    with pytest.raises(signing.SigningUnavailable, match="SIGNING_CSC_URL"):
        signing.csc_credential_certificate(LAN)


def test_production_signs_through_csc_only_with_a_service_url(monkeypatch, tmp_path):
    from django.core.exceptions import ImproperlyConfigured

    from cms.env import signing_settings

    monkeypatch.setenv("SIGNING_BACKEND", "csc")
    monkeypatch.setenv("SIGNING_TRUST_ROOTS", "/etc/hoso/roots.pem")
    monkeypatch.setenv("TSA_URL", "https://tsa.example.vn/tsa")
    monkeypatch.delenv("SIGNING_CSC_URL", raising=False)
    with pytest.raises(ImproperlyConfigured, match="SIGNING_CSC_URL is required"):
        signing_settings(var_dir=tmp_path, production=True)

    monkeypatch.setenv("SIGNING_CSC_URL", "https://ky-so.example.vn/csc")
    monkeypatch.setenv("SIGNING_CSC_AUTH_TOKEN", "token")
    monkeypatch.setenv("SIGNING_CSC_TIMEOUT", "12")
    monkeypatch.setenv("SIGNING_CSC_SEAL_CREDENTIAL", "con-dau/{school_code}")
    conf = signing_settings(var_dir=tmp_path, production=True)
    assert conf["BACKEND"] == "csc" and conf["CSC_URL"] == "https://ky-so.example.vn/csc"
    assert conf["CSC_AUTH_TOKEN"] == "token" and conf["CSC_TIMEOUT"] == 12
    assert conf["CSC_SEAL_CREDENTIAL"] == "con-dau/{school_code}"


def test_the_seal_credential_is_the_template_with_the_school_code(settings):
    settings.SIGNING = {**settings.SIGNING, "CSC_SEAL_CREDENTIAL": "con-dau/{school_code}"}
    assert signing.seal_credential_id("THHN") == "con-dau/THHN"
    settings.SIGNING = {**settings.SIGNING, "CSC_SEAL_CREDENTIAL": "con-dau/{code}"}
    with pytest.raises(signing.SigningUnavailable, match="school_code"):
        signing.seal_credential_id("THHN")
