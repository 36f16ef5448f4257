"""Deny by default (issue #11, findings 1 and 12): every URL needs a full login unless
accounts/access.py lists it; a password alone reaches nothing of a school; uploads
are private in every settings."""

from __future__ import annotations

import importlib
import io

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.http import HttpResponse
from django.test import TestCase, override_settings
from django.urls import clear_url_caches, get_resolver, path, resolve
from django_otp.plugins.otp_totp.models import TOTPDevice
from PIL import Image as PILImage
from security_helpers import accounts_settings_override, force_login_verified, login_form
from wagtail.images import get_image_model

from accounts import access
from recordpages.demo.loader import DEMO_PASSWORD
from recordpages.models import RoleCode, StudentRecordPage
from recordpages.services import school_collection
from search.services import search_rebuild
from tests.factories import StaffFactory, UserFactory, school_world, two_school_worlds

User = get_user_model()


def _new_view(request):
    return HttpResponse("new view content")


# A view someone adds tomorrow and forgets to protect.
urlpatterns = [path("bao-cao-moi/", _new_view, name="brand_new_view")]
urlpatterns += importlib.import_module("cms.urls").urlpatterns


def _png() -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", (4, 4), "red").save(buffer, "PNG")
    return buffer.getvalue()


@accounts_settings_override(TWO_FACTOR_ENFORCED=True)
class PasswordOnlySessionTests(TestCase):
    """Finding 1: a principal with a confirmed device who typed only the password."""

    @classmethod
    def setUpTestData(cls):
        school_world()
        principal = User.objects.get(username="hn.hieutruong")
        TOTPDevice.objects.create(user=principal, name="phone", confirmed=True)
        search_rebuild()

    def _search(self, client, q="hoc ba"):
        response = client.get("/api/tim-kiem/", {"q": q})
        self.assertEqual(response.status_code, 200)
        return response.json()

    def test_the_search_api_answers_a_password_only_session_as_it_answers_a_visitor(self):
        anonymous = self._search(self.client_class())
        login_form(self.client, "hn.hieutruong", DEMO_PASSWORD)
        pending = self._search(self.client)
        self.assertEqual(pending, anonymous)
        pupils_record_titles = StudentRecordPage.objects.values_list("title", flat=True)
        body = str(pending)
        self.assertFalse(any(title in body for title in pupils_record_titles))

    def test_the_full_login_reaches_the_schools_records(self):
        # The same query with the code typed does find the school's học bạ: the test
        # above would notice nothing if the search found none at all.
        force_login_verified(self.client, User.objects.get(username="hn.hieutruong"))
        self.assertGreater(self._search(self.client)["total"], 0)

    def test_every_protected_door_sends_a_password_only_session_to_the_code(self):
        login_form(self.client, "hn.hieutruong", DEMO_PASSWORD)
        for url in ("/admin/", "/admin/tim-kiem/json/?q=hoc", "/documents/1/x.pdf", "/media/a"):
            response = self.client.get(url)
            self.assertEqual(response.status_code, 302, url)
            self.assertTrue(response["Location"].startswith("/admin/tai-khoan/xac-minh/"), url)

    def test_an_api_call_of_a_password_only_session_gets_a_vietnamese_403(self):
        login_form(self.client, "hn.hieutruong", DEMO_PASSWORD)
        response = self.client.get("/admin/api/main/pages/")
        self.assertEqual(response.status_code, 403)
        self.assertIn("đăng nhập đầy đủ", response.json()["message"])

    def test_the_district_officer_who_resets_principals_must_enrol_a_second_factor(self):
        login_form(self.client, "phong.gd", DEMO_PASSWORD)
        response = self.client.get("/admin/")
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith("/admin/tai-khoan/xac-thuc-hai-lop/"))

    def test_public_pages_show_a_password_only_session_no_admin_bar(self):
        login_form(self.client, "hn.hieutruong", DEMO_PASSWORD)
        response = self.client.get("/")
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, "wagtail-userbar")


