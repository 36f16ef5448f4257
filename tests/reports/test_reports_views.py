"""Who sees which report (R3, R14): the district office every school, a principal
their own school per group and teacher, anyone else nothing."""

from __future__ import annotations

import io

from django.contrib.auth import get_user_model
from django.test import TestCase
from django.urls import reverse
from openpyxl import load_workbook

from tests.conftest import load_small_district


class ReportScreensTest(TestCase):
    @classmethod
    def setUpTestData(cls):
        load_small_district()

    def login(self, username: str):
        self.client.force_login(get_user_model().objects.get(username=username))

    def test_district_office_sees_every_school_with_a_chart(self):
        self.login("phong.gd")
        response = self.client.get(reverse("reports_admin:report"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Trường Tiểu học Hòa Nghĩa")
        self.assertContains(response, "Trường Tiểu học Anh Dũng")
        self.assertContains(response, 'aria-labelledby="chart-title"', count=1)

    def test_principal_sees_only_own_school_per_group_and_teacher(self):
        self.login("ad.hieutruong")
        response = self.client.get(reverse("reports_admin:report"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Trường Tiểu học Anh Dũng")
        self.assertNotContains(response, "Hòa Nghĩa")
        self.assertContains(response, "Theo tổ chuyên môn")
        self.assertContains(response, "Tổ 1")
        workbook = load_workbook(io.BytesIO(self.client.get(reverse("reports_admin:xlsx")).content))
        cells = {c.value for ws in workbook.worksheets for row in ws.iter_rows() for c in row}
        self.assertIn("Trường Tiểu học Anh Dũng", cells)
        self.assertNotIn("Trường Tiểu học Hòa Nghĩa", cells)
        self.assertIn("Theo giáo viên", workbook.sheetnames)

    def test_teacher_gets_no_report(self):
        self.login("hn.giaovien")
        response = self.client.get(reverse("reports_admin:xlsx"))
        self.assertRedirects(response, "/admin/", fetch_redirect_response=False)
