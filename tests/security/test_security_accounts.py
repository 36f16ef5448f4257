"""Accounts (R2): lockout, two-factor, session expiry, password rules, admin-only reset."""

from __future__ import annotations

import time

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.http import Http404
from django.test import RequestFactory, TestCase
from django.urls import resolve
from django_otp.plugins.otp_totp.models import TOTPDevice
from security_helpers import (
    accounts_settings_override,
    captured_events,
    login_form,
    totp_token,
)

from accounts.models import AccountSecurity
from accounts.sessions import LOGIN_AT, SEEN_AT
from recordpages.demo.loader import DEMO_PASSWORD
from recordpages.models import StaffProfile
from tests.factories import school_world

User = get_user_model()
LOCKOUT_TEXT = "tạm thời bị khóa"


@accounts_settings_override(
    TWO_FACTOR_ENFORCED=True, FAILURE_LIMIT_PER_ACCOUNT=3, FAILURE_LIMIT_PER_ADDRESS=6
)
class LockoutTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        school_world()

    def test_an_account_is_locked_after_repeated_failures_even_with_the_right_password(self):
        with captured_events() as events:
            for _ in range(2):
                response = login_form(self.client, "hn.giaovien", "wrong-Password-1")
                self.assertEqual(response.status_code, 200)
            # The failure that reaches the limit is answered with the lockout already.
            third = login_form(self.client, "hn.giaovien", "wrong-Password-1")
            self.assertContains(third, LOCKOUT_TEXT, status_code=429)
            response = login_form(self.client, "hn.giaovien", DEMO_PASSWORD)
        self.assertEqual(response.status_code, 429)
        self.assertContains(response, LOCKOUT_TEXT, status_code=429)
        self.assertNotIn("_auth_user_id", self.client.session)
        kinds = [event["kind"] for event in events]
        self.assertEqual(kinds.count("login_failed"), 4)
        self.assertIn("locked_out", kinds)
        locked = [e for e in events if e["kind"] == "locked_out"][0]
        self.assertEqual(locked["username"], "hn.giaovien")
        self.assertEqual(locked["ip"], "10.0.0.1")

    def test_the_lock_of_one_account_does_not_lock_a_colleague_on_the_same_address(self):
        for _ in range(3):
            login_form(self.client, "hn.giaovien", "wrong-Password-1")
        response = login_form(self.client, "hn.vanthu", DEMO_PASSWORD)
        self.assertEqual(response.status_code, 302)

    def test_an_address_is_locked_after_failures_across_many_accounts(self):
        for index in range(6):
            login_form(self.client, f"khong.ton.tai{index}", "wrong-Password-1", ip="10.9.9.9")
        response = login_form(self.client, "hn.vanthu", DEMO_PASSWORD, ip="10.9.9.9")
        self.assertContains(response, LOCKOUT_TEXT, status_code=429)
        other_address = login_form(self.client, "hn.vanthu", DEMO_PASSWORD, ip="10.1.1.1")
        self.assertEqual(other_address.status_code, 302)

    def test_the_administrators_reset_lifts_the_lock(self):
        from accounts.services import staff_password_reset

        for _ in range(4):
            login_form(self.client, "hn.giaovien", "wrong-Password-1")
        staff = StaffProfile.objects.get(user__username="hn.giaovien")
        principal = User.objects.get(username="hn.hieutruong")
        password = staff_password_reset(actor=principal, staff=staff)
        response = login_form(self.client, "hn.giaovien", password)
        self.assertEqual(response.status_code, 302)


