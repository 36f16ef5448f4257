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


@pytest.mark.django_db
def test_the_catch_up_renders_ahead_only_what_it_freezes_and_each_version_once():
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from cms.management.commands.load_demo_district import skip_render_ahead_of_waiting_records
    from signatures.services import render_ahead
    from workflow.choices import State

    data = build_school("DMR", pupils=2)
    approved, waiting = data.states["student_record"], data.states["lesson_plan"]
    type(waiting).objects.filter(pk=waiting.pk).update(state=State.SUBMITTED)

    def queue(page_id: int) -> None:
        DBTaskResult.objects.create(
            task_path=render_ahead.module_path,
            args_kwargs={"args": [], "kwargs": {"page_id": page_id, "version": 1}},
            backend_name="default",
            queue_name="default",
            run_after=timezone.now(),
        )

    queue(approved.pk)
    queue(approved.pk)  # the next recorded step of the same version
    queue(waiting.pk)

    assert skip_render_ahead_of_waiting_records() == 2

    left = DBTaskResult.objects.filter(task_path=render_ahead.module_path)
    assert [row.args_kwargs["kwargs"]["page_id"] for row in left] == [approved.pk]
