"""A person's key the server holds (issue 13): the principal's key on a PKCS#11 token
at the server (SoftHSM2), the homeroom teacher's CSC credential at a remote signing
service (certomancer-csc-dummy). Each signs its step of the học bạ's chain; the
archived file's signature is valid, trusted and made with the bound certificate; what
cannot sign (a wrong PIN, another person's key, a stopped service) refuses the step
with a Vietnamese message and changes nothing."""

from __future__ import annotations

import io
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, pkcs12
from pyhanko.pdf_utils.reader import PdfFileReader

from archive import devpki, signing
from archive.models import Signature, SignatureOutcome, SigningFile
from devservices import SoftHsm
from signatures import binding
from signatures.models import Certificate, KeyHolder
from tests.factories import school_world
from tests.signatures.test_chain_signing import _archived_pdf, _hoc_ba, _take
from workflow.actions.base import ActionRefused
from workflow.choices import State
from workflow.models import RecordState

pytestmark = pytest.mark.django_db

PIN = "864209"
SO_PIN = "97531975"
LAN = "hoso/nguyen-thi-lan"
HUNG = "hoso/tran-van-hung"
UNAVAILABLE = "Không mở được khóa ký của bạn lúc này"


# --- helpers --------------------------------------------------------------------------


def _person_p12(staff, key: str) -> Path:
    """A dev-PKI personal certificate naming `staff`, under a key name of its own."""
    paths = signing.dev_pki()
    return devpki.ensure_person_cert(
        paths, key=key, full_name=staff.full_name, school_name=staff.school.name
    )


def _der(p12: Path) -> bytes:
    loaded = pkcs12.load_pkcs12(p12.read_bytes(), devpki.DEV_PASSPHRASE)
    return loaded.cert.certificate.public_bytes(Encoding.DER)


def _embedded_cert(pdf: bytes, field: str) -> bytes:
    for embedded in PdfFileReader(io.BytesIO(pdf)).embedded_signatures:
        if embedded.field_name == field:
            return bytes(embedded.signer_cert.dump())
    raise AssertionError(f"no signature in field {field}")


def _unchanged_after_refusal(page, *, state: str, field: str, stage: int | None) -> None:
    assert RecordState.objects.get(pk=page.pk).state == state
    assert not Signature.objects.filter(page_ref=page.pk, field=field).exists()
    file = SigningFile.objects.filter(page_ref=page.pk).first()
    assert (file.stage if file is not None else None) == stage


# --- PKCS#11: the principal's key on a token at the server -----------------------------


@dataclass(frozen=True)
class Hsm:
    softhsm: SoftHsm
    pin_dir: Path


@pytest.fixture
def hsm(softhsm, settings, tmp_path):
    """Personal tokens on SoftHSM2, their PINs in a PIN directory (one file per token);
    the school's seal stays with the dev PKI."""
    softhsm.activate()
    pin_dir = tmp_path / "pins"
    pin_dir.mkdir()
    settings.SIGNING = {
        **settings.SIGNING,
        "PKCS11_MODULE": softhsm.module,
        "PKCS11_PIN_DIR": str(pin_dir),
        "PKCS11_PIN": None,
    }
    return Hsm(softhsm=softhsm, pin_dir=pin_dir)


def _principal_token(hsm: Hsm, staff, *, key_of=None, pin: str = PIN) -> tuple[str, bytes]:
    """A token "HT-<uuid>" holding, labelled "hieu-truong", the key and certificate of
    `key_of` (the principal unless a test puts another person's there); its PIN in the
    PIN directory. Returns the key reference and the principal's own certificate."""
    token = f"HT-{uuid.uuid4().hex[:12]}"
    own = _person_p12(staff, f"ht-{token}")
    held = _person_p12(key_of, f"other-{token}") if key_of is not None else own
    hsm.softhsm.init_token(token, pin=pin, so_pin=SO_PIN)
    hsm.softhsm.import_pkcs12(
        token, pin=pin, pkcs12=held, passphrase=devpki.DEV_PASSPHRASE, label="hieu-truong"
    )
    (hsm.pin_dir / token).write_text(pin + "\n")
    return f"{token}/hieu-truong", _der(own)


