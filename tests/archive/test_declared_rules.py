"""The archive reads each record type's declaration (recordpages.registry): when it
freezes, how its documents are numbered, how long it is kept, and what it prints when
it has no paper form of its own. A record type declared outside the product
(tests/recordtype_example: Sổ bồi dưỡng thường xuyên) archives without any archive
code naming it. The hash printed on the PDF is the one hash (workflow.versions),
recomputed from the pinned revision: a revision changed since approval is refused.
"""

from __future__ import annotations

import pytest
from wagtail.models import Revision

from archive import documents, package
from archive import services as archive_services
from archive.models import ArchivedVersion, ArchiveJob, DocumentKind, JobStatus
from archive.rendering import render_html
from recordpages import registry
from recordpages.models import RoleCode
from recordpages.registry import State
from tests.factories import SchoolFactory, SchoolYearFactory, StaffFactory, year_page_of
from tests.recordtype_example.models import TrainingLogPage
from workflow import events, services
from workflow.models import RecordState
from workflow.versions import content_hash

pytestmark = pytest.mark.django_db


@pytest.fixture
def log():
    """An approved training log (no event: nothing queued yet)."""
    year = SchoolYearFactory(name="2026-2027")
    school = SchoolFactory(code="THBD", year=year)
    teacher = StaffFactory(school=school, roles=[RoleCode.TEACHER]).user
    principal = StaffFactory(school=school, roles=[RoleCode.PRINCIPAL]).user
    page = TrainingLogPage(
        title="Sổ bồi dưỡng thường xuyên – Nguyễn Lan",
        owner=teacher,
        hours=12,
        content="<p>Mô-đun 1: Hiểu biết về đối tượng học sinh.</p>",
    )
    year_page_of(school, year).add_child(instance=page)
    page.save_revision(user=teacher)
    with events.muted():
        services.record_transition(user=teacher, page_id=page.pk, transition=registry.SUBMIT)
        services.record_transition(user=principal, page_id=page.pk, transition=registry.APPROVE)
    return TrainingLogPage.objects.get(pk=page.pk)


def test_a_record_freezes_in_the_states_its_type_declares(log):
    record = RecordState.objects.get(pk=log.pk)
    frozen_on = {str(state) for state in State if archive_services.should_freeze(record, state)}

    assert frozen_on == {str(state) for state in TrainingLogPage.rules.freeze_on}
    assert frozen_on == {State.APPROVED, State.PUBLISHED}


def test_the_sweep_queues_a_frozen_record_of_a_new_type(log):
    assert not ArchiveJob.objects.exists()

    assert archive_services.freeze_missing() == 1

    job = ArchiveJob.objects.get()
    assert (job.page_id, job.version, job.record_type) == (log.pk, 1, TrainingLogPage.record_type)
    assert archive_services.freeze_missing() == 0


def test_a_document_number_carries_its_types_declared_prefix(log):
    assert documents.document_number(log, 2) == f"{log.pk}.2/BDTX-THBD"


def test_a_type_without_a_paper_form_prints_its_title_and_fields(log):
    spec = documents.record_spec(log)

    assert spec.template == "pdf/record.html"
    assert [field["label"] for field in spec.context["fields"]] == [
        "số tiết đã học",
        "nội dung bồi dưỡng",
    ]
    html = render_html(spec, header=None, footer=None)
    assert "Sổ bồi dưỡng thường xuyên – Nguyễn Lan" in html
    assert "số tiết đã học" in html and "12" in html
    assert "<p>Mô-đun 1: Hiểu biết về đối tượng học sinh.</p>" in html


def test_the_package_keeps_a_record_as_long_as_its_type_declares(log):
    row = ArchivedVersion(kind=DocumentKind.RECORD, page_ref=log.pk, record_type="training_log")

    assert package.record_retention([row]) == {log.pk: "5 năm"}


def test_the_archived_hash_is_the_one_content_hash_of_the_pinned_revision(log):
    record = RecordState.objects.get(pk=log.pk)

    assert record.approved_hash == content_hash(record.approved_revision)
    assert archive_services._pinned_digest(record, record.approved_revision) == (
        record.approved_hash
    )


def test_the_archive_refuses_a_pinned_revision_changed_since_approval(log):
    record = RecordState.objects.get(pk=log.pk)
    revision = record.approved_revision
    Revision.objects.filter(pk=revision.pk).update(content={**revision.content, "hours": 40})
    archive_services.freeze_missing()

    assert archive_services.run_once() == 0

    job = ArchiveJob.objects.get()
    assert job.status == JobStatus.PENDING
    assert job.last_error.startswith("PinnedContentChanged")
    assert not ArchivedVersion.objects.exists()
