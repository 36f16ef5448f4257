"""Wagtail's page screens speak of records the product's way: the page list shows a
record's workflow state, the page-type chooser offers only what the user may create,
and records have no "Quảng bá" (SEO) tab, which only pages of the public site need."""

from __future__ import annotations

from django.test import TestCase

from tests.cms.test_admin_vietnamese import visible_text
from tests.conftest import load_small_district

PROMOTE_TAB = 'id="tab-label-quang_ba"'


class RecordPagesInWagtailScreensTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        load_small_district()
        from django.contrib.auth import get_user_model

        from recordpages.models import ClassPage, LessonPlanPage, SchoolPage

        users = get_user_model().objects
        cls.teacher = users.get(username="hn.giaovien")
        cls.leader = users.get(username="hn.totruong1")
        cls.principal = users.get(username="hn.hieutruong")
        cls.lesson = LessonPlanPage.objects.filter(owner=cls.leader).first()
        cls.group_page = cls.lesson.get_parent()
        cls.school_page = SchoolPage.objects.get(school__code="THHN")
        cls.class_page = ClassPage.objects.filter(school_class__school__code="THHN").first()

    def test_records_and_structural_pages_have_no_promote_tab(self):
        self.client.force_login(self.leader)
        html = self.client.get(f"/admin/pages/{self.lesson.pk}/edit/").content.decode()
        self.assertIn('id="tab-label-noi_dung"', html)
        self.assertFalse(PROMOTE_TAB in html)
        self.assertNotIn("Quảng bá", visible_text(html))
        self.client.force_login(self.principal)
        html = self.client.get(f"/admin/pages/{self.class_page.pk}/edit/").content.decode()
        self.assertFalse(PROMOTE_TAB in html)

    def test_the_public_school_page_keeps_its_promote_tab(self):
        self.client.force_login(self.principal)
        response = self.client.get(f"/admin/pages/{self.school_page.pk}/edit/")
        self.assertEqual(response.status_code, 200)
        self.assertTrue(PROMOTE_TAB in response.content.decode())

    def test_page_list_shows_the_records_workflow_state(self):
        from workflow.choices import State
        from workflow.models import RecordState

        RecordState.objects.filter(page=self.lesson).update(state=State.SUBMITTED)
        self.client.force_login(self.leader)
        response = self.client.get(f"/admin/pages/{self.group_page.pk}/")
        self.assertEqual(response.status_code, 200)
        text = visible_text(response.content.decode())
        self.assertIn("Đã nộp", text)
        self.assertIn("Bản nháp", text)  # the other plans of the group, not handed in yet
        # Wagtail's own draft/live tag, which says nothing of where a record stands.
        self.assertNotIn("Trạng thái trang hiện tại: bản nháp", text)
        self.assertEqual(RecordState.objects.get(page=self.lesson).state, State.SUBMITTED)

    def test_page_type_chooser_lists_only_types_the_user_may_create(self):
        self.client.force_login(self.teacher)
        response = self.client.get(f"/admin/pages/{self.group_page.pk}/add_subpage/")
        self.assertEqual(response.status_code, 200)
        text = visible_text(response.content.decode())
        self.assertIn("Kế hoạch bài dạy và báo giảng", text)
        # The group's teaching plan is written by the group leader only.
        self.assertNotIn("Kế hoạch dạy học của tổ", text)

    def test_group_leader_may_choose_both_plans_of_the_group(self):
        self.client.force_login(self.leader)
        response = self.client.get(f"/admin/pages/{self.group_page.pk}/add_subpage/")
        text = visible_text(response.content.decode())
        self.assertIn("Kế hoạch bài dạy và báo giảng", text)
        self.assertIn("Kế hoạch dạy học của tổ", text)
