"""A record's signer chain, signed as its path is taken (issue 13): the học bạ carries
the homeroom teacher's, the principal's and the school seal's signatures in one file,
each bound to the right person; a step by someone without a certificate is recorded
and said on the seal; a signature by another person's certificate is refused."""

from __future__ import annotations

import asyncio
import shutil
import subprocess

import pytest
from asn1crypto import cms as asn1_cms
from pyhanko.sign import signers

from archive import devpki, signing, storage
from archive import services as archive_services
from archive.models import ArchivedVersion, Signature, SignatureOutcome, SigningFile
from recordpages.models import StudentRecordPage
from signatures import batch, binding
from signatures.models import PendingSignature
from tests.factories import school_world
from tests.workflow.conftest import complete_student_record
from workflow.actions.base import ActionRefused
from workflow.actions.transitions import TakeStep
from workflow.choices import State
from workflow.models import RecordState

pytestmark = pytest.mark.django_db


def _hoc_ba(world):
    page = world.records["student_record"]
    complete_student_record(page)
    return page


def _take(world, username, page, step, payload=None):
    user = world.staff[username].user
    return TakeStep(user=user, page_id=page.pk, step=step, signature_payload=payload).execute()


def _archived_pdf(page) -> bytes:
    archive_services.freeze_missing()  # the step's event is sent on commit
    while archive_services.run_once():
        pass
    row = ArchivedVersion.objects.get(page_ref=page.pk, kind="record")
    return storage.get_store().get(row.key)


def test_a_hoc_ba_carries_the_teacher_the_principal_and_the_seal_each_bound_and_valid():
    world = school_world()
    page = _hoc_ba(world)
    teacher, principal = world.staff["hn.giaovien"], world.staff["hn.hieutruong"]
    binding.bind_dev_certificate(teacher)
    binding.bind_dev_certificate(principal)

    _take(world, "hn.giaovien", page, "submit")
    _take(world, "hn.hieutruong", page, "approve")
    _take(world, "hn.vanthu", page, "confirm_paper")
    record = _take(world, "hn.vanthu", page, "sign")
    assert record.state == State.SIGNED

    made = list(Signature.objects.filter(page_ref=page.pk).order_by("pk"))
    assert [(s.field, s.outcome) for s in made] == [
        ("giao_vien_chu_nhiem", SignatureOutcome.SIGNED),
        ("hieu_truong", SignatureOutcome.SIGNED),
        ("con_dau", SignatureOutcome.SIGNED),
    ]
    assert [s.user.username for s in made] == ["hn.giaovien", "hn.hieutruong", "hn.vanthu"]
    file = SigningFile.objects.get(page_ref=page.pk)
    assert file.stage == 3

    pdf = _archived_pdf(page)
    found = signing.signatures_in(pdf)
    assert [s.field for s in found] == ["Ky_giao_vien_chu_nhiem", "Ky_hieu_truong", "Ky_con_dau"]
    assert [s.signer_name for s in found] == [
        teacher.full_name,
        principal.full_name,
        world.school.name,
    ]
    assert all(s.intact and s.valid and s.trusted for s in found)
    assert found[0].certified and found[0].docmdp
    assert found[-1].covers_whole_file
    if shutil.which("pdfsig"):
        out = subprocess.run(["pdfsig", "-"], input=pdf, capture_output=True, check=False)
        text = out.stdout.decode()
        if "-" in out.stderr.decode() and not text:
            import tempfile

            with tempfile.NamedTemporaryFile(suffix=".pdf") as tmp:
                tmp.write(pdf)
                tmp.flush()
                text = subprocess.run(
                    ["pdfsig", tmp.name], capture_output=True, check=False
                ).stdout.decode()
        assert text.count("Signature Validation: Signature is Valid.") == 3


def test_a_step_by_someone_without_a_certificate_is_recorded_and_the_seal_says_so():
    world = school_world()
    page = _hoc_ba(world)
    binding.bind_dev_certificate(world.staff["hn.hieutruong"])

    _take(world, "hn.giaovien", page, "submit")  # no certificate: recorded
    assert not SigningFile.objects.filter(page_ref=page.pk).exists()
    _take(world, "hn.hieutruong", page, "approve")
    _take(world, "hn.vanthu", page, "confirm_paper")
    _take(world, "hn.vanthu", page, "sign")

    outcomes = dict(Signature.objects.filter(page_ref=page.pk).values_list("field", "outcome"))
    assert outcomes == {
        "giao_vien_chu_nhiem": SignatureOutcome.RECORDED,
        "hieu_truong": SignatureOutcome.SIGNED,
        "con_dau": SignatureOutcome.SIGNED,
    }
    found = signing.signatures_in(_archived_pdf(page))
    assert [s.field for s in found] == ["Ky_hieu_truong", "Ky_con_dau"]
    assert all(s.valid and s.trusted for s in found)


