"""Approved and locked records are read-only on every path, and say why."""

import pytest
from django.core.management import CommandError, call_command
from django.test import TestCase

from recordpages.guards import RecordReadOnly
from recordpages.models import LessonPlanPage, SchoolPlanPage
from tests.conftest import load_small_district
from tests.workflow.conftest import user
from workflow import services
from workflow.models import AuditEntry, Lock, RecordState


def approve_lesson(page):
    services.record_transition(user=user("hn.giaovien"), page_id=page.pk, transition="submit")
    services.record_transition(user=user("hn.totruong1"), page_id=page.pk, transition="check")
    services.record_transition(user=user("hn.phohieutruong"), page_id=page.pk, transition="approve")


class FrozenRecordTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        load_small_district()
        services.ensure_all_record_states()
        cls.page = LessonPlanPage.objects.get(teacher__user__username="hn.giaovien")

    def test_the_admin_editor_refuses_an_approved_record_and_says_why(self):
        approve_lesson(self.page)
        self.client.force_login(user("hn.giaovien"))
        title_before = self.page.title
        response = self.client.get(f"/admin/pages/{self.page.pk}/edit/", follow=True)
        self.assertRedirects(response, f"/admin/ho-so/{self.page.pk}/")
        self.assertContains(response, "Hồ sơ đã duyệt: muốn sửa phải đề nghị sửa dữ liệu")
        self.assertContains(response, "Điều 11.3")
        response = self.client.post(
            f"/admin/pages/{self.page.pk}/edit/",
            {"title": "Sửa trộm", "action-publish": "1"},
            follow=True,
        )
        self.assertContains(response, "đề nghị sửa dữ liệu")
        self.page.refresh_from_db()
        self.assertEqual(self.page.title, title_before)
        self.assertEqual(
            self.page.get_latest_revision().pk,
            RecordState.objects.get(pk=self.page.pk).approved_revision_id,
        )

    def test_code_paths_such_as_commands_and_apis_are_refused_by_the_model(self):
        approve_lesson(self.page)
        page = LessonPlanPage.objects.get(pk=self.page.pk)
        page.adjustments = "ghi đè"
        with self.assertRaises(RecordReadOnly) as refused:
            page.save()
        self.assertIn("đề nghị sửa dữ liệu", str(refused.exception))
        with self.assertRaises(RecordReadOnly):
            page.save_revision(user=user("admin"))
        page.refresh_from_db()
        self.assertEqual(page.adjustments, "")

    def test_publishing_or_reverting_never_changes_the_state(self):
        revision = self.page.save_revision(user=user("hn.giaovien"))
        approve_lesson(self.page)
        self.client.force_login(user("admin"))
        latest = self.page.get_latest_revision().pk
        response = self.client.post(
            f"/admin/pages/{self.page.pk}/revisions/{revision.pk}/revert/", follow=True
        )
        self.assertNotEqual(response.status_code, 500)
        with self.assertRaises(RecordReadOnly):
            revision.publish()  # publishing an old revision by any path is refused too
        self.assertEqual(RecordState.objects.get(pk=self.page.pk).state, "approved")
        self.assertEqual(
            LessonPlanPage.objects.get(pk=self.page.pk).get_latest_revision().pk, latest
        )

    def test_adjustments_after_teaching_are_allowed_after_approval_and_logged(self):
        approve_lesson(self.page)
        self.client.force_login(user("hn.giaovien"))
        response = self.client.post(
            f"/admin/ho-so/{self.page.pk}/dieu-chinh/",
            {"adjustments": "HS cần thêm thời gian luyện tập."},
            follow=True,
        )
        self.assertContains(response, "Đã lưu điều chỉnh sau bài dạy")
        self.page.refresh_from_db()
        self.assertEqual(self.page.adjustments, "HS cần thêm thời gian luyện tập.")
        self.assertTrue(
            AuditEntry.objects.filter(
                action="record.adjustments", object_id=str(self.page.pk)
            ).exists()
        )
        self.assertEqual(RecordState.objects.get(pk=self.page.pk).state, "approved")

    def test_a_locked_school_year_refuses_edits_transitions_and_saves(self):
        record = RecordState.objects.get(pk=self.page.pk)
        self.client.force_login(user("hn.quantri"))
        response = self.client.post(
            "/admin/khoa-du-lieu/",
            {
                "school": record.school_id,
                "school_year": record.school_year_id,
                "record_type": "",
                "requested_by": user("hn.hieutruong").staff_profile.pk,
                "reason": "Kiểm tra cuối học kì",
            },
            follow=True,
        )
        self.assertContains(response, "Đã khóa dữ liệu")
        lock = Lock.objects.get()
        with self.assertRaisesMessage(services.TransitionRefused, "Dữ liệu đang bị khóa"):
            services.record_transition(
                user=user("hn.giaovien"), page_id=self.page.pk, transition="submit"
            )
        self.client.force_login(user("hn.giaovien"))
        response = self.client.get(f"/admin/pages/{self.page.pk}/edit/", follow=True)
        self.assertContains(response, "Dữ liệu đang bị khóa")
        page = LessonPlanPage.objects.get(pk=self.page.pk)
        with self.assertRaises(RecordReadOnly):
            page.save_revision(user=user("hn.giaovien"))
        self.assertEqual(RecordState.objects.get(pk=self.page.pk).state, "draft")
        # Only the school's system administrator unlocks; then work resumes.
        self.client.post(f"/admin/khoa-du-lieu/{lock.pk}/mo/")
        self.assertIsNone(Lock.objects.get().unlocked_at)
        self.client.force_login(user("hn.quantri"))
        self.client.post(f"/admin/khoa-du-lieu/{lock.pk}/mo/")
        self.assertIsNotNone(Lock.objects.get().unlocked_at)
        services.record_transition(
            user=user("hn.giaovien"), page_id=self.page.pk, transition="submit"
        )
        self.assertTrue(AuditEntry.objects.filter(action="lock.created").exists())
        self.assertTrue(AuditEntry.objects.filter(action="lock.released").exists())

    def test_only_a_principals_request_can_lock_and_only_the_schools_administrator_locks(self):
        record = RecordState.objects.get(pk=self.page.pk)
        with self.assertRaisesMessage(services.TransitionRefused, "cán bộ quản trị"):
            services.lock_create(
                user=user("hn.hieutruong"),
                school_id=record.school_id,
                school_year_id=None,
                record_type="",
                requested_by_id=user("hn.hieutruong").staff_profile.pk,
                reason="x",
            )
        with self.assertRaisesMessage(services.TransitionRefused, "hiệu trưởng"):
            services.lock_create(
                user=user("hn.quantri"),
                school_id=record.school_id,
                school_year_id=None,
                record_type="",
                requested_by_id=user("hn.giaovien").staff_profile.pk,
                reason="x",
            )
        with self.assertRaises(services.TransitionRefused):
            services.lock_create(
                user=user("ad.quantri"),
                school_id=record.school_id,
                school_year_id=None,
                record_type="",
                requested_by_id=user("hn.hieutruong").staff_profile.pk,
                reason="x",
            )
        self.assertFalse(Lock.objects.exists())

    def test_a_published_plan_cannot_be_unpublished_or_deleted_in_the_admin(self):
        plan = SchoolPlanPage.objects.get(school__code="THHN")
        services.record_transition(
            user=user("hn.phohieutruong"), page_id=plan.pk, transition="submit"
        )
        services.record_transition(
            user=user("hn.hieutruong"), page_id=plan.pk, transition="approve"
        )
        services.record_transition(
            user=user("hn.hieutruong"), page_id=plan.pk, transition="publish"
        )
        self.client.force_login(user("admin"))
        self.client.post(f"/admin/pages/{plan.pk}/unpublish/", follow=True)
        self.client.post(f"/admin/pages/{plan.pk}/delete/", follow=True)
        plan.refresh_from_db()
        self.assertTrue(plan.live)
        self.assertEqual(RecordState.objects.get(pk=plan.pk).state, "published")


