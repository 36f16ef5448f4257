"""/xac-thuc/ lists every signer of an archived record (issue 13): each signature in the
file in signing order with its role, signer, time (Vietnam time), issuer and validity,
and the chain steps recorded without a digital signature; an old record signed once by
the school still shows its one signer."""

from __future__ import annotations

import re
import zoneinfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from archive import services as archive_services
from archive import signing, storage
from archive.models import ArchivedVersion, Signature, SignatureOutcome
from tests.factories import school_world
from tests.workflow.conftest import sign_hoc_ba_along_its_chain

pytestmark = pytest.mark.django_db

VIETNAM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
WHEN = re.compile(r"<dt>Thời điểm ký</dt><dd>(\d\d/\d\d/\d{4} \d\d:\d\d)</dd>")


def _signed_hoc_ba(*, teacher_has_certificate: bool):
    """A học bạ taken through its chain: teacher, principal, then the clerk's seal."""
    world = school_world()
    page = sign_hoc_ba_along_its_chain(world, teacher_has_certificate=teacher_has_certificate)
    archive_services.freeze_missing()
    while archive_services.run_once():
        pass
    return world, ArchivedVersion.objects.get(page_ref=page.pk, kind="record")


def _signer_list(body: str) -> str:
    match = re.search(r'<ol class="signers">(.*?)</ol>', body, re.S)
    assert match, "the page lists no signers"
    return match.group(1)


def test_the_code_page_lists_teacher_principal_and_seal_with_roles_issuers_and_validity(client):
    world, row = _signed_hoc_ba(teacher_has_certificate=True)
    teacher, principal = world.staff["hn.giaovien"], world.staff["hn.hieutruong"]

    response = client.get(f"/xac-thuc/{row.verification_code}/")

    body = response.content.decode()
    assert response.status_code == 200
    assert "Văn bản nguyên vẹn" in body
    signers = _signer_list(body)
    items = re.findall(r"<li class=\"signer signer-(\w+)\">(.*?)</li>", signers, re.S)
    assert [kind for kind, _ in items] == ["valid", "valid", "valid"]
    assert "Giáo viên chủ nhiệm</strong>: " + teacher.full_name in items[0][1]
    assert "Hiệu trưởng</strong>: " + principal.full_name in items[1][1]
    assert "Đóng dấu (văn thư)</strong>: " + world.school.name in items[2][1]
    issuers = set(Signature.objects.filter(page_ref=row.page_ref).values_list("issuer", flat=True))
    assert issuers and all(issuer in signers for issuer in issuers)
    assert signers.count("<dt>Tổ chức cấp chứng thư</dt>") == 3
    assert signers.count("<dd>Hợp lệ</dd>") == 3
    assert len(WHEN.findall(signers)) == 3
    # The stored rows are unchanged by looking at them.
    assert Signature.objects.filter(page_ref=row.page_ref).count() == 3


def test_each_signing_time_is_shown_in_vietnam_time(client):
    _, row = _signed_hoc_ba(teacher_has_certificate=True)
    embedded = signing.signatures_in(storage.get_store().get(row.key))

    response = client.get(f"/xac-thuc/{row.verification_code}/")

    times = WHEN.findall(_signer_list(response.content.decode()))
    assert times == [s.signed_at.astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M") for s in embedded]
    assert all(s.signed_at.utcoffset() is not None for s in embedded)


def test_a_step_recorded_without_a_certificate_is_listed_as_recorded(client):
    world, row = _signed_hoc_ba(teacher_has_certificate=False)
    teacher = world.staff["hn.giaovien"]
    recorded = Signature.objects.get(page_ref=row.page_ref, field="giao_vien_chu_nhiem")
    assert recorded.outcome == SignatureOutcome.RECORDED

    data = storage.get_store().get(row.key)
    response = client.post(
        "/xac-thuc/", {"file": SimpleUploadedFile("hoc-ba.pdf", data, "application/pdf")}
    )

    signers = _signer_list(response.content.decode())
    items = re.findall(r"<li class=\"signer signer-(\w+)\">(.*?)</li>", signers, re.S)
    assert [kind for kind, _ in items] == ["recorded", "valid", "valid"]
    assert f"Giáo viên chủ nhiệm</strong>: {teacher.full_name}" in items[0][1]
    assert "(ghi nhận, không ký số)" in items[0][1]
    assert recorded.made_at.astimezone(VIETNAM).strftime("%d/%m/%Y") in items[0][1]
    assert "Tổ chức cấp chứng thư" not in items[0][1]


@pytest.fixture
def single_signature(school_data) -> ArchivedVersion:
    """A record archived before signer chains: the school's one signature, no step rows."""
    Signature.objects.all().delete()
    archive_services.freeze_enqueue(record_state=school_data.states["student_record"])
    assert archive_services.run_once() == 1
    return ArchivedVersion.objects.get()


def test_an_old_record_signed_once_by_the_school_still_shows_its_one_signer(
    single_signature, client
):
    response = client.get(f"/xac-thuc/{single_signature.verification_code}/")
    body = response.content.decode()
    assert "Văn bản nguyên vẹn" in body
    signers = _signer_list(body)
    assert signers.count('<li class="signer') == 1
    assert single_signature.signer.split(",")[0] in signers
    assert "<dd>Hợp lệ</dd>" in signers


def test_a_tampered_upload_lists_no_signers_of_its_own(single_signature, client):
    data = bytearray(storage.get_store().get(single_signature.key))
    data[len(data) // 2] ^= 0x01
    response = client.post(
        "/xac-thuc/", {"file": SimpleUploadedFile("x.pdf", bytes(data), "application/pdf")}
    )
    body = response.content.decode()
    assert "Văn bản đã bị thay đổi" in body
    assert '<ol class="signers">' not in body
