"""Public verification (/xac-thuc/): anyone may check a PDF or the code from its QR.

The page never decides anything itself: it hands bytes or a code to
archive.verification and shows the verdict in Vietnamese. It never raises: a
damaged upload is a verdict, not a server error.
"""

from __future__ import annotations

import logging

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from archive import verification

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
        limit = settings.ARCHIVE["UPLOAD_MAX_BYTES"]
        if upload.size > limit:
            raise forms.ValidationError(
                _("Tệp quá lớn: tối đa %(mb)s MB.") % {"mb": limit // (1024 * 1024)}
            )
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


def _render(request: HttpRequest, form: VerifyForm, verdict=None, status: int = 200):
    if verdict is not None and verdict.status == verification.UNAVAILABLE:
        status = 503  # object storage down: "Tạm thời không kiểm tra được", try again later
    return render(request, "archive/verify.html", {"form": form, "verdict": verdict}, status=status)


@require_http_methods(["GET", "POST"])
def verify_form(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _render(request, VerifyForm())
    form = VerifyForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render(request, form, status=400)
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
    try:
        verdict = verification.verify_code(code)
    except Exception:
        logger.exception("Verification of code %s failed unexpectedly", code)
        verdict = verification.Verdict(verification.UNAVAILABLE)
    return _render(request, VerifyForm(initial={"code": code}), verdict)
