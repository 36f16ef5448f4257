"""Index updates leave the request: an approval marks the record and queues a task,
the worker sends it to the engine; with the engine down one retry chain waits."""

from __future__ import annotations

import datetime as dt
from unittest import mock

from django.test import TestCase, override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from cms.settings.tasks import DATABASE_TASKS, IMMEDIATE_TASKS
from recordpages.models import LessonPlanPage, OtherRecordPage
from search.backends.base import SearchUnavailable
from search.models import PendingIndexUpdate, SearchEntry
from search.tasks import index_record_soon
from tests.conftest import load_small_district
from tests.taskworker import make_due, run_worker
from tests.workflow.conftest import user
from workflow import services
from workflow.models import RecordState

INDEX_TASK = "search.tasks.index_pending"


class EngineDown:
    def replace(self, page_ids, documents):
        raise SearchUnavailable("connection refused")


def engine_down():
    return mock.patch("search.services.get_backend", return_value=EngineDown())


@override_settings(TASKS=DATABASE_TASKS)
class IndexTaskTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        with override_settings(TASKS=IMMEDIATE_TASKS):
            load_small_district()
            services.ensure_all_record_states()
            cls.lesson = LessonPlanPage.objects.get(teacher__user__username="hn.giaovien")
            for username, name in (("hn.giaovien", "submit"), ("hn.totruong1", "check")):
                services.record_transition(
                    user=user(username), page_id=cls.lesson.pk, transition=name
                )
        cls.other = OtherRecordPage.objects.filter(school__code="THHN").first()

    def entries(self, page_id: int) -> set[tuple[str, str]]:
        return set(SearchEntry.objects.filter(page_id=page_id).values_list("variant", "state"))

    def test_approval_writes_nothing_to_the_index_in_the_request_the_worker_does(self):
        self.assertEqual(self.entries(self.lesson.pk), set())
        self.client.force_login(user("hn.phohieutruong"))
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(
                f"/admin/ho-so/{self.lesson.pk}/chuyen/approve/",
                {"seen_state": "checked", "reason": ""},
            )
        self.assertEqual(response.status_code, 302)
        record = RecordState.objects.get(pk=self.lesson.pk)
        self.assertEqual(record.state, "approved")
        self.assertEqual(self.entries(self.lesson.pk), set())
        self.assertTrue(PendingIndexUpdate.objects.filter(page_id=self.lesson.pk).exists())
        task = DBTaskResult.objects.get(task_path=INDEX_TASK)
        self.assertEqual(task.status, "READY")

        run_worker()

        self.assertIn(("approved", "approved"), self.entries(self.lesson.pk))
        self.assertFalse(PendingIndexUpdate.objects.exists())
        task.refresh_from_db()
        self.assertEqual(task.status, "SUCCESSFUL")

    def test_with_the_engine_down_the_queue_stays_and_one_retry_chain_waits(self):
        index_record_soon(page_id=self.lesson.pk)
        index_record_soon(page_id=self.other.pk)
        self.assertEqual(DBTaskResult.objects.filter(task_path=INDEX_TASK).count(), 2)

        with engine_down(), self.assertLogs("search.services", "WARNING"):
            run_worker()
        waiting = DBTaskResult.objects.get(task_path=INDEX_TASK, status="READY")
        self.assertEqual(waiting.args_kwargs["kwargs"], {"attempt": 1})
        self.assertGreater(waiting.run_after, timezone.now() + dt.timedelta(seconds=5))
        self.assertEqual(
            set(PendingIndexUpdate.objects.values_list("page_id", flat=True)),
            {self.lesson.pk, self.other.pk},
        )
        self.assertTrue(all(row.attempts >= 1 for row in PendingIndexUpdate.objects.all()))

        make_due(INDEX_TASK)
        with engine_down(), self.assertLogs("search.services", "WARNING"):
            run_worker()  # still down: the same chain waits longer
        waiting = DBTaskResult.objects.get(task_path=INDEX_TASK, status="READY")
        self.assertEqual(waiting.args_kwargs["kwargs"], {"attempt": 2})
        self.assertGreater(waiting.run_after, timezone.now() + dt.timedelta(seconds=15))

        make_due(INDEX_TASK)
        run_worker()  # back up: the chain empties the queue and ends

        self.assertFalse(PendingIndexUpdate.objects.exists())
        self.assertTrue(self.entries(self.lesson.pk))
        self.assertTrue(self.entries(self.other.pk))
        self.assertFalse(DBTaskResult.objects.filter(status="READY").exists())
