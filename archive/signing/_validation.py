"""Validation of PDF signatures (the archive's own checks and the public verification
page): what a reader needs to know, bounded in work for an untrusted upload."""

from __future__ import annotations

import io
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
from pyhanko.sign.validation.status import SignatureCoverageLevel

from archive.signing._keys import validation_context
from archive.signing._names import _signer_name, subject_names


@dataclass
class SignatureReport:
    """What a reader needs to know about one PDF's signature(s)."""

    signed: bool = False
    intact: bool = False
    valid: bool = False
    trusted: bool = False
    whole_file: bool = False
    signer: str = ""
    # The signer certificate's subject, for binding it to a school (and a person):
    # verification.signer_binding.
    signer_organisation: str = ""
    signer_common_name: str = ""
    signer_fingerprint: str = ""
    signed_at: str | None = None
    timestamp_at: str | None = None
    timestamp_trusted: bool | None = None
    errors: list[str] = field(default_factory=list)
    # The /Keywords of the document information (the verification code), read with the
    # same parse so that a public upload is parsed once.
    keywords: str = ""
    # Validation stopped at a ValidationLimits bound: nothing above is a verdict.
    too_complex: bool = False
    # Document timestamps of the archive (PAdES B-LTA), all checked with the rest.
    archive_timestamps: int = 0

    @property
    def ok(self) -> bool:
        ts_ok = self.timestamp_trusted is not False
        return (
            self.signed
            and self.intact
            and self.valid
            and self.trusted
            and self.whole_file
            and ts_ok
        )

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        del data["keywords"]  # a reading aid, not part of the signature's verdict
        return {**data, "ok": self.ok}


@dataclass(frozen=True)
class ValidationLimits:
    """Bounds on the work one untrusted PDF may cost (the public verification page).
    Each signature field is validated on its own (its byte range hashed, its diff
    analysed, its certificate path built), so a file can multiply the work by
    pointing many fields at one signature: the count of signatures, revisions and
    objects is checked before any validation, and the clock between signatures."""

    max_signatures: int
    max_revisions: int
    max_objects: int
    seconds: float


def _monotonic() -> float:
    return time.monotonic()


def _too_complex(reader: PdfFileReader, signatures: list, limits: ValidationLimits) -> str:
    """Why the file exceeds the limits ("" when it does not)."""
    revisions = reader.xrefs.total_revisions
    objects = int(reader.trailer_view.get("/Size", 0))
    if len(signatures) > limits.max_signatures:
        return f"{len(signatures)} signatures (limit {limits.max_signatures})"
    if revisions > limits.max_revisions:
        return f"{revisions} revisions (limit {limits.max_revisions})"
    if objects > limits.max_objects:
        return f"{objects} objects (limit {limits.max_objects})"
    return ""


