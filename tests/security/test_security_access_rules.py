"""The rules of the access gate and of the second factor, one at a time (issue #11).

accounts/access.py (which step a session owes, which views open during it),
accounts/middleware.py (what the gate and the session expiry answer) and
accounts/twofactor.py (who must pass a second factor, enrolment, verification).
Fake users and RequestFactory requests, no demo district: the mutation run
(tests/mutation/accounts_gate.toml) runs this file for each mutant.
"""

from __future__ import annotations

import json
from types import SimpleNamespace
from unittest import mock

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import INFO, WARNING
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpResponse
from django.test import RequestFactory, SimpleTestCase, TestCase
from django_otp.plugins.otp_totp.models import TOTPDevice
from security_helpers import accounts_settings_override, captured_events, totp_token

from accounts import access, twofactor
from accounts.access import Step
from accounts.middleware import AccessGateMiddleware, SessionExpiryMiddleware
from accounts.signals import EventKind

User = get_user_model()

PUBLIC = {
    "wagtail_serve",
    "wagtail.contrib.sitemaps.views.sitemap",
    "public:search",
    "public:plan_pdf",
    "search:json",
    "archive:verify",
    "archive:verify_code",
}
LOGIN = {
    "wagtailadmin_login",
    "wagtailadmin_logout",
    "wagtailadmin_javascript_catalog",
    "wagtailadmin_sprite",
}
STEP_SCREENS = {"accounts:two_factor_setup", "accounts:two_factor_verify"}
ACCOUNT = "wagtailadmin_account"
PROTECTED = "wagtailadmin_home"
FULL_LOGIN_NEEDED = "Bạn cần đăng nhập đầy đủ (mật khẩu và mã xác thực) để mở mục này."


class FakeUser:
    is_authenticated = True

    def __init__(self, *, verified: bool = False):
        self.verified = verified

    def is_verified(self) -> bool:
        return self.verified


class PendingStepTests(SimpleTestCase):
    """pending_step: the second factor first, then the temporary password."""

    def step(self, *, verified=False, device=False, enforced=True, required=True, temporary=False):
        user = FakeUser(verified=verified)
        conf = SimpleNamespace(two_factor_enforced=enforced)
        with (
            mock.patch.object(
                twofactor, "confirmed_device", return_value=object() if device else None
            ) as confirmed,
            mock.patch.object(twofactor, "two_factor_required", return_value=required) as needs,
            mock.patch.object(access, "accounts_settings", return_value=conf),
            mock.patch.object(access, "must_change_password", return_value=temporary) as change,
        ):
            result = access.pending_step(user)
        for called in (confirmed, needs, change):
            for call in called.call_args_list:
                self.assertIs(call.args[0], user)
        return result

    def test_an_unverified_session_with_a_device_owes_the_code(self):
        self.assertIs(self.step(device=True), Step.VERIFY_SECOND_FACTOR)
        self.assertIs(self.step(device=True, required=False), Step.VERIFY_SECOND_FACTOR)
        self.assertIs(self.step(device=True, enforced=False), Step.VERIFY_SECOND_FACTOR)

    def test_the_code_comes_before_the_new_password(self):
        self.assertIs(self.step(device=True, temporary=True), Step.VERIFY_SECOND_FACTOR)
        self.assertIs(self.step(temporary=True), Step.ENROL_SECOND_FACTOR)

    def test_an_account_that_needs_a_device_and_has_none_owes_enrolment(self):
        self.assertIs(self.step(), Step.ENROL_SECOND_FACTOR)

    def test_enrolment_is_owed_only_where_enforced_and_required(self):
        self.assertIsNone(self.step(enforced=False))
        self.assertIsNone(self.step(required=False))
        self.assertIsNone(self.step(enforced=False, required=False))

    def test_a_verified_session_owes_no_second_factor(self):
        self.assertIsNone(self.step(verified=True, device=True))
        self.assertIsNone(self.step(verified=True))

    def test_a_temporary_password_is_owed_after_the_second_factor(self):
        self.assertIs(self.step(verified=True, device=True, temporary=True), Step.CHANGE_PASSWORD)
        self.assertIs(self.step(required=False, temporary=True), Step.CHANGE_PASSWORD)
        self.assertIs(self.step(enforced=False, temporary=True), Step.CHANGE_PASSWORD)

    def test_a_full_login_owes_nothing(self):
        self.assertIsNone(self.step(verified=True, temporary=False))


