"""The rules of the second factor, one at a time (issue #11).

accounts/twofactor.py (who must pass a second factor, enrolment, verification,
removal). Fake users and a few TOTP devices, no demo district: the mutation run
(tests/mutation/accounts_gate.toml) runs this file for each mutant.
"""

from __future__ import annotations

from types import SimpleNamespace
from unittest import mock

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory, SimpleTestCase, TestCase
from django_otp.plugins.otp_totp.models import TOTPDevice
from security_helpers import accounts_settings_override, captured_events, totp_token

from accounts import twofactor

User = get_user_model()


class TwoFactorRequiredTests(SimpleTestCase):
    """two_factor_required: superusers, and the roles of TWO_FACTOR_ROLES."""

    def required(self, user, roles=frozenset()):
        scope = SimpleNamespace(roles=frozenset(roles))
        with mock.patch.object(twofactor, "get_scope", return_value=scope):
            return twofactor.two_factor_required(user)

    def user(self, superuser=False):
        return SimpleNamespace(is_authenticated=True, is_superuser=superuser)

    def test_a_visitor_needs_none(self):
        self.assertIs(self.required(None, {"principal"}), False)
        self.assertIs(self.required(AnonymousUser(), {"principal"}), False)

    def test_a_superuser_needs_one_whatever_the_roles(self):
        self.assertIs(self.required(self.user(superuser=True)), True)

    @accounts_settings_override(TWO_FACTOR_ROLES=("principal", "sysadmin", "district_office"))
    def test_the_listed_roles_need_one_and_the_others_do_not(self):
        for role in ("principal", "sysadmin", "district_office"):
            self.assertIs(self.required(self.user(), {role, "teacher"}), True, role)
        self.assertIs(self.required(self.user(), {"teacher", "vice_principal"}), False)
        self.assertIs(self.required(self.user(), set()), False)

    @accounts_settings_override(TWO_FACTOR_ROLES=("teacher",))
    def test_the_roles_come_from_the_settings(self):
        self.assertIs(self.required(self.user(), {"teacher"}), True)
        self.assertIs(self.required(self.user(), {"principal"}), False)

    def test_a_code_keeps_its_digits_only_and_at_most_eight(self):
        self.assertEqual(twofactor._clean(" 123 456 "), "123456")
        self.assertEqual(twofactor._clean("12-34a56"), "123456")
        self.assertEqual(twofactor._clean("1234567890"), "12345678")
        self.assertEqual(twofactor._clean(None), "")


