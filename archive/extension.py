"""Keeping archived signatures checkable: extension before the timestamps expire.

A frozen file is PAdES B-LTA (archive.signing.archive_timestamp). Its newest document
timestamp protects everything before it only while that timestamp can itself be
checked, i.e. until its TSA certificate expires (or its algorithms weaken). Before
then, `extend_due` adds the newest timestamp's validation data and a new document
timestamp (signing.extend): a new object, stored under a key of its own — the earlier
object is never overwritten — to which the archive row then points, each step listed
in ArchiveExtension. `manage.py archive_extend` runs it; the archive worker's daily
sweep runs it too (a cheap indexed query: nothing is due for years at a time).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from archive import signing, storage
from archive.models import ArchivedVersion, ArchiveExtension, DocumentKind

logger = logging.getLogger(__name__)

# Extend this long before the newest timestamp's certificate expires: a TSA that is
# down for weeks, or an archivist on holiday, must not let a signature lapse.
DEFAULT_MARGIN = dt.timedelta(days=365)
PDF_KINDS = (DocumentKind.RECORD, DocumentKind.MINUTES)


class ExtensionFailed(Exception):
    """A file could not be extended; nothing was changed."""


def long_term_facts(pdf: bytes) -> dict:
    """What the archive records of a file's long-term signatures: its PAdES level and
    the validation data it holds. (The long-term validation itself, 0.25 s a file,
    is for archive_verify and the tests, not for every freeze.)"""
    data = signing.validation_data(pdf)
    return {
        "level": signing.level(pdf),
        "ocsp_responses": data.ocsp_responses,
        "crls": data.crls,
    }


def due(*, now: dt.datetime | None = None, margin: dt.timedelta = DEFAULT_MARGIN):
    """Archived PDFs whose newest timestamp's certificate expires within `margin`."""
    limit = (now or timezone.now()) + margin
    return ArchivedVersion.objects.filter(
        kind__in=PDF_KINDS, timestamp_until__isnull=False, timestamp_until__lte=limit
    ).order_by("timestamp_until", "pk")


def weakening(rows: Iterable[ArchivedVersion]) -> list[tuple[ArchivedVersion, str]]:
    """Rows whose newest timestamp rests on algorithms past their time (reads each
    file: run on demand, `archive_extend --weak`, when the policy changes)."""
    store = storage.get_store()
    found = []
    for row in rows:
        weak = signing.newest_timestamp(store.get(row.key)).weak
        if weak:
            found.append((row, ", ".join(weak)))
    return found


def extended_key(row: ArchivedVersion, when: dt.datetime) -> str:
    base = row.key.removesuffix(".pdf")
    return f"{base}.gia-han-{when:%Y%m%d%H%M%S}.pdf"


def extend_row(
    row: ArchivedVersion,
    *,
    reason: str,
    at: dt.datetime | None = None,
    stamper=None,
    force: bool = False,
) -> ArchiveExtension:
    """Extend one archived file. The stored object must still be what the row says
    (a file changed in storage is not extended over: that is for archive_verify), and
    the new timestamp must hold longer than the current one unless `force` (a weak
    digest is replaced by a strong one from the same TSA)."""
    store = storage.get_store()
    current = store.get(row.key)
    if storage.sha256(current) != row.sha256:
        raise ExtensionFailed(
            f"{row.key}: stored hash {row.sha256}, computed {storage.sha256(current)}"
        )
    try:
        extended = signing.extend(current, at=at, stamper=stamper)
    except signing.SigningUnavailable as exc:
        raise ExtensionFailed(f"{row.key}: {exc}") from exc
    if not extended.startswith(current):  # an incremental update keeps every byte
        raise ExtensionFailed(f"{row.key}: the extension rewrote the file")
    facts = signing.newest_timestamp(extended)
    if not force and row.timestamp_until and facts.expires and facts.expires <= row.timestamp_until:
        # The same TSA certificate again: the file would grow every run and hold no
        # longer. The TSA must be renewed first (or --weak, for a stronger digest).
        raise ExtensionFailed(
            f"{row.key}: the TSA's certificate expires {facts.expires:%d/%m/%Y}, no later "
            "than the current timestamp's: renew the TSA certificate"
        )
    when = at or timezone.now()
    key = extended_key(row, when)
    put = store.put(key, extended, content_type="application/pdf")
    with transaction.atomic():
        locked = ArchivedVersion.objects.select_for_update().get(pk=row.pk)
        extension = ArchiveExtension.objects.create(
            archived=locked,
            previous_key=locked.key,
            previous_sha256=locked.sha256,
            key=key,
            sha256=storage.sha256(extended),
            storage_version_id=put.version_id,
            reason=reason[:300],
            timestamp_until=facts.expires,
            made_at=when,
        )
        locked.key = key
        locked.sha256 = extension.sha256
        locked.size = len(extended)
        locked.storage_version_id = put.version_id
        locked.retain_until = put.retain_until
        locked.timestamp_until = facts.expires
        locked.validation = {**locked.validation, **long_term_facts(extended)}
        locked.save()
    row.refresh_from_db()
    return extension


def extend_due(
    *,
    margin: dt.timedelta = DEFAULT_MARGIN,
    now: dt.datetime | None = None,
    weak: bool = False,
    stamper=None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[list[ArchiveExtension], list[str]]:
    """Extend every file that is due; (extensions made, failures) — a failure is
    logged and left for the next run, the others go on."""
    now = now or timezone.now()
    work = [
        (
            row,
            _("dấu thời gian hết hạn %(day)s") % {"day": f"{row.timestamp_until:%d/%m/%Y}"},
            False,
        )
        for row in due(now=now, margin=margin)
    ]
    if weak:
        seen = {row.pk for row, _reason, _force in work}
        candidates = ArchivedVersion.objects.filter(kind__in=PDF_KINDS).exclude(pk__in=seen)
        work += [
            (row, _("thuật toán yếu: %(why)s") % {"why": why}, True)
            for row, why in weakening(candidates)
        ]
    made, failures = [], []
    for index, (row, reason, force) in enumerate(work, start=1):
        try:
            made.append(extend_row(row, reason=reason, stamper=stamper, force=force))
        except (ExtensionFailed, storage.StorageUnavailable) as exc:
            logger.warning("Archive extension failed, retried next run: %s", exc)
            failures.append(str(exc))
        if progress:
            progress(index, len(work))
    return made, failures
