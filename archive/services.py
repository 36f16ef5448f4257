"""Writes of the archive: enqueue freezes and minutes, run jobs, store results.

Jobs live in the database (ArchiveJob) so that any worker on any host can run
them; a claim is one conditional UPDATE, so two workers never run the same job.
A failure (storage or TSA down, anything else) leaves the job pending with a
later `next_attempt_at`; the record's workflow state is never touched here.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from archive import originals, signed_files, signing, storage
from archive.codes import new_verification_code
from archive.models import (
    ArchivedVersion,
    ArchiveJob,
    DocumentKind,
    JobKind,
    JobStatus,
    SigningFile,
)
from archive.rendering import Footer, render_record
from archive.stored import Stored, archived_row, checked, store_signed
from recordpages import registry
from workflow.versions import content_hash

logger = logging.getLogger(__name__)

LEASE = dt.timedelta(minutes=10)


class PinnedContentChanged(Exception):
    """The pinned revision no longer hashes to what the reviewer approved."""


def should_freeze(record_state, target: str) -> bool:
    """Whether reaching `target` freezes a new version of this record: its type's
    declared `freeze_on` (recordpages.registry). A published school plan corrected
    comes back published, as a new version to freeze, so types frozen on approval
    also declare "published"; publishing itself changes no version (one job each)."""
    try:
        rules = registry.for_record(record_state)
    except LookupError:
        return False
    return target in rules.freeze_on


def record_key(*, school_code: str, year: str, record_type: str, page_id: int, version: int) -> str:
    return f"schools/{school_code}/{year}/{record_type}/{page_id}/v{version}.pdf"


# --- enqueue -------------------------------------------------------------------


def freeze_enqueue(
    *,
    record_state,
    transition: str = "",
    actor_id: int | None = None,
    revision_id: int | None = None,
) -> ArchiveJob:
    """Queue the freeze of the record's current version (idempotent per version)."""
    existing = ArchiveJob.objects.filter(
        kind=JobKind.FREEZE, page_id=record_state.page_id, version=record_state.version
    ).first()
    if existing is not None:
        return existing
    # The code printed on the signers' file, when they signed one: its QR code then
    # leads to the archived version.
    file = SigningFile.objects.filter(
        page_ref=record_state.page_id, version=record_state.version, voided_at__isnull=True
    ).first()
    code = file.verification_code if file is not None else new_verification_code()
    job = ArchiveJob.objects.create(
        kind=JobKind.FREEZE,
        page_id=record_state.page_id,
        school_id=record_state.school_id,
        school_year_id=record_state.school_year_id,
        record_type=record_state.record_type,
        version=record_state.version,
        revision_id=revision_id or record_state.approved_revision_id,
        transition=transition,
        actor_id=actor_id,
        verification_code=code,
        next_attempt_at=timezone.now(),
    )
    logger.info("Queued freeze of page %s v%s (job %s)", job.page_id, job.version, job.pk)
    return job


def freeze_missing() -> int:
    """Queue what an event may have missed (a crash between commit and enqueue): the
    frozen records whose current version has no freeze job and whose rules (type or
    school category) freeze them in the state they are in."""
    from workflow.models import RecordState

    has_job = ArchiveJob.objects.filter(
        kind=JobKind.FREEZE, page_id=OuterRef("page_id"), version=OuterRef("version")
    )
    # Any state some type freezes on (a school's category borrows these states).
    freezing = set().union(*(rules.freeze_on for rules in registry.all_types()))
    missing = RecordState.objects.filter(state__in=freezing).exclude(Exists(has_job))
    count = 0
    for row in missing.iterator():
        if should_freeze(row, row.state):
            freeze_enqueue(record_state=row, transition="sweep")
            count += 1
    return count


# --- worker ----------------------------------------------------------------------


class RetryLater(Exception):
    pass


