"""The signatures of a record's signer chain, made as its path's steps are taken.

`make_signature` is the maker `workflow.signing` calls inside a step's transaction
(registered in apps.py). For the signature step due:

- the school's seal: signed with the school's key (its token or HSM, CSC, PKCS#12);
- a person with a certificate whose key the server reaches (HSM, CSC, the dev PKI):
  signed now;
- a person whose key is on their own token: signed by the agent beforehand
  (`prepare` → the browser and the agent → the step taken with the CMS as payload);
- a person without a certificate: the step is recorded, and the seal covers the
  document (the PDF's seal says which steps were recorded).

The file is rendered once, when the first signature of the version is made; each
signature is a new stage of it in object storage (`archive.SigningFile`), never an
overwrite.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from archive import signed_files, signing, storage
from archive.codes import new_verification_code
from archive.models import Signature, SignatureOutcome, SigningFile
from archive.rendering import Footer, render_record_with_boxes
from archive.seal import seal_image
from recordpages import chains
from recordpages.chains import SignatureStep
from recordpages.models import RoleCode, StaffProfile
from signatures.models import Certificate, KeyHolder, PendingSignature
from workflow.actions.transitions import latest_revision
from workflow.choices import APPROVED_STATES, REMOVABLE_STATES, State
from workflow.signing import SignatureRefused, SignatureRequest
from workflow.versions import content_hash

logger = logging.getLogger(__name__)


# --- certificates -------------------------------------------------------------------


def bound_certificate(staff: StaffProfile | None, *, at: dt.datetime | None = None):
    """The person's certificate in use now: bound to them, not withdrawn, in validity."""
    if staff is None:
        return None
    at = at or timezone.now()
    return (
        Certificate.objects.filter(
            staff=staff, revoked_at__isnull=True, not_before__lte=at, not_after__gte=at
        )
        .order_by("-not_after", "-pk")
        .first()
    )


def _staff_of(user) -> StaffProfile | None:
    return StaffProfile.objects.filter(user=user).select_related("school").first()


# --- the file ------------------------------------------------------------------------


def chain_of(record) -> tuple[SignatureStep, ...]:
    """The chain as the document shows it: declared steps, then the seal."""
    return chains.with_seal(record.rules.signature_steps)


def stage_key(file: SigningFile, stage: int) -> str:
    base = f"schools/{file.school.code}/{file.school_year.name}/{file.record_type}"
    return f"{base}/{file.page_ref}/v{file.version}/ky-so-{file.verification_code}-{stage}.pdf"


def _put_stage(file: SigningFile, pdf: bytes, stage: int) -> str:
    key = stage_key(file, stage)
    try:
        storage.get_store().put(key, pdf, content_type="application/pdf")
    except storage.ObjectExists:
        # An earlier attempt that rolled back left its object: a stage key is never reused.
        key = key.removesuffix(".pdf") + f"-{new_verification_code()[:6]}.pdf"
        storage.get_store().put(key, pdf, content_type="application/pdf")
    return key


@dataclass(frozen=True)
class Content:
    revision: object
    digest: str


def content_of(record, page, *, pinned: bool) -> Content:
    """What the document shows: the pinned revision once approved, else the latest."""
    revision = record.approved_revision if pinned and record.approved_revision_id else None
    revision = revision or latest_revision(page)
    return Content(revision=revision, digest=content_hash(revision))


def live_file(page_id: int, version: int) -> SigningFile | None:
    return (
        SigningFile.objects.select_related("school", "school_year")
        .filter(page_ref=page_id, version=version, voided_at__isnull=True)
        .first()
    )


