"""The worker command: one pass, or several processes sharing the queue until idle."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from archive import services, signing, storage
from archive.models import ArchivedVersion, ArchiveJob, JobStatus
from tests.archive.conftest import build_school


@pytest.mark.django_db(transaction=True)
def test_two_worker_processes_share_the_queue_until_it_is_empty():
    data = build_school("WRK", pupils=3)
    for state in data.states.values():
        services.freeze_enqueue(record_state=state)
    out = io.StringIO()
    call_command("archive_worker", processes=2, until_idle=True, interval=0.1, stdout=out)
    assert "2 processes" in out.getvalue()
    assert not ArchiveJob.objects.exclude(status=JobStatus.DONE).exists()
    rows = ArchivedVersion.objects.filter(school=data.school)
    assert rows.count() == len(data.states)
    store = storage.get_store()
    assert all(signing.validate_pdf(store.get(row.key)).ok for row in rows)


@pytest.mark.django_db
def test_once_sweeps_and_runs_one_pass_in_this_process(school_data):
    services.freeze_enqueue(record_state=school_data.states["other"])
    out = io.StringIO()
    call_command("archive_worker", once=True, stdout=out)
    # The sweep queued the other pinned records the test did not send events for.
    assert f"queued {len(school_data.states) - 1} missed freeze(s)" in out.getvalue()
    assert ArchiveJob.objects.filter(status=JobStatus.DONE).count() == len(school_data.states)
