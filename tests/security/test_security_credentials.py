"""Separation of duties for credential resets (R2, issue #11 finding 3).

Nobody resets the password or the second factor of an account of equal or higher
authority in the same school; a principal's are reset only by the officer of the
authority over the school; every reset is e-mailed to the owner, written to the
audit chain and shown on the unusual-access panels of the school and the authority.
"""

from __future__ import annotations

import datetime as dt
from unittest import mock
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.core import mail
from django.test import SimpleTestCase, TestCase
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


class RuleTests(SimpleTestCase):
    """The rule itself, without the database (fast: the mutation run uses these)."""

    SCHOOL_A, SCHOOL_B = 1, 2

    @staticmethod
    def party(user_id, roles=(), school_id=1, superuser=False):
        from accounts.services import Party

        return Party(
            user_id=user_id, is_superuser=superuser, roles=frozenset(roles), school_id=school_id
        )

    def refusal(self, actor, target, reaches=False):
        from accounts.services import reset_refusal

        return reset_refusal(actor, target, actor_reaches_target_school=reaches)

    def test_an_account_ranks_as_its_highest_role(self):
        from accounts.services import Rank, rank_of

        self.assertEqual(rank_of(frozenset()), Rank.STAFF)
        for code in ("teacher", "clerk", "accountant", "archivist", "group_leader"):
            self.assertEqual(rank_of(frozenset({code})), Rank.STAFF, code)
        self.assertEqual(rank_of(frozenset({"teacher", "sysadmin"})), Rank.SYSADMIN)
        self.assertEqual(rank_of(frozenset({"sysadmin", "vice_principal"})), Rank.VICE_PRINCIPAL)
        self.assertEqual(rank_of(frozenset({"teacher", "principal"})), Rank.PRINCIPAL)
        self.assertTrue(Rank.STAFF < Rank.SYSADMIN < Rank.VICE_PRINCIPAL < Rank.PRINCIPAL)

    def test_the_school_order_of_who_resets_whom(self):
        from accounts.services import Refusal

        principal = self.party(1, ["principal"])
        vice = self.party(2, ["vice_principal"])
        sysadmin = self.party(3, ["sysadmin"])
        teacher = self.party(4, ["teacher"])
        allowed = {
            (principal, vice),
            (principal, sysadmin),
            (principal, teacher),
            (sysadmin, teacher),
        }
        people = [principal, vice, sysadmin, teacher]
        for actor in people:
            for target in people:
                if actor is target:
                    continue
                got = self.refusal(actor, target)
                if (actor, target) in allowed:
                    self.assertIsNone(got, (actor.roles, target.roles))
                elif target is principal:
                    self.assertEqual(got, Refusal.PRINCIPAL_BY_AUTHORITY)
                elif actor in (principal, sysadmin):
                    self.assertEqual(got, Refusal.NOT_BELOW, (actor.roles, target.roles))
                else:
                    self.assertEqual(got, Refusal.NOT_A_RESETTER, (actor.roles, target.roles))

    def test_equal_authority_is_refused(self):
        from accounts.services import Refusal

        self.assertEqual(
            self.refusal(self.party(3, ["sysadmin"]), self.party(5, ["sysadmin", "teacher"])),
            Refusal.NOT_BELOW,
        )
        # A sysadmin who also teaches is still a sysadmin, not a leader.
        self.assertEqual(
            self.refusal(
                self.party(3, ["sysadmin", "vice_principal"]), self.party(5, ["sysadmin"])
            ),
            Refusal.NOT_BELOW,
        )

    def test_nobody_resets_their_own_credentials(self):
        from accounts.services import Refusal

        for roles, school, superuser in (
            (["principal"], 1, False),
            (["sysadmin"], 1, False),
            (["district_office"], None, False),
            ([], None, True),
        ):
            me = self.party(7, roles, school, superuser)
            self.assertEqual(self.refusal(me, me, reaches=True), Refusal.OWN, roles)

    def test_an_account_of_another_school_is_refused(self):
        from accounts.services import Refusal

        self.assertEqual(
            self.refusal(self.party(1, ["principal"], 2), self.party(4, ["teacher"], 1)),
            Refusal.OTHER_SCHOOL,
        )
        self.assertEqual(
            self.refusal(self.party(1, ["principal"], 1), self.party(4, ["teacher"], None)),
            Refusal.OTHER_SCHOOL,
        )

    def test_only_the_authority_officer_over_the_school_resets_a_principal(self):
        from accounts.services import Refusal

        principal = self.party(1, ["principal", "teacher"], 1)
        officer = self.party(9, ["district_office"], None)
        self.assertIsNone(self.refusal(officer, principal, reaches=True))
        self.assertEqual(
            self.refusal(officer, principal, reaches=False), Refusal.PRINCIPAL_BY_AUTHORITY
        )
        for actor in (
            self.party(8, ["inspector"], None),
            self.party(10, [], None, superuser=True),
            self.party(11, ["principal"], 1),
            self.party(12, ["principal"], 2),
            # An officer's role given to a school account does not make it the authority.
            self.party(13, ["district_office", "sysadmin"], 1),
        ):
            self.assertEqual(
                self.refusal(actor, principal, reaches=True),
                Refusal.PRINCIPAL_BY_AUTHORITY,
                actor,
            )
        # A principal account without a school is no school's principal.
        self.assertEqual(
            self.refusal(officer, self.party(1, ["principal"], None), reaches=True),
            Refusal.PRINCIPAL_BY_AUTHORITY,
        )

    def test_the_authority_resets_principals_only(self):
        from accounts.services import Refusal

        officer = self.party(9, ["district_office"], None)
        inspector = self.party(8, ["inspector"], None)
        for actor in (officer, inspector):
            for target_roles in (["teacher"], ["vice_principal"], ["sysadmin"]):
                self.assertEqual(
                    self.refusal(actor, self.party(4, target_roles, 1), reaches=True),
                    Refusal.AUTHORITY_ONLY_PRINCIPALS,
                )
            self.assertEqual(
                self.refusal(actor, self.party(5, ["district_office"], None), reaches=True),
                Refusal.AUTHORITY_ONLY_PRINCIPALS,
            )

    def test_a_superuser_resets_below_principals_but_never_a_superuser(self):
        from accounts.services import Refusal

        root = self.party(10, [], None, superuser=True)
        for roles, school in ((["teacher"], 1), (["sysadmin"], 1), (["district_office"], None)):
            self.assertIsNone(self.refusal(root, self.party(4, roles, school)), roles)
        self.assertEqual(
            self.refusal(root, self.party(11, [], None, superuser=True)), Refusal.NOT_BELOW
        )
        self.assertEqual(
            self.refusal(self.party(1, ["principal"], 1), self.party(11, [], 1, superuser=True)),
            Refusal.NOT_BELOW,
        )

    def test_an_account_without_a_reset_role_resets_nobody(self):
        from accounts.services import Refusal

        teacher = self.party(4, ["teacher"], 1)
        for roles in (["vice_principal"], ["group_leader"], ["clerk"], []):
            self.assertEqual(
                self.refusal(self.party(6, roles, 1), teacher), Refusal.NOT_A_RESETTER, roles
            )
        # A reset role without a school (a misconfigured account) reaches nobody.
        self.assertEqual(
            self.refusal(self.party(6, ["sysadmin"], None), self.party(4, ["teacher"], None)),
            Refusal.NOT_A_RESETTER,
        )

    def test_every_refusal_is_worded_in_vietnamese(self):
        from accounts.services import Refusal, refusal_message

        worded = {refusal: refusal_message(refusal) for refusal in Refusal}
        self.assertIn(NOT_BELOW, worded[Refusal.NOT_BELOW])
        self.assertIn(PRINCIPAL_ONLY_BY_AUTHORITY, worded[Refusal.PRINCIPAL_BY_AUTHORITY])
        self.assertIn(OWN, worded[Refusal.OWN])
        self.assertIn(OTHER_SCHOOL, worded[Refusal.OTHER_SCHOOL])
        self.assertIn(AUTHORITY_ONLY_PRINCIPALS, worded[Refusal.AUTHORITY_ONLY_PRINCIPALS])
        self.assertEqual(len(set(worded.values())), len(Refusal))