class TwoFactorDeviceTests(TestCase):
    """Devices: enrolment, verification and removal, with their security events."""

    @classmethod
    def setUpTestData(cls):
        cls.user = User.objects.create_user("gv.mot", password="x")
        cls.other = User.objects.create_user("gv.hai", password="x")
        cls.admin = User.objects.create_user("qt.he.thong", password="x")

    def request(self, user):
        request = RequestFactory().post("/", REMOTE_ADDR="10.0.0.7")
        request.user = user
        request.session = SessionStore()
        return request

    def test_the_confirmed_device_is_the_users_confirmed_one(self):
        self.assertIsNone(twofactor.confirmed_device(self.user))
        TOTPDevice.objects.create(user=self.user, name="p", confirmed=False)
        TOTPDevice.objects.create(user=self.other, name="p", confirmed=True)
        self.assertIsNone(twofactor.confirmed_device(self.user))
        device = TOTPDevice.objects.create(user=self.user, name="p", confirmed=True)
        self.assertEqual(twofactor.confirmed_device(self.user), device)

    def test_enrolment_creates_one_unconfirmed_device_and_reuses_it(self):
        TOTPDevice.objects.create(user=self.user, name="old", confirmed=True)
        device = twofactor.pending_device(self.user)
        self.assertFalse(device.confirmed)
        self.assertEqual(device.name, twofactor.DEVICE_NAME)
        self.assertEqual(device.user, self.user)
        self.assertEqual(twofactor.pending_device(self.user), device)
        self.assertEqual(TOTPDevice.objects.filter(user=self.user, confirmed=False).count(), 1)

    def test_the_qr_code_is_an_svg_of_the_device(self):
        svg = twofactor.qr_svg(twofactor.pending_device(self.user))
        self.assertIn("<svg", svg)

    def test_a_wrong_enrolment_code_confirms_nothing_and_is_reported(self):
        old = TOTPDevice.objects.create(user=self.user, name="old", confirmed=True)
        device = twofactor.pending_device(self.user)
        request = self.request(self.user)
        with captured_events() as events:
            self.assertIs(
                twofactor.device_confirm(request=request, device=device, token="000000x"), False
            )
        device.refresh_from_db()
        self.assertFalse(device.confirmed)
        self.assertTrue(TOTPDevice.objects.filter(pk=old.pk).exists())
        self.assertNotIn("otp_device_id", request.session)
        self.assertEqual([(e["kind"], e["detail"]) for e in events], [("otp_failed", "enrolment")])

    def test_a_right_enrolment_code_replaces_the_old_device_and_verifies_the_session(self):
        old = TOTPDevice.objects.create(user=self.user, name="old", confirmed=True)
        kept = TOTPDevice.objects.create(user=self.other, name="p", confirmed=True)
        device = twofactor.pending_device(self.user)
        request = self.request(self.user)
        with captured_events() as events:
            self.assertIs(
                twofactor.device_confirm(
                    request=request, device=device, token=" " + totp_token(device)
                ),
                True,
            )
        device.refresh_from_db()
        self.assertTrue(device.confirmed)
        self.assertFalse(TOTPDevice.objects.filter(pk=old.pk).exists())
        self.assertTrue(TOTPDevice.objects.filter(pk=kept.pk).exists())
        self.assertEqual(request.session["otp_device_id"], device.persistent_id)
        self.assertEqual([(e["kind"], e["ip"]) for e in events], [("otp_enrolled", "10.0.0.7")])

    def test_an_enrolment_that_fails_halfway_keeps_the_old_device(self):
        old = TOTPDevice.objects.create(user=self.user, name="old", confirmed=True)
        device = twofactor.pending_device(self.user)
        with mock.patch.object(
            twofactor, "emit_security_event", side_effect=RuntimeError("audit down")
        ):
            with self.assertRaises(RuntimeError):
                twofactor.device_confirm(
                    request=self.request(self.user), device=device, token=totp_token(device)
                )
        device.refresh_from_db()
        self.assertFalse(device.confirmed)
        self.assertTrue(TOTPDevice.objects.filter(pk=old.pk, confirmed=True).exists())

    def test_a_removal_that_cannot_be_recorded_removes_nothing(self):
        TOTPDevice.objects.create(user=self.user, name="a", confirmed=True)
        with mock.patch.object(
            twofactor, "emit_security_event", side_effect=RuntimeError("audit down")
        ):
            with self.assertRaises(RuntimeError):
                twofactor.devices_remove(user=self.user, actor=self.admin)
        self.assertEqual(TOTPDevice.objects.filter(user=self.user).count(), 1)

    def test_a_session_without_a_confirmed_device_cannot_be_verified(self):
        TOTPDevice.objects.create(user=self.user, name="p", confirmed=False)
        request = self.request(self.user)
        with captured_events() as events:
            self.assertIs(twofactor.session_verify(request=request, token="123456"), False)
        self.assertEqual(events, [])
        self.assertNotIn("otp_device_id", request.session)

    def test_the_right_code_verifies_the_session(self):
        device = TOTPDevice.objects.create(user=self.user, name="p", confirmed=True)
        request = self.request(self.user)
        with captured_events() as events:
            self.assertIs(
                twofactor.session_verify(request=request, token=totp_token(device) + " "), True
            )
        self.assertEqual(request.session["otp_device_id"], device.persistent_id)
        self.assertEqual([(e["kind"], e["ip"]) for e in events], [("otp_verified", "10.0.0.7")])

    def test_a_wrong_code_is_refused_and_reported(self):
        device = TOTPDevice.objects.create(user=self.user, name="p", confirmed=True)
        wrong = f"{(int(totp_token(device)) + 1) % 1000000:06d}"
        request = self.request(self.user)
        with captured_events() as events:
            self.assertIs(twofactor.session_verify(request=request, token=wrong), False)
        self.assertNotIn("otp_device_id", request.session)
        self.assertEqual([(e["kind"], e["detail"]) for e in events], [("otp_failed", "login")])

    def test_removal_forgets_every_device_of_the_user_and_names_the_actor(self):
        TOTPDevice.objects.create(user=self.user, name="a", confirmed=True)
        TOTPDevice.objects.create(user=self.user, name="b", confirmed=False)
        kept = TOTPDevice.objects.create(user=self.other, name="c", confirmed=True)
        with captured_events() as events:
            count = twofactor.devices_remove(
                user=self.user, actor=self.admin, request=self.request(self.admin)
            )
        self.assertEqual(count, 2)
        self.assertFalse(TOTPDevice.objects.filter(user=self.user).exists())
        self.assertTrue(TOTPDevice.objects.filter(pk=kept.pk).exists())
        self.assertEqual(
            [(e["kind"], e["detail"], e["ip"]) for e in events],
            [("otp_removed", "by qt.he.thong", "10.0.0.7")],
        )

    def test_removal_without_a_request_has_no_address(self):
        TOTPDevice.objects.create(user=self.user, name="a", confirmed=True)
        with captured_events() as events:
            self.assertEqual(twofactor.devices_remove(user=self.user, actor=self.admin), 1)
        self.assertEqual([e["ip"] for e in events], [None])

    def test_removing_nothing_reports_nothing(self):
        with captured_events() as events:
            self.assertEqual(twofactor.devices_remove(user=self.user, actor=self.admin), 0)
        self.assertEqual(events, [])
