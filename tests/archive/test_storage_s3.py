"""Against a real S3 server (versitygw) and a real RFC 3161 TSA, no mocks."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from archive import devpki, services, signing, storage
from archive.models import ArchivedVersion, ArchiveJob, JobStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def tsa_url(settings, tsa_server_factory):
    paths = signing.dev_pki()
    devpki.ensure_ca(paths)
    devpki.ensure_tsa(paths)
    url = tsa_server_factory(paths.tsa_cert, paths.tsa_key, [paths.ca_cert])
    settings.SIGNING = {**settings.SIGNING, "TSA_URL": url}
    return url


def test_freeze_on_s3_keeps_versions_and_locks_objects(school_data, s3_settings):
    state = school_data.states["lesson_plan"]
    services.freeze_enqueue(record_state=state)
    assert services.run_once() == 1
    state.version = 2
    state.save(update_fields=["version"])
    services.freeze_enqueue(record_state=state)
    assert services.run_once() == 1

    rows = list(ArchivedVersion.objects.filter(page_ref=state.page_id).order_by("version"))
    assert len(rows) == 2 and rows[0].key != rows[1].key
    store = storage.get_store()
    assert isinstance(store, storage.S3Store) and store.lock_enabled()
    for row in rows:
        assert storage.sha256(store.get(row.key)) == row.sha256
        assert row.storage_version_id and row.retain_until is not None
        versions = store.versions(row.key)
        assert [v["VersionId"] for v in versions] == [row.storage_version_id]
    # Object Lock: deleting the locked version is refused and the object survives.
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError):
        store.delete_version(rows[0].key, rows[0].storage_version_id)
    assert storage.sha256(store.get(rows[0].key)) == rows[0].sha256
    with pytest.raises(storage.ObjectExists):
        store.put(rows[0].key, b"overwrite", content_type="application/pdf")


def test_freeze_waits_while_s3_is_down_and_completes_when_it_is_back(
    school_data, s3_settings, s3_server
):
    # A plan: the archive renders and seals it at the freeze (a học bạ's file was made
    # by its signers, in the store the fixture used before S3 was configured).
    state = school_data.states["group_plan"]
    job = services.freeze_enqueue(record_state=state)
    s3_server.stop()
    try:
        assert services.run_once() == 0
        job.refresh_from_db()
        assert job.status == JobStatus.PENDING and job.attempts == 1
        assert job.last_error and job.next_attempt_at > timezone.now()
        assert not ArchivedVersion.objects.exists()
        state.refresh_from_db()
        assert state.state == "approved"  # the record keeps its state
    finally:
        s3_server.start()
    assert services.run_once(now=timezone.now() + dt.timedelta(hours=2)) == 1
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    row = ArchivedVersion.objects.get()
    assert storage.sha256(storage.get_store().get(row.key)) == row.sha256


def test_with_a_tsa_the_signature_is_pades_b_t_and_the_timestamp_is_trusted(school_data, tsa_url):
    # A plan: the archive applies the seal, with the TSA, when it freezes it.
    state = school_data.states["group_plan"]
    services.freeze_enqueue(record_state=state)
    assert services.run_once() == 1
    row = ArchivedVersion.objects.get()
    report = signing.validate_pdf(storage.get_store().get(row.key))
    assert report.ok, report.errors
    assert report.timestamp_at is not None and report.timestamp_trusted is True
    assert row.timestamp_at is not None


def test_a_tsa_outage_delays_the_freeze(school_data, settings):
    settings.SIGNING = {**settings.SIGNING, "TSA_URL": "http://127.0.0.1:9/tsa"}
    job = services.freeze_enqueue(record_state=school_data.states["other"])
    assert services.run_once() == 0
    job.refresh_from_db()
    assert job.status == JobStatus.PENDING
    assert job.last_error.startswith("SigningUnavailable"), job.last_error
    assert not ArchivedVersion.objects.exists()
    assert not ArchiveJob.objects.filter(status=JobStatus.DONE).exists()
