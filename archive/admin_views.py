"""Admin screens: print a record, and the archivist's year-end package with progress."""

from __future__ import annotations

import datetime as dt
import logging

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import Page

from archive import selectors, storage
from archive.package import package_enqueue
from archive.rendering import Footer, render_record

logger = logging.getLogger(__name__)


def _storage_unavailable(request: HttpRequest, key: str, exc: Exception) -> HttpResponse:
    """The signed file is kept in object storage, which cannot be reached right now."""
    logger.warning("Object storage unavailable reading %s: %s", key, exc)
    response = render(
        request,
        "archive/admin/unavailable.html",
        {"page_title": _("Kho lưu trữ tạm thời không truy cập được")},
        status=503,
    )
    response["Retry-After"] = "60"
    return response


def print_record(request: HttpRequest, page_id: int) -> HttpResponse:
    """The paper copy: the archived signed PDF when it exists (the same file), else
    the approved revision rendered the same way, else the current draft.
    `?v=<n>` asks for the signed PDF of an earlier archived version."""
    page = get_object_or_404(Page, pk=page_id).specific
    if not hasattr(page, "record_type") or not selectors.can_print(request.user, page):
        raise PermissionDenied
    from workflow.models import RecordState

    state = RecordState.objects.filter(page_id=page.pk).first()
    asked = request.GET.get("v", "")
    if asked:
        if not asked.isdigit():
            raise Http404
        archived = selectors.latest_archived(page.pk, int(asked))
        if archived is None:
            raise Http404
    else:
        archived = selectors.latest_archived(page.pk, state.version if state else None)
    if archived is not None:
        try:
            data = storage.get_store().get(archived.key)
        except storage.StorageUnavailable as exc:
            return _storage_unavailable(request, archived.key, exc)
    else:
        frozen, footer = page, None
        if state is not None and state.approved_revision_id:
            frozen = state.approved_revision.as_object()
            job = (
                selectors.ArchiveJob.objects.filter(page_id=page.pk, version=state.version)
                .order_by("-pk")
                .first()
            )
            if job is not None:
                footer = Footer(page.pk, state.version, state.approved_hash, job.verification_code)
        when = (state and (state.signed_at or state.approved_at)) or timezone.now()
        data = render_record(frozen, footer=footer, issued_on=timezone.localtime(when).date())
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="ho-so-{page.pk}.pdf"'
    return response


def package_index(request: HttpRequest) -> HttpResponse:
    from recordpages.models import School, SchoolYear
    from recordpages.permissions import get_scope

    scope = get_scope(request.user)
    schools = (
        School.objects.all() if scope.is_superuser else School.objects.filter(pk=scope.school_id)
    )
    if request.method == "POST":
        school_id, year_id = request.POST.get("school", ""), request.POST.get("year", "")
        if not (school_id.isdigit() and year_id.isdigit()):
            raise Http404
        school = get_object_or_404(School, pk=int(school_id))
        year = get_object_or_404(SchoolYear, pk=int(year_id))
        if not selectors.can_export_package(request.user, school):
            raise PermissionDenied
        package_enqueue(school=school, school_year=year, actor_id=request.user.pk)
        return redirect("archive_admin:packages")
    return render(
        request,
        "archive/admin/packages.html",
        {
            "schools": [s for s in schools if selectors.can_export_package(request.user, s)],
            "years": SchoolYear.objects.all(),
            "jobs": selectors.package_jobs_for(request.user),
            "page_title": _("Gói hồ sơ cuối năm"),
        },
    )


def package_progress(request: HttpRequest, job_id: int) -> JsonResponse:
    job = get_object_or_404(selectors.ArchiveJob, pk=job_id, kind="package")
    if not selectors.can_export_package(request.user, job.school):
        raise Http404
    return JsonResponse(
        {
            "status": job.status,
            "status_label": job.get_status_display(),
            "progress": job.progress,
            "total": job.progress_total,
            "updated": job.updated_at.isoformat()
            if isinstance(job.updated_at, dt.datetime)
            else "",
        }
    )


def package_download(request: HttpRequest, job_id: int) -> HttpResponse:
    job = get_object_or_404(selectors.ArchiveJob, pk=job_id, kind="package")
    if not selectors.can_export_package(request.user, job.school) or job.result is None:
        raise Http404
    try:
        data = storage.get_store().get(job.result.key)
    except storage.StorageUnavailable as exc:
        return _storage_unavailable(request, job.result.key, exc)
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = (
        f'attachment; filename="{job.school.code}-{job.school_year.name}.zip"'
    )
    return response
