"""SIGNING_BACKEND=pkcs11 on a real token (SoftHSM2): a token per school, found by its
label template, logged in with the school's PIN; what cannot be had (token, PIN, key,
the school's own certificate) is refused with SigningUnavailable naming the school,
the job stays pending and nothing is stored."""

from __future__ import annotations

import io
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from pyhanko.pdf_utils.reader import PdfFileReader

from archive import devpki, services, signing, storage
from archive.models import ArchivedVersion, ArchiveJob, JobStatus
from cms import env
from devservices import SoftHsm
from tests.archive.conftest import SchoolData, build_school
from workflow.events import record_transitioned

pytestmark = pytest.mark.django_db

PIN = "246810"
SO_PIN = "13579135"


@pytest.fixture
def hsm(softhsm: SoftHsm, settings) -> SoftHsm:
    """The server signs in this process with SoftHSM, its tokens labelled
    "<test prefix>-<school code>" so that tests sharing the SoftHSM never share a token."""
    softhsm.activate()
    prefix = uuid.uuid4().hex[:8]
    settings.SIGNING = {
        **settings.SIGNING,
        "BACKEND": "pkcs11",
        "PKCS11_MODULE": softhsm.module,
        "PKCS11_TOKEN_LABEL": f"{prefix}-{{school_code}}",
        "PKCS11_KEY_LABEL": "{school_code}",
        "PKCS11_PIN": PIN,
        "PKCS11_PIN_DIR": None,
    }
    return softhsm


def _token_label(settings, code: str) -> str:
    return settings.SIGNING["PKCS11_TOKEN_LABEL"].replace("{school_code}", code)


def _school_p12(school) -> Path:
    paths = signing.dev_pki()
    devpki.ensure_ca(paths)
    devpki.ensure_school_cert(paths, code=school.code, name=school.name)
    return paths.school_p12(school.code)


def _school_token(hsm: SoftHsm, settings, school, *, pin: str = PIN, key_of=None) -> str:
    """The school's token holding, labelled with the school code, the key of `key_of`
    (the school itself unless a test puts another school's key there)."""
    label = _token_label(settings, school.code)
    hsm.init_token(label, pin=pin, so_pin=SO_PIN)
    hsm.import_pkcs12(
        label,
        pin=pin,
        pkcs12=_school_p12(key_of or school),
        passphrase=devpki.DEV_PASSPHRASE,
        label=school.code,
    )
    return label


def _freeze_queued(data: SchoolData, record_type: str = "group_plan") -> ArchiveJob:
    """A plan's freeze: its chain leaves the school's seal to the archive (a học bạ is
    sealed by the clerk at its last step, before the freeze)."""
    state = data.states[record_type]
    record_transitioned.send(
        sender=type(state),
        record_state=state,
        page_id=state.page_id,
        transition="approve",
        source="submitted",
        target=state.state,
        actor_id=None,
        revision_id=state.approved_revision_id,
    )
    return ArchiveJob.objects.get(page_id=state.page_id)


def _signing_cert_serial(pdf: bytes) -> int:
    (embedded,) = PdfFileReader(io.BytesIO(pdf)).embedded_regular_signatures
    return embedded.signer_cert.serial_number


def _p12_cert_serial(school) -> int:
    from cryptography.hazmat.primitives.serialization import pkcs12

    _, cert, _ = pkcs12.load_key_and_certificates(
        _school_p12(school).read_bytes(), devpki.DEV_PASSPHRASE
    )
    return cert.serial_number


def _assert_refused(job: ArchiveJob, *fragments: str) -> None:
    """The job is back in the queue with the reason, and nothing was archived."""
    assert services.run_once() == 0
    job.refresh_from_db()
    assert job.status == JobStatus.PENDING and job.attempts == 1
    assert job.last_error.startswith("SigningUnavailable: ")
    for fragment in fragments:
        assert fragment in job.last_error
    assert PIN not in job.last_error and "999999" not in job.last_error
    assert not ArchivedVersion.objects.filter(page_ref=job.page_id).exists()


