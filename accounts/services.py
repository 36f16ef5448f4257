"""Writes on accounts: the administrator's password reset (no self-service reset, R2)."""

from __future__ import annotations

import logging
import secrets

from axes.utils import reset as axes_reset
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.lockout import client_ip
from accounts.models import AccountSecurity
from accounts.signals import EventKind, emit_security_event
from accounts.twofactor import devices_remove
from recordpages.models.people import RoleCode, StaffProfile
from recordpages.permissions import get_scope

logger = logging.getLogger(__name__)

RESET_ROLES = frozenset({RoleCode.PRINCIPAL, RoleCode.SYSADMIN})
# No 0/O, 1/l/I: the temporary password is read aloud or copied from paper.
_UPPER = "ABCDEFGHJKLMNPQRSTUVWXYZ"
_LOWER = "abcdefghijkmnopqrstuvwxyz"
_DIGITS = "23456789"
_SYMBOLS = "@#%+=!?"


class PasswordResetRefused(PermissionError):
    pass


def can_reset_password(actor, staff: StaffProfile) -> bool:
    """A superuser resets anyone but themself; a principal or system administrator
    resets the staff of their own school, never an authority account, a superuser
    or their own (they use the account page for that)."""
    target = staff.user
    if actor is None or not actor.is_authenticated or target.pk == actor.pk:
        return False
    if actor.is_superuser:
        return True
    scope = get_scope(actor)
    if scope.read_only or not scope.roles & RESET_ROLES or scope.school_id is None:
        return False
    # Authority accounts have no school (StaffProfileForm.clean), so the school test
    # also keeps them out of reach.
    return not target.is_superuser and staff.school_id == scope.school_id


def temporary_password(length: int = 14) -> str:
    """A random password that passes every rule: each character kind at least twice."""
    rng = secrets.SystemRandom()
    chars = [rng.choice(pool) for pool in (_UPPER, _LOWER, _DIGITS, _SYMBOLS) for _ in range(2)]
    pool = _UPPER + _LOWER + _DIGITS
    chars += [rng.choice(pool) for _ in range(max(length - len(chars), 0))]
    rng.shuffle(chars)
    return "".join(chars)


@transaction.atomic
def staff_password_reset(
    *,
    actor,
    staff: StaffProfile,
    reset_two_factor: bool = False,
    request: HttpRequest | None = None,
) -> str:
    """Give `staff` a temporary password they must change at their next login.

    Returns the password, to be shown once to the administrator. Also lifts a
    lockout of that account and, on request, forgets its authenticator (lost phone).
    """
    if not can_reset_password(actor, staff):
        raise PasswordResetRefused("actor may not reset this account")
    user = staff.user
    password = temporary_password()
    user.set_password(password)
    user.save(update_fields=["password"])
    AccountSecurity.objects.update_or_create(
        user=user,
        defaults={
            "temporary_password_hash": user.password,
            "reset_by": actor,
            "reset_at": timezone.now(),
        },
    )
    axes_reset(username=user.get_username())
    if reset_two_factor:
        devices_remove(user=user, actor=actor, request=request)
    emit_security_event(
        EventKind.PASSWORD_RESET_BY_ADMIN,
        user=user,
        ip=client_ip(request) if request is not None else None,
        detail=f"by {actor.get_username()}" + ("; 2FA reset" if reset_two_factor else ""),
    )
    return password


def must_change_password(user) -> bool:
    if user is None or not user.is_authenticated:
        return False
    record = AccountSecurity.objects.filter(user_id=user.pk).only("temporary_password_hash").first()
    return bool(record and record.temporary_password_hash == user.password)