def test_a_record_whose_chain_has_no_seal_gets_the_schools_seal_when_frozen():
    world = school_world()
    page = world.records["group_plan"]
    binding.bind_dev_certificate(world.staff["hn.totruong1"])
    _take(world, "hn.totruong1", page, "submit")
    _take(world, "hn.hieutruong", page, "approve")  # no certificate: recorded
    found = signing.signatures_in(_archived_pdf(page))
    assert [s.field for s in found] == ["Ky_to_truong", "Ky_con_dau"]
    assert found[-1].signer_name == world.school.name
    assert all(s.valid and s.trusted for s in found)


def _token_cms(username: str, pending_json: str) -> bytes:
    """What the agent returns: a CMS over the prepared signed attributes, made with the
    key of `username`'s dev certificate."""
    pending = signing.PendingSignature.from_json(pending_json)
    path = signing.dev_pki().person_p12(username)
    signer = signers.SimpleSigner.load_pkcs12(str(path), passphrase=devpki.DEV_PASSPHRASE)
    attrs = asn1_cms.CMSAttributes.load(pending.signed_attributes)
    signed = asyncio.run(
        signer.async_sign_prescribed_attributes(pending.digest_algorithm, signed_attrs=attrs)
    )
    return signed.dump()


def _as_token_holder(staff):
    certificate = binding.bind_dev_certificate(staff)
    certificate.holder = "token"
    certificate.save()
    return certificate


def test_a_token_signature_is_prepared_then_finished_and_another_persons_key_is_refused():
    world = school_world()
    page = _hoc_ba(world)
    _as_token_holder(world.staff["hn.giaovien"])
    principal = world.staff["hn.hieutruong"]
    _as_token_holder(principal)
    binding.bind_dev_certificate(world.staff["hn.totruong1"])  # someone else's key

    # Taking the step without the token's signature is refused: approving is signing.
    with pytest.raises(ActionRefused, match="thiết bị ký số"):
        _take(world, "hn.giaovien", page, "submit")
    assert RecordState.objects.get(pk=page.pk).state == State.DRAFT

    [item] = batch.prepare_many(world.staff["hn.giaovien"].user, [(page.pk, "submit")])
    assert item.ok, item.message
    pending = PendingSignature.objects.get(pk=item.extra["pending_id"])
    cms = _token_cms("hn.giaovien", pending.state)
    [done] = batch.finish_many(
        world.staff["hn.giaovien"].user,
        [{"page_id": page.pk, "step": "submit", "pending_id": pending.pk, "cms": _b64(cms)}],
    )
    assert done.ok, done.message
    assert RecordState.objects.get(pk=page.pk).state == State.SUBMITTED

    [item] = batch.prepare_many(principal.user, [(page.pk, "approve")])
    pending = PendingSignature.objects.get(pk=item.extra["pending_id"])
    stage_before = SigningFile.objects.get(page_ref=page.pk).stage
    wrong = _token_cms("hn.totruong1", pending.state)
    [refused] = batch.finish_many(
        principal.user,
        [{"page_id": page.pk, "step": "approve", "pending_id": pending.pk, "cms": _b64(wrong)}],
    )
    assert not refused.ok
    assert RecordState.objects.get(pk=page.pk).state == State.SUBMITTED
    assert SigningFile.objects.get(page_ref=page.pk).stage == stage_before
    assert not Signature.objects.filter(page_ref=page.pk, field="hieu_truong").exists()

    right = _token_cms("hn.hieutruong", pending.state)
    [done] = batch.finish_many(
        principal.user,
        [{"page_id": page.pk, "step": "approve", "pending_id": pending.pk, "cms": _b64(right)}],
    )
    assert done.ok, done.message
    assert RecordState.objects.get(pk=page.pk).state == State.APPROVED


def test_a_certificate_naming_someone_else_is_not_bound():
    world = school_world()
    other = world.staff["hn.totruong1"]
    certificate = binding.bind_dev_certificate(other)
    with pytest.raises(binding.BindingRefused, match="không phải"):
        binding.bind(world.staff["hn.hieutruong"], bytes(certificate.der), holder="token")


def _b64(data: bytes) -> str:
    import base64

    return base64.b64encode(data).decode()


def test_a_recorded_step_has_the_file_rendered_for_the_next_signer_once_committed(
    django_capture_on_commit_callbacks,
):
    world = school_world()
    page = _hoc_ba(world)
    with django_capture_on_commit_callbacks(execute=True):
        _take(world, "hn.giaovien", page, "submit")  # no certificate: recorded
    file = SigningFile.objects.get(page_ref=page.pk)
    assert (file.version, file.stage) == (1, 0)

    # The principal's signature goes into that file: nothing is rendered again.
    binding.bind_dev_certificate(world.staff["hn.hieutruong"])
    _take(world, "hn.hieutruong", page, "approve")
    file.refresh_from_db()
    assert file.stage == 1
    assert file.content_sha256 == RecordState.objects.get(pk=page.pk).approved_hash
    assert SigningFile.objects.filter(page_ref=page.pk).count() == 1


