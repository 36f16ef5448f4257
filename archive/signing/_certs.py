"""What a certificate says and whether it may sign here: read from its DER, its path
built to the configured trust roots (settings.SIGNING["TRUST_ROOTS"]), valid today, and
allowed to sign documents (key usage). Used when a certificate is bound to a person or a
school, and again before each signature."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
from dataclasses import dataclass

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from django.utils.translation import gettext as _
from pyhanko_certvalidator import CertificateValidator
from pyhanko_certvalidator.errors import (
    InvalidCertificateError,
    PathBuildingError,
    PathValidationError,
)

from archive.signing._keys import validation_context
from archive.signing._names import _nfc, _signer_name, fold_name, subject_names


class CertificateRefused(Exception):
    """The certificate cannot sign here; the message is Vietnamese, for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CertificateFacts:
    der: bytes
    sha256: str
    common_name: str
    organisation: str
    subject: str
    issuer: str
    serial: str
    not_before: dt.datetime
    not_after: dt.datetime


def load_certificate(data: bytes) -> asn1_x509.Certificate:
    """A certificate from PEM or DER bytes, or CertificateRefused."""
    try:
        if pem.detect(data):
            _, _, data = pem.unarmor(data)
        cert = asn1_x509.Certificate.load(data)
        cert.native  # noqa: B018 - parse it all now, not at first use
    except Exception:  # noqa: BLE001 - whatever the parser says, the file is not a certificate
        raise CertificateRefused(
            _("Tệp không phải là chứng thư số (X.509, .cer/.crt/.pem).")
        ) from None
    return cert


def facts(cert: asn1_x509.Certificate) -> CertificateFacts:
    organisation, common_name = subject_names(cert)
    der = cert.dump()
    return CertificateFacts(
        der=der,
        sha256=hashlib.sha256(der).hexdigest(),
        common_name=common_name,
        organisation=organisation,
        subject=_nfc(cert.subject.human_friendly),
        issuer=_nfc(_issuer_name(cert)),
        serial=format(cert.serial_number, "X"),
        not_before=cert.not_valid_before,
        not_after=cert.not_valid_after,
    )


def _issuer_name(cert: asn1_x509.Certificate) -> str:
    issuer = cert.issuer.native
    return (
        issuer.get("common_name") or issuer.get("organization_name") or cert.issuer.human_friendly
    )


def check_for_signing(cert: asn1_x509.Certificate, *, at: dt.datetime | None = None) -> None:
    """Refuse a certificate that is not trusted here, not valid now, or may not sign."""
    at = at or dt.datetime.now(dt.UTC)
    if not (cert.not_valid_before <= at <= cert.not_valid_after):
        raise CertificateRefused(
            _("Chứng thư số không còn hiệu lực (hiệu lực từ %(start)s đến %(end)s).")
            % {
                "start": cert.not_valid_before.strftime("%d/%m/%Y"),
                "end": cert.not_valid_after.strftime("%d/%m/%Y"),
            }
        )
    validator = CertificateValidator(cert, validation_context=validation_context())
    try:
        asyncio.run(validator.async_validate_usage({"digital_signature"}))
    except PathBuildingError:
        raise CertificateRefused(
            _(
                "Chứng thư số do “%(issuer)s” cấp không thuộc tổ chức cung cấp dịch vụ chứng thực được tin cậy."
            )
            % {"issuer": _issuer_name(cert)}
        ) from None
    except (PathValidationError, InvalidCertificateError) as exc:
        raise CertificateRefused(
            _("Chứng thư số không hợp lệ: %(reason)s") % {"reason": str(exc)[:200]}
        ) from None


def names_person(cert: asn1_x509.Certificate, full_name: str) -> bool:
    """Whether the certificate's holder (its CN) is this person, compared as people
    write names (capitals, with or without diacritics)."""
    _, common_name = subject_names(cert)
    return bool(common_name) and fold_name(common_name) == fold_name(full_name)


def signer_name(cert: asn1_x509.Certificate) -> str:
    return _nfc(_signer_name(cert))
