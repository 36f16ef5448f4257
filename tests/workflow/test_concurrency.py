"""Two reviewers approve the same record at the same moment: exactly one approval,
one clear refusal, nothing half-done. Runs on SQLite and on PostgreSQL (CI runs the
suite on both); on PostgreSQL the row is locked with SELECT … FOR UPDATE."""

import threading
import time
from unittest import mock

import pytest
from django.db import connections

from recordpages.models import LessonPlanPage
from tests.conftest import load_small_district
from tests.workflow.conftest import user
from workflow import services
from workflow.actions import base as actions_base
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
    # The first reviewer to read the record holds it a moment, so that the second
    # truly asks for it while the first transaction is open: it must wait (SELECT …
    # FOR UPDATE on PostgreSQL, BEGIN IMMEDIATE on SQLite) and then find it approved.
    first_in = threading.Lock()
    lock_row = actions_base.lock_record

    def lock_row_and_hold(page_id):
        record = lock_row(page_id)
        if first_in.acquire(blocking=False):
            time.sleep(0.5)
        return record

    def approve(reviewer):
        try:
            barrier.wait(timeout=10)
            services.record_transition(
                user=reviewer, page_id=page.pk, transition="approve", seen_state="checked"
            )
            outcomes.append("approved")
        except services.TransitionRefused as refusal:
            outcomes.append(f"refused: {refusal.message}")
        except Exception as error:  # noqa: BLE001 - shown in the assertion, not swallowed
            outcomes.append(f"error: {error!r}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=(reviewer,)) for reviewer in reviewers]
    with mock.patch.object(actions_base, "lock_record", lock_row_and_hold):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

    assert sorted(o.split(":")[0] for o in outcomes) == ["approved", "refused"], outcomes
    refusal = next(o for o in outcomes if o.startswith("refused"))
    assert refusal == (
        "refused: Hồ sơ vừa được người khác cập nhật: trạng thái hiện tại là “Đã duyệt”. "
        "Vui lòng tải lại trang."
    )
    record = RecordState.objects.get(pk=page.pk)
    assert record.state == "approved" and record.version == 1
    assert RecordVersion.objects.filter(record=record).count() == 1
    assert TransitionLog.objects.filter(record=record, transition="approve").count() == 1
