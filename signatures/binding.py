"""Binding a certificate to a person (or a school's seal): trusted, valid, allowed to
sign, naming that person (its CN is their name) and not bound to anyone else."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from archive import signing
from recordpages.models import StaffProfile
from signatures.models import Certificate
from workflow.audit import audit_append

logger = logging.getLogger(__name__)


class BindingRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def bind(
    staff: StaffProfile, data: bytes, *, holder: str, key_ref: str = "", by=None
) -> Certificate:
    """Bind the certificate (PEM or DER) to `staff`; refuse with a Vietnamese reason."""
    if holder in ("server", "csc") and not key_ref.strip():
        # A key the server reaches must be named, or the first signature would fail.
        raise BindingRefused(_("Cần ghi mã khóa ký (trên thiết bị HSM hoặc dịch vụ ký số từ xa)."))
    try:
        cert = signing.load_certificate(data)
        signing.check_for_signing(cert)
    except signing.CertificateRefused as exc:
        raise BindingRefused(exc.message) from None
    if not signing.names_person(cert, staff.full_name):
        facts = signing.facts(cert)
        raise BindingRefused(
            _("Chứng thư số mang tên “%(cert)s”, không phải “%(person)s”: không gắn được.")
            % {"cert": facts.common_name, "person": staff.full_name}
        )
    facts = signing.facts(cert)
    with transaction.atomic():
        existing = (
            Certificate.objects.select_for_update()
            .filter(sha256=facts.sha256)
            .order_by("pk")
            .first()
        )
        if existing is not None and existing.staff_id != staff.pk:
            raise BindingRefused(_("Chứng thư số này đã được gắn cho người khác."))
        if existing is not None:
            return existing
        certificate = Certificate.objects.create(
            school_id=staff.school_id,
            staff=staff,
            holder=holder,
            key_ref=key_ref,
            der=facts.der,
            sha256=facts.sha256,
            common_name=facts.common_name,
            subject=facts.subject[:500],
            issuer=facts.issuer[:300],
            serial=facts.serial[:80],
            not_before=facts.not_before,
            not_after=facts.not_after,
            added_by=by,
        )
        audit_append(
            action="certificate.bound",
            school_id=staff.school_id,
            actor=by,
            object_type="certificate",
            object_id=certificate.pk,
            summary=f"{staff.full_name}: {facts.common_name} ({facts.issuer})",
            detail={"sha256": facts.sha256, "holder": holder},
        )
    return certificate


CREDENTIAL_ID_MAX = Certificate._meta.get_field("key_ref").max_length


def bind_csc(staff: StaffProfile, credential_id: str, *, by=None) -> Certificate:
    """Bind the person's credential at the remote signing service (CSC): its
    certificate is read from the service, so what is bound is what the service signs
    with, and checked as any other (trusted, valid, naming this person)."""
    from signatures.models import KeyHolder

    credential_id = (credential_id or "").strip()
    if not credential_id or len(credential_id) > CREDENTIAL_ID_MAX:
        raise BindingRefused(
            _("Mã chứng thư số trên dịch vụ ký số từ xa (credential ID) không hợp lệ.")
        )
    try:
        der = signing.csc_credential_certificate(credential_id)
    except signing.SigningUnavailable as exc:
        # The reason (service down, unknown credential) is for the log; the person
        # is told what to do.
        logger.warning("Reading CSC credential %r for %s failed: %s", credential_id, staff, exc)
        raise BindingRefused(
            _(
                "Không đọc được chứng thư số “%(credential)s” từ dịch vụ ký số từ xa: "
                "dịch vụ không phản hồi hoặc không có mã này. Chưa gắn được; vui lòng thử lại."
            )
            % {"credential": credential_id}
        ) from None
    return bind(staff, der, holder=KeyHolder.CSC, key_ref=credential_id, by=by)


def withdraw(staff: StaffProfile, certificate_id: int, *, by=None) -> None:
    updated = Certificate.objects.filter(
        pk=certificate_id, staff=staff, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    if updated:
        audit_append(
            action="certificate.withdrawn",
            school_id=staff.school_id,
            actor=by,
            object_type="certificate",
            object_id=certificate_id,
            summary=staff.full_name,
        )


def bind_dev_certificate(staff: StaffProfile) -> Certificate:
    """A TEST-ONLY certificate made for this person by the dev PKI, its key held by the
    server (demo district and tests)."""
    from archive import devpki
    from signatures.models import KeyHolder

    paths = signing.dev_pki()
    key = staff.user.get_username()
    p12 = devpki.ensure_person_cert(
        paths, key=key, full_name=staff.full_name, school_name=staff.school.name
    )
    from cryptography.hazmat.primitives.serialization import Encoding, pkcs12

    loaded = pkcs12.load_pkcs12(p12.read_bytes(), devpki.DEV_PASSPHRASE)
    der = loaded.cert.certificate.public_bytes(Encoding.DER)
    return bind(staff, der, holder=KeyHolder.DEV, key_ref=key)