class ViewListTests(SimpleTestCase):
    """The lists of accounts/access.py, the only place a view opens without a full login."""

    def test_the_lists_are_exactly_these(self):
        self.assertEqual(access.PUBLIC, PUBLIC)
        self.assertEqual(access.LOGIN, LOGIN)
        self.assertEqual(access.SIGN_IN, LOGIN | STEP_SCREENS)
        self.assertEqual(access.PASSWORD_STEP, LOGIN | STEP_SCREENS | {ACCOUNT})

    def test_the_second_factor_steps_open_only_the_sign_in_screens(self):
        for step in (Step.VERIFY_SECOND_FACTOR, Step.ENROL_SECOND_FACTOR):
            for name in LOGIN | STEP_SCREENS:
                self.assertTrue(access.opens_during(name, step), (name, step))
            for name in (ACCOUNT, PROTECTED, "public:search", None):
                self.assertFalse(access.opens_during(name, step), (name, step))

    def test_the_password_step_opens_the_sign_in_screens_and_the_account(self):
        for name in LOGIN | STEP_SCREENS | {ACCOUNT}:
            self.assertTrue(access.opens_during(name, Step.CHANGE_PASSWORD), name)
        for name in (PROTECTED, "public:search", None):
            self.assertFalse(access.opens_during(name, Step.CHANGE_PASSWORD), name)

    def test_public_views_are_the_public_list_only(self):
        for name in PUBLIC:
            self.assertTrue(access.is_public(name), name)
        for name in (*LOGIN, *STEP_SCREENS, ACCOUNT, PROTECTED, None):
            self.assertFalse(access.is_public(name), name)

    def test_a_visitor_opens_the_public_and_login_views_only(self):
        for name in PUBLIC | LOGIN:
            self.assertTrue(access.is_open_anonymously(name), name)
        for name in (*STEP_SCREENS, ACCOUNT, PROTECTED, None):
            self.assertFalse(access.is_open_anonymously(name), name)


def _request(path="/admin/", view_name: str | None = PROTECTED, user=None, **headers):
    request = RequestFactory().get(path, {"q": "x"}, headers=headers)
    request.resolver_match = SimpleNamespace(view_name=view_name) if view_name else None
    if user is not None:
        request.user = user
    request._messages = CookieStorage(request)
    return request


def _messages(request) -> list[tuple[int, str]]:
    return [(m.level, str(m.message)) for m in request._messages]


class AccessGateTests(SimpleTestCase):
    """AccessGateMiddleware.process_view: deny by default."""

    def gate(self, request, step: Step | None = None):
        middleware = AccessGateMiddleware(lambda r: HttpResponse("ok"))
        user = getattr(request, "user", None)
        with mock.patch.object(access, "pending_step", return_value=step) as pending:
            response = middleware.process_view(request, None, (), {})
        if pending.called:
            self.assertIs(pending.call_args.args[0], user)
        return response

    def assertRedirectsWithNext(self, response, target):
        self.assertEqual(response.status_code, 302)
        self.assertEqual(response["Location"], f"{target}?next=%2Fadmin%2F%3Fq%3Dx")

    def assertJson403(self, response, target):
        self.assertEqual(response.status_code, 403)
        self.assertEqual(
            json.loads(response.content),
            {
                "error": "authentication_step_required",
                "message": FULL_LOGIN_NEEDED,
                "redirect": target,
            },
        )

    def test_the_middleware_passes_the_request_on(self):
        response = AccessGateMiddleware(lambda r: HttpResponse("ok"))(_request())
        self.assertEqual(response.content, b"ok")

    def test_a_visitor_opens_public_and_login_views(self):
        for user in (None, AnonymousUser()):
            for name in ("search:json", "wagtailadmin_login"):
                request = _request(view_name=name, user=user)
                self.assertIsNone(self.gate(request), name)

    def test_a_visitor_is_sent_to_the_login_from_any_other_view(self):
        for user in (None, AnonymousUser()):
            for name in (PROTECTED, "accounts:two_factor_verify", ACCOUNT, None):
                response = self.gate(_request(view_name=name, user=user))
                self.assertRedirectsWithNext(response, "/admin/login/")

    def test_a_visitors_api_call_gets_a_json_403_in_vietnamese(self):
        # Built at run time as a real request's header is (parsed from the wire), not a
        # constant the interpreter might share with the middleware's own literal.
        xhr = "".join(["XMLHttp", "Request"])
        for headers in ({"accept": "application/json"}, {"x-requested-with": xhr}):
            self.assertJson403(self.gate(_request(**headers)), "/admin/login/")
        self.assertJson403(self.gate(_request(path="/admin/api/main/pages/")), "/admin/login/")

    def test_only_a_json_first_accept_or_the_xhr_header_counts_as_an_api_call(self):
        for headers in (
            {"accept": "text/html, application/json"},
            {"x-requested-with": "fetch"},
        ):
            self.assertRedirectsWithNext(self.gate(_request(**headers)), "/admin/login/")
        response = self.gate(_request(path="/api/v2/pages/"))
        self.assertEqual(response.status_code, 302)

    def test_a_full_login_opens_every_view(self):
        user = FakeUser(verified=True)
        for name in (PROTECTED, ACCOUNT, None):
            request = _request(view_name=name, user=user)
            self.assertIsNone(self.gate(request, step=None))
            self.assertIs(request.user, user)

    def test_a_session_owing_a_step_opens_that_steps_screens_as_itself(self):
        user = FakeUser()
        for step, name in (
            (Step.VERIFY_SECOND_FACTOR, "accounts:two_factor_verify"),
            (Step.ENROL_SECOND_FACTOR, "accounts:two_factor_setup"),
            (Step.CHANGE_PASSWORD, ACCOUNT),
        ):
            request = _request(view_name=name, user=user)
            self.assertIsNone(self.gate(request, step=step))
            self.assertIs(request.user, user)

    def test_a_session_owing_a_step_sees_public_views_as_a_visitor(self):
        for step in Step:
            request = _request(view_name="search:json", user=FakeUser())
            self.assertIsNone(self.gate(request, step=step))
            self.assertIsInstance(request.user, AnonymousUser)

    def test_a_session_owing_the_code_is_sent_to_the_code_without_a_message(self):
        for name in (PROTECTED, ACCOUNT, None):
            request = _request(view_name=name, user=FakeUser())
            response = self.gate(request, step=Step.VERIFY_SECOND_FACTOR)
            self.assertRedirectsWithNext(response, "/admin/tai-khoan/xac-minh/")
            self.assertEqual(_messages(request), [])

    def test_a_session_owing_enrolment_is_sent_to_enrol_and_told_why(self):
        request = _request(user=FakeUser())
        response = self.gate(request, step=Step.ENROL_SECOND_FACTOR)
        self.assertRedirectsWithNext(response, "/admin/tai-khoan/xac-thuc-hai-lop/")
        self.assertEqual(
            _messages(request),
            [(INFO, "Tài khoản của bạn cần bật xác thực hai lớp trước khi làm việc.")],
        )

    def test_a_temporary_password_is_sent_to_the_account_screen_and_told_why(self):
        request = _request(user=FakeUser())
        response = self.gate(request, step=Step.CHANGE_PASSWORD)
        self.assertEqual(response.status_code, 302)
        self.assertEqual(response["Location"], "/admin/account/")
        self.assertEqual(
            _messages(request),
            [
                (
                    WARNING,
                    "Mật khẩu của bạn do quản trị viên cấp tạm thời. Hãy đổi mật khẩu mới.",
                )
            ],
        )

    def test_an_api_call_owing_a_step_gets_a_json_403_and_no_message(self):
        for step, target in (
            (Step.VERIFY_SECOND_FACTOR, "/admin/tai-khoan/xac-minh/"),
            (Step.ENROL_SECOND_FACTOR, "/admin/tai-khoan/xac-thuc-hai-lop/"),
            (Step.CHANGE_PASSWORD, "/admin/account/"),
        ):
            request = _request(user=FakeUser(), accept="application/json")
            self.assertJson403(self.gate(request, step=step), target)
            self.assertEqual(_messages(request), [])


