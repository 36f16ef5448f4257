"""The S3 server stops while signed PDFs are being opened: every screen that reads one
says so in Vietnamese with 503, checking an uploaded copy still works (it needs only
the database), and everything opens again once S3 is back (README, "Faults and
recovery").

A freeze queued while S3 is down waits and completes when it is back: that is
tests/archive/test_storage_s3.py::test_freeze_waits_while_s3_is_down_and_completes_when_it_is_back.
"""

from __future__ import annotations

import io
import zipfile

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from archive import services, storage
from archive.models import ArchivedVersion, ArchiveJob, JobStatus
from archive.package import package_enqueue
from recordpages.models import LessonPlanPage, SchoolPlanPage
from workflow import services as workflow
from workflow.models import RecordState

pytestmark = pytest.mark.django_db

STORE_DOWN = "kho lưu trữ đang tạm thời không truy cập được"


@pytest.fixture
def s3_store(s3_settings, s3_server):
    yield s3_server
    s3_server.start()  # whatever happened in the test


def user(username: str):
    return get_user_model().objects.get(username=username)


def step(username: str, page_id: int, *transitions: str) -> None:
    for name in transitions:
        workflow.record_transition(user=user(username), page_id=page_id, transition=name)


def archived_records(district) -> tuple[ArchivedVersion, ArchivedVersion]:
    """An approved lesson plan and a published school plan, frozen on S3."""
    workflow.ensure_all_record_states()
    lesson = LessonPlanPage.objects.get(teacher__user__username="hn.giaovien")
    step("hn.giaovien", lesson.pk, "submit")
    step("hn.totruong1", lesson.pk, "check")
    step("hn.phohieutruong", lesson.pk, "approve")
    plan = SchoolPlanPage.objects.get(school__code="THHN")
    step("hn.phohieutruong", plan.pk, "submit")
    step("hn.hieutruong", plan.pk, "approve", "publish")
    for page in (lesson, plan):
        services.freeze_enqueue(record_state=RecordState.objects.get(pk=page.pk))
    assert services.run_once() == 2
    return (
        ArchivedVersion.objects.get(page_ref=lesson.pk),
        ArchivedVersion.objects.get(page_ref=plan.pk),
    )


def test_with_s3_down_signed_pdfs_answer_503_in_vietnamese_and_open_again_when_it_is_back(
    s3_store, district, client
):
    lesson, plan = archived_records(district)
    package = package_enqueue(
        school=plan.school, school_year=plan.school_year, actor_id=user("hn.luutru").pk
    )
    assert services.run_once() == 1
    package.refresh_from_db()
    assert package.status == JobStatus.DONE
    client.force_login(user("admin"))
    print_url = reverse("archive_admin:print", args=[lesson.page_ref]) + "?v=1"
    package_url = reverse("archive_admin:download", args=[package.pk])
    public_url = reverse("public:plan_pdf", args=[plan.page_ref])
    verify_url = reverse("archive:verify_code", args=[lesson.verification_code])
    signed = client.get(print_url).content
    assert storage.sha256(signed) == lesson.sha256

    s3_store.stop()
    try:
        answer = client.get(print_url)
        assert answer.status_code == 503
        assert STORE_DOWN in answer.content.decode()
        assert "không có dữ liệu nào bị mất" in answer.content.decode()
        answer = client.get(package_url)
        assert answer.status_code == 503 and STORE_DOWN in answer.content.decode()

        client.logout()
        answer = client.get(public_url)
        assert answer.status_code == 503
        assert "Tạm thời không tải được tệp" in answer.content.decode()
        answer = client.get(verify_url)
        assert answer.status_code == 503
        assert "Tạm thời không kiểm tra được" in answer.content.decode()
        # A copy someone holds is checked against the index and its signature: no S3.
        upload = io.BytesIO(signed)
        upload.name = "ke-hoach-bai-day.pdf"
        answer = client.post(reverse("archive:verify"), {"file": upload})
        assert answer.status_code == 200
        assert "Văn bản nguyên vẹn" in answer.content.decode()
    finally:
        s3_store.start()

    # Back: the same files, byte for byte; nothing was changed or re-queued.
    assert client.get(verify_url).status_code == 200
    assert "Văn bản nguyên vẹn" in client.get(verify_url).content.decode()
    public = client.get(public_url)
    assert public.status_code == 200 and storage.sha256(public.content) == plan.sha256
    client.force_login(user("admin"))
    assert storage.sha256(client.get(print_url).content) == lesson.sha256
    bag = client.get(package_url)
    assert bag.status_code == 200
    assert zipfile.ZipFile(io.BytesIO(bag.content)).testzip() is None
    assert ArchivedVersion.objects.count() == 3
    assert not ArchiveJob.objects.exclude(status=JobStatus.DONE).exists()
