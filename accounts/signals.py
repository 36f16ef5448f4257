"""The one seam through which account security events leave this app.

The audit log (workflow.audit) subscribes to `security_event`; this app never
imports it. Receivers get keyword arguments:

    kind      one of EventKind (str)
    user      the User the event concerns, or None when the username is unknown
    actor     the User who caused it when that is someone else (a reset), else None
    username  the username as typed (never a password)
    ip        the client address as the lockout sees it, or None
    when      an aware datetime
    detail    a short English text
"""

from __future__ import annotations

import datetime as dt
import logging
from enum import StrEnum

from django.dispatch import Signal
from django.utils import timezone

logger = logging.getLogger(__name__)

security_event = Signal()


class EventKind(StrEnum):
    LOGIN_SUCCEEDED = "login_succeeded"
    LOGIN_FAILED = "login_failed"
    LOCKED_OUT = "locked_out"
    LOGOUT = "logout"
    OTP_VERIFIED = "otp_verified"
    OTP_FAILED = "otp_failed"
    OTP_ENROLLED = "otp_enrolled"
    OTP_REMOVED = "otp_removed"
    PASSWORD_RESET_BY_ADMIN = "password_reset_by_admin"
    TWO_FACTOR_RESET_BY_ADMIN = "two_factor_reset_by_admin"
    SESSION_EXPIRED = "session_expired"
    UPLOAD_REFUSED = "upload_refused"


_WARNINGS = {
    EventKind.LOGIN_FAILED,
    EventKind.LOCKED_OUT,
    EventKind.OTP_FAILED,
    EventKind.UPLOAD_REFUSED,
}


def emit_security_event(
    kind: EventKind,
    *,
    user=None,
    actor=None,
    username: str = "",
    ip: str | None = None,
    detail: str = "",
    when: dt.datetime | None = None,
) -> None:
    """Log the event in English and tell every subscriber (the audit log, R16)."""
    when = when or timezone.now()
    username = username or (user.get_username() if user is not None else "")
    level = logging.WARNING if kind in _WARNINGS else logging.INFO
    logger.log(level, "security event %s user=%r ip=%s %s", kind.value, username, ip, detail)
    security_event.send(
        sender=EventKind,
        kind=kind.value,
        user=user,
        actor=actor,
        username=username,
        ip=ip,
        when=when,
        detail=detail,
    )
