"""Re-checking archived documents: the stored bytes against their SHA-256, the
signature against the configured trust roots (pyHanko, via signing), and the
signer against the unit the record names: a certificate valid under the trust
roots proves who signed, not that they were the one who should have."""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _

from archive import signing, storage
from archive.models import ArchivedVersion, Signature, SignatureOutcome

logger = logging.getLogger(__name__)

INTACT = "intact"
TAMPERED = "tampered"
WRONG_SIGNER = "signer"
TOO_COMPLEX = "complex"
MISSING = "missing"
UNKNOWN = "unknown"
UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class SignerBinding:
    """Whether the signer certificate names the expected unit (and person)."""

    matches: bool
    signer: str
    expected: str


SIGNED = SignatureOutcome.SIGNED.value
RECORDED = SignatureOutcome.RECORDED.value
# Times on the page are Vietnam time whatever the server's zone: the reader is in Vietnam.
_VIETNAM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")


@dataclass(frozen=True)
class SignerLine:
    """One step of the document's signer chain as the public page lists it: a signature
    embedded in the file, or a step recorded without a digital signature."""

    kind: str  # SIGNED or RECORDED
    role: str
    name: str
    at: dt.datetime | None
    issuer: str = ""  # the certificate's issuing organisation (SIGNED only)
    ok: bool = False
    validity: str = ""  # the signature's state in Vietnamese words

    @property
    def signed(self) -> bool:
        return self.kind == SIGNED

    @property
    def when(self) -> str:
        """dd/mm/yyyy HH:MM in Vietnam time ("" when the signer reported no time)."""
        return self.at.astimezone(_VIETNAM).strftime("%d/%m/%Y %H:%M") if self.at else ""

    @property
    def day(self) -> str:
        return self.at.astimezone(_VIETNAM).strftime("%d/%m/%Y") if self.at else ""


@dataclass
class Verdict:
    status: str
    row: ArchivedVersion | None = None
    hash_matches: bool | None = None
    signature: signing.SignatureReport = field(default_factory=signing.SignatureReport)
    detail: str = ""
    binding: SignerBinding | None = None
    # Every step of the signer chain, in order; listed only for the archived bytes
    # themselves (see signer_lines), empty otherwise.
    signers: list[SignerLine] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return self.status == INTACT


def signer_binding(
    report: signing.SignatureReport, *, school, person: str | None = None
) -> SignerBinding:
    """The signer certificate is the school's when its subject's organisation (else its
    common name) is the school's name. With `person` (personal signatures), its common
    name must also be that person's name. A certificate of another unit, however valid
    under the trust roots, does not sign for this one."""
    fold = signing.fold_name
    matches = signing.names_unit(report.signer_organisation, report.signer_common_name, school.name)
    expected = school.name
    if person is not None:
        matches = matches and fold(report.signer_common_name) == fold(person)
        expected = f"{person}, {school.name}"
    signer = report.signer_common_name or report.signer
    if report.signer_organisation and fold(report.signer_organisation) != fold(signer):
        signer = f"{signer}, {report.signer_organisation}"
    return SignerBinding(matches=matches, signer=signer, expected=expected)


def _earlier_copy(row: ArchivedVersion, sha256: str) -> bool:
    """A copy taken before the archive extended the row's signatures (issue 14): the
    earlier object, kept in storage, is the same record."""
    return row.extensions.filter(previous_sha256=sha256).exists()


def _judge(data: bytes, row: ArchivedVersion | None) -> Verdict:
    return _judge_report(signing.validate_pdf(data), storage.sha256(data), row)


def _judge_report(
    report: signing.SignatureReport, sha256: str, row: ArchivedVersion | None
) -> Verdict:
    matches = row is not None and (sha256 == row.sha256 or _earlier_copy(row, sha256))
    # Only a signature valid under the trust roots names a signer worth comparing.
    binding = signer_binding(report, school=row.school) if row and report.ok else None
    if binding is not None and not binding.matches:
        logger.warning(
            "Archived %s of school %s is signed by %s", row.key, row.school.code, binding.signer
        )
        detail = f"signed by {binding.signer}, not by {binding.expected}"
        return Verdict(WRONG_SIGNER, row, matches, report, detail, binding)
    if row is not None and matches and report.ok:
        return Verdict(INTACT, row, True, report, binding=binding)
    if row is None and report.ok:
        # Signed under the trust roots but not (or no longer) in our index: the signer is
        # known, the content and the unit that made it are not.
        return Verdict(UNKNOWN, None, None, report, "signature valid, not in the archive index")
    return Verdict(
        TAMPERED, row, matches if row else None, report, "; ".join(report.errors), binding
    )


def _validity(signature: signing.EmbeddedSignature) -> str:
    """Why a signature is (not) to be relied on, in the words a parent or inspector reads."""
    if not signature.intact:
        return _("Không hợp lệ: nội dung đã bị thay đổi sau khi ký")
    if not signature.valid:
        return _("Không hợp lệ: chữ ký không kiểm tra được")
    if not signature.trusted:
        return _("Không hợp lệ: chứng thư số không do tổ chức tin cậy cấp")
    if not signature.modifications_allowed:
        return _("Không hợp lệ: tệp bị sửa đổi sau khi ký ngoài phạm vi cho phép")
    return _("Hợp lệ")


