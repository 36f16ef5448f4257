"""Freezing: the event queues a job, the worker renders, signs and stores it;
nothing is overwritten and an outage only delays it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from archive import services, signing, storage
from archive.models import ArchivedVersion, ArchiveJob, JobStatus
from workflow.events import record_transitioned

pytestmark = pytest.mark.django_db


def _send(state, target: str) -> None:
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


def test_signing_a_student_record_freezes_it_into_a_signed_pdf(school_data):
    state = school_data.states["student_record"]
    _send(state, "signed")
    job = ArchiveJob.objects.get(page_id=state.page_id)
    assert job.status == JobStatus.PENDING

    assert services.run_once() == 1

    job.refresh_from_db()
    row = ArchivedVersion.objects.get(page_ref=state.page_id)
    assert job.status == JobStatus.DONE and job.result == row
    assert row.key == f"schools/THHN/2024-2025/student_record/{state.page_id}/v1.pdf"
    data = storage.get_store().get(row.key)
    assert storage.sha256(data) == row.sha256 and len(data) == row.size
    assert row.content_sha256 == state.approved_hash
    assert row.signer == school_data.school.name and row.signed_at is not None
    assert row.validation["ok"] is True
    report = signing.validate_pdf(data)
    assert report.intact and report.trusted and report.whole_file


def test_approval_does_not_freeze_a_student_record_before_it_is_signed(school_data):
    _send(school_data.states["student_record"], "approved")
    assert not ArchiveJob.objects.exists()


def test_the_same_event_twice_queues_one_job(school_data):
    state = school_data.states["lesson_plan"]
    _send(state, "approved")
    _send(state, "approved")
    assert ArchiveJob.objects.filter(page_id=state.page_id).count() == 1


def test_a_new_version_gets_a_new_key_and_the_old_object_stays(school_data):
    state = school_data.states["lesson_plan"]
    _send(state, "approved")
    services.run_once()
    first = ArchivedVersion.objects.get(page_ref=state.page_id)
    state.version = 2
    state.save(update_fields=["version"])
    _send(state, "approved")
    services.run_once()
    rows = list(ArchivedVersion.objects.filter(page_ref=state.page_id).order_by("version"))
    assert [r.key.rsplit("/", 1)[-1] for r in rows] == ["v1.pdf", "v2.pdf"]
    assert storage.sha256(storage.get_store().get(first.key)) == first.sha256


def test_the_filesystem_store_refuses_to_overwrite(settings, tmp_path):
    store = storage.FileSystemStore(str(tmp_path))
    store.put("a/b.pdf", b"one", content_type="application/pdf")
    with pytest.raises(storage.ObjectExists):
        store.put("a/b.pdf", b"two", content_type="application/pdf")
    assert store.get("a/b.pdf") == b"one"


def test_a_stale_running_job_is_taken_over_after_its_lease(school_data):
    state = school_data.states["other"]
    job = services.freeze_enqueue(record_state=state)
    ArchiveJob.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, lease_until=timezone.now() - dt.timedelta(seconds=1)
    )
    assert services.run_once() == 1


def test_sweep_queues_signed_records_that_have_no_job(school_data):
    assert services.freeze_missing() == len(school_data.states)
    assert services.freeze_missing() == 0