def ensure_file(record, page, *, version: int, content: Content, now: dt.datetime) -> SigningFile:
    """The version's file, rendered with a signature block per chain step when the
    first signature begins; a file of other content (changed after it was rendered) is
    voided and a new one made."""
    file = live_file(page.pk, version)
    chain = chain_of(record)
    if file is not None and file.content_sha256 == content.digest:
        if _has_blocks(file, chain) or _signed_count(file):
            return file
        reason = "the school's chain changed before anyone signed"
    else:
        reason = "content changed after the file was rendered"
    if file is not None:
        file.voided_at = now
        file.void_reason = reason
        file.save(update_fields=["voided_at", "void_reason", "updated_at"])
    code = new_verification_code()
    blocks = [(sig.pdf_field, str(sig.label)) for sig in chain]
    pdf, boxes = render_record_with_boxes(
        content.revision.as_object(),
        footer=Footer(page.pk, version, content.digest, code),
        issued_on=timezone.localtime(now).date(),
        version=version,
        blocks=blocks,
    )
    pdf = signing.add_signature_fields(pdf, boxes)
    file = SigningFile(
        page_id=page.pk,
        page_ref=page.pk,
        school_id=record.school_id,
        school_year_id=record.school_year_id,
        record_type=record.record_type,
        title=page.title[:500],
        version=version,
        content_sha256=content.digest,
        verification_code=code,
        stage=0,
        fields=[sig.field for sig in chain],
        sha256=storage.sha256(pdf),
    )
    file.school, file.school_year = record.school, record.school_year
    file.stage_key = _put_stage(file, pdf, 0)
    try:
        with transaction.atomic():
            file.save()
    except IntegrityError:
        # Another signer of the same version made it first: theirs is the file.
        return live_file(page.pk, version)
    return file


def _has_blocks(file: SigningFile, chain) -> bool:
    """Whether the file has a block for every step of the chain (a file made before
    the school added a signature has not; files made before `fields` was kept: yes)."""
    return not file.fields or all(sig.field in file.fields for sig in chain)


def _without_block(req: SignatureRequest) -> bool:
    """The file already carries signatures and has no block for this step: the school
    added it to its chain after the file was made. The step is then recorded (the
    signed file cannot gain a block without breaking its certification)."""
    file = live_file(req.page.pk, req.version)
    return (
        file is not None
        and bool(file.fields)
        and req.signature.field not in file.fields
        and _signed_count(file) > 0
    )


def _signed_count(file: SigningFile) -> int:
    return file.signatures.filter(outcome=SignatureOutcome.SIGNED).count()


def _add_stage(file: SigningFile, pdf: bytes) -> None:
    file.stage += 1
    file.stage_key = _put_stage(file, pdf, file.stage)
    file.sha256 = storage.sha256(pdf)
    file.save(update_fields=["stage", "stage_key", "sha256", "updated_at"])


def _signature_row(req: SignatureRequest, *, outcome: str, file=None, **fields) -> Signature:
    return Signature.objects.create(
        page_ref=req.page.pk,
        version=req.version,
        file=file,
        field=req.signature.field,
        role=str(req.signature.label),
        step=req.step.name,
        seal=req.signature.seal,
        outcome=outcome,
        user=req.user if getattr(req.user, "pk", None) else None,
        made_at=req.now,
        stage=file.stage if file is not None else None,
        stage_key=file.stage_key if file is not None else "",
        stage_sha256=file.sha256 if file is not None else "",
        **fields,
    )


def _signed(
    req: SignatureRequest, file: SigningFile, pdf: bytes, name: str, sha256: str, issuer: str
) -> None:
    """The new stage stored, and the step's row saying who signed it with what."""
    _add_stage(file, pdf)
    _signature_row(
        req,
        outcome=SignatureOutcome.SIGNED,
        file=file,
        signer_name=name,
        certificate_sha256=sha256,
        issuer=issuer,
    )


def appearance_for(req: SignatureRequest, signer_name: str, *, notes=()) -> signing.Appearance:
    reason = _("%(step)s %(record)s") % {
        "step": str(req.step.label),
        "record": req.page.record_type_label.lower(),
    }
    return signing.Appearance(
        signer_name=signer_name,
        role=_role_as_signed(req),
        reason=reason,
        seal_image=seal_image(req.record.school) if req.signature.seal else None,
        notes=tuple(notes),
    )


def _role_as_signed(req: SignatureRequest) -> str:
    """The block's role as the signer signs it: a vice-principal signing in the
    principal's block signs "on behalf of" (KT., Nghị định 30/2020, Phụ lục I)."""
    role = str(req.signature.label)
    if role != str(chains.PRINCIPAL_LABEL) or req.signature.seal:
        return role
    staff = _staff_of(req.user)
    codes = set(staff.role_codes) if staff is not None else set()
    if RoleCode.VICE_PRINCIPAL in codes and RoleCode.PRINCIPAL not in codes:
        return _("KT. Hiệu trưởng – Phó hiệu trưởng")
    return role


# --- the maker ------------------------------------------------------------------------


