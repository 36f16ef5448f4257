"""Workflow e-mails leave the request: the approval queues them, the worker sends them,
and a mail server that is down costs the approval nothing (the worker retries)."""

from __future__ import annotations

import datetime as dt
import smtplib
from unittest import mock

from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.test import TestCase, override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from cms.settings.tasks import DATABASE_TASKS, IMMEDIATE_TASKS
from recordpages.models import LessonPlanPage
from tests.conftest import load_small_district
from tests.taskworker import make_due, run_worker
from tests.workflow.conftest import user
from workflow import services, tasks
from workflow.models import RecordState

MAIL_TASK = "workflow.tasks.mail_send"


class RefusingEmailBackend(EmailBackend):
    """A mail server that is down: every connection attempt fails."""

    def open(self):
        raise smtplib.SMTPConnectError(421, "Service not available")

    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("down")


@override_settings(TASKS=DATABASE_TASKS)
class ApprovalMailTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        with override_settings(TASKS=IMMEDIATE_TASKS):  # the data's own tasks run at once
            load_small_district()
            services.ensure_all_record_states()
            cls.lesson = LessonPlanPage.objects.get(teacher__user__username="hn.giaovien")
            for username, name in (("hn.giaovien", "submit"), ("hn.totruong1", "check")):
                services.record_transition(
                    user=user(username), page_id=cls.lesson.pk, transition=name
                )

    def approve(self):
        self.client.force_login(user("hn.phohieutruong"))
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(
                f"/admin/ho-so/{self.lesson.pk}/chuyen/approve/",
                {"seen_state": "checked", "reason": ""},
            )
        self.assertEqual(response.status_code, 302)
        record = RecordState.objects.get(pk=self.lesson.pk)
        record.refresh_from_db()
        self.assertEqual(record.state, "approved")

    def test_approval_sends_no_mail_in_the_request_the_worker_sends_it(self):
        mail.outbox.clear()
        self.approve()
        self.assertEqual(mail.outbox, [])
        queued = DBTaskResult.objects.get(task_path=MAIL_TASK)
        self.assertEqual(queued.status, "READY")

        run_worker()

        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(mail.outbox[0].to, [user("hn.giaovien").email])
        self.assertIn("đã được duyệt", mail.outbox[0].subject)
        queued.refresh_from_db()
        self.assertEqual(queued.status, "SUCCESSFUL")
        self.assertEqual(queued.return_value, 1)

    def test_a_mail_server_that_is_down_does_not_break_the_approval_and_is_retried(self):
        mail.outbox.clear()
        self.approve()
        with (
            override_settings(EMAIL_BACKEND=f"{__name__}.RefusingEmailBackend"),
            self.assertLogs("workflow.tasks", "WARNING") as logs,
        ):
            run_worker()
        self.assertEqual(mail.outbox, [])
        self.assertIn("Mail server unavailable", logs.output[0])
        first, retry = DBTaskResult.objects.filter(task_path=MAIL_TASK).order_by("enqueued_at")
        self.assertEqual((first.status, first.return_value), ("SUCCESSFUL", 0))
        self.assertEqual((retry.status, retry.args_kwargs["kwargs"]["attempt"]), ("READY", 2))
        self.assertGreater(retry.run_after, timezone.now() + dt.timedelta(seconds=50))

        run_worker()  # the backoff has not passed: nothing runs
        self.assertEqual(mail.outbox, [])
        make_due(MAIL_TASK)
        run_worker()

        self.assertEqual([m.to for m in mail.outbox], [[user("hn.giaovien").email]])
        retry.refresh_from_db()
        self.assertEqual(retry.status, "SUCCESSFUL")

    def test_mail_refused_on_the_last_attempt_is_logged_and_not_queued_again(self):
        message = ["Chủ đề", "Nội dung", "hoso@example.org", ["gv@example.org"]]
        with (
            override_settings(EMAIL_BACKEND=f"{__name__}.RefusingEmailBackend"),
            self.assertLogs("workflow.tasks", "ERROR") as logs,
        ):
            sent = tasks.mail_send.call(messages=[message], attempt=tasks.MAIL_ATTEMPTS)
        self.assertEqual(sent, 0)
        self.assertIn("Gave up on 1 workflow e-mails after 5 attempt(s)", "\n".join(logs.output))
        self.assertFalse(DBTaskResult.objects.filter(task_path=MAIL_TASK).exists())

    def test_only_the_messages_the_server_refused_are_retried(self):
        messages = [
            ["Một", "a", "hoso@example.org", ["mot@example.org"]],
            ["Hai", "b", "hoso@example.org", ["hai@example.org"]],
        ]
        mail.outbox.clear()
        original = EmailBackend.send_messages

        def refuse_second(backend, batch):
            if batch[0].to == ["hai@example.org"]:
                raise smtplib.SMTPRecipientsRefused({"hai@example.org": (550, b"no")})
            return original(backend, batch)

        with mock.patch.object(EmailBackend, "send_messages", refuse_second):
            self.assertEqual(tasks.mail_send.call(messages=messages), 1)
        self.assertEqual([m.to for m in mail.outbox], [["mot@example.org"]])
        retry = DBTaskResult.objects.get(task_path=MAIL_TASK)
        self.assertEqual(retry.args_kwargs["kwargs"]["messages"], [messages[1]])
