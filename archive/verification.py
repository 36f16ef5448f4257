"""Re-checking archived documents: the stored bytes against their SHA-256, and
the signature against the configured trust roots (pyHanko, via signing)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from archive import signing, storage
from archive.models import ArchivedVersion

logger = logging.getLogger(__name__)

INTACT = "intact"
TAMPERED = "tampered"
MISSING = "missing"
UNKNOWN = "unknown"
UNAVAILABLE = "unavailable"


@dataclass
class Verdict:
    status: str
    row: ArchivedVersion | None = None
    hash_matches: bool | None = None
    signature: signing.SignatureReport = field(default_factory=signing.SignatureReport)
    detail: str = ""

    @property
    def intact(self) -> bool:
        return self.status == INTACT


def _judge(data: bytes, row: ArchivedVersion | None) -> Verdict:
    report = signing.validate_pdf(data)
    matches = row is not None and storage.sha256(data) == row.sha256
    if row is not None and matches and report.ok:
        return Verdict(INTACT, row, True, report)
    if row is None and report.ok:
        # Signed by a trusted school but not (or no longer) in our index.
        return Verdict(UNKNOWN, None, None, report, "signature valid, not in the archive index")
    return Verdict(TAMPERED, row, matches if row else None, report, "; ".join(report.errors))


def verify_row(row: ArchivedVersion) -> Verdict:
    try:
        data = storage.get_store().get(row.key)
    except FileNotFoundError:
        return Verdict(MISSING, row, False, detail="object not found")
    except storage.StorageUnavailable as exc:
        return Verdict(UNAVAILABLE, row, None, detail=str(exc))
    return _judge(data, row)


def verify_upload(data: bytes) -> Verdict:
    """An uploaded copy: found by its SHA-256, else judged by its signature alone
    and matched to a row by the verification code printed in its footer."""
    row = ArchivedVersion.objects.filter(sha256=storage.sha256(data)).first()
    if row is not None:
        return _judge(data, row)
    verdict = _judge(data, None)
    code = _code_in(data)
    if code:
        verdict.row = ArchivedVersion.objects.filter(verification_code=code).first()
        if verdict.row is not None:
            verdict.status = TAMPERED
            verdict.hash_matches = False
            verdict.detail = "differs from the archived copy"
    return verdict


def _code_in(data: bytes) -> str | None:
    keywords = signing.pdf_keywords(data)
    for word in keywords.replace(",", " ").split():
        if word.startswith("xac-thuc:"):
            return word.split(":", 1)[1]
    return None


def verify_code(code: str) -> Verdict:
    row = ArchivedVersion.objects.filter(verification_code=code.strip().upper()).first()
    if row is None:
        return Verdict(MISSING, detail="unknown code")
    return verify_row(row)