def test_a_record_frozen_with_pkcs11_is_signed_by_the_schools_token_and_valid(
    school_data, hsm, settings, tmp_path
):
    _school_token(hsm, settings, school_data.school)
    job = _freeze_queued(school_data)

    assert services.run_once() == 1

    job.refresh_from_db()
    row = ArchivedVersion.objects.get(page_ref=job.page_id)
    assert job.status == JobStatus.DONE and job.result == row
    assert row.signer == school_data.school.name and row.validation["ok"] is True
    pdf = storage.get_store().get(row.key)
    report = signing.validate_pdf(pdf)
    assert report.intact and report.trusted and report.whole_file
    assert _signing_cert_serial(pdf) == _p12_cert_serial(school_data.school)
    if shutil.which("pdfsig") is None:
        pytest.fail("poppler-utils (pdfsig) is needed to check the signature")
    path = tmp_path / "signed.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True).stdout
    assert "Signature is Valid" in out and "Total document signed" in out


def test_two_schools_each_sign_with_their_own_token_and_pin(school_data, hsm, settings, tmp_path):
    with override_settings(SIGNING={**settings.SIGNING, "BACKEND": "dev"}):
        other = build_school("PKB", pupils=1)  # its records taken through their steps
    pins = {school_data.school.code: "111111", other.school.code: "222222"}
    pin_dir = tmp_path / "pins"
    pin_dir.mkdir()
    for code, pin in pins.items():
        (pin_dir / code).write_text(pin + "\n")
    settings.SIGNING = {**settings.SIGNING, "PKCS11_PIN": None, "PKCS11_PIN_DIR": str(pin_dir)}
    for data in (school_data, other):
        _school_token(hsm, settings, data.school, pin=pins[data.school.code])
    jobs = [_freeze_queued(data) for data in (school_data, other)]

    assert services.run_once() == 2

    for data, job in zip((school_data, other), jobs, strict=True):
        row = ArchivedVersion.objects.get(page_ref=job.page_id)
        assert row.school == data.school and row.signer == data.school.name
        pdf = storage.get_store().get(row.key)
        assert signing.validate_pdf(pdf).trusted
        assert _signing_cert_serial(pdf) == _p12_cert_serial(data.school)


def test_a_wrong_pin_is_refused_and_the_job_stays_pending(school_data, hsm, settings):
    _school_token(hsm, settings, school_data.school)
    settings.SIGNING = {**settings.SIGNING, "PKCS11_PIN": "999999"}
    job = _freeze_queued(school_data)

    _assert_refused(job, "School THHN", "PIN", _token_label(settings, "THHN"))


def test_a_missing_token_is_refused_naming_the_school_and_the_token(school_data, hsm, settings):
    job = _freeze_queued(school_data)

    _assert_refused(job, "School THHN", f"No PKCS#11 token '{_token_label(settings, 'THHN')}'")


def test_a_token_without_the_schools_key_is_refused_naming_the_label(school_data, hsm, settings):
    _school_token(hsm, settings, school_data.school)
    settings.SIGNING = {**settings.SIGNING, "PKCS11_KEY_LABEL": "seal-{school_code}"}
    job = _freeze_queued(school_data)

    _assert_refused(job, "School THHN", "no usable key 'seal-THHN'")


def test_a_key_whose_certificate_names_another_school_is_refused(school_data, hsm, settings):
    other = build_school("PKC", pupils=1, with_records=False)
    _school_token(hsm, settings, school_data.school, key_of=other.school)
    job = _freeze_queued(school_data)

    _assert_refused(job, "THHN", other.school.name)


def test_pkcs11_signer_closes_its_session_so_the_token_opens_again(school_data, hsm, settings):
    from archive.signing._keys import pkcs11_signer  # the reusable one (personal tokens)

    label = _school_token(hsm, settings, school_data.school)
    for _ in range(2):  # a session left logged in would refuse the second login
        with pkcs11_signer(
            module=hsm.module, token_label=label, pin=PIN, key_label="THHN"
        ) as signer:
            assert signer.signing_cert.serial_number == _p12_cert_serial(school_data.school)


def test_pkcs11_label_templates_allow_only_the_school_code(monkeypatch, tmp_path):
    monkeypatch.setenv("SIGNING_PKCS11_TOKEN_LABEL", "Truong-{code}")
    with pytest.raises(ImproperlyConfigured, match="SIGNING_PKCS11_TOKEN_LABEL"):
        env.signing_settings(var_dir=tmp_path)

    monkeypatch.delenv("SIGNING_PKCS11_TOKEN_LABEL")
    monkeypatch.setenv("SIGNING_PKCS11_PIN_DIR", "/etc/hoso/pins")
    built = env.signing_settings(var_dir=tmp_path)
    assert built["PKCS11_TOKEN_LABEL"] == built["PKCS11_KEY_LABEL"] == "{school_code}"
    assert built["PKCS11_PIN_DIR"] == "/etc/hoso/pins"
