"""Lockout after repeated failed logins, per account and per address (R2), on django-axes.

Axes applies one failure limit to every lockout parameter. A whole school often
reaches the server through one address, so the address gets a higher limit than
a single account: this handler scales the address count so that axes' single
comparison means "account failures >= per-account limit, or address failures >=
per-address limit".
"""

from __future__ import annotations

import logging

from axes.handlers.database import AxesDatabaseHandler
from django.db.models import Sum
from django.forms.forms import NON_FIELD_ERRORS
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from accounts.conf import accounts_settings

logger = logging.getLogger(__name__)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or the entry our own trusted proxies added to
    X-Forwarded-For (counted from the right, so a client cannot forge it)."""
    proxies = accounts_settings().trusted_proxy_count
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")


def failure_limit(request: HttpRequest | None = None, credentials: dict | None = None) -> int:
    return accounts_settings().failure_limit_per_account


class AccountOrAddressHandler(AxesDatabaseHandler):
    """Axes' database handler with a separate, higher limit for an address."""

    def get_failures(self, request, credentials: dict | None = None) -> int:
        conf = accounts_settings()
        per_account = per_address = 0
        # get_user_attempts returns one queryset per AXES_LOCKOUT_PARAMETERS entry,
        # in order: ["username", "ip_address"].
        attempts = self.get_user_attempts(request, credentials)
        totals = [qs.aggregate(total=Sum("failures_since_start"))["total"] or 0 for qs in attempts]
        if totals:
            per_account = totals[0]
        if len(totals) > 1:
            per_address = totals[1]
        scaled_address = (
            per_address * conf.failure_limit_per_account // max(conf.failure_limit_per_address, 1)
        )
        return max(per_account, scaled_address)


def lockout_message() -> str:
    return _(
        "Tài khoản hoặc địa chỉ máy của bạn tạm thời bị khóa do đăng nhập sai quá nhiều lần. "
        "Vui lòng thử lại sau hoặc liên hệ cán bộ quản trị của trường để được mở khóa."
    )


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict | None = None,
) -> HttpResponse:
    """The Wagtail login page again, with the lockout explained in Vietnamese (HTTP 429)."""
    message = lockout_message()
    if isinstance(original_response, TemplateResponse) and original_response.context_data:
        context = dict(original_response.context_data)
        form = context.get("form")
        if form is not None:
            form.errors.clear()
            form._errors[NON_FIELD_ERRORS] = form.error_class([message])
        response = TemplateResponse(request, original_response.template_name, context, status=429)
        return response.render()
    return HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