def _backoff(attempts: int) -> dt.timedelta:
    from django.conf import settings

    base = settings.ARCHIVE["JOB_BACKOFF_SECONDS"]
    cap = settings.ARCHIVE["JOB_BACKOFF_MAX_SECONDS"]
    return dt.timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


def _claim(job: ArchiveJob, now: dt.datetime) -> bool:
    claimed = ArchiveJob.objects.filter(
        pk=job.pk, status=job.status, lease_until=job.lease_until, attempts=job.attempts
    ).update(status=JobStatus.RUNNING, lease_until=now + LEASE, attempts=job.attempts + 1)
    return claimed == 1


def _due(now: dt.datetime):
    return ArchiveJob.objects.filter(
        Q(status=JobStatus.PENDING, next_attempt_at__lte=now)
        | Q(status=JobStatus.RUNNING, lease_until__lt=now)
    )


def jobs_due(now: dt.datetime | None = None) -> bool:
    return _due(now or timezone.now()).exists()


def run_once(*, now: dt.datetime | None = None, limit: int | None = None) -> int:
    """Run every due job once. Returns how many succeeded. Tests call this."""
    now = now or timezone.now()
    due = _due(now).order_by("next_attempt_at", "pk")
    done = 0
    for job in list(due[:limit] if limit else due):
        if not _claim(job, now):
            continue
        job.refresh_from_db()
        if run_job(job):
            done += 1
    return done


def run_job(job: ArchiveJob) -> bool:
    runners: dict[str, Callable[[ArchiveJob], ArchivedVersion]] = {
        JobKind.FREEZE: _run_freeze,
        JobKind.MINUTES: _run_minutes,
        JobKind.PACKAGE: _run_package,
    }
    try:
        # What a job writes (titles, the signature's reason, the package's manifest and
        # exports) is archived: always the project language, whichever request or worker
        # runs it, so a rebuild from the same data gives the same bytes.
        with translation.override(settings.LANGUAGE_CODE):
            result = runners[job.kind](job)
    except (storage.StorageUnavailable, signing.SigningUnavailable, RetryLater) as exc:
        _reschedule(job, exc, expected=True)
        return False
    except Exception as exc:
        logger.exception("Archive job %s failed", job.pk)
        _reschedule(job, exc, expected=False)
        return False
    job.status = JobStatus.DONE
    job.result = result
    job.last_error = ""
    job.lease_until = None
    job.save(update_fields=["status", "result", "last_error", "lease_until", "updated_at"])
    logger.info("Archive job %s done: %s", job.pk, result.key)
    return True


def _reschedule(job: ArchiveJob, exc: Exception, *, expected: bool) -> None:
    job.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    job.lease_until = None
    if job.attempts >= job.max_attempts:
        job.status = JobStatus.FAILED
    else:
        job.status = JobStatus.PENDING
        job.next_attempt_at = timezone.now() + _backoff(job.attempts)
    job.save(update_fields=["status", "last_error", "lease_until", "next_attempt_at", "updated_at"])
    log = logger.warning if expected else logger.error
    log("Archive job %s will retry at %s: %s", job.pk, job.next_attempt_at, job.last_error)


