"""Archived signatures that outlive their certificates (issue 14): PAdES B-LT with CRL
and OCSP of every chain, B-LTA when frozen, extension before the newest timestamp
expires, a revoked signer caught by the CA's responder over HTTP."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from archive import devpki, extension, services, signing, storage
from archive.models import ArchivedVersion, ArchiveExtension
from workflow.events import record_transitioned

pytestmark = pytest.mark.django_db

Y2040 = dt.datetime(2040, 6, 1, tzinfo=dt.UTC)


def _freeze(state, target: str = "signed") -> ArchivedVersion:
    record_transitioned.send(
        sender=type(state),
        record_state=state,
        page_id=state.page_id,
        transition="sign" if target == "signed" else "approve",
        source="paper_confirmed" if target == "signed" else "submitted",
        target=target,
        actor_id=None,
        revision_id=state.approved_revision_id,
    )
    assert services.run_once() == 1
    return ArchivedVersion.objects.get(page_ref=state.page_id)


def _school_certificate(code: str) -> x509.Certificate:
    path = signing.dev_pki().school_p12(code)
    return pkcs12.load_pkcs12(path.read_bytes(), devpki.DEV_PASSPHRASE).cert.certificate


def _renewed_tsa(tmp_path, not_before: dt.datetime):
    """The dev CA's TSA as renewed years later (valid 19 years from `not_before`)."""
    from cryptography.hazmat.primitives import serialization

    from archive.signing._devfetch import DevTimeStamper

    cert, key = devpki.issue_tsa(
        signing.dev_pki(), "TSA gia hạn", not_before=not_before, days=19 * 365
    )
    (tmp_path / "tsa2.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "tsa2.key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return DevTimeStamper(
        signing.dev_responder(), tsa_cert=tmp_path / "tsa2.pem", tsa_key=tmp_path / "tsa2.key"
    )


def test_a_frozen_hoc_ba_is_b_lta_with_crl_and_ocsp_and_valid_with_revocation_required(
    school_data,
):
    row = _freeze(school_data.states["student_record"])
    pdf = storage.get_store().get(row.key)

    assert signing.level(pdf) == signing.B_LTA
    data = signing.validation_data(pdf)
    assert data.ocsp_responses >= 2 and data.crls >= 1  # signer and TSA chains, both kinds
    report = signing.long_term_check(pdf)
    assert report.valid and report.level == signing.B_LTA, report
    assert row.validation["level"] == signing.B_LTA
    assert (row.validation["ocsp_responses"], row.validation["crls"]) == (
        data.ocsp_responses,
        data.crls,
    )
    assert row.validation["ok"] is True  # the archive's own check accepts the timestamps
    assert row.timestamp_until == signing.newest_timestamp(pdf).expires
    assert row.timestamp_until is not None and row.timestamp_until.year < 2040


def test_the_frozen_record_stays_checkable_after_every_certificate_in_it_expired(school_data):
    row = _freeze(school_data.states["student_record"])
    pdf = storage.get_store().get(row.key)
    school_cert = _school_certificate(school_data.school.code)
    assert school_cert.not_valid_after_utc < Y2040
    assert row.timestamp_until < Y2040  # the TSA's certificate too

    assert signing.valid_in_future(pdf, Y2040)


def _frozen_while_the_ca_is_unreachable(school_data, monkeypatch) -> bytes:
    """A lesson plan sealed and frozen while the CA's CRL and OCSP cannot be reached:
    the file holds no status of its chain."""
    from pyhanko_certvalidator import errors

    from archive.signing import _devfetch

    async def no_ocsp(self, cert, *args, **kwargs):
        raise errors.OCSPFetchError("responder unreachable")

    async def no_crl(self, cert, *args, **kwargs):
        raise errors.CRLFetchError("CRL unreachable")

    with monkeypatch.context() as patch:
        patch.setattr(_devfetch._Ocsp, "fetch", no_ocsp)
        patch.setattr(_devfetch._Crl, "fetch", no_crl)
        patch.setattr("archive.signing._lta._dss_crls", lambda at: [])
        row = _freeze(school_data.states["lesson_plan"], target="approved")
    assert row.validation["level"] == signing.B_T and not row.validation["ocsp_responses"]
    return storage.get_store().get(row.key)


def test_a_signature_whose_ca_could_not_be_reached_is_not_maintainable(school_data, monkeypatch):
    """Without the CRL/OCSP captured today, no timestamp chain can make the file
    checkable in 2040: the archive records it as B-T, not long-term valid (so the
    checks above mean something)."""
    pdf = _frozen_while_the_ca_is_unreachable(school_data, monkeypatch)

    assert signing.validation_data(pdf).ocsp_responses == 0
    assert not signing.long_term_check(pdf).valid
    assert not signing.valid_in_future(pdf, Y2040)


def test_a_revoked_signer_is_caught_by_the_responder_over_http(
    school_data, monkeypatch, dev_pki_server
):
    """A validator that asks the CA (revocation data required, fetched over HTTP from
    the dev PKI's CRL and OCSP services) accepts the seal while its certificate is
    good, and refuses it once the CA says it was revoked before the signature."""
    pdf = _frozen_while_the_ca_is_unreachable(school_data, monkeypatch)
    assert signing.long_term_check(pdf, fetch=True).valid
    assert {"POST ocsp", "GET ca.crl"} & set(dev_pki_server.requests)

    compromised = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    paths = signing.dev_pki()
    devpki.revoke(paths, _school_certificate(school_data.school.code), at=compromised)
    try:
        report = signing.long_term_check(pdf, fetch=True)
    finally:
        paths.revoked.unlink()  # the dev PKI is the whole run's: the next test signs again

    assert not report.valid
    assert report.signatures[-1]["indication"] != "PASSED"


def test_archive_extend_adds_a_new_object_and_keeps_the_old_one(school_data, tmp_path):
    row = _freeze(school_data.states["lesson_plan"], target="approved")
    store = storage.get_store()
    before = store.get(row.key)
    old_key, old_sha = row.key, row.sha256

    call_command("archive_extend", "--margin-days", "0")  # nothing expires within a day
    assert not ArchiveExtension.objects.exists()
    # Due within ten years, but the TSA is the same: a new timestamp would hold no longer.
    with pytest.raises(CommandError, match="could not be extended"):
        call_command("archive_extend", "--margin-days", str(10 * 365))
    assert not ArchiveExtension.objects.exists()

    renewed = _renewed_tsa(tmp_path, dt.datetime.now(dt.UTC) - dt.timedelta(days=1))
    made, failures = extension.extend_due(margin=dt.timedelta(days=10 * 365), stamper=renewed)
    assert len(made) == 1 and not failures
    row.refresh_from_db()
    extended = store.get(row.key)
    item = ArchiveExtension.objects.get(archived=row)
    assert (item.previous_key, item.previous_sha256) == (old_key, old_sha)
    assert row.key != old_key and store.get(old_key) == before  # never overwritten
    assert extended.startswith(before) and storage.sha256(extended) == row.sha256
    assert signing.level(extended) == signing.B_LTA
    assert (
        signing.validation_data(extended).ocsp_responses
        > signing.validation_data(before).ocsp_responses
    )
    assert signing.long_term_check(extended).valid and signing.validate_pdf(extended).ok
    call_command("archive_verify")  # the extended object is the row's now; the old checked too
    assert not extension.due(margin=dt.timedelta(days=10 * 365)).exists()


def test_a_copy_downloaded_before_the_extension_still_verifies(school_data, tmp_path):
    from archive.verification import INTACT, verify_upload

    row = _freeze(school_data.states["lesson_plan"], target="approved")
    before = storage.get_store().get(row.key)
    renewed = _renewed_tsa(tmp_path, dt.datetime.now(dt.UTC) - dt.timedelta(days=1))
    extension.extend_row(row, reason="test", stamper=renewed)

    assert verify_upload(before).status == INTACT
    assert verify_upload(storage.get_store().get(row.key)).status == INTACT


def test_extended_in_2030_the_record_validates_in_2040_after_every_certificate_expired(
    school_data, tmp_path
):
    """Frozen today; in 2030, a year before the first TSA's certificate expires, the
    archive extends it with the CA's renewed TSA; in 2040, when the school's seal and
    the first TSA have long expired, a validator that requires revocation data and
    asks the CA then (ETSI EN 319 102-1 long-term validation, pyHanko) finds it valid.
    Not extended, the same file is not valid in 2040 (and was in 2029)."""
    from freezegun import freeze_time

    row = _freeze(school_data.states["student_record"])
    frozen = storage.get_store().get(row.key)
    assert _school_certificate(school_data.school.code).not_valid_after_utc < Y2040
    assert row.timestamp_until < Y2040

    with freeze_time("2030-06-01"):
        renewed = _renewed_tsa(tmp_path, dt.datetime(2030, 5, 31, tzinfo=dt.UTC))
        extension.extend_row(row, reason="gia hạn trước khi TSA hết hạn", stamper=renewed)
    row.refresh_from_db()
    extended = storage.get_store().get(row.key)
    assert row.timestamp_until > Y2040

    with freeze_time("2029-06-01"):
        assert signing.long_term_check(frozen, in_process=True).valid
    with freeze_time(Y2040):
        report = signing.long_term_check(extended, in_process=True)
        assert report.valid, report
        assert not signing.long_term_check(frozen, in_process=True).valid


def test_the_dev_pki_publishes_its_crl_and_ocsp_at_pki(settings):
    from asn1crypto import crl, ocsp

    devpki.ensure_ca(signing.dev_pki())
    client = Client()
    response = client.get("/pki/ca.crl")
    assert response.status_code == 200 and response["Content-Type"] == "application/pkix-crl"
    assert crl.CertificateList.load(response.content)["tbs_cert_list"]["next_update"].native
    junk = client.post("/pki/ocsp", b"junk", content_type="application/ocsp-request")
    assert ocsp.OCSPResponse.load(junk.content)["response_status"].native == "malformed_request"

    settings.SIGNING = {**settings.SIGNING, "BACKEND": "pkcs12"}
    assert client.get("/pki/ca.crl").status_code == 404


def test_every_certificate_of_the_dev_pki_says_where_its_status_is(settings):
    paths = signing.dev_pki()
    devpki.ensure_ca(paths)
    devpki.ensure_school_cert(paths, code="LTV1", name="Trường Tiểu học Thử")
    cert = _school_certificate("LTV1")
    points = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    assert points[0].full_name[0].value == f"{settings.SIGNING['DEV_PKI_URL']}/ca.crl"
    access = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    assert f"{settings.SIGNING['DEV_PKI_URL']}/ocsp" in {d.access_location.value for d in access}

    # Issued for another URL (an older dev PKI): issued again, pointing here.
    moved = devpki.DevPkiPaths(paths.root, "http://127.0.0.1:1/pki")
    assert devpki.ensure_school_cert(moved, code="LTV1", name="Trường Tiểu học Thử")
    assert devpki.ensure_school_cert(paths, code="LTV1", name="Trường Tiểu học Thử")
    assert not devpki.ensure_school_cert(paths, code="LTV1", name="Trường Tiểu học Thử")


def test_the_archive_reads_the_pdfa_part_a_file_declares(school_data):
    from archive.rendering import PDFA3_PART, declared_pdfa

    row = _freeze(school_data.states["student_record"])
    pdf = storage.get_store().get(row.key)
    # The học bạ carries its data file (PDF/A-3a); still declared once signed.
    assert declared_pdfa(pdf) == PDFA3_PART == "PDF/A-3a"
    assert declared_pdfa(b"%PDF-1.7 not a real file") == ""


def test_the_verification_page_says_the_signature_is_long_term_and_until_when(school_data):
    row = _freeze(school_data.states["student_record"])
    page = Client().get(f"/xac-thuc/{row.verification_code}/").content.decode()
    facts = row.validation
    assert (
        f"PAdES B-LTA – kèm dữ liệu kiểm tra thu hồi chứng thư ({facts['ocsp_responses']} "
        f"phản hồi OCSP, {facts['crls']} CRL)"
    ) in page
    until = timezone.localtime(row.timestamp_until)
    assert f"{until:%d/%m/%Y} (kho lưu trữ gia hạn trước ngày này)" in page


def test_a_file_of_several_signers_gets_their_status_over_http(settings, dev_pki_server):
    """As with a real CA: the dev PKI asked over HTTP (not in-process), for a file two
    different certificates signed, in one pass (one event loop for the fetchers)."""
    from types import SimpleNamespace

    from weasyprint import HTML

    from archive.rendering import PDF_VARIANT

    settings.SIGNING = {**settings.SIGNING, "DEV_PKI_IN_PROCESS": False}
    pdf = HTML(string="<html lang='vi'><h1>Biên bản</h1></html>").write_pdf(pdf_variant=PDF_VARIANT)
    boxes = [
        signing.SignatureBox(field=name, page=0, box=(40 + 200 * i, 40, 220 + 200 * i, 100))
        for i, name in enumerate(("Ky_truong_a", "Ky_truong_b"))
    ]
    pdf = signing.add_signature_fields(pdf, boxes)
    for index, code in enumerate(("HTTPA", "HTTPB")):
        school = SimpleNamespace(code=code, name=f"Trường Tiểu học {code}")
        appearance = signing.Appearance(signer_name=school.name, role="Đóng dấu", reason="thử")
        pdf = signing.seal_field(
            pdf, school=school, field=boxes[index].field, appearance=appearance, certify=index == 0
        ).pdf

    archived = signing.archive_timestamp(pdf)

    assert signing.level(archived) == signing.B_LTA
    assert "POST tsa" in dev_pki_server.requests and "POST ocsp" in dev_pki_server.requests
    assert signing.long_term_check(archived, fetch=True).valid
