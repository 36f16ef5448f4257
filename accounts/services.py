"""Writes on accounts: credential resets by someone else (no self-service reset, R2).

Separation of duties: an account's password or second factor is reset only by a
person of strictly higher authority in the same school, and a principal's only by
the officer of the authority over the school. Every reset is e-mailed to the owner
and written to the audit chain (through accounts.signals). The resets are actions
(workflow.actions.base.Action): a refused one is written to the audit chain once,
by the base class, like every refused write."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import TypeVar
from zoneinfo import ZoneInfo

from axes.utils import reset as axes_reset
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.lockout import client_ip
from accounts.models import AccountSecurity
from accounts.signals import EventKind, emit_security_event
from accounts.twofactor import devices_remove
from recordpages.models.people import AUTHORITY_ROLES, RoleCode, StaffProfile
from recordpages.permissions import get_scope, visible_schools
from workflow.actions.base import Action, ActionRefused

logger = logging.getLogger(__name__)

Result = TypeVar("Result")

# The regulation's dates and times are Vietnam's, whatever the server's zone.
LOCAL_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")

RESET_ROLES = frozenset({RoleCode.PRINCIPAL, RoleCode.SYSADMIN})
# No 0/O, 1/l/I: the temporary password is read aloud or copied from paper.
_UPPER = "ABCDEFGHJKLMNPQRSTUVWXYZ"
_LOWER = "abcdefghijkmnopqrstuvwxyz"
_DIGITS = "23456789"
_SYMBOLS = "@#%+=!?"


class Rank(IntEnum):
    """Authority inside a school, for separation of duties (R2): an account's
    credentials are reset only by someone of strictly higher rank. The system
    administrator manages accounts but ranks below the school's leaders, so that
    running the accounts never means being able to become a leader."""

    STAFF = 1
    SYSADMIN = 2
    VICE_PRINCIPAL = 3
    PRINCIPAL = 4


_ROLE_RANK = {
    RoleCode.PRINCIPAL: Rank.PRINCIPAL,
    RoleCode.VICE_PRINCIPAL: Rank.VICE_PRINCIPAL,
    RoleCode.SYSADMIN: Rank.SYSADMIN,
}


def rank_of(roles: frozenset[str]) -> Rank:
    """An account with several roles ranks as its highest one."""
    return max((_ROLE_RANK.get(code, Rank.STAFF) for code in roles), default=Rank.STAFF)


@dataclass(frozen=True)
class Party:
    """What the reset rule needs to know of the actor or of the account reset."""

    user_id: int | None
    is_superuser: bool
    roles: frozenset[str]
    school_id: int | None


class Refusal(StrEnum):
    OWN = "own"
    PRINCIPAL_BY_AUTHORITY = "principal_by_authority"
    AUTHORITY_ONLY_PRINCIPALS = "authority_only_principals"
    NOT_A_RESETTER = "not_a_resetter"
    OTHER_SCHOOL = "other_school"
    NOT_BELOW = "not_below"


def refusal_message(refusal: Refusal) -> str:
    """Why a reset is refused, in the words shown to the person who asked."""
    messages = {
        Refusal.OWN: _(
            "Không ai tự đặt lại mật khẩu hay xác thực hai lớp của chính mình tại đây; "
            "hãy đổi mật khẩu ở trang Tài khoản."
        ),
        Refusal.PRINCIPAL_BY_AUTHORITY: _(
            "Mật khẩu và xác thực hai lớp của hiệu trưởng chỉ do cán bộ Phòng GD&ĐT "
            "quản lý trường đặt lại."
        ),
        Refusal.AUTHORITY_ONLY_PRINCIPALS: _(
            "Cán bộ Phòng GD&ĐT chỉ đặt lại tài khoản hiệu trưởng; các tài khoản khác "
            "do hiệu trưởng hoặc cán bộ quản trị của trường đặt lại."
        ),
        Refusal.NOT_A_RESETTER: _(
            "Chỉ hiệu trưởng hoặc cán bộ quản trị hệ thống của trường được đặt lại "
            "mật khẩu, xác thực hai lớp."
        ),
        Refusal.OTHER_SCHOOL: _("Tài khoản này không thuộc trường của bạn."),
        Refusal.NOT_BELOW: _(
            "Không được đặt lại mật khẩu, xác thực hai lớp của tài khoản có thẩm quyền "
            "ngang hoặc cao hơn mình (phân tách nhiệm vụ)."
        ),
    }
    return messages[refusal]


def reset_refusal(
    actor: Party, target: Party, *, actor_reaches_target_school: bool
) -> Refusal | None:
    """The separation-of-duties rule for credential resets (R2), without the database.

    None means allowed. `actor_reaches_target_school` says whether the target's
    school lies under the actor's authority (only asked of authority officers).
    """
    if actor.user_id is not None and actor.user_id == target.user_id:
        return Refusal.OWN
    if target.is_superuser:
        return Refusal.NOT_BELOW
    if rank_of(target.roles) == Rank.PRINCIPAL:
        # Not even a superuser: the principal signs for the school, and only the
        # authority that appointed them vouches for a new credential.
        officer = RoleCode.DISTRICT_OFFICE in actor.roles and actor.school_id is None
        if officer and target.school_id is not None and actor_reaches_target_school:
            return None
        return Refusal.PRINCIPAL_BY_AUTHORITY
    if actor.is_superuser:
        return None
    if actor.school_id is None and actor.roles & AUTHORITY_ROLES:
        return Refusal.AUTHORITY_ONLY_PRINCIPALS
    if not actor.roles & RESET_ROLES or actor.school_id is None:
        return Refusal.NOT_A_RESETTER
    if target.school_id != actor.school_id:
        return Refusal.OTHER_SCHOOL
    if rank_of(target.roles) >= rank_of(actor.roles & RESET_ROLES):
        return Refusal.NOT_BELOW
    return None


class PasswordResetRefused(ActionRefused):
    """A credential reset refused by the separation-of-duties rule (R2)."""

    def __init__(self, refusal: Refusal, **where):
        super().__init__(refusal_message(refusal), **where)
        self.refusal = refusal


def _party_of_actor(actor) -> Party:
    scope = get_scope(actor)
    return Party(
        user_id=actor.pk if scope.is_authenticated else None,
        is_superuser=scope.is_superuser,
        roles=scope.roles,
        school_id=scope.school_id,
    )


def _party_of_staff(staff: StaffProfile) -> Party:
    return Party(
        user_id=staff.user_id,
        is_superuser=staff.user.is_superuser,
        roles=staff.role_codes,
        school_id=staff.school_id,
    )


def credential_reset_refusal(actor, staff: StaffProfile) -> Refusal | None:
    """May `actor` reset the password or second factor of `staff`? None if so."""
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return Refusal.NOT_A_RESETTER
    actor_party = _party_of_actor(actor)
    reaches = False
    if actor_party.school_id is None and staff.school_id is not None:
        reaches = visible_schools(actor).filter(pk=staff.school_id).exists()
    return reset_refusal(actor_party, _party_of_staff(staff), actor_reaches_target_school=reaches)


def can_reset_password(actor, staff: StaffProfile) -> bool:
    return credential_reset_refusal(actor, staff) is None


def temporary_password(length: int = 14) -> str:
    """A random password that passes every rule: each character kind at least twice."""
    rng = secrets.SystemRandom()
    chars = [rng.choice(pool) for pool in (_UPPER, _LOWER, _DIGITS, _SYMBOLS) for _ in range(2)]
    pool = _UPPER + _LOWER + _DIGITS
    chars += [rng.choice(pool) for _ in range(max(length - len(chars), 0))]
    rng.shuffle(chars)
    return "".join(chars)


def _owner_notify(*, user, actor, what: str, when: dt.datetime, ip: str | None) -> None:
    """Tell the owner, after the reset is committed, who reset what, when and from where:
    a takeover that the owner did not ask for is noticed by the one person who knows."""
    if not user.email:
        logger.warning("credential reset of %s: the account has no e-mail", user.get_username())
        return
    local = timezone.localtime(when, LOCAL_ZONE).strftime("%d/%m/%Y %H:%M")
    who = f"{actor.get_full_name() or actor.get_username()} ({actor.get_username()})"
    subject = _("[Hồ sơ chuyên môn] %(what)s của tài khoản %(username)s đã được đặt lại") % {
        "what": what,
        "username": user.get_username(),
    }
    body = _(
        "Kính gửi %(name)s,\n\n"
        "%(what)s của tài khoản %(username)s trên hệ thống Hồ sơ chuyên môn điện tử "
        "vừa được đặt lại.\n\n"
        "Người thực hiện: %(who)s\n"
        "Thời gian: %(when)s (giờ Việt Nam)\n"
        "Từ địa chỉ: %(ip)s\n\n"
        "Nếu bạn không đề nghị việc này, hãy báo ngay cho hiệu trưởng hoặc Phòng GD&ĐT."
    ) % {
        "name": user.get_full_name() or user.get_username(),
        "what": what,
        "username": user.get_username(),
        "who": who,
        "when": local,
        "ip": ip or _("không rõ"),
    }

    def send() -> None:
        try:
            send_mail(subject, body, None, [user.email])
        except Exception:  # the reset stands; the audit entry and the panels still show it
            logger.exception("credential reset mail to %s failed", user.get_username())

    transaction.on_commit(send)


class _CredentialReset(Action[Result]):
    """A reset of someone else's credential: the rank rule (R2) in `check()`; the owner
    is e-mailed after commit and the audit chain names who did it (R16)."""

    object_type = "user"

    def __init__(self, *, actor, staff: StaffProfile, request: HttpRequest | None = None):
        super().__init__(user=actor, request=request)
        self.staff = staff
        # A refusal is evidence for the school whose account was asked for.
        self.school_id = staff.school_id
        self.object_id = staff.user_id

    def check(self) -> None:
        refusal = credential_reset_refusal(self.user, self.staff)
        if refusal is not None:
            logger.warning(
                "credential reset of %s refused to %s: %s",
                self.staff.user.get_username(),
                getattr(self.user, "username", None),
                refusal.value,
            )
            raise PasswordResetRefused(
                refusal,
                school_id=self.school_id,
                object_type=self.object_type,
                object_id=self.object_id,
                attempted=self.name,
            )

    def ip(self) -> str | None:
        return client_ip(self.request) if self.request is not None else None


class PasswordReset(_CredentialReset[str]):
    """Give `staff` a temporary password they must change at their next login.

    Returns the password, to be shown once to the administrator. Also lifts a
    lockout of that account and, on request, forgets its authenticator (lost phone).
    """

    name = "account.password_reset"

    def __init__(
        self,
        *,
        actor,
        staff: StaffProfile,
        reset_two_factor: bool = False,
        request: HttpRequest | None = None,
    ):
        super().__init__(actor=actor, staff=staff, request=request)
        self.reset_two_factor = reset_two_factor

    def perform(self) -> str:
        actor, user, now, ip = self.user, self.staff.user, timezone.now(), self.ip()
        password = temporary_password()
        user.set_password(password)
        user.save(update_fields=["password"])
        AccountSecurity.objects.update_or_create(
            user=user,
            defaults={
                "temporary_password_hash": user.password,
                "reset_by": actor,
                "reset_at": now,
            },
        )
        axes_reset(username=user.get_username())
        if self.reset_two_factor:
            devices_remove(user=user, actor=actor, request=self.request)
        emit_security_event(
            EventKind.PASSWORD_RESET_BY_ADMIN,
            user=user,
            actor=actor,
            ip=ip,
            when=now,
            detail=f"by {actor.get_username()}" + ("; 2FA reset" if self.reset_two_factor else ""),
        )
        what = _("Mật khẩu và xác thực hai lớp") if self.reset_two_factor else _("Mật khẩu")
        _owner_notify(user=user, actor=actor, what=what, when=now, ip=ip)
        return password


class TwoFactorReset(_CredentialReset[int]):
    """Forget every authenticator of `staff` (a lost phone): the owner enrols a new one
    at their next login. Returns how many were removed."""

    name = "account.two_factor_reset"

    def perform(self) -> int:
        actor, user, now, ip = self.user, self.staff.user, timezone.now(), self.ip()
        count = devices_remove(user=user, actor=actor, request=self.request)
        emit_security_event(
            EventKind.TWO_FACTOR_RESET_BY_ADMIN,
            user=user,
            actor=actor,
            ip=ip,
            when=now,
            detail=f"by {actor.get_username()}; {count} device(s)",
        )
        _owner_notify(user=user, actor=actor, what=_("Xác thực hai lớp"), when=now, ip=ip)
        return count


def staff_password_reset(
    *,
    actor,
    staff: StaffProfile,
    reset_two_factor: bool = False,
    request: HttpRequest | None = None,
) -> str:
    return PasswordReset(
        actor=actor, staff=staff, reset_two_factor=reset_two_factor, request=request
    ).execute()


def staff_two_factor_reset(
    *, actor, staff: StaffProfile, request: HttpRequest | None = None
) -> int:
    return TwoFactorReset(actor=actor, staff=staff, request=request).execute()


def must_change_password(user) -> bool:
    if user is None or not user.is_authenticated:
        return False
    record = AccountSecurity.objects.filter(user_id=user.pk).only("temporary_password_hash").first()
    return bool(record and record.temporary_password_hash == user.password)
