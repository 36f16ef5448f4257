"""Separation of duties for credential resets (R2, issue #11 finding 3).

Nobody resets the password or the second factor of an account of equal or higher
authority in the same school; a principal's are reset only by the officer of the
authority over the school; every reset is e-mailed to the owner, written to the
audit chain and shown on the unusual-access panels of the school and the authority.

The rule itself, without the database, is in test_security_credential_rules.py; the
password, session and lockout rules in test_security_password_rules.py and
test_security_session_rules.py.
"""

from __future__ import annotations

import datetime as dt
from unittest import mock
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.core import mail
from django.test import TestCase
from django_otp.plugins.otp_totp.models import TOTPDevice
from security_helpers import accounts_settings_override, force_login_verified

from recordpages.models import StaffProfile
from tests.conftest import load_small_district
from workflow.models import AuditEntry

User = get_user_model()

PASSWORD_URL = "/admin/tai-khoan/dat-lai-mat-khau/{}/"
DEVICE_URL = "/admin/tai-khoan/dat-lai-xac-thuc-hai-lop/{}/"
NOT_BELOW = "ngang hoặc cao hơn mình"
PRINCIPAL_ONLY_BY_AUTHORITY = "chỉ do cán bộ Phòng GD"
OWN = "chính mình"
OTHER_SCHOOL = "không thuộc trường của bạn"
AUTHORITY_ONLY_PRINCIPALS = "chỉ đặt lại tài khoản hiệu trưởng"
RESET_ACTIONS = ("auth.password_reset", "auth.two_factor_reset")


