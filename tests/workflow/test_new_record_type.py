"""A record type declared outside the product walks from draft to archived.

`tests/recordtype_example` declares "Sổ bồi dưỡng thường xuyên" with its own path
(no group check; the principal alone approves, then publishes), its own deadline
(20 December) and its own completeness rule. Nothing in workflow, archive or search
names it: if this test passes, the README's "Adding a record type" is true.
"""

from __future__ import annotations

import datetime as dt

import pytest

from archive import services as archive_services
from archive import signing, storage
from archive.models import ArchivedVersion
from recordpages import registry
from recordpages.models import RecordCategory, RoleCode
from recordpages.registry import State
from search import services as search_services
from tests.factories import SchoolFactory, SchoolYearFactory, StaffFactory, year_page_of
from tests.recordtype_example.models import TrainingLogPage
from workflow import deadlines, policy, services
from workflow.models import AuditEntry, RecordState, TransitionLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def school():
    year = SchoolYearFactory(name="2026-2027")
    school = SchoolFactory(code="THBD", year=year)
    return {
        "year": year,
        "school": school,
        "parent": year_page_of(school, year),
        "teacher": StaffFactory(school=school, roles=[RoleCode.TEACHER]).user,
        "principal": StaffFactory(school=school, roles=[RoleCode.PRINCIPAL]).user,
        "vp": StaffFactory(
            school=school,
            roles=[RoleCode.VICE_PRINCIPAL],
            assigned_categories=["training_log"],
        ).user,
    }


def _write(parent, teacher, **fields) -> TrainingLogPage:
    page = TrainingLogPage(title="Sổ bồi dưỡng thường xuyên – Nguyễn Lan", owner=teacher, **fields)
    parent.add_child(instance=page)
    page.save_revision(user=teacher)
    return page


def test_the_declaration_is_all_the_registry_needs():
    rules = registry.get("training_log")
    assert rules.page_model is TrainingLogPage
    assert ("training_log", "Sổ bồi dưỡng thường xuyên") in [
        (code, str(label)) for code, label in registry.choices()
    ]
    assert [step.name for step in rules.steps] == ["submit", "approve", "return", "publish"]


def test_a_new_record_type_walks_from_draft_to_archived(school, django_capture_on_commit_callbacks):
    teacher, principal, vp = school["teacher"], school["principal"], school["vp"]
    page = _write(school["parent"], teacher, hours=0)

    record = RecordState.objects.get(pk=page.pk)
    assert record.record_type == "training_log" and record.state == State.DRAFT
    assert record.deadline == dt.date(2026, 12, 20)  # its own deadline rule

    # Its own completeness rule refuses the empty log, in Vietnamese.
    with pytest.raises(services.TransitionRefused, match="Cần ghi số tiết đã học"):
        services.record_transition(user=teacher, page_id=page.pk, transition="submit")
    record.refresh_from_db()
    assert record.state == State.DRAFT

    page.hours = 12
    page.save_revision(user=teacher)
    services.record_transition(user=teacher, page_id=page.pk, transition="submit")

    # Its own path: no group check, and only the principal approves, even for a
    # vice-principal assigned the type.
    record.refresh_from_db()
    assert policy.refusal(principal, record, "check") is not None
    assert policy.refusal(vp, record, "approve") is not None
    with django_capture_on_commit_callbacks(execute=True):
        services.record_transition(user=principal, page_id=page.pk, transition="approve")
    record.refresh_from_db()
    assert record.state == State.APPROVED and record.version == 1
    assert deadlines.status_of(record, today=dt.date(2026, 12, 21)) == "on_time"

    # Approval freezes it: rendered, signed, stored, as any other type.
    assert archive_services.run_once() == 1
    row = ArchivedVersion.objects.get(page_ref=page.pk)
    assert "/training_log/" in row.key
    assert row.content_sha256 == record.approved_hash
    data = storage.get_store().get(row.key)
    report = signing.validate_pdf(data)
    assert report.intact and report.whole_file

    # Searchable as any record, by its content, without or with diacritics.
    from search import get_backend
    from search.scope import search_scope_for
    from search.types import SearchQuery

    search_services.search_drain()
    for text in ("bồi dưỡng", "boi duong"):
        found = get_backend().query(SearchQuery(text=text), search_scope_for(principal))
        assert page.pk in [hit.page_id for hit in found.hits], text

    services.record_transition(user=principal, page_id=page.pk, transition="publish")
    record.refresh_from_db()
    assert record.state == State.PUBLISHED
    assert list(
        TransitionLog.objects.filter(record=record)
        .order_by("at")
        .values_list("transition", flat=True)
    ) == ["submit", "approve", "publish"]
    assert (
        AuditEntry.objects.filter(object_id=str(page.pk), action="transition.approve").count() == 1
    )


def test_a_school_defined_category_takes_its_own_path_and_deadline(school):
    """Đ12: the school sets the deadlines of its other records. A category created in
    the admin is an entry of the registry: its path (here: approved, then the paper
    copy confirmed and signed) and its deadline (15 January) apply to its records."""
    from recordpages.models import OtherRecordPage

    category = RecordCategory.objects.create(
        school=school["school"],
        name="Hồ sơ phổ cập giáo dục",
        path=registry.CategoryPath.PAPER,
        deadline_day=15,
        deadline_month=1,
    )
    page = OtherRecordPage(
        title="Hồ sơ phổ cập giáo dục 2026-2027",
        category="Phổ cập",
        record_category=category,
        owner=school["teacher"],
        body=[("section", {"heading": "Kết quả", "body": "<p>Đạt chuẩn mức độ 2.</p>"})],
    )
    school["parent"].add_child(instance=page)
    record = RecordState.objects.get(pk=page.pk)
    assert record.record_category_id == category.pk
    assert record.deadline == dt.date(2027, 1, 15)
    assert record.rules.label == "Hồ sơ phổ cập giáo dục"
    assert [s.name for s in record.rules.steps] == [
        "submit",
        "approve",
        "return",
        "confirm_paper",
        "sign",
    ]
    assert record.rules.milestone is registry.Milestone.SIGNED


def test_the_rules_of_records_filed_under_categories_cost_no_query_per_record(
    school, django_assert_num_queries
):
    from recordpages.models import OtherRecordPage
    from workflow import selectors

    category = RecordCategory.objects.create(
        school=school["school"], name="Hồ sơ kiểm định", deadline_day=1, deadline_month=3
    )
    for n in range(3):
        page = OtherRecordPage(
            title=f"Hồ sơ kiểm định {n}",
            category="Kiểm định",
            record_category=category,
            owner=school["teacher"],
            body=[("section", {"heading": "Mục", "body": "<p>Nội dung.</p>"})],
        )
        school["parent"].add_child(instance=page)
    records = list(selectors._records().filter(record_category=category))
    assert len(records) == 3
    with django_assert_num_queries(0):
        labels = {record.rules.label for record in records}
    assert labels == {"Hồ sơ kiểm định"}