def _run_freeze(job: ArchiveJob) -> ArchivedVersion:
    from wagtail.models import Page, Revision

    existing = ArchivedVersion.objects.filter(verification_code=job.verification_code).first()
    if existing is not None:
        return existing
    page = Page.objects.get(pk=job.page_id).specific
    revision = Revision.objects.filter(pk=job.revision_id).first() if job.revision_id else None
    frozen = revision.as_object() if revision is not None else page
    from workflow.models import RecordState

    state = RecordState.objects.filter(page_id=job.page_id).first()
    digest = _pinned_digest(state, revision)
    when = (state and (state.signed_at or state.approved_at)) or timezone.now()
    issued_on = timezone.localtime(when).date()
    school = page.school
    key = record_key(
        school_code=school.code,
        year=page.school_year.name,
        record_type=page.record_type,
        page_id=page.pk,
        version=job.version,
    )

    file = signed_files.signed_file(page.pk, job.version, digest)
    if file is not None:
        stored = store_signed(
            key, lambda: signed_files.finish(file, page, school), job.verification_code
        )
        return _record_row(job, stored, page, frozen, digest)

    def make_pdf() -> bytes:
        footer = Footer(page.pk, job.version, digest, job.verification_code)
        pdf = render_record(frozen, footer=footer, issued_on=issued_on)
        return signing.sign_pdf(
            pdf,
            school=school,
            reason=_("Lưu trữ %(record_type)s phiên bản %(version)s")
            % {"record_type": page.record_type_label.lower(), "version": job.version},
            location=school.place_name,
        ).pdf

    stored = store_signed(key, make_pdf, job.verification_code)
    return _record_row(job, stored, page, frozen, digest)


def _record_row(job: ArchiveJob, stored: Stored, page, frozen, digest: str) -> ArchivedVersion:
    original = originals.store_beside(stored.key, frozen)  # a record handed in as a file
    facts = checked(stored)
    with transaction.atomic():
        return archived_row(
            job,
            stored,
            facts,
            kind=DocumentKind.RECORD,
            page_id=page.pk,
            page_ref=page.pk,
            record_type=page.record_type,
            title=frozen.title,
            version=job.version,
            revision_id=job.revision_id,
            content_sha256=digest,
            **original,
        )


def _pinned_digest(state, revision) -> str:
    """The hash printed on the PDF: recomputed from the pinned revision with the one
    formula (workflow.versions), and refused when it no longer matches what the
    reviewer approved (a revision changed behind the workflow's back)."""
    if revision is None:
        return state.approved_hash if state else ""
    digest = content_hash(revision)
    approved = state is not None and state.approved_revision_id == revision.pk
    if approved and state.approved_hash and state.approved_hash != digest:
        raise PinnedContentChanged(
            f"page {state.page_id}: revision {revision.pk} hashes to {digest}, "
            f"approved {state.approved_hash}"
        )
    return digest


# --- correction minutes (R5) ------------------------------------------------------


def _verification_code_of(page_id: int, version: int) -> str:
    """The code printed on a record version's PDF (stored, or queued to be)."""
    row = (
        ArchivedVersion.objects.filter(page_ref=page_id, kind=DocumentKind.RECORD, version=version)
        .order_by("-pk")
        .first()
    )
    if row is not None:
        return row.verification_code
    job = (
        ArchiveJob.objects.filter(kind=JobKind.FREEZE, page_id=page_id, version=version)
        .order_by("-pk")
        .first()
    )
    return job.verification_code if job is not None else ""


def correction_minutes_enqueue(
    *, record_state, revision_id: int | None = None
) -> ArchiveJob | None:
    """The correction just closed on this record (workflow emitted "correction"):
    queue its minutes, linked to the version before and the new version. Once per
    correction, however often the event arrives."""
    from archive.minutes import minutes_from_correction
    from workflow.models import Correction, CorrectionState

    closed = Correction.objects.filter(
        record_id=record_state.page_id, state=CorrectionState.CLOSED
    ).select_related(
        "record",
        "requested_by__staff_profile",
        "consented_by__staff_profile",
        "acknowledged_by_principal__staff_profile",
        "acknowledged_by_sysadmin__staff_profile",
    )
    correction = None
    if revision_id:
        correction = (
            closed.filter(after_revision_id=revision_id).order_by("-closed_at", "-pk").first()
        )
    correction = correction or closed.order_by("-closed_at", "-pk").first()
    if correction is None:
        logger.warning("No closed correction for page %s: no minutes", record_state.page_id)
        return None
    existing = ArchiveJob.objects.filter(
        kind=JobKind.MINUTES, page_id=record_state.page_id, payload__correction_id=correction.pk
    ).first()
    if existing is not None:
        return existing
    minutes = minutes_from_correction(correction, version_after=record_state.version)
    page_id = minutes["record"]["page_id"]
    minutes["version_before_code"] = _verification_code_of(page_id, minutes["version_before"])
    minutes["version_after_code"] = _verification_code_of(page_id, minutes["version_after"])
    return minutes_enqueue(
        minutes=minutes,
        school_id=record_state.school_id,
        school_year_id=record_state.school_year_id,
    )


