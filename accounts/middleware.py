"""Enforcement on every admin request: session limits, temporary passwords, second factor.

Place after AuthenticationMiddleware and django_otp's OTPMiddleware. They guard the
admin and the document downloads; public pages are left alone.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts import twofactor
from accounts.conf import accounts_settings
from accounts.lockout import client_ip
from accounts.services import must_change_password
from accounts.sessions import session_expired_reason
from accounts.signals import EventKind, emit_security_event

logger = logging.getLogger(__name__)

# URL names reachable before the second factor (the way in and out, and its own screens).
_OPEN_BEFORE_2FA = {
    "wagtailadmin_login",
    "wagtailadmin_logout",
    "wagtailadmin_javascript_catalog",
    "two_factor_setup",
    "two_factor_verify",
}
_OPEN_BEFORE_PASSWORD_CHANGE = _OPEN_BEFORE_2FA | {"wagtailadmin_account"}


def _guarded(request: HttpRequest) -> bool:
    path = request.path_info
    return path.startswith(reverse("wagtailadmin_home")) or path.startswith("/documents/")


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    if request.headers.get("x-requested-with") == "XMLHttpRequest" or request.headers.get(
        "accept", ""
    ).startswith("application/json"):
        return JsonResponse({"error": "authentication_step_required", "redirect": url}, status=403)
    return HttpResponseRedirect(f"{url}?{urlencode({'next': request.get_full_path()})}")


class SessionExpiryMiddleware:
    """Logs out a session idle too long or older than the absolute limit."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            reason = session_expired_reason(request)
            if reason is not None:
                emit_security_event(
                    EventKind.SESSION_EXPIRED, user=user, ip=client_ip(request), detail=reason
                )
                logout(request)
                if _guarded(request):
                    messages.warning(
                        request,
                        _("Phiên làm việc đã hết hạn. Vui lòng đăng nhập lại."),
                    )
                    return _redirect(request, reverse("wagtailadmin_login"))
        return self.get_response(request)


class AccountStepsMiddleware:
    """Sends a logged-in user through the steps their account still owes before the
    admin opens: a second factor (verify, or enrol when required), then replacing a
    temporary password an administrator set."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not _guarded(request):
            return None
        match = request.resolver_match
        name = match.url_name if match else None
        if name in _OPEN_BEFORE_2FA:
            return None
        if not user.is_verified():
            if twofactor.confirmed_device(user) is not None:
                return _redirect(request, reverse("accounts:two_factor_verify"))
            if accounts_settings().two_factor_enforced and twofactor.two_factor_required(user):
                messages.info(
                    request,
                    _("Tài khoản của bạn cần bật xác thực hai lớp trước khi làm việc."),
                )
                return _redirect(request, reverse("accounts:two_factor_setup"))
        if name not in _OPEN_BEFORE_PASSWORD_CHANGE and must_change_password(user):
            messages.warning(
                request,
                _("Mật khẩu của bạn do quản trị viên cấp tạm thời. Hãy đổi mật khẩu mới."),
            )
            return HttpResponseRedirect(reverse("wagtailadmin_account"))
        return None
