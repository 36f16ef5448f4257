"""Signatures made by the school's certificate validate against the dev trust root."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import pytest
from cryptography import x509
from django.core.management import call_command

from archive import signing
from archive.rendering import Footer, render_record

pytestmark = pytest.mark.django_db


def _signed(school_data, record_type="student_record") -> bytes:
    page = school_data.records[record_type]
    state = school_data.states[record_type]
    pdf = render_record(
        state.approved_revision.as_object(),
        footer=Footer(page.pk, state.version, state.approved_hash, "SIGNTEST"),
        issued_on=dt.date(2025, 5, 20),
    )
    return signing.sign_pdf(pdf, school=school_data.school, reason="Lưu trữ").pdf


def test_init_dev_pki_is_idempotent_and_labelled(school_data, settings, capsys, tmp_path):
    # A directory of its own: other tests (checkpoints, freezes) create the session's PKI.
    settings.SIGNING = {**settings.SIGNING, "DEV_PKI_DIR": str(tmp_path / "dev-pki")}
    call_command("init_dev_pki")
    first = capsys.readouterr().out
    call_command("init_dev_pki")
    second = capsys.readouterr().out
    assert "created" in first and "THHN" in first
    assert "created" not in second
    paths = signing.dev_pki()
    assert paths.school_p12("THHN").exists() and paths.tsa_cert.exists()
    ca = x509.load_pem_x509_certificate(paths.ca_cert.read_bytes())
    assert "TEST ONLY" in ca.subject.rfc4514_string()


def test_school_signature_is_intact_trusted_and_covers_the_whole_file(school_data):
    report = signing.validate_pdf(_signed(school_data))
    assert report.ok, report.errors
    assert report.intact and report.valid and report.trusted and report.whole_file
    assert report.signer == school_data.school.name
    # No TSA_URL: the dev PKI's own TSA stamps it (PAdES B-T, issue 14).
    assert report.timestamp_at is not None and report.timestamp_trusted


def test_flipping_one_byte_breaks_the_signature(school_data):
    data = bytearray(_signed(school_data))
    data[len(data) // 4] ^= 0x01
    report = signing.validate_pdf(bytes(data))
    assert not report.ok


def test_garbage_is_reported_not_crashed_on():
    report = signing.validate_pdf(b"not a pdf at all")
    assert not report.ok and report.errors


@pytest.mark.skipif(not shutil.which("pdfsig"), reason="poppler-utils (pdfsig) not installed")
def test_poppler_agrees_the_signature_is_valid(school_data, tmp_path):
    path = tmp_path / "signed.pdf"
    path.write_bytes(_signed(school_data, "lesson_plan"))
    out = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True).stdout
    assert "Signature is Valid" in out
    assert "Total document signed" in out


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils (pdftotext) not installed")
def test_the_visible_stamp_prints_vietnamese_even_from_decomposed_text(school_data, tmp_path):
    """The stamp font keeps precomposed Vietnamese glyphs only: text is NFC first, so a
    reason typed with combining marks (NFD) still prints, and extracts, correctly."""
    import unicodedata

    page = school_data.records["other"]
    state = school_data.states["other"]
    pdf = render_record(
        state.approved_revision.as_object(),
        footer=Footer(page.pk, state.version, state.approved_hash, "STAMPTEST"),
        issued_on=dt.date(2025, 5, 20),
    )
    reason = "Lưu trữ hồ sơ của Nguyễn Thị Ngọc Ánh"
    signed = signing.sign_pdf(
        pdf, school=school_data.school, reason=unicodedata.normalize("NFD", reason)
    ).pdf
    assert signing.validate_pdf(signed).ok
    path = tmp_path / "stamped.pdf"
    path.write_bytes(signed)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert f"Ký số bởi: {school_data.school.name}" in text
    assert f"Lí do: {reason}" in text
