"""The signing screens as a person uses them: binding a certificate from a file, the
list of what waits for one's signature, and batch signing with a server-held key."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, pkcs12
from django.test import Client

from archive import devpki, signing
from archive.models import Signature, SignatureOutcome
from signatures import binding
from signatures.models import Certificate
from tests.factories import school_world
from tests.security.security_helpers import force_login_verified
from tests.workflow.conftest import complete_student_record
from workflow.actions.transitions import TakeStep
from workflow.choices import State
from workflow.models import RecordState

pytestmark = pytest.mark.django_db


def _dev_pem(username: str, full_name: str, school_name: str) -> bytes:
    path = devpki.ensure_person_cert(
        signing.dev_pki(), key=username, full_name=full_name, school_name=school_name
    )
    loaded = pkcs12.load_pkcs12(path.read_bytes(), devpki.DEV_PASSPHRASE)
    return loaded.cert.certificate.public_bytes(Encoding.PEM)


def _client(user) -> Client:
    client = Client()
    force_login_verified(client, user)
    return client


def test_a_person_binds_their_certificate_from_a_file_and_not_someone_elses():
    world = school_world()
    principal = world.staff["hn.hieutruong"]
    client = _client(principal.user)
    from django.core.files.uploadedfile import SimpleUploadedFile

    other = _dev_pem("someone", "Trần Văn Khác", world.school.name)
    response = client.post(
        "/admin/ky-so/chung-thu/",
        {"file": SimpleUploadedFile("khac.cer", other)},
        follow=True,
    )
    assert "không phải" in response.content.decode()
    assert not Certificate.objects.filter(staff=principal).exists()

    own = _dev_pem("hn.hieutruong", principal.full_name, world.school.name)
    response = client.post(
        "/admin/ky-so/chung-thu/",
        {"file": SimpleUploadedFile("hieutruong.cer", own)},
        follow=True,
    )
    assert response.status_code == 200
    assert Certificate.objects.get(staff=principal).holder == "token"


def test_the_waiting_list_and_a_batch_signed_with_a_server_held_key():
    world = school_world()
    pages = [world.records["student_record"]]
    for page in pages:
        complete_student_record(page)
        TakeStep(user=world.staff["hn.giaovien"].user, page_id=page.pk, step="submit").execute()
    principal = world.staff["hn.hieutruong"]
    binding.bind_dev_certificate(principal)
    client = _client(principal.user)

    listing = client.get("/admin/ky-so/")
    assert listing.status_code == 200
    assert f'data-page-id="{pages[0].pk}"' in listing.content.decode()

    items = [{"page_id": page.pk, "step": "approve"} for page in pages]
    items.append({"page_id": pages[0].pk, "step": "approve"})  # twice: refused, not a 500
    response = client.post(
        "/admin/ky-so/ky/", json.dumps({"items": items}), content_type="application/json"
    )
    results = response.json()["results"]
    assert [r["ok"] for r in results] == [True, False]
    assert results[1]["message"]
    assert RecordState.objects.get(pk=pages[0].pk).state == State.APPROVED
    assert Signature.objects.get(page_ref=pages[0].pk, field="hieu_truong").outcome == (
        SignatureOutcome.SIGNED
    )

    bad = client.post("/admin/ky-so/ky/", "{nope", content_type="application/json")
    assert bad.status_code == 400 and "không hợp lệ" in bad.json()["error"]


def test_a_teacher_sees_nothing_of_another_persons_step_and_cannot_take_it():
    world = school_world()
    page = world.records["student_record"]
    complete_student_record(page)
    TakeStep(user=world.staff["hn.giaovien"].user, page_id=page.pk, step="submit").execute()
    client = _client(world.staff["hn.giaovien"].user)
    assert f'data-page-id="{page.pk}"' not in client.get("/admin/ky-so/").content.decode()
    response = client.post(
        "/admin/ky-so/ky/",
        json.dumps({"items": [{"page_id": page.pk, "step": "approve"}]}),
        content_type="application/json",
    )
    assert response.json()["results"][0]["ok"] is False
    assert RecordState.objects.get(pk=page.pk).state == State.SUBMITTED


def test_the_waiting_list_costs_the_same_queries_for_2_or_8_records():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from recordpages.models import StudentRecordPage

    world = school_world(pupils_per_class=8)
    pages = list(StudentRecordPage.objects.filter(school_class=world.classes["1B"]))
    client = _client(world.staff["hn.hieutruong"].user)

    def submit_and_count(batch_pages) -> int:
        for page in batch_pages:
            complete_student_record(page)
            TakeStep(user=world.staff["hn.giaovien"].user, page_id=page.pk, step="submit").execute()
        client.get("/admin/ky-so/")  # warm the per-process caches
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/admin/ky-so/")
        waiting = response.content.decode().count("data-page-id=")
        return waiting, len(queries.captured_queries)

    two = submit_and_count(pages[:2])
    eight = submit_and_count(pages[2:])
    assert (two[0], eight[0]) == (2, 8)
    assert two[1] == eight[1], (two, eight)


def test_a_malformed_withdrawal_is_refused_in_words_not_a_500():
    world = school_world()
    client = _client(world.staff["hn.hieutruong"].user)
    response = client.post("/admin/ky-so/chung-thu/", {"revoke": "abc"}, follow=True)
    assert response.status_code == 200
    assert "Yêu cầu không hợp lệ." in response.content.decode()


def test_malformed_token_answers_get_a_result_each_never_a_500():
    world = school_world()
    client = _client(world.staff["hn.hieutruong"].user)
    answers = [
        {"page_id": "abc", "step": "approve", "pending_id": 1, "cms": "AAAA"},
        {"page_id": 1, "step": "approve", "pending_id": "x", "cms": "AAAA"},
        {"page_id": 1, "step": "approve", "pending_id": 1, "cms": "not base64!"},
        {"page_id": 999999, "step": "approve", "pending_id": 1, "cms": "AAAA"},
    ]
    response = client.post(
        "/admin/ky-so/hoan-tat/", json.dumps({"results": answers}), content_type="application/json"
    )
    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == 4 and not any(r["ok"] for r in results)
    assert all(r["message"] for r in results)
