"""List pages cost a number of database queries that does not grow with their rows
(issue 7, load): the people listings and the page explorer, with 1× and 3× rows."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from recordpages.models import (
    OtherRecordPage,
    Pupil,
    School,
    SchoolClass,
    SchoolYearPage,
    StaffProfile,
)
from tests.conftest import load_small_district

User = get_user_model()
ROWS = 6


class ListQueryCountTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        load_small_district()
        cls.school = School.objects.get(code="THHN")
        cls.year_page = SchoolYearPage.objects.filter(school=cls.school).first()
        cls.principal = User.objects.get(username="hn.hieutruong")
        cls.serial = 0

    def setUp(self):
        self.client.force_login(self.principal)

    def _add_rows(self, kind: str, count: int) -> None:
        for _ in range(count):
            type(self).serial += 1
            n = self.serial
            if kind == "pupil":
                Pupil.objects.create(
                    school=self.school,
                    full_name=f"Học Sinh Thêm {n}",
                    date_of_birth=dt.date(2019, 1, 1),
                    sex="nam",
                )
            elif kind == "staffprofile":
                user = User.objects.create_user(f"hn.them{n}", password="Them@2026hoso")
                StaffProfile.objects.create(user=user, school=self.school, full_name=f"Cán Bộ {n}")
            elif kind == "schoolclass":
                year = SchoolClass.objects.filter(school=self.school).first().school_year
                SchoolClass.objects.create(
                    school=self.school, school_year=year, name=f"5Z{n}", grade=5
                )
            elif kind == "explorer":
                template = OtherRecordPage.objects.filter(school=self.school).first()
                page = OtherRecordPage(
                    title=f"Hồ sơ thêm {n}",
                    slug=f"ho-so-them-{n}",
                    category=template.category,
                    deadline=template.deadline,
                    body=[],
                )
                self.year_page.add_child(instance=page)

    def _queries(self, url: str) -> int:
        self.client.get(url)  # warm caches (content types, site root) like a running server
        with CaptureQueriesContext(connection) as captured:
            response = self.client.get(url)
        self.assertEqual(response.status_code, 200, url)
        return len(captured)

    def _assert_constant(self, kind: str, url: str) -> None:
        self._add_rows(kind, ROWS)
        once = self._queries(url)
        self._add_rows(kind, 2 * ROWS)
        thrice = self._queries(url)
        self.assertEqual(once, thrice, f"{url}: {once} queries with 1× rows, {thrice} with 3×")

    def test_the_pupil_list_is_constant_in_queries(self):
        self._assert_constant("pupil", "/admin/snippets/recordpages/pupil/")

    def test_the_staff_list_is_constant_in_queries(self):
        self._assert_constant("staffprofile", "/admin/snippets/recordpages/staffprofile/")

    def test_the_class_list_is_constant_in_queries(self):
        self._assert_constant("schoolclass", "/admin/snippets/recordpages/schoolclass/")

    def test_the_page_explorer_is_constant_in_queries(self):
        self._assert_constant("explorer", f"/admin/pages/{self.year_page.pk}/")