@override_settings(ROOT_URLCONF=__name__)
@accounts_settings_override(TWO_FACTOR_ENFORCED=True)
class NewViewIsClosedTests(TestCase):
    """A view that is not on the list needs a full login, without a line of its own."""

    @classmethod
    def setUpTestData(cls):
        principal = StaffFactory(
            user=UserFactory(username="hn.hieutruong"), roles=[RoleCode.PRINCIPAL]
        ).user
        TOTPDevice.objects.create(user=principal, name="phone", confirmed=True)

    def test_a_visitor_is_sent_to_the_login(self):
        response = self.client.get("/bao-cao-moi/")
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith("/admin/login/"))

    def test_a_password_only_session_is_sent_to_the_code(self):
        login_form(self.client, "hn.hieutruong", DEMO_PASSWORD)
        response = self.client.get("/bao-cao-moi/")
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith("/admin/tai-khoan/xac-minh/"))

    def test_a_full_login_opens_it(self):
        force_login_verified(self.client, User.objects.get(username="hn.hieutruong"))
        self.assertContains(self.client.get("/bao-cao-moi/"), "new view content")


class AccessListTests(TestCase):
    def test_every_listed_view_exists(self):
        """A typo in the list would open nothing and close nothing: each name resolves."""
        names = {key for key in get_resolver().reverse_dict if isinstance(key, str)}
        for namespace, (_prefix, resolver) in get_resolver().namespace_dict.items():
            names.update(f"{namespace}:{k}" for k in resolver.reverse_dict if isinstance(k, str))
        listed = access.PUBLIC | access.PASSWORD_STEP
        unnamed = {name for name in listed if "." in name}
        self.assertEqual(listed - unnamed - names, set())
        self.assertEqual(resolve("/sitemap.xml").view_name, next(iter(unnamed)))

    def test_nothing_of_the_admin_is_public(self):
        self.assertFalse(
            any(name.startswith(("wagtailadmin", "accounts")) for name in access.PUBLIC)
        )


class PrivateUploadTests(TestCase):
    """Finding 12: uploads are served only to those who may read their collection."""

    @classmethod
    def setUpTestData(cls):
        school = two_school_worlds()[0].school
        cls.image = get_image_model().objects.create(
            title="Ảnh học sinh",
            file=ContentFile(_png(), name="anh-hoc-sinh.png"),
            collection=school_collection(school=school),
        )
        cls.url = cls.image.file.url

    def _get(self, username=None):
        if username:
            force_login_verified(self.client, User.objects.get(username=username))
        return self.client.get(self.url)

    def test_a_visitor_gets_no_upload_even_in_debug(self):
        import cms.urls

        try:
            with override_settings(DEBUG=True):
                importlib.reload(cms.urls)
                clear_url_caches()
                response = self.client.get(self.url)
        finally:
            importlib.reload(cms.urls)
            clear_url_caches()
        self.assertNotEqual(response.status_code, 200)
        self.assertFalse(getattr(response, "streaming", False))

    def test_staff_of_another_school_get_404(self):
        self.assertEqual(self._get("ad.hieutruong").status_code, 404)

    def test_staff_of_the_school_and_the_inspector_get_the_file(self):
        for username in ("hn.giaovien", "thanh.tra"):
            response = self._get(username)
            self.assertEqual(response.status_code, 200, username)
            self.assertEqual(b"".join(response.streaming_content), self.image.file.open().read())
            self.assertEqual(response["X-Content-Type-Options"], "nosniff")
            self.client.logout()

    def test_a_file_nobody_uploaded_and_a_path_outside_are_404(self):
        force_login_verified(self.client, User.objects.get(username="hn.hieutruong"))
        for url in ("/media/khong-co.png", "/media/../cms/settings/base.py", "/media/%2e%2e/x"):
            self.assertEqual(self.client.get(url).status_code, 404, url)


class ErrorPagesTests(TestCase):
    def test_a_missing_page_answers_404_in_vietnamese(self):
        response = self.client.get("/khong-co-trang-nay/")
        self.assertEqual(response.status_code, 404)
        self.assertContains(response, "Không tìm thấy", status_code=404)
        self.assertNotContains(response, "Not Found", status_code=404)