def minutes_missing() -> int:
    """Queue the minutes of closed corrections that have none (a crash between the
    workflow's commit and the event would otherwise lose them)."""
    from workflow.models import Correction, CorrectionState, RecordState

    queued = set(
        ArchiveJob.objects.filter(kind=JobKind.MINUTES)
        .exclude(payload__correction_id=None)
        .values_list("payload__correction_id", flat=True)
    )
    count = 0
    for correction in Correction.objects.filter(state=CorrectionState.CLOSED).only(
        "pk", "record_id", "after_revision_id"
    ):
        if correction.pk in queued:
            continue
        state = RecordState.objects.get(pk=correction.record_id)
        if correction_minutes_enqueue(record_state=state, revision_id=correction.after_revision_id):
            count += 1
    return count


def minutes_enqueue(*, minutes: dict, school_id: int, school_year_id: int) -> ArchiveJob:
    """Queue a correction minutes document. `minutes` is the plain dict described in
    archive/minutes.py (built from the workflow's Correction by
    `correction_minutes_enqueue`, or passed directly)."""
    return ArchiveJob.objects.create(
        kind=JobKind.MINUTES,
        page_id=minutes["record"]["page_id"],
        school_id=school_id,
        school_year_id=school_year_id,
        record_type=minutes["record"].get("record_type", ""),
        version=int(minutes.get("version_after") or 0),
        verification_code=new_verification_code(),
        payload=json.loads(json.dumps(minutes, default=str)),
        next_attempt_at=timezone.now(),
    )


def _run_minutes(job: ArchiveJob) -> ArchivedVersion:
    from archive.minutes import minutes_key, render_minutes

    existing = ArchivedVersion.objects.filter(verification_code=job.verification_code).first()
    if existing is not None:
        return existing
    data = job.payload
    school = job.school
    key = minutes_key(job)

    def make_pdf() -> bytes:
        pdf = render_minutes(data, school=school, verification_code=job.verification_code)
        return signing.sign_pdf(
            pdf, school=school, reason=_("Biên bản sửa dữ liệu"), location=school.place_name
        ).pdf

    stored = store_signed(key, make_pdf, job.verification_code)
    record = data["record"]
    return archived_row(
        job,
        stored,
        kind=DocumentKind.MINUTES,
        page_id=record["page_id"],
        page_ref=record["page_id"],
        record_type=record.get("record_type", ""),
        title=(_("Biên bản sửa dữ liệu – %(title)s") % {"title": record.get("title", "")})[:500],
        version=job.version,
        related=_minutes_links(record["page_id"], data),
    )


def _minutes_links(page_id: int, data: dict) -> dict:
    """Which two versions the minutes sit between: their numbers, and the stored
    versions' keys and codes when they are archived (or queued) already."""
    links: dict = {"correction_id": data.get("correction_id")}
    for side in ("before", "after"):
        number = data.get(f"version_{side}")
        links[f"version_{side}"] = number
        row = (
            ArchivedVersion.objects.filter(
                page_ref=page_id, kind=DocumentKind.RECORD, version=number
            )
            .order_by("-pk")
            .first()
            if number
            else None
        )
        links[f"{side}_key"] = row.key if row is not None else None
        links[f"{side}_code"] = (row.verification_code if row is not None else None) or data.get(
            f"version_{side}_code"
        )
    return links


def _run_package(job: ArchiveJob) -> ArchivedVersion:
    from archive.package import build_and_store_package

    return build_and_store_package(job)
