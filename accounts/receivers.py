"""Turns Django's and axes' login signals into security events and stamps the session."""

from __future__ import annotations

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from accounts.lockout import client_ip
from accounts.sessions import session_start
from accounts.signals import EventKind, emit_security_event


@receiver(user_logged_in, dispatch_uid="accounts.logged_in")
def _logged_in(sender, request, user, **kwargs) -> None:
    if request is None:
        return
    session_start(request)
    emit_security_event(EventKind.LOGIN_SUCCEEDED, user=user, ip=client_ip(request))


@receiver(user_logged_out, dispatch_uid="accounts.logged_out")
def _logged_out(sender, request, user, **kwargs) -> None:
    if user is not None and request is not None:
        emit_security_event(EventKind.LOGOUT, user=user, ip=client_ip(request))


@receiver(user_login_failed, dispatch_uid="accounts.login_failed")
def _login_failed(sender, credentials, request=None, **kwargs) -> None:
    emit_security_event(
        EventKind.LOGIN_FAILED,
        username=str(credentials.get("username", ""))[:150],
        ip=client_ip(request) if request is not None else None,
    )


@receiver(user_locked_out, dispatch_uid="accounts.locked_out")
def _locked_out(sender, request, username, ip_address, **kwargs) -> None:
    emit_security_event(
        EventKind.LOCKED_OUT,
        username=str(username or "")[:150],
        ip=ip_address,
        detail="too many failed logins",
    )
