"""Public verification (/xac-thuc/): anyone may check a PDF or the code from its QR.

The page never decides anything itself: it hands bytes or a code to
archive.verification and shows the verdict in Vietnamese. It never raises: a
damaged upload is a verdict, not a server error. What an anonymous visitor may
cost is bounded (archive.limits): a quota per address (429), a size cap checked
before the body is read (413), and the verifier's own limits ("too complex", 422).
"""

from __future__ import annotations

import logging

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from accounts.lockout import client_ip
from archive import limits, verification

logger = logging.getLogger(__name__)


class VerifyForm(forms.Form):
    file = forms.FileField(label=_("Tệp PDF cần kiểm tra"), required=False)
    code = forms.CharField(
        label=_("Hoặc mã xác thực (in dưới mã QR)"), required=False, max_length=40
    )

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload is None:
            return None
        if upload.size > limits.upload_cap():
            raise forms.ValidationError(_too_large_message(), code="too_large")
        head = upload.read(5)
        upload.seek(0)
        if head != b"%PDF-":
            raise forms.ValidationError(_("Tệp tải lên không phải là tệp PDF."))
        return upload

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("file") and not data.get("code"):
            raise forms.ValidationError(_("Hãy chọn một tệp PDF hoặc nhập mã xác thực."))
        return data


def _too_large_message() -> str:
    return _("Tệp quá lớn: tối đa %(mb)s MB. Bản PDF của một hồ sơ thường nhỏ hơn 5 MB.") % {
        "mb": limits.upload_cap() // (1024 * 1024)
    }


def _render(request: HttpRequest, form: VerifyForm, verdict=None, status: int = 200):
    if verdict is not None and verdict.status == verification.UNAVAILABLE:
        status = 503  # object storage down: "Tạm thời không kiểm tra được", try again later
    if verdict is not None and verdict.status == verification.TOO_COMPLEX:
        status = 422  # "Tệp quá phức tạp": refused, not judged
    return render(request, "archive/verify.html", {"form": form, "verdict": verdict}, status=status)


def _refuse(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return render(
        request,
        "archive/verify.html",
        {"form": VerifyForm(), "refusal": message},
        status=status,
    )


def _too_many(request: HttpRequest, quota: limits.Quota) -> HttpResponse:
    minutes = max(1, -(-quota.retry_after // 60))
    response = _refuse(
        request,
        _(
            "Bạn đã gửi quá nhiều yêu cầu kiểm tra từ địa chỉ này. "
            "Vui lòng thử lại sau %(minutes)s phút."
        )
        % {"minutes": minutes},
        429,
    )
    response["Retry-After"] = str(max(1, quota.retry_after))
    return response


@csrf_exempt  # CSRF is checked in _verify_post, after the upload handler is in place
@require_http_methods(["GET", "POST"])
def verify_form(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _render(request, VerifyForm())
    # Refusals that cost nothing come before the body is read.
    quota = limits.quota_hit(
        scope="upload",
        address=client_ip(request),
        limit=settings.ARCHIVE["VERIFY_UPLOADS_PER_WINDOW"],
    )
    if not quota.allowed:
        return _too_many(request, quota)
    if limits.body_too_large(request.META.get("CONTENT_LENGTH")):
        return _refuse(request, _too_large_message(), 413)
    handler = limits.CappedUploadHandler(request)
    request.upload_handlers.insert(0, handler)
    return _verify_post(request, handler)


@csrf_protect
def _verify_post(request: HttpRequest, handler: limits.CappedUploadHandler) -> HttpResponse:
    form = VerifyForm(request.POST, request.FILES)
    if handler.exceeded:
        return _refuse(request, _too_large_message(), 413)
    if not form.is_valid():
        status = 413 if form.has_error("file", code="too_large") else 400
        return _render(request, form, status=status)
    try:
        upload = form.cleaned_data.get("file")
        if upload is not None:
            verdict = verification.verify_upload(upload.read())
        else:
            verdict = verification.verify_code(form.cleaned_data["code"])
    except Exception:
        logger.exception("Verification failed unexpectedly")
        form.add_error(None, _("Không kiểm tra được tệp này. Vui lòng thử lại sau."))
        return _render(request, form, status=400)
    return _render(request, form, verdict)


@require_http_methods(["GET"])
def verify_code(request: HttpRequest, code: str) -> HttpResponse:
    quota = limits.quota_hit(
        scope="code", address=client_ip(request), limit=settings.ARCHIVE["VERIFY_CODES_PER_WINDOW"]
    )
    if not quota.allowed:
        return _too_many(request, quota)
    try:
        verdict = verification.verify_code(code)
    except Exception:
        logger.exception("Verification of code %s failed unexpectedly", code)
        verdict = verification.Verdict(verification.UNAVAILABLE)
    return _render(request, VerifyForm(initial={"code": code}), verdict)