@accounts_settings_override(TWO_FACTOR_ENFORCED=True)
class TwoFactorTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        school_world()

    def test_a_principal_must_enrol_before_any_admin_page(self):
        login_form(self.client, "hn.hieutruong", DEMO_PASSWORD)
        for url in ("/admin/", "/admin/pages/", "/admin/snippets/recordpages/pupil/"):
            response = self.client.get(url)
            self.assertEqual(response.status_code, 302, url)
            self.assertTrue(response["Location"].startswith("/admin/tai-khoan/xac-thuc-hai-lop/"))
        setup = self.client.get("/admin/tai-khoan/xac-thuc-hai-lop/")
        self.assertContains(setup, "<svg")
        self.assertContains(setup, "bắt buộc")

    def test_a_principal_enrols_with_a_first_code_and_then_works(self):
        login_form(self.client, "hn.hieutruong", DEMO_PASSWORD)
        self.client.get("/admin/tai-khoan/xac-thuc-hai-lop/")
        device = TOTPDevice.objects.get(user__username="hn.hieutruong", confirmed=False)
        with captured_events() as events:
            wrong = self.client.post("/admin/tai-khoan/xac-thuc-hai-lop/", {"token": "000000"})
            self.assertContains(wrong, "không đúng")
            time.sleep(1.1)  # django-otp throttles: 1 s after the first wrong code
            right = self.client.post(
                "/admin/tai-khoan/xac-thuc-hai-lop/", {"token": totp_token(device)}
            )
        self.assertEqual(right.status_code, 302)
        device.refresh_from_db()
        self.assertTrue(device.confirmed)
        self.assertEqual([e["kind"] for e in events], ["otp_failed", "otp_enrolled"])
        self.assertEqual(self.client.get("/admin/").status_code, 200)

    def test_an_enrolled_account_passes_the_code_at_each_login(self):
        principal = User.objects.get(username="hn.hieutruong")
        device = TOTPDevice.objects.create(user=principal, name="phone", confirmed=True)
        login_form(self.client, "hn.hieutruong", DEMO_PASSWORD)
        response = self.client.get("/admin/pages/")
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith("/admin/tai-khoan/xac-minh/"))
        with captured_events() as events:
            self.client.post("/admin/tai-khoan/xac-minh/", {"token": "123456"})
        self.assertEqual(events[0]["kind"], "otp_failed")
        self.assertEqual(self.client.get("/admin/pages/").status_code, 302)
        time.sleep(1.1)  # django-otp throttles: 1 s after the first wrong code
        ok = self.client.post(
            "/admin/tai-khoan/xac-minh/",
            {"token": totp_token(device, offset_steps=1), "next": "/admin/pages/"},
        )
        self.assertEqual(ok["Location"], "/admin/pages/")
        self.assertEqual(self.client.get("/admin/").status_code, 200)

    def test_the_verify_page_does_not_redirect_off_site(self):
        principal = User.objects.get(username="hn.hieutruong")
        device = TOTPDevice.objects.create(user=principal, name="phone", confirmed=True)
        login_form(self.client, "hn.hieutruong", DEMO_PASSWORD)
        response = self.client.post(
            "/admin/tai-khoan/xac-minh/",
            {"token": totp_token(device), "next": "https://evil.example/"},
        )
        self.assertEqual(response["Location"], "/admin/")

    def test_a_teacher_works_without_two_factor_but_may_turn_it_on(self):
        login_form(self.client, "hn.giaovien", DEMO_PASSWORD)
        self.assertEqual(self.client.get("/admin/").status_code, 200)
        setup = self.client.get("/admin/tai-khoan/xac-thuc-hai-lop/")
        self.assertContains(setup, "<svg")
        self.assertNotContains(setup, "bắt buộc")

    def test_a_superuser_must_enrol(self):
        User.objects.create_superuser("root.test", "", "Root@2026-hoso!")
        login_form(self.client, "root.test", "Root@2026-hoso!")
        response = self.client.get("/admin/users/")
        self.assertTrue(response["Location"].startswith("/admin/tai-khoan/xac-thuc-hai-lop/"))

    def test_a_required_account_cannot_turn_two_factor_off(self):
        principal = User.objects.get(username="hn.hieutruong")
        device = TOTPDevice.objects.create(user=principal, name="phone", confirmed=True)
        login_form(self.client, "hn.hieutruong", DEMO_PASSWORD)
        self.client.post("/admin/tai-khoan/xac-minh/", {"token": totp_token(device)})
        response = self.client.post("/admin/tai-khoan/xac-thuc-hai-lop/", {"action": "remove"})
        self.assertEqual(response["Location"], "/admin/")  # Wagtail's refusal, with a message
        self.assertTrue(TOTPDevice.objects.filter(pk=device.pk, confirmed=True).exists())


@accounts_settings_override(IDLE_TIMEOUT_SECONDS=600, ABSOLUTE_TIMEOUT_SECONDS=3600)
class SessionExpiryTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        school_world()

    def _age_session(self, *, login_ago: int, seen_ago: int) -> None:
        session = self.client.session
        now = int(time.time())
        session[LOGIN_AT] = now - login_ago
        session[SEEN_AT] = now - seen_ago
        session.save()

    def test_an_idle_session_ends(self):
        login_form(self.client, "hn.giaovien", DEMO_PASSWORD)
        self._age_session(login_ago=700, seen_ago=601)
        with captured_events() as events:
            response = self.client.get("/admin/pages/")
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith("/admin/login/"))
        self.assertNotIn("_auth_user_id", self.client.session)
        self.assertEqual(events[0]["kind"], "session_expired")
        self.assertEqual(events[0]["detail"], "idle")

    def test_an_active_session_still_ends_at_the_absolute_age(self):
        login_form(self.client, "hn.giaovien", DEMO_PASSWORD)
        self._age_session(login_ago=3601, seen_ago=5)
        response = self.client.get("/admin/")
        self.assertTrue(response["Location"].startswith("/admin/login/"))

    def test_an_active_session_continues(self):
        login_form(self.client, "hn.giaovien", DEMO_PASSWORD)
        self._age_session(login_ago=1800, seen_ago=300)
        self.assertEqual(self.client.get("/admin/").status_code, 200)


