"""The correction procedure (Đ11.3), the dashboards per role, emails and reminders."""

import datetime as dt

from django.core import mail
from django.core.management import call_command
from django.test import TestCase

from recordpages.models import LessonPlanPage, StudentRecordPage
from tests.conftest import load_small_district
from tests.workflow.conftest import complete_student_record, user
from workflow import services
from workflow.models import AuditEntry, Correction, RecordState, RecordVersion, ReminderSent


def sign_hoc_ba(page):
    complete_student_record(page)
    services.record_transition(user=user("hn.giaovien"), page_id=page.pk, transition="submit")
    services.record_transition(user=user("hn.phohieutruong"), page_id=page.pk, transition="approve")
    services.record_transition(user=user("hn.vanthu"), page_id=page.pk, transition="confirm_paper")
    services.record_transition(user=user("hn.vanthu"), page_id=page.pk, transition="sign")


class CorrectionTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        load_small_district()
        services.ensure_all_record_states()
        cls.page = StudentRecordPage.objects.filter(
            school_class__homeroom_teacher__user__username="hn.giaovien"
        ).first()

    def test_the_full_correction_returns_the_record_signed_as_a_new_version(self):
        sign_hoc_ba(self.page)
        first = RecordState.objects.get(pk=self.page.pk)
        self.client.force_login(user("hn.giaovien"))
        self.client.post(
            f"/admin/ho-so/{self.page.pk}/de-nghi-sua/", {"reason": "Nhập nhầm chiều cao"}
        )
        correction = Correction.objects.get()
        # Until the principal consents, the record stays frozen.
        with self.assertRaisesMessage(services.TransitionRefused, "hiệu trưởng"):
            services.correction_decide(
                user=user("hn.phohieutruong"), correction_id=correction.pk, consent=True
            )
        self.client.force_login(user("hn.hieutruong"))
        self.client.post(f"/admin/bien-ban/{correction.pk}/consent/")
        self.assertEqual(RecordState.objects.get(pk=self.page.pk).state, "correcting")
        # Only the requester may now edit.
        self.assertIn("chỉ người đề nghị", services.write_refusal(self.page, user("hn.hieutruong")))
        self.assertIsNone(services.write_refusal(self.page, user("hn.giaovien")))
        page = StudentRecordPage.objects.get(pk=self.page.pk)
        page.height_cm = 131
        page.save_revision(user=user("hn.giaovien"))
        self.client.force_login(user("hn.giaovien"))
        self.client.post(f"/admin/bien-ban/{correction.pk}/finish/")
        correction = Correction.objects.get(pk=correction.pk)
        self.assertEqual(correction.state, "minutes")
        change = next(c for c in correction.changes if c["field"] == "height_cm")
        self.assertEqual((change["before"], change["after"]), (self.page.height_cm, 131))
        self.assertEqual(change["label"], "chiều cao (cm)")
        for username in ("hn.giaovien", "hn.hieutruong"):
            services.correction_acknowledge(user=user(username), correction_id=correction.pk)
            self.assertEqual(RecordState.objects.get(pk=self.page.pk).state, "correcting")
        with self.assertRaises(services.TransitionRefused):
            services.correction_acknowledge(user=user("hn.giaovien"), correction_id=correction.pk)
        services.correction_acknowledge(user=user("hn.quantri"), correction_id=correction.pk)
        record = RecordState.objects.get(pk=self.page.pk)
        self.assertEqual((record.state, record.version), ("signed", first.version + 1))
        self.assertNotEqual(record.approved_hash, first.approved_hash)
        versions = RecordVersion.objects.filter(record=record).order_by("number")
        self.assertEqual(
            [v.revision_id for v in versions][0], first.approved_revision_id
        )  # the earlier one stays
        self.assertEqual(versions.last().correction_id, correction.pk)
        actions = set(
            AuditEntry.objects.filter(object_type="correction").values_list("action", flat=True)
        )
        self.assertEqual(
            actions,
            {
                "correction.requested",
                "correction.consented",
                "correction.minutes",
                "correction.acknowledged",
                "access.refused",  # the second acknowledgement by the requester (R16)
            },
        )

    def test_a_correction_of_a_draft_is_refused(self):
        with self.assertRaisesMessage(services.TransitionRefused, "không được đề nghị sửa"):
            services.correction_request(user=user("hn.giaovien"), page_id=self.page.pk, reason="x")


class DashboardTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        load_small_district()
        services.ensure_all_record_states()
        cls.lesson = LessonPlanPage.objects.get(teacher__user__username="hn.giaovien")
        services.record_transition(
            user=user("hn.giaovien"), page_id=cls.lesson.pk, transition="submit"
        )

    def test_each_role_sees_its_panels_on_the_admin_home(self):
        expected = {
            "hn.giaovien": ["Hồ sơ của tôi", "Hồ sơ chờ tôi kiểm tra, duyệt"],
            "hn.totruong1": ["Hồ sơ chờ tôi kiểm tra, duyệt", self.lesson.title],
            "hn.hieutruong": [
                "Tình hình thực hiện hạn nộp, duyệt của trường",
                "Truy cập bất thường",
            ],
            "phong.gd": [
                "Các trường: hạn nộp, duyệt hồ sơ",
                "Trường Tiểu học Anh Dũng",
                "Trường Tiểu học Hòa Nghĩa",
            ],
        }
        for username, texts in expected.items():
            self.client.force_login(user(username))
            response = self.client.get("/admin/")
            self.assertEqual(response.status_code, 200, username)
            for text in texts:
                self.assertContains(response, text, msg_prefix=username)
        self.client.force_login(user("hn.giaovien"))
        self.assertNotContains(self.client.get("/admin/"), "Các trường: hạn nộp")

    def test_the_record_page_shows_only_the_steps_the_user_may_take(self):
        self.client.force_login(user("hn.totruong1"))
        response = self.client.get(f"/admin/ho-so/{self.lesson.pk}/")
        self.assertContains(response, "Kiểm tra")
        self.assertContains(response, "Trả lại")
        self.assertNotContains(response, f"/admin/ho-so/{self.lesson.pk}/chuyen/approve/")
        response = self.client.post(
            f"/admin/ho-so/{self.lesson.pk}/chuyen/check/",
            {"seen_state": "submitted", "reason": ""},
            follow=True,
        )
        self.assertContains(response, "Đã kiểm tra")
        self.assertContains(response, "Lịch sử")

    def test_another_schools_staff_and_inspectors_do_not_see_a_draft(self):
        for username in ("ad.hieutruong", "thanh.tra"):
            self.client.force_login(user(username))
            self.assertEqual(
                self.client.get(f"/admin/ho-so/{self.lesson.pk}/").status_code, 404, username
            )

    def test_submitting_emails_the_group_leader_in_vietnamese(self):
        mail.outbox.clear()
        with self.captureOnCommitCallbacks(execute=True):
            services.record_transition(
                user=user("hn.totruong1"),
                page_id=self.lesson.pk,
                transition="return",
                reason="Bổ sung",
            )
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(mail.outbox[0].to, [user("hn.giaovien").email])
        self.assertIn("bị trả lại", mail.outbox[0].subject)
        self.assertIn("Lí do trả lại: Bổ sung", mail.outbox[0].body)

    def test_deadline_reminders_go_out_once(self):
        record = RecordState.objects.get(pk=self.lesson.pk)
        today = record.deadline - dt.timedelta(days=1)
        mail.outbox.clear()
        call_command(
            "send_deadline_reminders", "--today", today.isoformat(), stdout=open("/dev/null", "w")
        )
        sent = len(mail.outbox)
        self.assertGreaterEqual(sent, 1)
        self.assertTrue(any("Nhắc hạn" in m.subject for m in mail.outbox))
        call_command(
            "send_deadline_reminders", "--today", today.isoformat(), stdout=open("/dev/null", "w")
        )
        self.assertEqual(len(mail.outbox), sent)
        self.assertTrue(ReminderSent.objects.filter(record=record).exists())
