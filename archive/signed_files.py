"""The file a record version's signers signed (issue 13), as the archive freezes it:
the seal added in its block when the chain leaves it to the archive, and the steps
made without a digital signature said on it."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from archive import signing, storage
from archive.models import Signature, SignatureOutcome, SigningFile
from archive.seal import seal_image
from recordpages import chains


def signed_file(page_id: int, version: int, digest: str) -> SigningFile | None:
    """The version's file (signed by its signers, or rendered ahead for them while
    every step so far was recorded) when it shows the approved content; else the
    record is rendered and sealed here, as before the chains."""
    file = (
        SigningFile.objects.select_related("school", "school_year")
        .filter(page_ref=page_id, version=version, voided_at__isnull=True)
        .first()
    )
    if file is None or file.content_sha256 != digest:
        return None
    if not Signature.objects.filter(page_ref=page_id, version=version).exists():
        return None  # no step of the chain went through it
    return file


class SignedFileChanged(Exception):
    """The stored file is not the one its last signing step wrote."""


def finish(file: SigningFile, page, school) -> bytes:
    """The file as its last signer left it; the school's seal added in its block when
    the record's chain does not have the clerk apply it (then it is already there).
    Read back only under the SHA-256 its last step recorded: the freeze then knows
    every revision of it is the signing steps' own (archive.stored)."""
    pdf = storage.get_store().get(file.stage_key)
    if storage.sha256(pdf) != file.sha256:
        raise SignedFileChanged(
            _(
                "Tệp ký của hồ sơ %(page)s phiên bản %(version)s đã bị thay đổi sau bước ký "
                "cuối (SHA-256 không khớp): không lưu trữ."
            )
            % {"page": file.page_ref, "version": file.version}
        )
    if file.signatures.filter(seal=True, outcome=SignatureOutcome.SIGNED).exists():
        return pdf
    notes = recorded_notes(file.page_ref, file.version)
    seal = chains.AUTOMATIC_SEAL
    result = signing.seal_field(
        pdf,
        school=school,
        field=seal.pdf_field,
        appearance=signing.Appearance(
            signer_name=school.name,
            role=str(seal.label),
            reason=_("Lưu trữ %(record_type)s phiên bản %(version)s")
            % {"record_type": page.record_type_label.lower(), "version": file.version},
            seal_image=seal_image(school),
            notes=tuple(notes),
        ),
        # The first signature of a file nobody signed (every step recorded) certifies it.
        certify=not file.signatures.filter(outcome=SignatureOutcome.SIGNED).exists(),
    )
    Signature.objects.create(
        page_ref=file.page_ref,
        version=file.version,
        file=file,
        field=seal.field,
        role=str(seal.label),
        step="",
        seal=True,
        outcome=SignatureOutcome.SIGNED,
        signer_name=result.signer,
        certificate_sha256=result.certificate_sha256,
        issuer=result.issuer,
        made_at=timezone.now(),
    )
    return result.pdf


def recorded_notes(page_id: int, version: int) -> list[str]:
    """What the seal's block says of the steps made without a digital signature."""
    rows = Signature.objects.filter(
        page_ref=page_id, version=version, outcome=SignatureOutcome.RECORDED
    ).order_by("made_at", "pk")
    return [
        _("%(role)s: %(name)s, %(when)s (ghi nhận, không ký số)")
        % {
            "role": row.role,
            "name": row.signer_name,
            "when": timezone.localtime(row.made_at).strftime("%d/%m/%Y"),
        }
        for row in rows
    ]