def test_a_vice_principal_signs_the_principals_block_on_behalf_kt():
    world = school_world()
    page = _hoc_ba(world)
    vp = world.staff["hn.phohieutruong"]  # assigned học bạ
    binding.bind_dev_certificate(vp)
    _take(world, "hn.giaovien", page, "submit")
    _take(world, "hn.phohieutruong", page, "approve")
    file = SigningFile.objects.get(page_ref=page.pk)
    [signed] = signing.signatures_in(storage.get_store().get(file.stage_key))
    assert signed.field == "Ky_hieu_truong" and signed.signer_name == vp.full_name
    assert signed.role == "KT. Hiệu trưởng – Phó hiệu trưởng"


def test_a_key_held_by_the_server_must_be_named_when_bound():
    world = school_world()
    certificate = binding.bind_dev_certificate(world.staff["hn.hieutruong"])
    certificate.delete()
    for holder in ("server", "csc"):
        with pytest.raises(binding.BindingRefused, match="mã khóa ký"):
            binding.bind(world.staff["hn.hieutruong"], bytes(certificate.der), holder=holder)


def test_a_batch_interrupted_halfway_is_resumed_with_what_still_waits():
    """The token answered for two of three records (unplugged, PIN locked...): those two
    are signed, the third still waits for the principal and signs on the next run."""
    world = school_world(pupils_per_class=3)
    pages = [
        page
        for page in StudentRecordPage.objects.filter(school_class=world.classes["1B"]).order_by(
            "pk"
        )
    ]
    for page in pages:
        complete_student_record(page)
        _take(world, "hn.giaovien", page, "submit")
    principal = world.staff["hn.hieutruong"]
    _as_token_holder(principal)
    user = principal.user

    prepared = batch.prepare_many(user, [(page.pk, "approve") for page in pages])
    assert all(item.ok for item in prepared)
    answers = [
        {
            "page_id": item.page_id,
            "step": "approve",
            "pending_id": item.extra["pending_id"],
            "cms": _b64(
                _token_cms(
                    "hn.hieutruong",
                    PendingSignature.objects.get(pk=item.extra["pending_id"]).state,
                )
            ),
        }
        for item in prepared[:2]
    ]
    assert all(result.ok for result in batch.finish_many(user, answers))
    states = [RecordState.objects.get(pk=page.pk).state for page in pages]
    assert states == [State.APPROVED, State.APPROVED, State.SUBMITTED]

    waiting = batch.waiting_for(user)
    assert [row.record.pk for row in waiting] == [pages[2].pk]
    [again] = batch.prepare_many(user, [(pages[2].pk, "approve")])
    pending = PendingSignature.objects.get(pk=again.extra["pending_id"])
    [done] = batch.finish_many(
        user,
        [
            {
                "page_id": pages[2].pk,
                "step": "approve",
                "pending_id": pending.pk,
                "cms": _b64(_token_cms("hn.hieutruong", pending.state)),
            }
        ],
    )
    assert done.ok, done.message
    assert RecordState.objects.get(pk=pages[2].pk).state == State.APPROVED
    assert (
        Signature.objects.filter(field="hieu_truong", outcome=SignatureOutcome.SIGNED).count() == 3
    )


def test_a_plan_nobody_signed_is_sealed_in_its_file_which_names_the_recorded_steps(
    django_capture_on_commit_callbacks,
):
    world = school_world()
    page = world.records["group_plan"]
    with django_capture_on_commit_callbacks(execute=True):
        _take(world, "hn.totruong1", page, "submit")  # recorded: the file is made ahead
    _take(world, "hn.hieutruong", page, "approve")  # recorded
    pdf = _archived_pdf(page)
    [seal] = signing.signatures_in(pdf)
    assert seal.field == "Ky_con_dau" and seal.certified and seal.valid and seal.trusted
    import subprocess

    text = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=False
    ).stdout.decode()
    assert "ghi nhận, không ký số" in text


def test_a_dev_certificate_made_for_an_earlier_holder_of_a_username_is_issued_again():
    from archive.signing import _certs

    paths = signing.dev_pki()
    first = devpki.ensure_person_cert(
        paths, key="reused.name", full_name="Nguyễn Văn Một", school_name="Trường A"
    )
    again = devpki.ensure_person_cert(
        paths, key="reused.name", full_name="Trần Thị Hai", school_name="Trường A"
    )
    assert first == again
    from cryptography.hazmat.primitives.serialization import Encoding, pkcs12

    cert = pkcs12.load_pkcs12(again.read_bytes(), devpki.DEV_PASSPHRASE).cert.certificate
    assert _certs.names_person(
        _certs.load_certificate(cert.public_bytes(Encoding.DER)), "Trần Thị Hai"
    )
