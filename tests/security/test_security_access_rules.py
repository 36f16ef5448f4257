"""The rules of the access gate, one at a time (issue #11).

accounts/access.py (which step a session owes, which views open during it) and
accounts/middleware.py (what the gate and the session expiry answer); the second
factor's rules are in test_security_two_factor_rules.py. Fake users and
RequestFactory requests, no demo district: the mutation run
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
from django.http import HttpResponse
from django.test import RequestFactory, SimpleTestCase

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
    "pki:ca_certificate",
    "pki:crl",
    "pki:ocsp",
    "pki:ocsp_get",
    "pki:tsa",
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
