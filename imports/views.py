"""Admin screens: upload → preview → apply, and the list of kept files.

The views ask imports.selectors who may import and call imports.services for
every write; a refusal is a 403 page or a form error, never a server error.
"""

from __future__ import annotations

import logging
from pathlib import Path

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from imports.forms import UploadForm
from imports.models import DataFileStatus
from imports.reader import ImportFileError
from imports.selectors import data_files_visible_to, importable_schools
from imports.services import ImportRefused, import_apply, import_preview, import_upload

logger = logging.getLogger(__name__)


def _require_importer(request: HttpRequest) -> None:
    if not importable_schools(request.user).exists():
        raise PermissionDenied


@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    _require_importer(request)
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
    context = {"form": form, "files": data_files_visible_to(request.user)[:20]}
    if request.method == "GET" or not form.is_valid():
        return TemplateResponse(
            request, "imports/upload.html", context, status=200 if request.method == "GET" else 400
        )
    upload_file = form.cleaned_data["file"]
    try:
        plan, data_file = import_upload(
            user=request.user,
            school=form.cleaned_data["school"],
            school_year=form.cleaned_data["school_year"],
            data=upload_file.read(),
            filename=upload_file.name,
        )
    except ImportFileError as exc:
        form.add_error("file", exc.message)
        return TemplateResponse(request, "imports/upload.html", context, status=400)
    except ImportRefused as exc:
        raise PermissionDenied(exc.message) from exc
    return TemplateResponse(
        request,
        "imports/preview.html",
        {
            "plan": plan,
            "data_file": data_file,
            "school": form.cleaned_data["school"],
            "school_year": form.cleaned_data["school_year"],
        },
    )


@require_http_methods(["GET"])
def preview(request: HttpRequest, pk: int) -> HttpResponse:
    data_file = get_object_or_404(data_files_visible_to(request.user).defer(None), pk=pk)
    try:
        plan = import_preview(
            school=data_file.school,
            school_year=data_file.school_year,
            data=bytes(data_file.content),
            filename=data_file.filename,
        )
    except ImportFileError as exc:  # pragma: no cover - a kept file was readable once
        messages.error(request, exc.message)
        return redirect("imports_admin:upload")
    return TemplateResponse(
        request,
        "imports/preview.html",
        {
            "plan": plan,
            "data_file": data_file,
            "school": data_file.school,
            "school_year": data_file.school_year,
        },
    )


@require_POST
def apply(request: HttpRequest, pk: int) -> HttpResponse:
    data_file = get_object_or_404(data_files_visible_to(request.user), pk=pk)
    try:
        plan = import_apply(user=request.user, data_file=data_file)
    except ImportRefused as exc:
        messages.error(request, exc.message)
        return redirect("imports_admin:preview", pk=pk)
    if plan.has_writes:
        counts = plan.counts()
        added = sum(c["added"] for c in counts.values())
        changed = sum(c["changed"] for c in counts.values())
        messages.success(
            request,
            _("Đã nhập dữ liệu: thêm %(added)s, cập nhật %(changed)s.")
            % {"added": added, "changed": changed},
        )
    else:
        messages.info(request, _("Không có gì thay đổi: dữ liệu đã khớp với tệp."))
    return redirect("imports_admin:upload")


# A kept file is downloaded as what it was: its extension and type.
_KEPT_TYPES = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".xls": "application/vnd.ms-excel",
    ".csv": "text/csv; charset=utf-8",
}


@require_http_methods(["GET"])
def download(request: HttpRequest, pk: int) -> HttpResponse:
    data_file = get_object_or_404(
        data_files_visible_to(request.user).defer(None), pk=pk, status=DataFileStatus.APPLIED
    )
    extension = Path(data_file.filename).suffix.lower()
    if extension not in _KEPT_TYPES:
        extension = ".xlsx"
    response = HttpResponse(bytes(data_file.content), content_type=_KEPT_TYPES[extension])
    response["Content-Disposition"] = (
        f'attachment; filename="csdl-{data_file.sha256[:12]}{extension}"'
    )
    return response