class SessionExpiryTests(SimpleTestCase):
    """SessionExpiryMiddleware: an expired session is logged out, in the admin told so."""

    def run_middleware(self, request, reason):
        middleware = SessionExpiryMiddleware(lambda r: HttpResponse("ok"))
        with (
            mock.patch("accounts.middleware.session_expired_reason", return_value=reason) as why,
            mock.patch("accounts.middleware.logout") as logout,
            mock.patch("accounts.middleware.emit_security_event") as emit,
        ):
            response = middleware(request)
        return response, why, logout, emit

    def test_an_expired_admin_session_is_logged_out_and_sent_to_the_login(self):
        user = FakeUser()
        request = _request(user=user, REMOTE_ADDR="10.1.2.3")
        request.META["REMOTE_ADDR"] = "10.1.2.3"
        response, why, logout, emit = self.run_middleware(request, "idle")
        why.assert_called_once_with(request)
        logout.assert_called_once_with(request)
        emit.assert_called_once_with(
            EventKind.SESSION_EXPIRED, user=user, ip="10.1.2.3", detail="idle"
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(response["Location"], "/admin/login/?next=%2Fadmin%2F%3Fq%3Dx")
        self.assertEqual(
            _messages(request),
            [(WARNING, "Phiên làm việc đã hết hạn. Vui lòng đăng nhập lại.")],
        )

    def test_an_expired_admin_api_session_gets_a_json_403(self):
        request = _request(user=FakeUser(), accept="application/json")
        response, *_ = self.run_middleware(request, "absolute")
        self.assertEqual(response.status_code, 403)
        self.assertEqual(json.loads(response.content)["redirect"], "/admin/login/")

    def test_an_expired_session_outside_the_admin_is_logged_out_and_served(self):
        request = _request(path="/tim-kiem/", user=FakeUser())
        response, _why, logout, emit = self.run_middleware(request, "absolute")
        logout.assert_called_once_with(request)
        emit.assert_called_once()
        self.assertEqual(response.content, b"ok")
        self.assertEqual(_messages(request), [])

    def test_a_live_session_is_served(self):
        request = _request(user=FakeUser())
        response, why, logout, emit = self.run_middleware(request, None)
        why.assert_called_once_with(request)
        logout.assert_not_called()
        emit.assert_not_called()
        self.assertEqual(response.content, b"ok")

    def test_a_visitor_is_not_checked(self):
        for user in (None, AnonymousUser()):
            request = _request(user=user)
            response, why, logout, _emit = self.run_middleware(request, "idle")
            why.assert_not_called()
            logout.assert_not_called()
            self.assertEqual(response.content, b"ok")


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