class PasswordRuleTests(TestCase):
    def _messages(self, password: str, user=None) -> list[str]:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            return exc.messages
        return []

    def test_weak_passwords_are_refused_in_vietnamese(self):
        user = User(username="hn.giaovien", first_name="Lan", last_name="Nguyễn Thị")
        cases = {
            "ngắn": "Ab1!",
            "3 trong 4 loại": "abcdefghijkl",
            "toàn chữ số": "12345678901",
            "phổ biến": "password123",
            "tên đăng nhập": "Giaovien@2026",
            "quá dài": "Aa1!" * 40,
        }
        for expected, password in cases.items():
            messages = " ".join(self._messages(password, user))
            self.assertIn(expected, messages, password)

    def test_a_name_written_without_diacritics_is_refused(self):
        user = User(username="gv01", first_name="Hương", last_name="Nguyễn Thị")
        self.assertTrue(self._messages("Nguyen@2026xx", user))

    def test_the_documented_demo_password_and_a_generated_one_pass(self):
        from accounts.services import temporary_password

        user = User(username="hn.giaovien")
        self.assertEqual(self._messages(DEMO_PASSWORD, user), [])
        for _ in range(20):
            self.assertEqual(self._messages(temporary_password(), user), [])


@accounts_settings_override(TWO_FACTOR_ENFORCED=False)
class AdminPasswordResetTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        school_world()
        school_world(code="THAD", name="Trường Tiểu học Anh Dũng")  # ad.hieutruong
        cls.teacher = StaffProfile.objects.get(user__username="hn.giaovien")

    def _reset_as(self, username: str, staff: StaffProfile):
        self.client.force_login(User.objects.get(username=username))
        return self.client.post(f"/admin/tai-khoan/dat-lai-mat-khau/{staff.pk}/")

    def test_there_is_no_self_service_reset_by_email(self):
        # The view itself, past the login middleware (which answers anonymous with a redirect).
        request = RequestFactory().get("/admin/password_reset/")
        request.user = AnonymousUser()
        try:
            status = resolve("/admin/password_reset/").func(request).status_code
        except Http404:
            status = 404
        self.assertEqual(status, 404)
        self.assertNotContains(self.client.get("/admin/login/"), "password_reset")

    def test_the_principal_resets_a_teachers_password_who_must_then_change_it(self):
        old_hash = self.teacher.user.password
        with captured_events() as events:
            response = self._reset_as("hn.hieutruong", self.teacher)
        self.assertEqual(response.status_code, 200)
        password = response.context["temporary_password"]
        self.teacher.user.refresh_from_db()
        self.assertNotEqual(self.teacher.user.password, old_hash)
        self.assertTrue(AccountSecurity.objects.get(user=self.teacher.user).must_change_password)
        self.assertEqual(events[-1]["kind"], "password_reset_by_admin")
        self.client.logout()
        login_form(self.client, "hn.giaovien", password)
        response = self.client.get("/admin/pages/")
        self.assertEqual(response["Location"], "/admin/account/")
        self.assertEqual(self.client.get("/admin/account/").status_code, 200)

    def test_the_system_administrator_resets_too(self):
        self.assertEqual(self._reset_as("hn.quantri", self.teacher).status_code, 200)

    def test_nobody_else_may_reset(self):
        old_hash = self.teacher.user.password
        for username in (
            "ad.hieutruong",
            "hn.phohieutruong",
            "hn.totruong1",
            "thanh.tra",
            "phong.gd",
        ):
            response = self._reset_as(username, self.teacher)
            self.assertContains(response, "đặt lại", status_code=403, msg_prefix=username)
        principal = StaffProfile.objects.get(user__username="hn.hieutruong")
        self.assertContains(
            self._reset_as("hn.hieutruong", principal), "chính mình", status_code=403
        )
        self.teacher.user.refresh_from_db()
        self.assertEqual(self.teacher.user.password, old_hash)

    def test_the_staff_list_offers_the_reset_only_to_those_who_may(self):
        url = "/admin/snippets/recordpages/staffprofile/"
        reset_url = f"/admin/tai-khoan/dat-lai-mat-khau/{self.teacher.pk}/"
        self.client.force_login(User.objects.get(username="hn.hieutruong"))
        self.assertContains(self.client.get(url), reset_url)
        self.client.force_login(User.objects.get(username="hn.phohieutruong"))
        self.assertNotContains(self.client.get(url), reset_url)
