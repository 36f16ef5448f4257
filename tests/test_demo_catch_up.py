"""`make run` starts the workers with nothing to catch up on (issue #18): the demo
loader freezes what its workflow approved and signed itself, in one process per core,
so that the archive worker does not keep both cores busy while a newcomer opens the
first pages."""

from __future__ import annotations

import io

import pytest

from archive.models import ArchivedVersion, ArchiveJob, JobStatus
from cms.management.commands.load_demo_district import Command
from tests.archive.conftest import build_school


@pytest.mark.django_db(transaction=True)
def test_the_loader_freezes_every_pinned_record_before_the_server_starts():
    data = build_school("DMO", pupils=2)
    assert not ArchiveJob.objects.exists()  # the workflow's events queued nothing
    err = io.StringIO()

    Command(stdout=io.StringIO(), stderr=err).archive_demo()

    jobs = ArchiveJob.objects.all()
    assert jobs.count() == len(data.states)
    assert set(jobs.values_list("status", flat=True)) == {JobStatus.DONE}
    assert ArchivedVersion.objects.filter(school=data.school).count() == len(data.states)
    assert "Lưu trữ" in err.getvalue()  # the progress bar
