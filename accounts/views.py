"""Account security screens: enrol a second factor, verify it after login, and the
resets of a colleague's password or second factor. Every decision is asked of accounts.twofactor and
accounts.services."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts import twofactor
from accounts.forms import PasswordResetForm, TokenForm
from accounts.services import (
    PasswordResetRefused,
    Refusal,
    credential_reset_refusal,
    refusal_message,
    staff_password_reset,
    staff_two_factor_reset,
)
from recordpages.models.people import StaffProfile


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("wagtailadmin_home")


@never_cache
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """Asked once per session, after the password, of every account with a device."""
    if twofactor.confirmed_device(request.user) is None:
        return redirect("accounts:two_factor_setup")
    form = TokenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if twofactor.session_verify(request=request, token=form.cleaned_data["token"]):
            return redirect(_next_url(request))
        form.add_error(
            "token",
            _("Mã xác thực không đúng hoặc đã hết hạn. Nếu nhập sai nhiều lần, hãy chờ ít phút."),
        )
    return TemplateResponse(
        request, "accounts/two_factor_verify.html", {"form": form, "next": _next_url(request)}
    )


@never_cache
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Enrol (or replace) an authenticator app: QR code, then a first code to confirm."""
    user = request.user
    confirmed = twofactor.confirmed_device(user)
    required = twofactor.two_factor_required(user)
    if confirmed is not None and not user.is_verified():
        # Replacing a device needs the current one first.
        return redirect(f"{reverse('accounts:two_factor_verify')}?next={request.path}")
    action = request.POST.get("action", "confirm")
    if request.method == "POST" and action == "remove" and confirmed is not None:
        if required:
            raise PermissionDenied
        twofactor.devices_remove(user=user, actor=user, request=request)
        messages.success(request, _("Đã tắt xác thực hai lớp."))
        return redirect("accounts:two_factor_setup")
    device = twofactor.pending_device(user)
    form = TokenForm(request.POST if request.method == "POST" and action == "confirm" else None)
    if form.is_bound and form.is_valid():
        if twofactor.device_confirm(
            request=request, device=device, token=form.cleaned_data["token"]
        ):
            messages.success(request, _("Đã bật xác thực hai lớp cho tài khoản của bạn."))
            return redirect(_next_url(request))
        form.add_error(
            "token", _("Mã xác thực không đúng. Kiểm tra giờ trên điện thoại và thử lại.")
        )
    context = {
        "form": form,
        "qr_svg": twofactor.qr_svg(device),
        "secret": _grouped_secret(device),
        "confirmed": confirmed is not None,
        "required": required,
        "next": _next_url(request),
        "page_title": _("Xác thực hai lớp"),
        "header_icon": "key",
    }
    return TemplateResponse(request, "accounts/two_factor_setup.html", context)


def _grouped_secret(device) -> str:
    from base64 import b32encode

    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _refused(request: HttpRequest, refusal: Refusal) -> HttpResponse:
    """403 with the reason, and nothing about the account asked for (another school's)."""
    context = {
        "message": refusal_message(refusal),
        "page_title": _("Không được đặt lại"),
        "header_icon": "warning",
    }
    return TemplateResponse(request, "accounts/credential_reset_refused.html", context, status=403)


def _staff_or_404(staff_id: int) -> StaffProfile:
    return get_object_or_404(
        StaffProfile.objects.select_related("user", "school").prefetch_related("roles"),
        pk=staff_id,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def staff_password_reset_view(request: HttpRequest, staff_id: int) -> HttpResponse:
    """Someone of higher authority gives a colleague a temporary password (R2)."""
    staff = _staff_or_404(staff_id)
    # A POST goes to the action, which refuses and logs the attempt (R16) itself.
    refusal = credential_reset_refusal(request.user, staff)
    if refusal is not None and request.method != "POST":
        return _refused(request, refusal)
    form = PasswordResetForm(request.POST if request.method == "POST" else None)
    context = {
        "staff": staff,
        "form": form,
        "page_title": _("Đặt lại mật khẩu"),
        "header_icon": "key",
    }
    if request.method == "POST" and (form.is_valid() or refusal is not None):
        try:
            context["temporary_password"] = staff_password_reset(
                actor=request.user,
                staff=staff,
                reset_two_factor=form.cleaned_data.get("reset_two_factor", False),
                request=request,
            )
        except PasswordResetRefused as refused:
            return _refused(request, refused.refusal)
    return TemplateResponse(request, "accounts/staff_password_reset.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def staff_two_factor_reset_view(request: HttpRequest, staff_id: int) -> HttpResponse:
    """Forget a colleague's authenticator (a lost phone): they enrol again at next login."""
    staff = _staff_or_404(staff_id)
    # A POST goes to the action, which refuses and logs the attempt (R16) itself.
    refusal = credential_reset_refusal(request.user, staff)
    if refusal is not None and request.method != "POST":
        return _refused(request, refusal)
    context = {
        "staff": staff,
        "has_device": twofactor.confirmed_device(staff.user) is not None,
        "page_title": _("Đặt lại xác thực hai lớp"),
        "header_icon": "key",
    }
    if request.method == "POST":
        try:
            staff_two_factor_reset(actor=request.user, staff=staff, request=request)
        except PasswordResetRefused as refused:
            return _refused(request, refused.refusal)
        messages.success(
            request,
            _("Đã xóa ứng dụng xác thực của %(name)s; lần đăng nhập tới người dùng đăng ký lại.")
            % {"name": staff.full_name},
        )
        return redirect("accounts:staff_two_factor_reset", staff_id=staff.pk)
    return TemplateResponse(request, "accounts/staff_two_factor_reset.html", context)