@pytest.mark.django_db
def test_audit_verify_names_the_altered_and_the_deleted_entry(district, capsys):
    from django.db import connection

    from workflow.audit import audit_append, chain_name

    school_id = LessonPlanPage.objects.first().school_id
    for n in range(5):
        audit_append(action="record.edit", school_id=school_id, summary=f"sửa lần {n}")
    call_command("audit_verify")
    entries = list(AuditEntry.objects.filter(chain=chain_name(school_id)).order_by("seq"))
    table = AuditEntry._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET summary = %s WHERE id = %s", ["đã bị sửa", entries[2].pk]
        )
    with pytest.raises(CommandError) as failed:
        call_command("audit_verify")
    assert f"school:{school_id} at entry #3" in capsys.readouterr().err
    assert "broken" in str(failed.value)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET summary = %s WHERE id = %s", [entries[2].summary, entries[2].pk]
        )
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [entries[1].pk])
    with pytest.raises(CommandError):
        call_command("audit_verify")
    # One read of the output: a second readouterr() would return an empty string.
    err = capsys.readouterr().err
    assert f"school:{school_id} at entry #2" in err
    assert "entry 2 is missing" in err
    with pytest.raises(PermissionError):
        entries[0].delete()
    entries[0].summary = "x"
    with pytest.raises(PermissionError):
        entries[0].save()


@pytest.mark.django_db
def test_a_refused_admin_page_is_logged_for_the_principal(district, client):
    other = SchoolPlanPage.objects.get(school__code="THAD")
    client.force_login(user("hn.giaovien"))
    response = client.get(f"/admin/pages/{other.pk}/edit/")
    assert response.status_code in (302, 403, 404)
    entry = AuditEntry.objects.filter(action="access.refused").latest("pk")
    assert entry.actor == user("hn.giaovien")
    assert f"/admin/pages/{other.pk}/edit/" in entry.summary
    assert entry.school_id == user("hn.giaovien").staff_profile.school_id