def make_signature(req: SignatureRequest) -> None:
    """Sign (or record) the signature step due; raise SignatureRefused to refuse."""
    if req.signature.seal:
        _seal(req)
        return
    staff = _staff_of(req.user)
    certificate = bound_certificate(staff, at=req.now)
    if req.payload is None and _without_block(req):
        certificate = None  # recorded, below
    if req.payload is not None:
        _finish_deferred(req, certificate)
        return
    if certificate is None:
        _signature_row(
            req,
            outcome=SignatureOutcome.RECORDED,
            signer_name=req.user.get_full_name() or req.user.get_username(),
        )
        _render_ahead(req)
        return
    if certificate.holder == KeyHolder.TOKEN:
        raise SignatureRefused(
            _(
                "Chứng thư số của bạn nằm trên thiết bị ký số: hãy ký tại mục “Hồ sơ chờ tôi "
                "ký” (cần phần mềm ký hoso-sign-agent trên máy tính đang cắm thiết bị)."
            )
        )
    _sign_on_server(req, certificate)


def _render_ahead(req: SignatureRequest) -> None:
    """Have the file rendered once this step is committed, if a later signature of the
    chain will need it and none exists (signatures.tasks)."""
    chain = chain_of(req.record)
    later = chain[[s.field for s in chain].index(req.signature.field) + 1 :]
    if not later or live_file(req.page.pk, req.version) is not None:
        return
    page_id, version = req.page.pk, req.version
    transaction.on_commit(lambda: render_ahead.enqueue(page_id=page_id, version=version))


@task()
def render_ahead(page_id: int, version: int) -> None:
    """Render a record's file before its next signer comes: when a step is recorded
    (no certificate) the next signer, often the principal with a whole class, would
    otherwise pay ~0.4 s a học bạ inside their batch, the bulk of its time."""
    if render_next_file(page_id, version, now=timezone.now()):
        logger.info("Rendered the signing file of page %s v%s ahead", page_id, version)


def render_next_file(page_id: int, version: int | None = None, *, now: dt.datetime) -> bool:
    """The file the record's next signature will sign (of `version`, if it is still the
    next one), rendered now, outside the signer's transaction. False when the record
    waits for no file. With a `version` (rendering ahead for the next signer) a record
    being written or handed back waits for none; without one the caller is about to
    take a signing step, a draft's hand-in signed by its author included."""
    from wagtail.models import Page

    from workflow.models import RecordState

    record = (
        RecordState.objects.select_related("school", "school_year", "record_category")
        .filter(pk=page_id)
        .first()
    )
    if record is None or record.state == State.CORRECTING:
        return False
    if version is not None and record.state in REMOVABLE_STATES:
        return False
    approved = record.state in APPROVED_STATES
    if version is not None and record.version + (0 if approved else 1) != version:
        return False  # the record moved on (returned, corrected): its next file is another
    page = Page.objects.get(pk=page_id).specific
    content = content_of(record, page, pinned=approved)
    next_version = record.version + (0 if approved else 1)
    ensure_file(record, page, version=next_version, content=content, now=now)
    return True


def _file_for(req: SignatureRequest) -> SigningFile:
    # Before approval the document shows the latest revision, the one the approval
    # pins (nobody edits a record under review); after it, the pinned one.
    content = content_of(req.record, req.page, pinned=req.record.state in APPROVED_STATES)
    return ensure_file(req.record, req.page, version=req.version, content=content, now=req.now)


def _sign_on_server(req: SignatureRequest, certificate: Certificate) -> None:
    file = _file_for(req)
    pdf = storage.get_store().get(file.stage_key)
    try:
        with signing.personal_signer(certificate.holder, certificate.key_ref) as signer:
            if signer.signing_cert.dump() != bytes(certificate.der):
                raise SignatureRefused(
                    _("Khóa ký không khớp với chứng thư số đã gắn cho bạn; không ký được.")
                )
            result = signing.sign_field(
                pdf,
                field=req.signature.pdf_field,
                signer=signer,
                appearance=appearance_for(req, certificate.common_name),
                certify=_signed_count(file) == 0,
            )
    except signing.SigningUnavailable as exc:
        logger.warning("Personal signer of %s unavailable: %s", req.user, exc)
        raise SignatureRefused(
            _("Không mở được khóa ký của bạn lúc này; chưa thực hiện bước này. Vui lòng thử lại.")
        ) from None
    except signing.SignatureRejected as exc:
        raise SignatureRefused(str(exc)) from None
    _signed(req, file, result.pdf, certificate.common_name, certificate.sha256, certificate.issuer)


