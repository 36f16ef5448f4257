"""Two reviewers approve the same record at the same moment: exactly one approval,
one clear refusal, nothing half-done. Runs on SQLite and on PostgreSQL (CI runs the
suite on both); on PostgreSQL the row is locked with SELECT … FOR UPDATE."""

import threading

import pytest
from django.db import connection, connections

from recordpages.models import LessonPlanPage
from tests.conftest import load_small_district
from tests.workflow.conftest import user
from workflow import services
from workflow.models import RecordState, RecordVersion, TransitionLog


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_approvals_end_with_one_approval_and_one_refusal():
    load_small_district()
    services.ensure_all_record_states()
    page = LessonPlanPage.objects.get(teacher__user__username="hn.giaovien")
    services.record_transition(user=user("hn.giaovien"), page_id=page.pk, transition="submit")
    services.record_transition(user=user("hn.totruong1"), page_id=page.pk, transition="check")
    reviewers = [user("hn.hieutruong"), user("hn.phohieutruong")]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def approve(reviewer):
        try:
            barrier.wait(timeout=10)
            services.record_transition(
                user=reviewer, page_id=page.pk, transition="approve", seen_state="checked"
            )
            outcomes.append("approved")
        except services.TransitionRefused as refusal:
            outcomes.append(f"refused: {refusal.message}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=(reviewer,)) for reviewer in reviewers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(o.split(":")[0] for o in outcomes) == ["approved", "refused"], outcomes
    refusal = next(o for o in outcomes if o.startswith("refused"))
    assert "vừa được người khác cập nhật" in refusal or "Không thể duyệt" in refusal
    record = RecordState.objects.get(pk=page.pk)
    assert record.state == "approved" and record.version == 1
    assert RecordVersion.objects.filter(record=record).count() == 1
    assert TransitionLog.objects.filter(record=record, transition="approve").count() == 1
    assert connection.vendor in ("sqlite", "postgresql")
