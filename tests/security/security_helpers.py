"""Helpers shared by the security tests: capture security events, log in for real, pass 2FA."""

from __future__ import annotations

import contextlib
import time

from django.test import Client, override_settings
from django_otp.oath import TOTP

from accounts.signals import security_event

ENFORCED = {"TWO_FACTOR_ENFORCED": True}


def accounts_settings_override(**values):
    from django.conf import settings

    return override_settings(ACCOUNTS={**settings.ACCOUNTS, **values})


@contextlib.contextmanager
def captured_events():
    events: list[dict] = []

    def receiver(sender, **kwargs):
        events.append(kwargs)

    security_event.connect(receiver, weak=False)
    try:
        yield events
    finally:
        security_event.disconnect(receiver)


def totp_token(device, *, offset_steps: int = 0) -> str:
    """The code an authenticator app would show now (or `offset_steps` later)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + offset_steps * device.step
    return f"{totp.token():0{device.digits}d}"


def login_form(client: Client, username: str, password: str, ip: str = "10.0.0.1"):
    return client.post(
        "/admin/login/", {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def force_login_verified(client: Client, user) -> None:
    """Log in and mark the session as having passed the second factor (for matrix tests)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.force_login(user)
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="test", defaults={"confirmed": True}
    )
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