class ResetServiceTests(TestCase):
    """The services on a few factory-made accounts (fast: no district is loaded)."""

    @classmethod
    def setUpTestData(cls):
        from recordpages.models import Role
        from tests.factories import SchoolFactory, StaffFactory, UserFactory

        cls.school = SchoolFactory()

        def staff(username, roles, school, **user_fields):
            user = UserFactory(
                username=username,
                email=f"{username}@truong.edu.vn",
                first_name="Lan",
                **user_fields,
            )
            profile = StaffFactory(user=user, school=school, full_name=f"Người {username}")
            profile.roles.set(Role.objects.filter(code__in=roles))
            profile.save()  # a ParentalManyToManyField is written on save
            return profile

        cls.sysadmin = staff("qt", ["sysadmin"], cls.school)
        cls.teacher = staff("gv", ["teacher"], cls.school)
        cls.principal = staff("ht", ["principal"], cls.school)
        cls.officer = staff("pgd", ["district_office"], None)
        cls.idle = staff("nghi", ["principal"], cls.school, is_active=False)
        TOTPDevice.objects.create(user=cls.teacher.user, name="phone", confirmed=True)
        TOTPDevice.objects.create(user=cls.principal.user, name="phone", confirmed=True)

    def test_a_reset_sets_a_temporary_password_mails_the_owner_and_names_the_actor(self):
        from security_helpers import captured_events

        from accounts.models import AccountSecurity
        from accounts.services import must_change_password, staff_password_reset

        with captured_events() as events, self.captureOnCommitCallbacks(execute=True):
            password = staff_password_reset(actor=self.sysadmin.user, staff=self.teacher)
        user = self.teacher.user
        user.refresh_from_db()
        self.assertTrue(user.check_password(password))
        self.assertTrue(must_change_password(user))
        record = AccountSecurity.objects.get(user=user)
        self.assertEqual(record.reset_by, self.sysadmin.user)
        self.assertIsNotNone(record.reset_at)
        self.assertTrue(TOTPDevice.objects.filter(user=user).exists())
        [event] = [e for e in events if e["kind"] == "password_reset_by_admin"]
        self.assertEqual(event["user"], user)
        self.assertEqual(event["actor"], self.sysadmin.user)
        self.assertEqual(event["detail"], "by qt")
        [message] = mail.outbox
        self.assertEqual(message.to, ["gv@truong.edu.vn"])
        self.assertEqual(
            message.subject, "[Hồ sơ chuyên môn] Mật khẩu của tài khoản gv đã được đặt lại"
        )
        # Names in Vietnamese order: family name first.
        self.assertIn("Kính gửi Nguyễn Thị Lan", message.body)
        self.assertIn("Người thực hiện: Nguyễn Thị Lan (qt)", message.body)
        self.assertIn("Từ địa chỉ: không rõ", message.body)

    def test_a_reset_with_the_second_factor_forgets_the_devices_and_says_so(self):
        from security_helpers import captured_events

        from accounts.services import staff_password_reset

        with captured_events() as events, self.captureOnCommitCallbacks(execute=True):
            staff_password_reset(
                actor=self.sysadmin.user, staff=self.teacher, reset_two_factor=True
            )
        self.assertFalse(TOTPDevice.objects.filter(user=self.teacher.user).exists())
        [event] = [e for e in events if e["kind"] == "password_reset_by_admin"]
        self.assertEqual(event["detail"], "by qt; 2FA reset")
        [message] = mail.outbox
        self.assertIn("Mật khẩu và xác thực hai lớp", message.subject)

    def test_a_second_factor_reset_forgets_the_devices_only(self):
        from security_helpers import captured_events

        from accounts.services import staff_two_factor_reset

        old_hash = self.teacher.user.password
        with captured_events() as events, self.captureOnCommitCallbacks(execute=True):
            count = staff_two_factor_reset(actor=self.sysadmin.user, staff=self.teacher)
        self.assertEqual(count, 1)
        self.assertFalse(TOTPDevice.objects.filter(user=self.teacher.user).exists())
        self.teacher.user.refresh_from_db()
        self.assertEqual(self.teacher.user.password, old_hash)
        [event] = [e for e in events if e["kind"] == "two_factor_reset_by_admin"]
        self.assertEqual(event["actor"], self.sysadmin.user)
        self.assertEqual(event["detail"], "by qt; 1 device(s)")
        [message] = mail.outbox
        self.assertEqual(
            message.subject, "[Hồ sơ chuyên môn] Xác thực hai lớp của tài khoản gv đã được đặt lại"
        )

    def test_a_refused_reset_changes_nothing(self):
        from accounts.services import (
            PasswordResetRefused,
            Refusal,
            staff_password_reset,
            staff_two_factor_reset,
        )

        old_hash = self.principal.user.password
        for reset in (staff_password_reset, staff_two_factor_reset):
            with (
                self.assertRaises(PasswordResetRefused) as refused,
                self.captureOnCommitCallbacks(execute=True),
            ):
                reset(actor=self.sysadmin.user, staff=self.principal)
            self.assertEqual(refused.exception.refusal, Refusal.PRINCIPAL_BY_AUTHORITY)
            self.assertIn("Phòng GD&ĐT", refused.exception.message)
        self.principal.user.refresh_from_db()
        self.assertEqual(self.principal.user.password, old_hash)
        self.assertTrue(TOTPDevice.objects.filter(user=self.principal.user).exists())
        self.assertEqual(mail.outbox, [])

    def test_who_may_reset_whom_on_stored_accounts(self):
        from django.contrib.auth.models import AnonymousUser

        from accounts.services import Refusal, can_reset_password, credential_reset_refusal

        self.assertIsNone(credential_reset_refusal(self.sysadmin.user, self.teacher))
        self.assertTrue(can_reset_password(self.sysadmin.user, self.teacher))
        self.assertFalse(can_reset_password(self.sysadmin.user, self.principal))
        # An officer of no particular authority reaches every school.
        self.assertIsNone(credential_reset_refusal(self.officer.user, self.principal))
        self.assertEqual(
            credential_reset_refusal(self.officer.user, self.teacher),
            Refusal.AUTHORITY_ONLY_PRINCIPALS,
        )
        self.assertEqual(credential_reset_refusal(self.sysadmin.user, self.sysadmin), Refusal.OWN)
        for nobody in (None, AnonymousUser(), self.idle.user):
            self.assertEqual(credential_reset_refusal(nobody, self.teacher), Refusal.NOT_A_RESETTER)

    def test_a_reset_that_fails_halfway_changes_nothing(self):
        from accounts.services import staff_password_reset, staff_two_factor_reset

        old_hash = self.teacher.user.password
        with (
            mock.patch("accounts.services.emit_security_event", side_effect=RuntimeError),
            self.assertRaises(RuntimeError),
        ):
            staff_password_reset(
                actor=self.sysadmin.user, staff=self.teacher, reset_two_factor=True
            )
        with (
            mock.patch("accounts.services.emit_security_event", side_effect=RuntimeError),
            self.assertRaises(RuntimeError),
        ):
            staff_two_factor_reset(actor=self.sysadmin.user, staff=self.teacher)
        self.teacher.user.refresh_from_db()
        self.assertEqual(self.teacher.user.password, old_hash)
        self.assertTrue(TOTPDevice.objects.filter(user=self.teacher.user).exists())

    def test_an_account_without_email_is_still_reset(self):
        from accounts.services import staff_password_reset

        self.teacher.user.email = ""
        self.teacher.user.save(update_fields=["email"])
        with self.captureOnCommitCallbacks(execute=True):
            password = staff_password_reset(actor=self.sysadmin.user, staff=self.teacher)
        self.teacher.user.refresh_from_db()
        self.assertTrue(self.teacher.user.check_password(password))
        self.assertEqual(mail.outbox, [])

    def test_a_mail_server_failure_does_not_undo_the_reset(self):
        from accounts.services import staff_password_reset

        with (
            mock.patch("accounts.services.send_mail", side_effect=OSError("down")) as send,
            self.captureOnCommitCallbacks(execute=True),
        ):
            password = staff_password_reset(actor=self.sysadmin.user, staff=self.teacher)
        send.assert_called_once()
        self.teacher.user.refresh_from_db()
        self.assertTrue(self.teacher.user.check_password(password))

    def test_the_mail_is_sent_only_once_the_reset_is_committed(self):
        from accounts.services import staff_password_reset

        with self.captureOnCommitCallbacks(execute=False) as callbacks:
            staff_password_reset(actor=self.sysadmin.user, staff=self.teacher)
        self.assertEqual(mail.outbox, [])
        self.assertEqual(len(callbacks), 1)


