"""Admin views of handed-in files: the original (a download), the converted PDF
(inline, for the browser's viewer), one page as PNG, and the conversion's status
(JSON, for upload screens that wait for it). Who may read is intake.selectors."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from intake import selectors, services
from intake.models import FileStatus


def _private(response):
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_GET
def original(request, file_id: int):
    record_file = selectors.readable_file(request.user, file_id)
    response = FileResponse(
        record_file.original.open("rb"),
        as_attachment=True,
        filename=record_file.original_name,
        content_type="application/octet-stream",
    )
    return _private(response)


@require_GET
def converted(request, file_id: int):
    record_file = selectors.readable_file(request.user, file_id)
    if not record_file.is_ready:
        raise Http404
    response = FileResponse(
        record_file.converted.open("rb"),
        as_attachment=False,
        filename=f"{record_file.original_name.rsplit('.', 1)[0]}.pdf",
        content_type="application/pdf",
    )
    return _private(response)


@require_GET
def preview(request, file_id: int, page_number: int):
    record_file = selectors.readable_file(request.user, file_id)
    if not record_file.is_ready or not 1 <= page_number <= record_file.page_count:
        raise Http404
    return _private(HttpResponse(services.preview_png(record_file, page_number), "image/png"))


@require_GET
def status(request, file_id: int):
    record_file = selectors.readable_file(request.user, file_id)
    ready = record_file.status == FileStatus.READY
    return JsonResponse(
        {
            "status": record_file.status,
            "label": str(record_file.get_status_display()),
            "error": record_file.error,
            "page_count": record_file.page_count,
            "ocr_applied": record_file.ocr_applied,
            "converted_url": services.converted_url(record_file) if ready else "",
            "previews": [
                services.preview_url(record_file, n) for n in range(1, record_file.page_count + 1)
            ]
            if ready
            else [],
        }
    )