class TemporaryPasswordTests(SimpleTestCase):
    def test_a_temporary_password_passes_every_password_rule(self):
        from django.contrib.auth.password_validation import validate_password

        from accounts.services import temporary_password

        for _ in range(50):
            password = temporary_password()
            self.assertEqual(len(password), 14)
            validate_password(password)
            for pool in ("ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnopqrstuvwxyz", "23456789"):
                self.assertGreaterEqual(sum(ch in pool for ch in password), 2, password)
            self.assertGreaterEqual(sum(ch in "@#%+=!?" for ch in password), 2, password)
            self.assertFalse(set(password) & set("0O1lI"), password)
        self.assertEqual(len(temporary_password(20)), 20)
        self.assertEqual(len(temporary_password(4)), 8)  # never fewer than two of each kind


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


class PasswordRuleTests(SimpleTestCase):
    """accounts.passwords: each rule, its boundary and its Vietnamese message."""

    def refused(self, validator, password, user=None) -> str:
        from django.core.exceptions import ValidationError

        with self.assertRaises(ValidationError) as caught:
            validator.validate(password, user)
        return caught.exception.messages[0]

    def test_length_limits(self):
        from accounts.passwords import MaximumLengthValidator, MinimumLengthValidator

        short = MinimumLengthValidator(min_length=10)
        self.assertEqual(
            self.refused(short, "Ab1@56789"), "Mật khẩu quá ngắn: cần ít nhất 10 kí tự."
        )
        short.validate("Ab1@567890")
        self.assertIn("10 kí tự", short.get_help_text())
        long = MaximumLengthValidator(max_length=12)
        self.assertEqual(self.refused(long, "a" * 13), "Mật khẩu quá dài: tối đa 12 kí tự.")
        long.validate("a" * 12)
        self.assertIn("12 kí tự", long.get_help_text())
        self.assertEqual(MaximumLengthValidator().max_length, 128)

    def test_several_kinds_of_character(self):
        from accounts.passwords import CharacterKindsValidator

        three = CharacterKindsValidator(min_kinds=3)
        for weak in ("abcdefghij", "abcdeFGHIJ", "abcde12345", "abcde!!!!!", "ABCDE12345"[:5]):
            self.assertIn("ít nhất 3 trong 4 loại", self.refused(three, weak))
        for strong in ("abcDE12345", "abcde12!!!", "ABCDE12!!!", "abcDE!!!!!"):
            three.validate(strong)
        self.assertEqual(CharacterKindsValidator().min_kinds, 3)
        CharacterKindsValidator(min_kinds=4).validate("aB1!")
        self.refused(CharacterKindsValidator(min_kinds=4), "aB1c")
        self.assertIn("ít nhất 3", three.get_help_text())

    def test_no_folded_name_or_login_in_the_password(self):
        from types import SimpleNamespace

        from accounts.passwords import FoldedNameValidator

        rule = FoldedNameValidator()
        user = SimpleNamespace(username="hn.giaovien", first_name="Văn Thành", last_name="Nguyễn")
        for bad in ("Nguyen@2026x", "xx-GIAOVIEN-1", "thanh#2026AB", "N.g.u.y.e.n-99"):
            self.assertEqual(
                self.refused(rule, bad, user),
                "Mật khẩu không được chứa tên đăng nhập hoặc tên của bạn.",
                bad,
            )
        rule.validate("Van@2026hoso", user)  # "van" is too short to count
        four = SimpleNamespace(username="x", first_name="Hùng", last_name="Lê")
        self.refused(rule, "Hung#2026ab", four)  # four letters are enough to count
        rule.validate("Nguyen@2026x", None)
        rule.validate("Nguyen@2026x", SimpleNamespace())
        self.assertIn("không dấu", rule.get_help_text())

    def test_similar_common_and_numeric_passwords(self):

        from accounts.passwords import (
            CommonPasswordValidator,
            NumericPasswordValidator,
            UserAttributeSimilarityValidator,
        )

        user = User(username="giaovien")
        self.assertIn(
            "quá giống thông tin cá nhân",
            self.refused(UserAttributeSimilarityValidator(), "giaovien1", user),
        )
        UserAttributeSimilarityValidator().validate("Khac#Hoan2026", user)
        common = CommonPasswordValidator()
        self.assertEqual(
            self.refused(common, " PassWord "), "Mật khẩu này quá phổ biến, dễ bị đoán."
        )
        common.validate("Khac#Hoan2026")
        numeric = NumericPasswordValidator()
        self.assertEqual(self.refused(numeric, "1234567890"), "Mật khẩu không được toàn chữ số.")
        numeric.validate("123456789a")
        for validator in (UserAttributeSimilarityValidator(), common, numeric):
            self.assertTrue(validator.get_help_text().startswith("Mật khẩu không được"))


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