def _submitted_hoc_ba(world):
    page = _hoc_ba(world)
    binding.bind_dev_certificate(world.staff["hn.giaovien"])
    _take(world, "hn.giaovien", page, "submit")
    return page


def test_the_principal_signs_with_a_key_on_a_server_token_and_the_archived_file_shows_it(hsm):
    world = school_world()
    principal = world.staff["hn.hieutruong"]
    key_ref, der = _principal_token(hsm, principal)
    certificate = binding.bind(principal, der, holder=KeyHolder.SERVER, key_ref=key_ref)
    page = _submitted_hoc_ba(world)

    record = _take(world, "hn.hieutruong", page, "approve")
    assert record.state == State.APPROVED
    made = Signature.objects.get(page_ref=page.pk, field="hieu_truong")
    assert made.outcome == SignatureOutcome.SIGNED
    assert made.certificate_sha256 == certificate.sha256
    assert made.signer_name == principal.full_name
    _take(world, "hn.vanthu", page, "confirm_paper")
    _take(world, "hn.vanthu", page, "sign")

    pdf = _archived_pdf(page)
    found = {s.field: s for s in signing.signatures_in(pdf)}
    assert list(found) == ["Ky_giao_vien_chu_nhiem", "Ky_hieu_truong", "Ky_con_dau"]
    principal_signature = found["Ky_hieu_truong"]
    assert principal_signature.intact and principal_signature.valid
    assert principal_signature.trusted
    assert principal_signature.signer_name == principal.full_name
    assert _embedded_cert(pdf, "Ky_hieu_truong") == der == bytes(certificate.der)


def test_a_wrong_pin_in_the_pin_file_refuses_the_approval_and_changes_nothing(hsm):
    world = school_world()
    principal = world.staff["hn.hieutruong"]
    key_ref, der = _principal_token(hsm, principal)
    binding.bind(principal, der, holder=KeyHolder.SERVER, key_ref=key_ref)
    (hsm.pin_dir / key_ref.partition("/")[0]).write_text("000000\n")
    page = _submitted_hoc_ba(world)

    with pytest.raises(ActionRefused, match=UNAVAILABLE):
        _take(world, "hn.hieutruong", page, "approve")
    _unchanged_after_refusal(page, state=State.SUBMITTED, field="hieu_truong", stage=1)


def test_a_server_token_holding_another_persons_key_is_refused(hsm):
    world = school_world()
    principal = world.staff["hn.hieutruong"]
    key_ref, der = _principal_token(hsm, principal, key_of=world.staff["hn.totruong1"])
    binding.bind(principal, der, holder=KeyHolder.SERVER, key_ref=key_ref)
    page = _submitted_hoc_ba(world)

    with pytest.raises(ActionRefused, match="Khóa ký không khớp"):
        _take(world, "hn.hieutruong", page, "approve")
    _unchanged_after_refusal(page, state=State.SUBMITTED, field="hieu_truong", stage=1)


# --- CSC: the homeroom teacher's credential at a remote signing service ----------------


@pytest.fixture
def csc(settings, csc_server):
    """The CSC service's CA and the dev CA both trusted (the teacher signs through CSC,
    the seal with the dev PKI)."""
    settings.SIGNING = {
        **settings.SIGNING,
        "CSC_URL": csc_server.url,
        "CSC_AUTH_TOKEN": csc_server.auth_token,
        "TRUST_ROOTS": os.pathsep.join(
            [str(csc_server.root_cert_path), str(signing.dev_pki().ca_cert)]
        ),
    }
    return csc_server


