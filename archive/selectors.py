"""Reads of the archive, and who may use its admin actions (asks recordpages' policy)."""

from __future__ import annotations

from django.db.models import QuerySet

from archive.models import ArchivedVersion, ArchiveJob, JobStatus

ARCHIVE_ROLES = ("archivist", "principal", "sysadmin")


def archive_pending(page_id: int) -> bool:
    """True while a freeze of this record waits (storage or TSA down): "đang chờ lưu trữ"."""
    return ArchiveJob.objects.filter(
        page_id=page_id, status__in=[JobStatus.PENDING, JobStatus.RUNNING, JobStatus.FAILED]
    ).exists()


def latest_archived(page_id: int, version: int | None = None) -> ArchivedVersion | None:
    rows = ArchivedVersion.objects.filter(page_ref=page_id, kind="record")
    if version is not None:
        rows = rows.filter(version=version)
    return rows.order_by("-version", "-pk").first()


def signed_pdf_urls(pairs) -> dict[tuple[int, int | None], str]:
    """The seam search calls (settings.HOSO_SEARCH["SIGNED_PDF_URLS"]) for a page of
    hits, in one query: for each (page id, revision id), the admin URL of the signed
    PDF of the version approved as that revision (or, without one or when that revision
    has none, the record's latest archived version); pairs with nothing archived are
    left out. The admin view checks again who may open it."""
    from django.urls import reverse

    rows = (
        ArchivedVersion.objects.filter(page_ref__in={page for page, _ in pairs}, kind="record")
        .order_by("page_ref", "-version", "-pk")
        .values_list("page_ref", "revision_id", "version")
    )
    latest: dict[int, int] = {}
    by_revision: dict[tuple[int, int], int] = {}
    for page_id, revision_id, version in rows:
        latest.setdefault(page_id, version)
        by_revision.setdefault((page_id, revision_id), version)
    urls = {}
    for page_id, revision_id in pairs:
        version = by_revision.get((page_id, revision_id)) or latest.get(page_id)
        if version is not None:
            urls[(page_id, revision_id)] = (
                f"{reverse('archive_admin:print', args=[page_id])}?v={version}"
            )
    return urls


def can_print(user, page) -> bool:
    tester = page.permissions_for_user(user)
    return bool(
        user.is_superuser or tester.can_edit() or getattr(tester, "can_view", lambda: False)()
    )


def can_export_package(user, school) -> bool:
    from recordpages.permissions import get_scope

    scope = get_scope(user)
    if scope.is_superuser:
        return True
    return scope.school_id == school.pk and scope.has_role(*ARCHIVE_ROLES)


def package_jobs_for(user) -> QuerySet[ArchiveJob]:
    from recordpages.permissions import get_scope

    scope = get_scope(user)
    jobs = ArchiveJob.objects.filter(kind="package").select_related("school", "school_year")
    if not scope.is_superuser:
        jobs = jobs.filter(school_id=scope.school_id)
    return jobs.order_by("-pk")[:20]
