"""The admin upload → preview → apply screens obey who may import (R3, R13)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse

from imports.models import DataFile
from recordpages.models import Pupil, School, SchoolYear
from tests.conftest import load_small_district
from tests.factories.people import PupilFactory
from tests.imports.layouts import HCMC_PUPILS, csv_bytes, hcmc_pupil, workbook_bytes

SAMPLE = (
    Path(__file__).resolve().parents[2] / "testdata" / "csdl" / "hoa-nghia-hoc-sinh-2026-2027.xlsx"
)


class ImportScreensTest(TestCase):
    @classmethod
    def setUpTestData(cls):
        load_small_district()
        cls.thhn = School.objects.get(code="THHN")
        cls.year = SchoolYear.objects.get(name="2026-2027")

    def login(self, username: str):
        from django.contrib.auth import get_user_model

        self.client.force_login(get_user_model().objects.get(username=username))

    def post_file(self, school: School, data: bytes | None = None, name: str = "hs.xlsx"):
        handle = SimpleUploadedFile(name, data or SAMPLE.read_bytes())
        return self.client.post(
            reverse("imports_admin:upload"),
            {"school": school.pk, "school_year": self.year.pk, "file": handle},
        )

    def test_preview_lists_the_classes_to_create_and_the_pupils_without_id(self):
        self.login("hn.hieutruong")
        born = dt.date(2019, 5, 1)
        data = workbook_bytes(
            (HCMC_PUPILS, [hcmc_pupil(None, "Ngô Bảo Châu", born, "Nam", 5, "5A9")])
        )
        response = self.post_file(self.thhn, data)
        self.assertContains(response, "Lớp sẽ được tạo")
        self.assertContains(response, "<td>5A9</td><td>5</td>", html=False)
        self.assertContains(response, "chưa có mã định danh")

    def test_a_refusal_at_apply_time_is_a_message_naming_the_row_not_a_server_error(self):
        self.login("hn.hieutruong")
        born = dt.date(2019, 5, 1)
        data = workbook_bytes(
            (HCMC_PUPILS, [hcmc_pupil("0399900001", "Ngô Bảo Châu", born, "Nam", 1, "1A")])
        )
        self.post_file(self.thhn, data)
        data_file = DataFile.objects.get()
        PupilFactory(
            school=School.objects.exclude(pk=self.thhn.pk).first(), ministry_id="0399900001"
        )
        response = self.client.post(
            reverse("imports_admin:apply", args=[data_file.pk]), follow=True
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Dòng 9")
        self.assertFalse(Pupil.objects.filter(school=self.thhn, ministry_id="0399900001").exists())

    def test_principal_previews_then_applies_for_own_school(self):
        self.login("hn.hieutruong")
        before = Pupil.objects.count()
        response = self.post_file(self.thhn)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Sẽ thêm mới")
        self.assertContains(response, "0312600101")
        self.assertEqual(Pupil.objects.count(), before)
        data_file = DataFile.objects.get()
        response = self.client.post(reverse("imports_admin:apply", args=[data_file.pk]))
        self.assertRedirects(
            response, reverse("imports_admin:upload"), fetch_redirect_response=False
        )
        self.assertEqual(Pupil.objects.count(), before + 7)
        data_file.refresh_from_db()
        self.assertEqual(data_file.status, "applied")
        download = self.client.get(reverse("imports_admin:download", args=[data_file.pk]))
        self.assertEqual(download.content, SAMPLE.read_bytes())

    def test_a_kept_csv_file_downloads_as_csv(self):
        self.login("hn.hieutruong")
        born = dt.date(2019, 5, 1)
        data = csv_bytes(
            HCMC_PUPILS, [hcmc_pupil("0399900002", "Ngô Bảo Châu", born, "Nam", 1, "1A")]
        )
        self.assertEqual(self.post_file(self.thhn, data, "hoc-sinh.csv").status_code, 200)
        data_file = DataFile.objects.get()
        self.client.post(reverse("imports_admin:apply", args=[data_file.pk]))
        download = self.client.get(reverse("imports_admin:download", args=[data_file.pk]))
        self.assertEqual(download.content, data)
        self.assertTrue(download["Content-Type"].startswith("text/csv"))
        self.assertIn(".csv", download["Content-Disposition"])

    def test_teacher_may_not_open_the_import_screen(self):
        self.login("hn.giaovien")
        response = self.client.get(reverse("imports_admin:upload"))
        # Wagtail turns the view's PermissionDenied into a redirect to the dashboard.
        self.assertRedirects(response, "/admin/", fetch_redirect_response=False)

    def test_other_schools_principal_cannot_import_or_apply_for_this_school(self):
        self.login("hn.hieutruong")
        self.post_file(self.thhn)
        data_file = DataFile.objects.get()
        self.login("ad.hieutruong")
        before = Pupil.objects.count()
        response = self.post_file(self.thhn)
        self.assertEqual(response.status_code, 400)  # THHN is not among the form's choices
        response = self.client.post(reverse("imports_admin:apply", args=[data_file.pk]))
        self.assertEqual(response.status_code, 404)
        self.assertEqual(Pupil.objects.count(), before)

    def test_district_office_cannot_import(self):
        self.login("phong.gd")
        response = self.client.get(reverse("imports_admin:upload"))
        self.assertRedirects(response, "/admin/", fetch_redirect_response=False)

    def test_not_a_spreadsheet_gets_a_form_error_not_a_server_error(self):
        self.login("hn.hieutruong")
        response = self.client.post(
            reverse("imports_admin:upload"),
            {
                "school": self.thhn.pk,
                "school_year": self.year.pk,
                "file": SimpleUploadedFile("danh-sach.xlsx", b"%PDF-1.7 not a workbook"),
            },
        )
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "không phải bảng tính", status_code=400)
        self.assertEqual(DataFile.objects.count(), 0)