def _lan(world):
    """hn.giaovien, homeroom teacher of 1B, named as the CSC credential's holder."""
    teacher = world.staff["hn.giaovien"]
    teacher.full_name = "Nguyễn Thị Lan"
    teacher.save()
    return teacher


def test_the_homeroom_teacher_signs_through_a_csc_credential_valid_and_trusted(csc):
    world = school_world()
    teacher = _lan(world)
    der = signing.csc_credential_certificate(LAN)
    certificate = binding.bind(teacher, der, holder=KeyHolder.CSC, key_ref=LAN)
    page = _hoc_ba(world)

    record = _take(world, "hn.giaovien", page, "submit")
    assert record.state == State.SUBMITTED
    made = Signature.objects.get(page_ref=page.pk, field="giao_vien_chu_nhiem")
    assert made.outcome == SignatureOutcome.SIGNED
    assert made.certificate_sha256 == certificate.sha256
    _take(world, "hn.hieutruong", page, "approve")  # no certificate: recorded
    _take(world, "hn.vanthu", page, "confirm_paper")
    _take(world, "hn.vanthu", page, "sign")

    pdf = _archived_pdf(page)
    found = signing.signatures_in(pdf)
    assert [s.field for s in found] == ["Ky_giao_vien_chu_nhiem", "Ky_con_dau"]
    assert all(s.intact and s.valid and s.trusted for s in found)
    assert found[0].signer_name == "Nguyễn Thị Lan"
    assert _embedded_cert(pdf, "Ky_giao_vien_chu_nhiem") == der


def test_a_stopped_csc_service_refuses_the_submission_and_changes_nothing(csc):
    world = school_world()
    teacher = _lan(world)
    binding.bind(
        teacher, signing.csc_credential_certificate(LAN), holder=KeyHolder.CSC, key_ref=LAN
    )
    page = _hoc_ba(world)

    csc.stop()
    try:
        with pytest.raises(ActionRefused, match=UNAVAILABLE):
            _take(world, "hn.giaovien", page, "submit")
    finally:
        csc.start()
    _unchanged_after_refusal(page, state=State.DRAFT, field="giao_vien_chu_nhiem", stage=None)


# --- binding a CSC credential ---------------------------------------------------------


def test_bind_csc_reads_the_credentials_certificate_and_binds_it_to_the_person(csc):
    world = school_world()
    teacher = _lan(world)
    certificate = binding.bind_csc(teacher, LAN)
    certificate.refresh_from_db()
    assert certificate.staff == teacher
    assert (certificate.holder, certificate.key_ref) == (KeyHolder.CSC, LAN)
    assert bytes(certificate.der) == signing.csc_credential_certificate(LAN)
    assert certificate.common_name == "Nguyễn Thị Lan"


def test_bind_csc_refuses_another_persons_credential_and_binds_nothing(csc):
    world = school_world()
    teacher = _lan(world)
    with pytest.raises(binding.BindingRefused, match="Trần Văn Hưng.*không phải"):
        binding.bind_csc(teacher, HUNG)
    assert not Certificate.objects.filter(staff=teacher).exists()


def test_bind_csc_with_the_service_stopped_is_refused_in_vietnamese(csc):
    world = school_world()
    teacher = _lan(world)
    csc.stop()
    try:
        with pytest.raises(binding.BindingRefused, match="Không đọc được chứng thư số"):
            binding.bind_csc(teacher, LAN)
    finally:
        csc.start()
    assert not Certificate.objects.filter(staff=teacher).exists()


def test_bind_csc_refuses_an_empty_credential_id(csc):
    world = school_world()
    teacher = _lan(world)
    with pytest.raises(binding.BindingRefused, match="credential ID"):
        binding.bind_csc(teacher, "  ")
    assert not Certificate.objects.filter(staff=teacher).exists()