@accounts_settings_override(TWO_FACTOR_ENFORCED=False)
class CredentialResetTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        load_small_district()
        cls.principal = StaffProfile.objects.get(user__username="hn.hieutruong")
        cls.vice = StaffProfile.objects.get(user__username="hn.phohieutruong")
        cls.sysadmin = StaffProfile.objects.get(user__username="hn.quantri")
        cls.teacher = StaffProfile.objects.get(user__username="hn.giaovien")
        cls.officer = StaffProfile.objects.get(user__username="phong.gd")
        for staff in (cls.principal, cls.vice, cls.sysadmin, cls.teacher):
            TOTPDevice.objects.create(user=staff.user, name="phone", confirmed=True)

    def login(self, username: str) -> None:
        # Accounts with a device pass their second factor (the targets have one).
        force_login_verified(self.client, User.objects.get(username=username))

    def post(self, username: str, url: str, staff: StaffProfile, data=None):
        self.login(username)
        with self.captureOnCommitCallbacks(execute=True):
            return self.client.post(url.format(staff.pk), data or {}, REMOTE_ADDR="10.7.8.9")

    def assert_refused_and_unchanged(self, response, staff: StaffProfile, reason: str):
        before_hash = staff.user.password
        self.assertEqual(response.status_code, 403)
        self.assertContains(response, reason, status_code=403)
        staff.user.refresh_from_db()
        self.assertEqual(staff.user.password, before_hash)
        self.assertTrue(TOTPDevice.objects.filter(user=staff.user, confirmed=True).exists())
        self.assertEqual(mail.outbox, [])
        self.assertFalse(AuditEntry.objects.filter(action__in=RESET_ACTIONS).exists())

    # --- refusals ---------------------------------------------------------------

    def test_the_system_administrator_cannot_reset_the_principals_password(self):
        response = self.post("hn.quantri", PASSWORD_URL, self.principal, {"reset_two_factor": "on"})
        self.assert_refused_and_unchanged(response, self.principal, PRINCIPAL_ONLY_BY_AUTHORITY)

    def test_the_system_administrator_cannot_reset_the_principals_second_factor(self):
        response = self.post("hn.quantri", DEVICE_URL, self.principal)
        self.assert_refused_and_unchanged(response, self.principal, PRINCIPAL_ONLY_BY_AUTHORITY)

    def test_the_system_administrator_cannot_reset_a_vice_principal(self):
        for url in (PASSWORD_URL, DEVICE_URL):
            response = self.post("hn.quantri", url, self.vice, {"reset_two_factor": "on"})
            self.assert_refused_and_unchanged(response, self.vice, NOT_BELOW)

    def test_the_screen_itself_refuses_before_any_form_is_shown(self):
        self.login("hn.quantri")
        for url in (PASSWORD_URL, DEVICE_URL):
            response = self.client.get(url.format(self.principal.pk))
            self.assertContains(response, PRINCIPAL_ONLY_BY_AUTHORITY, status_code=403)
            self.assertNotContains(response, "<form", status_code=403)

    def test_a_principal_of_another_school_cannot_reset_a_teacher(self):
        for url in (PASSWORD_URL, DEVICE_URL):
            response = self.post("ad.hieutruong", url, self.teacher)
            self.assert_refused_and_unchanged(response, self.teacher, OTHER_SCHOOL)
            self.assertNotContains(response, self.teacher.full_name, status_code=403)

    def test_nobody_resets_their_own_credentials_on_the_reset_screen(self):
        for staff in (self.principal, self.sysadmin, self.officer):
            old_hash = staff.user.password
            for url in (PASSWORD_URL, DEVICE_URL):
                response = self.post(staff.user.username, url, staff, {"reset_two_factor": "on"})
                self.assertContains(response, OWN, status_code=403)
            staff.user.refresh_from_db()
            self.assertEqual(staff.user.password, old_hash)
        self.assertEqual(mail.outbox, [])
        self.assertFalse(AuditEntry.objects.filter(action__in=RESET_ACTIONS).exists())

    def test_the_district_officer_and_the_inspector_cannot_reset_a_teacher(self):
        response = self.post("phong.gd", PASSWORD_URL, self.teacher)
        self.assert_refused_and_unchanged(response, self.teacher, AUTHORITY_ONLY_PRINCIPALS)
        response = self.post("thanh.tra", PASSWORD_URL, self.principal)
        self.assert_refused_and_unchanged(response, self.principal, PRINCIPAL_ONLY_BY_AUTHORITY)

    # --- allowed resets ---------------------------------------------------------

    def test_the_system_administrator_resets_a_teacher_who_is_emailed_and_it_is_audited(self):
        old_hash = self.teacher.user.password
        response = self.post("hn.quantri", PASSWORD_URL, self.teacher)
        self.assertEqual(response.status_code, 200)
        self.teacher.user.refresh_from_db()
        self.assertNotEqual(self.teacher.user.password, old_hash)
        self.assertTrue(TOTPDevice.objects.filter(user=self.teacher.user).exists())
        entry = AuditEntry.objects.get(action="auth.password_reset")
        self.assertEqual(entry.actor, self.sysadmin.user)
        self.assertEqual(entry.school_id, self.teacher.school_id)
        self.assertEqual(entry.object_id, str(self.teacher.user.pk))
        self.assertEqual(entry.ip, "10.7.8.9")
        [message] = mail.outbox
        self.assertEqual(message.to, [self.teacher.user.email])
        self.assertIn("Mật khẩu", message.subject)
        self.assertIn("hn.quantri", message.body)
        self.assertIn("10.7.8.9", message.body)
        local = entry.at.astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
        self.assertIn(local.strftime("%d/%m/%Y %H:%M"), message.body)

    def test_a_reset_is_shown_on_the_panels_of_the_school_and_the_authority(self):
        self.post("hn.quantri", PASSWORD_URL, self.teacher)
        self.post("hn.quantri", DEVICE_URL, self.teacher)
        for username in ("hn.hieutruong", "hn.quantri", "phong.gd"):
            self.login(username)
            home = self.client.get("/admin/")
            self.assertContains(home, "Đặt lại mật khẩu", msg_prefix=username)
            self.assertContains(home, "Đặt lại xác thực hai lớp", msg_prefix=username)
            self.assertContains(home, "username=hn.giaovien by hn.quantri", msg_prefix=username)
        # The other school's leaders see nothing of it.
        self.login("ad.hieutruong")
        self.assertNotContains(self.client.get("/admin/"), "username=hn.giaovien")

    def test_the_principal_resets_the_vice_principal_and_the_system_administrator(self):
        for staff in (self.vice, self.sysadmin):
            old_hash = staff.user.password
            self.assertEqual(self.post("hn.hieutruong", PASSWORD_URL, staff).status_code, 200)
            staff.user.refresh_from_db()
            self.assertNotEqual(staff.user.password, old_hash)
        self.assertEqual(len(mail.outbox), 2)

    def test_the_district_officer_resets_the_principals_password(self):
        old_hash = self.principal.user.password
        response = self.post("phong.gd", PASSWORD_URL, self.principal)
        self.assertEqual(response.status_code, 200)
        self.principal.user.refresh_from_db()
        self.assertNotEqual(self.principal.user.password, old_hash)
        entry = AuditEntry.objects.get(action="auth.password_reset")
        self.assertEqual(entry.actor, self.officer.user)
        self.assertEqual(entry.school_id, self.principal.school_id)
        [message] = mail.outbox
        self.assertEqual(message.to, [self.principal.user.email])
        self.assertIn("phong.gd", message.body)

    def test_the_district_officer_resets_the_principals_second_factor(self):
        response = self.post("phong.gd", DEVICE_URL, self.principal)
        self.assertEqual(response.status_code, 302)
        self.assertFalse(TOTPDevice.objects.filter(user=self.principal.user).exists())
        entry = AuditEntry.objects.get(action="auth.two_factor_reset")
        self.assertEqual(entry.actor, self.officer.user)
        self.assertEqual(entry.school_id, self.principal.school_id)
        [message] = mail.outbox
        self.assertIn("Xác thực hai lớp", message.subject)
        self.assertIn("phong.gd", message.body)

    def test_the_email_gives_the_time_in_vietnam(self):
        from accounts.services import staff_password_reset

        # 18:30 UTC on 4 December is 01:30 on 5 December in Hà Nội.
        at = dt.datetime(2026, 12, 4, 18, 30, tzinfo=dt.UTC)
        with (
            mock.patch("django.utils.timezone.now", return_value=at),
            self.captureOnCommitCallbacks(execute=True),
        ):
            staff_password_reset(actor=self.sysadmin.user, staff=self.teacher)
        [message] = mail.outbox
        self.assertIn("05/12/2026 01:30", message.body)

    def test_the_staff_list_offers_the_resets_only_where_allowed(self):
        url = "/admin/snippets/recordpages/staffprofile/"
        self.login("hn.quantri")
        listing = self.client.get(url)
        self.assertContains(listing, DEVICE_URL.format(self.teacher.pk))
        self.assertNotContains(listing, PASSWORD_URL.format(self.principal.pk))
        self.assertNotContains(listing, DEVICE_URL.format(self.principal.pk))
        self.assertNotContains(listing, PASSWORD_URL.format(self.vice.pk))

    def test_the_district_officer_finds_the_principals_resets_in_the_staff_list(self):
        self.login("phong.gd")
        listing = self.client.get(
            "/admin/snippets/recordpages/staffprofile/", {"school": self.principal.school_id}
        )
        self.assertContains(listing, PASSWORD_URL.format(self.principal.pk))
        self.assertContains(listing, DEVICE_URL.format(self.principal.pk))
        self.assertNotContains(listing, PASSWORD_URL.format(self.teacher.pk))
        screen = self.client.get(PASSWORD_URL.format(self.principal.pk))
        self.assertContains(screen, self.principal.full_name)