def _seal(req: SignatureRequest) -> None:
    file = _file_for(req)
    pdf = storage.get_store().get(file.stage_key)
    school = req.record.school
    notes = signed_files.recorded_notes(req.page.pk, req.version)
    try:
        result = signing.seal_field(
            pdf,
            school=school,
            field=req.signature.pdf_field,
            appearance=appearance_for(req, school.name, notes=notes),
            certify=_signed_count(file) == 0,
        )
    except signing.SigningUnavailable as exc:
        logger.warning("Seal of school %s unavailable: %s", school.code, exc)
        raise SignatureRefused(
            _("Không mở được khóa ký của nhà trường (con dấu số) lúc này. Vui lòng thử lại sau.")
        ) from None
    except signing.SignatureRejected as exc:
        raise SignatureRefused(str(exc)) from None
    _signed(req, file, result.pdf, result.signer, result.certificate_sha256, result.issuer)


# --- deferred: the signer's own token --------------------------------------------------


@dataclass(frozen=True)
class Prepared:
    pending: PendingSignature
    title: str
    document_sha256: str
    signed_attributes: bytes


def prepare(req: SignatureRequest, certificate: Certificate) -> Prepared:
    """The signed attributes the signer's token signs for the step due (the file is
    rendered now if this is the version's first signature)."""
    if _without_block(req):
        raise SignatureRefused(
            _(
                "Bước ký này được nhà trường thêm sau khi tài liệu đã có chữ ký: bấm “Duyệt” "
                "trên hồ sơ để thực hiện, bước được ghi nhận (không ký số)."
            )
        )
    file = _file_for(req)
    pdf = storage.get_store().get(file.stage_key)
    try:
        pending = signing.prepare_signature(
            pdf,
            field=req.signature.pdf_field,
            certificate=bytes(certificate.der),
            chain=signing.issuer_chain(bytes(certificate.der)),
            appearance=appearance_for(req, certificate.common_name),
            certify=_signed_count(file) == 0,
        )
    except signing.SignatureRejected as exc:
        raise SignatureRefused(str(exc)) from None
    row = PendingSignature.objects.create(
        user=req.user,
        certificate=certificate,
        file=file,
        page_ref=req.page.pk,
        step=req.step.name,
        field=req.signature.field,
        stage=file.stage,
        state=pending.to_json(),
    )
    return Prepared(
        pending=row,
        title=req.page.title,
        document_sha256=pending.document_digest.hex(),  # the agent shows it and checks it is the messageDigest it signs
        signed_attributes=pending.signed_attributes,
    )


@dataclass(frozen=True)
class TokenAnswer:
    """The payload of a step taken with a signature made on the signer's token."""

    pending_id: int
    cms: bytes


def _finish_deferred(req: SignatureRequest, certificate: Certificate | None) -> None:
    answer = req.payload
    if not isinstance(answer, TokenAnswer):
        raise SignatureRefused(_("Dữ liệu chữ ký không hợp lệ."))
    row = (
        PendingSignature.objects.select_related("file", "certificate")
        .filter(pk=answer.pending_id, user=req.user, used_at__isnull=True)
        .first()
    )
    if row is None or row.page_ref != req.page.pk or row.field != req.signature.field:
        raise SignatureRefused(_("Yêu cầu ký này không còn hiệu lực; vui lòng ký lại."))
    if certificate is None or row.certificate_id != certificate.pk:
        raise SignatureRefused(
            _("Chứng thư số đã ký không phải chứng thư số đang gắn cho bạn; chữ ký bị từ chối.")
        )
    file = live_file(req.page.pk, req.version)
    if file is None or file.pk != row.file_id or file.stage != row.stage:
        raise SignatureRefused(
            _("Tài liệu vừa có thêm chữ ký khác sau khi chuẩn bị; vui lòng ký lại.")
        )
    try:
        result = signing.finish_signature(signing.PendingSignature.from_json(row.state), answer.cms)
    except signing.SignatureRejected as exc:
        raise SignatureRefused(str(exc)) from None
    except signing.SigningUnavailable as exc:
        logger.warning("Finishing a deferred signature failed: %s", exc)
        raise SignatureRefused(
            _("Chưa hoàn tất được chữ ký (dịch vụ dấu thời gian không phản hồi). Vui lòng thử lại.")
        ) from None
    row.used_at = req.now
    row.save(update_fields=["used_at"])
    _signed(req, file, result.pdf, certificate.common_name, certificate.sha256, certificate.issuer)