def signer_lines(data: bytes, row: ArchivedVersion) -> list[SignerLine]:
    """The signatures embedded in `data`, in signing order, and the row's version steps
    recorded without a digital signature (archive.Signature), each placed by its time
    among them. Called only on the archived bytes (fetched by code, or an upload whose
    SHA-256 is the archived one): the file is ours, so its full validation costs what
    our own files cost, and a foreign upload is never parsed twice."""
    try:
        embedded = signing.signatures_in(data)
    except Exception:
        logger.exception("Could not list the signatures of archived %s", row.key)
        embedded = []
    # Rows are only added, so their order is the order the steps were taken.
    steps = list(
        Signature.objects.filter(page_ref=row.page_ref, version=row.version).order_by("pk")
    )
    made = {f"Ky_{s.field}": (n, s) for n, s in enumerate(steps) if s.outcome == SIGNED}
    lines: list[tuple[int | None, SignerLine]] = []
    for s in embedded:
        n, step = made.get(s.field, (None, None))
        line = SignerLine(
            kind=SIGNED,
            # The role the signer signed (CAdES claimed role), else the chain step's.
            role=s.role or (step.role if step else "") or s.reason,
            name=s.signer_name,
            at=s.signed_at,
            issuer=s.issuer,
            ok=s.ok,
            validity=_validity(s),
        )
        lines.append((n, line))
    recorded = [
        (n, SignerLine(kind=RECORDED, role=s.role, name=s.signer_name, at=s.made_at))
        for n, s in enumerate(steps)
        if s.outcome == RECORDED
    ]
    return _merged(lines, recorded)


def _merged(
    signed: list[tuple[int | None, SignerLine]], recorded: list[tuple[int, SignerLine]]
) -> list[SignerLine]:
    """Each recorded step placed before the first signature taken after it (by the order
    of the chain's rows); the signatures keep the file's order. A signature without a
    row (a record signed before chains) has no place among them and keeps its own."""
    out: list[SignerLine] = []
    queue = list(recorded)
    for position, line in signed:
        while queue and position is not None and queue[0][0] < position:
            out.append(queue.pop(0)[1])
        out.append(line)
    return out + [line for _, line in queue]


def verify_data(data: bytes, row: ArchivedVersion) -> Verdict:
    """The archived `row` judged on bytes already fetched (archive.integrity fetches
    each object once, whatever its kind)."""
    return _judge(data, row)


def verify_row(row: ArchivedVersion, *, list_signers: bool = False) -> Verdict:
    try:
        data = storage.get_store().get(row.key)
    except FileNotFoundError:
        return Verdict(MISSING, row, False, detail="object not found")
    except storage.StorageUnavailable as exc:
        return Verdict(UNAVAILABLE, row, None, detail=str(exc))
    verdict = _judge(data, row)
    if list_signers and verdict.hash_matches:
        verdict.signers = signer_lines(data, row)
    return verdict


def upload_limits() -> signing.ValidationLimits:
    """What one anonymous upload may cost (settings.ARCHIVE, VERIFY_*). A record
    carries one signature (a few with later personal signatures and timestamps),
    two or three revisions and some hundreds of objects."""
    conf = settings.ARCHIVE
    return signing.ValidationLimits(
        max_signatures=conf["VERIFY_MAX_SIGNATURES"],
        max_revisions=conf["VERIFY_MAX_REVISIONS"],
        max_objects=conf["VERIFY_MAX_OBJECTS"],
        seconds=conf["VERIFY_MAX_SECONDS"],
    )


def verify_upload(data: bytes) -> Verdict:
    """An uploaded copy: found by its SHA-256, else judged by its signature alone
    and matched to a row by the verification code printed in its footer. The PDF is
    parsed once (signing.validate_pdf also reads the code), within upload_limits()."""
    sha256 = storage.sha256(data)
    rows = ArchivedVersion.objects.select_related("school")
    row = rows.filter(sha256=sha256).first() or _row_extended_from(sha256)
    if row is not None:
        # Bytes the archive stored itself: validated in full, the diff analysis that
        # accepts its later timestamps included (an upload of unknown bytes is not).
        verdict = _judge_report(signing.validate_pdf(data), sha256, row)
        verdict.signers = signer_lines(data, row)  # the archived bytes themselves
        return verdict
    report = signing.validate_pdf(data, limits=upload_limits())
    if report.too_complex:
        logger.warning("Upload %s refused: %s", sha256[:16], "; ".join(report.errors))
        return Verdict(TOO_COMPLEX, signature=report, detail="; ".join(report.errors))
    code = _code_in(report.keywords)
    claimed = rows.filter(verification_code=code).first() if code else None
    if claimed is None:
        return _judge_report(report, sha256, None)
    verdict = _judge_report(report, sha256, claimed)
    verdict.status = TAMPERED
    verdict.hash_matches = False
    verdict.detail = "differs from the archived copy"
    return verdict


def _row_extended_from(sha256: str) -> ArchivedVersion | None:
    from archive.models import ArchiveExtension

    earlier = ArchiveExtension.objects.filter(previous_sha256=sha256).first()
    return earlier.archived if earlier is not None else None


def _code_in(keywords: str) -> str | None:
    for word in keywords.replace(",", " ").split():
        if word.startswith("xac-thuc:"):
            return word.split(":", 1)[1]
    return None


def verify_code(code: str) -> Verdict:
    row = (
        ArchivedVersion.objects.select_related("school")
        .filter(verification_code=code.strip().upper())
        .first()
    )
    if row is None:
        return Verdict(MISSING, detail="unknown code")
    return verify_row(row, list_signers=True)
