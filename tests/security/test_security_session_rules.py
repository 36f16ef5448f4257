"""The session limits and the login lockout (issue #11): accounts.sessions and
accounts.lockout, without the database.
"""

from __future__ import annotations

from unittest import mock

from django.test import SimpleTestCase
from security_helpers import accounts_settings_override


def _request(**meta):
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/", **meta)
    request.session = {}
    return request


@accounts_settings_override(IDLE_TIMEOUT_SECONDS=600, ABSOLUTE_TIMEOUT_SECONDS=3600)
class SessionLimitTests(SimpleTestCase):
    """accounts.sessions: the idle and absolute limits, to the second."""

    def started(self, *, login_at: int, seen_at: int):
        from accounts.sessions import LOGIN_AT, SEEN_AT

        request = _request()
        request.session.update({LOGIN_AT: login_at, SEEN_AT: seen_at})
        return request

    def test_a_login_stamps_the_session_with_the_time(self):
        from accounts.sessions import LOGIN_AT, SEEN_AT, session_start

        request = _request()
        with mock.patch("accounts.sessions.time.time", return_value=1000.7):
            session_start(request)
        self.assertEqual(request.session, {LOGIN_AT: 1000, SEEN_AT: 1000})

    def test_a_session_without_stamps_starts_counting_now(self):
        from accounts.sessions import LOGIN_AT, SEEN_AT, session_expired_reason

        request = _request()
        with mock.patch("accounts.sessions.time.time", return_value=5000.0):
            self.assertIsNone(session_expired_reason(request))
        self.assertEqual(request.session, {LOGIN_AT: 5000, SEEN_AT: 5000})
        request = _request()
        request.session[LOGIN_AT] = 10
        with mock.patch("accounts.sessions.time.time", return_value=7000.0):
            self.assertIsNone(session_expired_reason(request))
        self.assertEqual(request.session[SEEN_AT], 7000)

    def test_the_absolute_age_ends_even_an_active_session(self):
        from accounts.sessions import session_expired_reason

        login = 1_700_000_000  # the clock's own scale: the limit is on the difference
        self.assertIsNone(
            session_expired_reason(
                self.started(login_at=login, seen_at=login + 3599), now=login + 3600
            )
        )
        self.assertEqual(
            session_expired_reason(
                self.started(login_at=login, seen_at=login + 3600), now=login + 3601
            ),
            "absolute",
        )
        # Both limits passed: the absolute one is named.
        self.assertEqual(
            session_expired_reason(self.started(login_at=login, seen_at=login), now=login + 5000),
            "absolute",
        )

    def test_an_idle_session_ends_after_the_idle_limit(self):
        from accounts.sessions import session_expired_reason

        login = 1_700_000_000
        self.assertIsNone(
            session_expired_reason(
                self.started(login_at=login, seen_at=login + 100), now=login + 700
            )
        )
        self.assertEqual(
            session_expired_reason(
                self.started(login_at=login, seen_at=login + 100), now=login + 701
            ),
            "idle",
        )

    def test_the_last_seen_stamp_moves_at_most_once_a_minute(self):
        from accounts.sessions import SEEN_AT, session_expired_reason

        request = self.started(login_at=0, seen_at=100)
        self.assertIsNone(session_expired_reason(request, now=159.5))
        self.assertEqual(request.session[SEEN_AT], 100)
        self.assertIsNone(session_expired_reason(request, now=160))
        self.assertEqual(request.session[SEEN_AT], 160)

    def test_the_clock_is_read_when_no_time_is_given(self):
        from accounts.sessions import session_expired_reason

        request = self.started(login_at=0, seen_at=0)
        with mock.patch("accounts.sessions.time.time", return_value=601.0):
            self.assertEqual(session_expired_reason(request), "idle")


