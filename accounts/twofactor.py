"""Two-factor authentication (TOTP, django-otp): who must use it, enrolment, verification.

Available to every user; required for principals, system administrators and
superusers (R2), who hold the keys to a whole school's accounts.
"""

from __future__ import annotations

import io
import logging

import qrcode
import qrcode.image.svg
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.conf import accounts_settings
from accounts.lockout import client_ip
from accounts.signals import EventKind, emit_security_event
from recordpages.permissions import get_scope

logger = logging.getLogger(__name__)

DEVICE_NAME = gettext_lazy("Ứng dụng xác thực")


def two_factor_required(user) -> bool:
    """Must this account pass a second factor before it reaches the admin?"""
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return bool(get_scope(user).roles & accounts_settings().two_factor_roles)


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def pending_device(user) -> TOTPDevice:
    """The unconfirmed device being enrolled; one is created on first use."""
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=str(DEVICE_NAME), confirmed=False)
    return device


def qr_svg(device: TOTPDevice) -> str:
    """The device's otpauth:// URL as an inline SVG, for an authenticator app to scan."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


def _clean(token: str) -> str:
    return "".join(ch for ch in (token or "") if ch.isdigit())[:8]


@transaction.atomic
def device_confirm(*, request: HttpRequest, device: TOTPDevice, token: str) -> bool:
    """Finish enrolment with a first valid code; the session counts as verified."""
    if not device.verify_token(_clean(token)):
        emit_security_event(
            EventKind.OTP_FAILED, user=device.user, ip=client_ip(request), detail="enrolment"
        )
        return False
    TOTPDevice.objects.devices_for_user(device.user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    otp_login(request, device)
    emit_security_event(EventKind.OTP_ENROLLED, user=device.user, ip=client_ip(request))
    return True


def session_verify(*, request: HttpRequest, token: str) -> bool:
    """Check a code against the user's confirmed device; throttled by django-otp."""
    user = request.user
    device = confirmed_device(user)
    if device is None:
        return False
    if device.verify_token(_clean(token)):
        otp_login(request, device)
        emit_security_event(EventKind.OTP_VERIFIED, user=user, ip=client_ip(request))
        return True
    emit_security_event(EventKind.OTP_FAILED, user=user, ip=client_ip(request), detail="login")
    return False


@transaction.atomic
def devices_remove(*, user, actor, request: HttpRequest | None = None) -> int:
    """Forget every device of `user` (a lost phone, or the user turning 2FA off)."""
    count, _ = TOTPDevice.objects.devices_for_user(user, confirmed=None).delete()
    if count:
        emit_security_event(
            EventKind.OTP_REMOVED,
            user=user,
            ip=client_ip(request) if request is not None else None,
            detail=f"by {actor.get_username()}",
        )
    return count
