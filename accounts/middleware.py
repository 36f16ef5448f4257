"""Enforcement on every request: session limits, and the access gate (deny by default).

Place after AuthenticationMiddleware and django_otp's OTPMiddleware. Which views
open without a full login is listed in accounts/access.py, nowhere else.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from accounts import access
from accounts.lockout import client_ip
from accounts.sessions import session_expired_reason
from accounts.signals import EventKind, emit_security_event

logger = logging.getLogger(__name__)


def _in_admin(request: HttpRequest) -> bool:
    return request.path_info.startswith(reverse("wagtailadmin_home"))


def _wants_json(request: HttpRequest) -> bool:
    """An API or script call: it gets a JSON 403, not a redirect to a form."""
    return (
        request.headers.get("x-requested-with") == "XMLHttpRequest"
        or request.headers.get("accept", "").startswith("application/json")
        or request.path_info.startswith(reverse("wagtailadmin_home") + "api/")
    )


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse(
            {
                "error": "authentication_step_required",
                "message": _("Bạn cần đăng nhập đầy đủ (mật khẩu và mã xác thực) để mở mục này."),
                "redirect": url,
            },
            status=403,
        )
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
                if _in_admin(request):
                    messages.warning(
                        request,
                        _("Phiên làm việc đã hết hạn. Vui lòng đăng nhập lại."),
                    )
                    return _redirect(request, reverse("wagtailadmin_login"))
        return self.get_response(request)


class AccessGateMiddleware:
    """Deny by default: every view needs a full login unless accounts.access lists it.

    A visitor who is not logged in reaches only the public and login views; any other
    URL sends them to the login screen (JSON 403 for API calls). A session that still
    owes a step (the second factor, enrolment, a new password) reaches only the screens
    of that step, and public views as an anonymous visitor; any other URL sends it to
    the step. Views still decide who may see what once the login is full.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        match = request.resolver_match
        view_name = match.view_name if match else None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            if access.is_open_anonymously(view_name):
                return None
            return _redirect(request, reverse("wagtailadmin_login"))
        step = access.pending_step(user)
        if step is None or access.opens_during(view_name, step):
            return None
        if access.is_public(view_name):
            # Served as to any visitor: a password alone reaches nothing of a school.
            request.user = AnonymousUser()
            return None
        return self._send_to_step(request, step)

    def _send_to_step(self, request: HttpRequest, step: access.Step) -> HttpResponse:
        target = reverse(_STEP_VIEWS[step])
        if not _wants_json(request) and step in _STEP_MESSAGES:
            level, text = _STEP_MESSAGES[step]
            messages.add_message(request, level, text)
        if step is access.Step.CHANGE_PASSWORD and not _wants_json(request):
            return HttpResponseRedirect(target)
        return _redirect(request, target)


_STEP_VIEWS = {
    access.Step.VERIFY_SECOND_FACTOR: "accounts:two_factor_verify",
    access.Step.ENROL_SECOND_FACTOR: "accounts:two_factor_setup",
    access.Step.CHANGE_PASSWORD: "wagtailadmin_account",
}
_STEP_MESSAGES = {
    access.Step.ENROL_SECOND_FACTOR: (
        messages.INFO,
        _lazy("Tài khoản của bạn cần bật xác thực hai lớp trước khi làm việc."),
    ),
    access.Step.CHANGE_PASSWORD: (
        messages.WARNING,
        _lazy("Mật khẩu của bạn do quản trị viên cấp tạm thời. Hãy đổi mật khẩu mới."),
    ),
}