def validate_pdf(
    pdf: bytes, *, limits: ValidationLimits | None = None, own_bytes: int | None = None
) -> SignatureReport:
    """Validate every signature against the configured trust roots. Never raises:
    a damaged or foreign file is reported, not crashed on. With `limits`, a file past
    them is reported `too_complex` instead of validated (see ValidationLimits).

    `own_bytes`: the archive's freeze of a file it wrote itself. Its first `own_bytes`
    bytes were signed in the same job, or read back under the SHA-256 its signing steps
    recorded (archive.signed_files), and every byte after them is the archive's own
    validation data and timestamp. No revision is anyone else's, so pyHanko's
    modification analysis, which walks every object of every revision once per
    signature (~1 s per signature of a học bạ, nine tenths of its freeze), is skipped;
    each signature's integrity, certificate path and timestamp are checked as always,
    and the file is whole when the last signature ends at `own_bytes` and a document
    timestamp covers the rest."""
    report = SignatureReport()
    deadline = _monotonic() + limits.seconds if limits else None
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
        reason = _too_complex(reader, signatures, limits) if limits else ""
    except Exception as exc:
        report.errors.append(f"unreadable PDF: {exc}")
        return report
    if reason:
        report.too_complex = True
        report.errors.append(f"too complex: {reason}")
        return report
    report.keywords = _keywords(reader)
    if not signatures:
        report.errors.append("no signature")
        return report
    report.signed = True
    vc = validation_context()
    skip_diff = limits is not None or own_bytes is not None
    results = []
    regular = reader.embedded_regular_signatures
    for signature in regular:
        if deadline is not None and _monotonic() > deadline:
            report.too_complex = True
            report.errors.append(f"too complex: not validated within {limits.seconds} s")
            return report
        try:
            # Under limits the diff analysis of later revisions is skipped: it costs per
            # changed object (16 s for 90,000 in a 5 MB file) and decides nothing here,
            # since the verdict then requires the last signature to cover the whole file.
            status = validate_pdf_signature(
                signature,
                signer_validation_context=vc,
                ts_validation_context=vc,
                skip_diff=skip_diff,
            )
        except Exception as exc:
            report.errors.append(f"signature check failed: {exc}")
            return report
        results.append(status)
    if not results:
        report.errors.append("no signature")
        return report
    archive_ok = _archive_timestamps_ok(reader, vc, report, skip_diff=skip_diff)
    last = results[-1]
    report.intact = all(s.intact for s in results) and archive_ok
    report.valid = all(s.valid for s in results)
    report.trusted = all(s.trusted for s in results)
    if own_bytes is not None:
        report.whole_file = _own_file_covered(regular[-1], signatures, own_bytes, len(pdf))
    else:
        report.whole_file = covers_the_file(last, signatures, skip_diff=skip_diff)
    report.signer = _signer_name(last.signing_cert)
    report.signer_organisation, report.signer_common_name = subject_names(last.signing_cert)
    report.signer_fingerprint = last.signing_cert.sha256.hex()
    signing_time = last.signer_reported_dt
    report.signed_at = signing_time.isoformat() if signing_time else None
    if last.timestamp_validity is not None:
        report.timestamp_at = last.timestamp_validity.timestamp.isoformat()
        report.timestamp_trusted = bool(
            last.timestamp_validity.intact
            and last.timestamp_validity.valid
            and last.timestamp_validity.trusted
        )
    if not report.ok:
        report.errors.append(last.summary())
    return report


def _archive_timestamps_ok(reader, vc, report: SignatureReport, *, skip_diff: bool) -> bool:
    """The archive's document timestamps (PAdES B-LTA) are intact and trusted."""
    ok = True
    for stamp in reader.embedded_timestamp_signatures:
        try:
            status = validate_pdf_timestamp(stamp, validation_context=vc, skip_diff=skip_diff)
        except Exception as exc:
            report.errors.append(f"document timestamp check failed: {exc}")
            return False
        if not (status.intact and status.valid and status.trusted):
            report.errors.append(f"document timestamp {stamp.field_name}: {status.summary()}")
            ok = False
    report.archive_timestamps = len(reader.embedded_timestamp_signatures)
    return ok


def covers_the_file(last, embedded: list, *, skip_diff: bool = False) -> bool:
    """The last signature covers the whole file, or everything after it is archive
    maintenance (validation data and document timestamps, pyHanko's LTA_UPDATES) up to
    a document timestamp that does. Without the diff analysis (an upload under limits)
    only the first holds."""
    if last.coverage == SignatureCoverageLevel.ENTIRE_FILE:
        return True
    if skip_diff or last.modification_level != ModificationLevel.LTA_UPDATES:
        return False
    final = embedded[-1]
    return (
        final.sig_object_type == "/DocTimeStamp"
        and final.evaluate_signature_coverage() == SignatureCoverageLevel.ENTIRE_FILE
    )


def _own_file_covered(last, embedded: list, own_bytes: int, size: int) -> bool:
    """covers_the_file for a file the archive wrote itself (validate_pdf's own_bytes):
    the last signature covers exactly the bytes signed before the archive's additions,
    and after it come only document timestamps, the final one over the whole file."""
    if last.evaluate_signature_coverage() == SignatureCoverageLevel.ENTIRE_FILE:
        return size == own_bytes
    _start, _len1, start2, len2 = last.byte_range
    later = embedded[embedded.index(last) + 1 :]
    return (
        start2 + len2 == own_bytes
        and bool(later)
        and all(signature.sig_object_type == "/DocTimeStamp" for signature in later)
        and later[-1].evaluate_signature_coverage() == SignatureCoverageLevel.ENTIRE_FILE
    )


def pdf_keywords(pdf: bytes) -> str:
    """The /Keywords of the document information (carries the verification code)."""
    try:
        return _keywords(PdfFileReader(io.BytesIO(pdf), strict=False))
    except Exception:
        return ""


def _keywords(reader: PdfFileReader) -> str:
    try:
        info = reader.trailer_view.get("/Info")
        return str(info.get_object().get("/Keywords", "")) if info is not None else ""
    except Exception:
        return ""
