"""The disk under the filesystem object store, or under the media files, fills up: the
freeze waits without leaving a truncated PDF and finishes by itself once space is
freed; an upload answers a Vietnamese message and stores nothing (README, "Faults and
recovery"). A real full filesystem: a 1 MiB tmpfs mounted for each test (root only).
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import time

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from wagtail.documents.models import Document
from wagtail.models import Collection

from archive import services, storage
from archive.models import ArchivedVersion, JobStatus
from recordpages.models import LessonPlanPage
from tests.conftest import minimal_pdf
from tests.faults.conftest import fill
from workflow import services as workflow
from workflow.models import RecordState

pytestmark = pytest.mark.django_db

DISK_FULL = "Máy chủ đã hết dung lượng lưu trữ"


def user(username: str):
    return get_user_model().objects.get(username=username)


def files_under(root) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def approved_lesson_plan() -> RecordState:
    workflow.ensure_all_record_states()
    page = LessonPlanPage.objects.get(teacher__user__username="hn.giaovien")
    for username, name in (
        ("hn.giaovien", "submit"),
        ("hn.totruong1", "check"),
        ("hn.phohieutruong", "approve"),
    ):
        workflow.record_transition(user=user(username), page_id=page.pk, transition=name)
    return RecordState.objects.get(pk=page.pk)


def run_worker() -> str:
    out = io.StringIO()
    call_command("archive_worker", "--once", stdout=out)
    return out.getvalue()


def test_a_freeze_on_a_full_disk_leaves_no_partial_object_and_completes_once_space_is_freed(
    small_filesystem, district, settings, admin_client, caplog
):
    settings.OBJECT_STORE = {**settings.OBJECT_STORE, "LOCAL_ROOT": str(small_filesystem / "obj")}
    settings.ARCHIVE = {**settings.ARCHIVE, "JOB_BACKOFF_SECONDS": 1}
    state = approved_lesson_plan()
    job = services.freeze_enqueue(record_state=state)
    # Room for the start of the PDF but not all of it: the write fails part-way.
    filler = fill(small_filesystem, leave=16 * 1024)

    failed_at = timezone.now()
    with caplog.at_level(logging.WARNING, logger="archive"):
        assert "done" not in run_worker()
    job.refresh_from_db()
    assert job.status == JobStatus.PENDING and job.attempts == 1
    assert job.last_error.startswith("StorageFull: no space left on the object store")
    assert job.next_attempt_at >= failed_at + dt.timedelta(seconds=1)  # retried later
    assert "Object store" in caplog.text and "is full" in caplog.text  # English, for the admin
    assert "will retry" in caplog.text
    assert not ArchivedVersion.objects.exists()  # not marked archived
    # No truncated PDF, no temp file. (The worker's daily audit checkpoint, a few KB
    # written whole to a temporary name and linked, may have fit.)
    left = [f for f in files_under(small_filesystem) if not f.startswith("obj/audit-checkpoints/")]
    assert left == ["filler.bin"]
    state.refresh_from_db()
    assert state.state == "approved"  # the record itself is untouched
    # The editor shows the record as waiting for the archive, in Vietnamese.
    explorer = admin_client.get(f"/admin/pages/{state.page_id}/")
    assert "Đang chờ lưu trữ" in explorer.content.decode()

    # Nobody repairs anything: space comes back, the worker's next pass stores it.
    filler.unlink()
    time.sleep(1.1)  # the job's backoff
    assert "1 job(s) done" in run_worker()
    job.refresh_from_db()
    row = ArchivedVersion.objects.get()
    assert job.status == JobStatus.DONE and job.result == row
    assert row.key.endswith(f"/{state.page_id}/v1.pdf")  # its own key, not a key "beside" junk
    records = [f for f in files_under(small_filesystem / "obj") if not f.startswith("audit-")]
    assert records == [row.key]
    out = io.StringIO()
    call_command("archive_verify", stdout=out)
    assert storage.sha256(storage.get_store().get(row.key)) == row.sha256
    assert "1 checked, 1 intact, 0 not intact" in out.getvalue()
    explorer = admin_client.get(f"/admin/pages/{state.page_id}/")
    assert "Đang chờ lưu trữ" not in explorer.content.decode()


def _pdf() -> bytes:
    """A small honest PDF (accounts.uploads inspects what is uploaded), a few pages of disk."""
    return minimal_pdf() + b"%" + b"x" * 40_000 + b"\n"


@pytest.mark.django_db(transaction=True)  # the request runs in autocommit, as in production
def test_an_upload_to_a_full_media_disk_says_so_and_stores_nothing(
    small_filesystem, district, settings, client, caplog
):
    media = small_filesystem / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "cms.storage.MediaStorage", "OPTIONS": {"location": str(media)}},
    }
    settings.MEDIA_ROOT = str(media)
    media.mkdir()
    client.force_login(user("admin"))
    collection = Collection.get_first_root_node().pk
    data = _pdf()
    filler = fill(small_filesystem, leave=8 * 1024)
    before = Document.objects.count()

    with caplog.at_level(logging.ERROR, logger="cms"):
        answer = client.post(
            "/admin/documents/add/",
            {
                "title": "Biên bản họp tổ tháng 9",
                "file": SimpleUploadedFile("bien-ban.pdf", data),
                "collection": collection,
            },
        )
        assert answer.status_code == 503
        assert DISK_FULL in answer.content.decode()
        assert "chưa được lưu" in answer.content.decode()
        uploader = client.post(
            "/admin/documents/multiple/add/",
            {"files[]": SimpleUploadedFile("bien-ban.pdf", data), "collection": collection},
            headers={"x-requested-with": "XMLHttpRequest"},
        )
        assert uploader.json()["success"] is False
        assert DISK_FULL in uploader.json()["error_message"]
    assert "Disk full while serving POST /admin/documents/add/" in caplog.text
    assert Document.objects.count() == before
    assert files_under(small_filesystem) == ["filler.bin"]  # no truncated upload

    filler.unlink()
    answer = client.post(
        "/admin/documents/add/",
        {
            "title": "Biên bản họp tổ tháng 9",
            "file": SimpleUploadedFile("bien-ban.pdf", data),
            "collection": collection,
        },
    )
    assert answer.status_code == 302, answer.content[:2000]
    document = Document.objects.get(title="Biên bản họp tổ tháng 9")
    with document.file.open("rb") as handle:
        assert handle.read() == data
