"""A signed PDF put into the archive once, and the index row that says what it is.

The freeze validates what it stores, and records the verdict on the row. A file the
archive wrote itself (rendered and signed in the job, or the signing steps' file
read back under the SHA-256 they recorded, then the archive's validation data and
timestamp) is validated without pyHanko's modification analysis: no revision of it
is anyone else's (signing.validate_pdf's own_bytes). An object adopted from an
earlier attempt of the job is validated in full.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from archive import signing, storage
from archive.extension import long_term_facts
from archive.models import ArchivedVersion, ArchiveJob

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Stored:
    key: str
    pdf: bytes
    put: storage.PutResult | None
    # How many first bytes of `pdf` this job signed (all after them are the archive's
    # additions); None when the object was stored by someone else or an earlier attempt.
    own_bytes: int | None = None


def store_signed(key: str, make_pdf: Callable[[], bytes], code: str) -> Stored:
    """Put the PDF under a fresh key. If an earlier attempt of this job already
    stored it, adopt that object; if the key holds some other document (a reused
    page id), store beside it. Never overwrite."""
    store = storage.get_store()
    if store.exists(key):
        existing = store.get(key)
        if signing.pdf_keywords(existing) == f"xac-thuc:{code}":
            logger.warning("Adopting %s stored by an earlier attempt", key)
            return Stored(key=key, pdf=existing, put=None)
        key = key.removesuffix(".pdf") + f"-{code}.pdf"
        logger.warning("Key taken by another document; storing as %s", key)
    signed = make_pdf()
    # Every archived signature is PAdES B-LT and the file B-LTA (issue 14).
    pdf = signing.archive_timestamp(signed)
    try:
        put = store.put(key, pdf, content_type="application/pdf")
    except storage.ObjectExists:
        return Stored(key=key, pdf=store.get(key), put=None)
    return Stored(key=key, pdf=pdf, put=put, own_bytes=len(signed))


def checked(stored: Stored) -> dict:
    """The row's fields that the file's validation gives (CPU only, a few tenths of a
    second for a học bạ): made before the row's transaction, which on SQLite holds
    the one write lock that the other archive and demo processes wait for."""
    report = signing.validate_pdf(stored.pdf, own_bytes=stored.own_bytes)
    signed_at = dt.datetime.fromisoformat(report.signed_at) if report.signed_at else None
    timestamp_at = dt.datetime.fromisoformat(report.timestamp_at) if report.timestamp_at else None
    return {
        "signer": report.signer,
        "signed_at": signed_at,
        "timestamp_at": timestamp_at,
        "timestamp_until": signing.newest_timestamp(stored.pdf).expires,
        "validation": {**report.as_dict(), **long_term_facts(stored.pdf)},
    }


def archived_row(
    job: ArchiveJob, stored: Stored, facts: dict | None = None, **fields
) -> ArchivedVersion:
    """The index row of a stored file; `facts`: its `checked` fields, when made already."""
    return ArchivedVersion.objects.create(
        key=stored.key,
        storage_version_id=stored.put.version_id if stored.put else "",
        retain_until=stored.put.retain_until if stored.put else None,
        sha256=storage.sha256(stored.pdf),
        size=len(stored.pdf),
        verification_code=job.verification_code,
        school_id=job.school_id,
        school_year_id=job.school_year_id,
        **(facts or checked(stored)),
        **fields,
    )