def test_a_pin_file_that_cannot_be_read_refuses_the_approval_instead_of_failing(hsm):
    world = school_world()
    principal = world.staff["hn.hieutruong"]
    key_ref, der = _principal_token(hsm, principal)
    binding.bind(principal, der, holder=KeyHolder.SERVER, key_ref=key_ref)
    pin_file = hsm.pin_dir / key_ref.partition("/")[0]
    pin_file.unlink()
    pin_file.mkdir()  # unreadable as a file, as a file without read permission is
    page = _submitted_hoc_ba(world)

    with pytest.raises(ActionRefused, match=UNAVAILABLE):
        _take(world, "hn.hieutruong", page, "approve")
    _unchanged_after_refusal(page, state=State.SUBMITTED, field="hieu_truong", stage=1)


def test_a_missing_pin_file_refuses_the_approval(hsm):
    world = school_world()
    principal = world.staff["hn.hieutruong"]
    key_ref, der = _principal_token(hsm, principal)
    binding.bind(principal, der, holder=KeyHolder.SERVER, key_ref=key_ref)
    (hsm.pin_dir / key_ref.partition("/")[0]).unlink()
    page = _submitted_hoc_ba(world)

    with pytest.raises(ActionRefused, match=UNAVAILABLE):
        _take(world, "hn.hieutruong", page, "approve")
    _unchanged_after_refusal(page, state=State.SUBMITTED, field="hieu_truong", stage=1)


def test_a_server_key_without_a_pkcs11_module_configured_refuses_the_approval(hsm, settings):
    world = school_world()
    principal = world.staff["hn.hieutruong"]
    key_ref, der = _principal_token(hsm, principal)
    binding.bind(principal, der, holder=KeyHolder.SERVER, key_ref=key_ref)
    settings.SIGNING = {**settings.SIGNING, "PKCS11_MODULE": None}
    page = _submitted_hoc_ba(world)

    with pytest.raises(ActionRefused, match=UNAVAILABLE):
        _take(world, "hn.hieutruong", page, "approve")
    _unchanged_after_refusal(page, state=State.SUBMITTED, field="hieu_truong", stage=1)


@pytest.mark.parametrize("key_ref", ["/hieu-truong", "../hieu-truong", ".pins/hieu-truong"])
def test_a_server_key_reference_that_cannot_name_a_pin_file_refuses_the_approval(hsm, key_ref):
    world = school_world()
    principal = world.staff["hn.hieutruong"]
    _, der = _principal_token(hsm, principal)
    binding.bind(principal, der, holder=KeyHolder.SERVER, key_ref=key_ref)
    page = _submitted_hoc_ba(world)

    with pytest.raises(ActionRefused, match=UNAVAILABLE):
        _take(world, "hn.hieutruong", page, "approve")
    _unchanged_after_refusal(page, state=State.SUBMITTED, field="hieu_truong", stage=1)


def test_a_csc_credential_now_holding_another_persons_certificate_is_refused(csc):
    world = school_world()
    teacher = _lan(world)
    certificate = binding.bind_csc(teacher, LAN)
    # The bound credential id now answers with someone else's certificate (a
    # credential re-issued or re-assigned at the service).
    certificate.key_ref = HUNG
    certificate.save()
    page = _hoc_ba(world)

    with pytest.raises(ActionRefused, match="Khóa ký không khớp"):
        _take(world, "hn.giaovien", page, "submit")
    _unchanged_after_refusal(page, state=State.DRAFT, field="giao_vien_chu_nhiem", stage=None)


def test_bind_csc_refuses_a_credential_whose_ca_is_not_trusted(csc, settings):
    world = school_world()
    teacher = _lan(world)
    settings.SIGNING = {**settings.SIGNING, "TRUST_ROOTS": str(signing.dev_pki().ca_cert)}
    with pytest.raises(binding.BindingRefused, match="không thuộc tổ chức"):
        binding.bind_csc(teacher, LAN)
    assert not Certificate.objects.filter(staff=teacher).exists()