class LockoutRuleTests(SimpleTestCase):
    """accounts.lockout: the client address and the two failure limits."""

    def test_the_address_is_remote_addr_without_trusted_proxies(self):
        from accounts.lockout import client_ip

        request = _request(REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="6.6.6.6")
        with accounts_settings_override(TRUSTED_PROXY_COUNT=0):
            self.assertEqual(client_ip(request), "10.0.0.9")

    def test_the_address_is_counted_from_the_right_behind_our_proxies(self):
        from accounts.lockout import client_ip

        request = _request(
            REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 1.2.3.4 ,, 10.0.0.2"
        )
        with accounts_settings_override(TRUSTED_PROXY_COUNT=1):
            self.assertEqual(client_ip(request), "10.0.0.2")
        with accounts_settings_override(TRUSTED_PROXY_COUNT=2):
            self.assertEqual(client_ip(request), "1.2.3.4")
        with accounts_settings_override(TRUSTED_PROXY_COUNT=3):
            self.assertEqual(client_ip(request), "6.6.6.6")
        with accounts_settings_override(TRUSTED_PROXY_COUNT=4):
            # Fewer entries than proxies: the header is not ours, the socket is.
            self.assertEqual(client_ip(request), "10.0.0.1")
        with accounts_settings_override(TRUSTED_PROXY_COUNT=1):
            self.assertEqual(client_ip(_request(REMOTE_ADDR="10.0.0.1")), "10.0.0.1")
        with accounts_settings_override(TRUSTED_PROXY_COUNT=-1):
            # A nonsensical count trusts no header (never an entry the client wrote).
            self.assertEqual(client_ip(request), "10.0.0.1")

    def get_failures(self, totals, *, per_account=3, per_address=6):
        from accounts.lockout import AccountOrAddressHandler

        querysets = [mock.Mock(**{"aggregate.return_value": {"total": t}}) for t in totals]
        handler = AccountOrAddressHandler()
        with (
            accounts_settings_override(
                FAILURE_LIMIT_PER_ACCOUNT=per_account, FAILURE_LIMIT_PER_ADDRESS=per_address
            ),
            mock.patch.object(handler, "get_user_attempts", return_value=querysets),
        ):
            return handler.get_failures(_request(), {"username": "gv"})

    def test_an_account_is_counted_against_its_own_limit(self):
        self.assertEqual(self.get_failures([2, 0]), 2)
        self.assertEqual(self.get_failures([3, 3]), 3)
        self.assertEqual(self.get_failures([None, None]), 0)
        self.assertEqual(self.get_failures([]), 0)
        self.assertEqual(self.get_failures([4]), 4)

    def test_an_address_is_scaled_to_its_higher_limit(self):
        # 5 failures of 6 allowed from the address are 2 of 3 on the account's scale.
        self.assertEqual(self.get_failures([0, 5]), 2)
        self.assertEqual(self.get_failures([0, 6]), 3)
        self.assertEqual(self.get_failures([1, 12]), 6)
        self.assertEqual(self.get_failures([0, 7], per_account=5, per_address=30), 1)
        self.assertEqual(self.get_failures([0, 4], per_address=0), 12)

    def test_the_failure_limit_is_the_per_account_one(self):
        from accounts.lockout import failure_limit

        with accounts_settings_override(FAILURE_LIMIT_PER_ACCOUNT=4, FAILURE_LIMIT_PER_ADDRESS=9):
            self.assertEqual(failure_limit(), 4)

    def test_a_lockout_answers_429_in_vietnamese(self):
        from django import forms
        from django.template.response import TemplateResponse

        from accounts.lockout import lockout_message, lockout_response

        text = lockout_message()
        plain = lockout_response(_request())
        self.assertEqual(plain.status_code, 429)
        self.assertEqual(plain.content.decode(), text)
        self.assertIn("tạm thời bị khóa", text)
        request = _request()
        form = forms.Form(data={})
        form.add_error(None, "Sai mật khẩu.")
        original = TemplateResponse(request, "accounts/lockout_probe.html", {"form": form})
        # Rendering needs the login page's template; the answer's parts are what matter.
        with mock.patch.object(TemplateResponse, "render", lambda response: response):
            answer = lockout_response(request, original)
        self.assertEqual(answer.status_code, 429)
        self.assertEqual(answer.template_name, "accounts/lockout_probe.html")
        errors = answer.context_data["form"].non_field_errors()
        self.assertEqual(list(errors), [text])
        self.assertEqual(set(answer.context_data["form"].errors), {"__all__"})
