"""Deferred signatures of a chain step: the key is on the signer's own token, on their
PC. The server prepares the revision with its empty signature and the signed
attributes (pyHanko's interrupted signing); the signing agent signs those attributes
and returns a CMS; the server checks that CMS against what it prepared and embeds it.

What is embedded is the agent's signature value inside a CMS the server assembles
from the prepared signed attributes and the certificates it knows (signer and
chain), plus the signature timestamp when TSA_URL is set: the container's size is
the one reserved at preparation, and nothing the agent adds beside its signature
(extra certificates, unsigned attributes) reaches the archived file.

No post-sign instructions are kept between the two halves: validation data is
placed with the signature (in the prepared revision) and no document timestamp
follows, so pyHanko's post-signing step would do nothing."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import io
import json
import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from asn1crypto import cms as asn1_cms
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from django.utils.translation import gettext as _
from pyhanko.sign import signers, timestamps
from pyhanko.sign._session_scope import run_and_release
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers.pdf_byterange import PreparedByteRangeDigest
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from pyhanko.sign.signers.pdf_signer import PdfTBSDocument
from pyhanko.sign.validation.generic_cms import validate_sig_integrity
from pyhanko_certvalidator.registry import SimpleCertificateStore

from archive.signing._chain import (
    Appearance,
    SignatureRejected,
    _metadata,
    _stamp_style,
    _text_params,
    _timestamper,
    _writer_for,
)
from archive.signing._keys import SigningUnavailable
from archive.signing._names import _nfc, _signer_name
from archive.signing._pdf import SignResult

logger = logging.getLogger(__name__)

_BYTES_FIELDS = ("certificate", "prepared_pdf", "signed_attributes", "document_digest")


@dataclass(frozen=True)
class PendingSignature:
    """What is kept between "prepare" and "finish" of a deferred signature (JSON)."""

    field: str
    certificate: bytes  # DER, the signer's
    prepared_pdf: bytes  # the file with the new revision and its empty /Contents
    signed_attributes: bytes  # DER SET OF: what the agent signs (their hash, on the token)
    document_digest: bytes  # digest of the byte range, as in the messageDigest attribute
    digest_algorithm: str
    reserved_region_start: int
    reserved_region_end: int
    chain: tuple[bytes, ...] = ()  # DER, issuers of the signer's certificate
    signer_name: str = ""
    signed_at: str = ""  # ISO 8601: the time the appearance shows

    def to_json(self) -> str:
        data = asdict(self)
        for name in _BYTES_FIELDS:
            data[name] = base64.b64encode(data[name]).decode("ascii")
        data["chain"] = [base64.b64encode(c).decode("ascii") for c in self.chain]
        return json.dumps(data)

    @classmethod
    def from_json(cls, text: str) -> PendingSignature:
        data = json.loads(text)
        for name in _BYTES_FIELDS:
            data[name] = base64.b64decode(data[name])
        data["chain"] = tuple(base64.b64decode(c) for c in data.get("chain", ()))
        return cls(**data)


def _certificate(data: bytes) -> asn1_x509.Certificate:
    try:
        if pem.detect(data):
            _type, _headers, data = pem.unarmor(data)
        cert = asn1_x509.Certificate.load(data)
        _parsed = cert.native  # parse fully now: asn1crypto parses lazily
        return cert
    except Exception as exc:
        raise SignatureRejected(_("Chứng thư số không đọc được.")) from exc


def _placeholder(cert: asn1_x509.Certificate) -> bytes:
    """A stand-in signature value of the largest size the key can produce, for the
    size estimate of the reserved /Contents."""
    key = cert.public_key
    if key.algorithm == "rsa":
        return bytes(key.byte_size)
    # ECDSA: a DER SEQUENCE of two integers, each at most one byte longer than the key.
    return bytes(2 * (key.byte_size + 3) + 3)


def prepare_signature(
    pdf: bytes,
    *,
    field: str,
    certificate: bytes,
    chain: Sequence[bytes],
    appearance: Appearance,
    certify: bool,
) -> PendingSignature:
    """The revision that signs `field` for `certificate`, prepared up to the signature
    value. The certificate's path to the trust roots is checked here (pyHanko's
    pre-signing validation): an unknown or untrusted certificate is refused now."""
    writer = _writer_for(pdf, field, certify=certify)
    cert = _certificate(certificate)
    issuers = [_certificate(c) for c in chain]
    name = _nfc(_signer_name(cert))
    signed_at = dt.datetime.now(dt.UTC)
    external = signers.ExternalSigner(
        signing_cert=cert,
        cert_registry=SimpleCertificateStore.from_certs(issuers),
        signature_value=_placeholder(cert),
    )
    metadata = _metadata(field, appearance, name=name, certify=certify)
    pdf_signer = signers.PdfSigner(
        metadata,
        signer=external,
        timestamper=_timestamper(),
        stamp_style=_stamp_style(appearance),
    )

    async def prepare():
        prepared, tbs, output = await pdf_signer.async_digest_doc_for_signing(
            writer,
            existing_fields_only=True,
            appearance_text_params=_text_params(appearance, signed_at),
        )
        attributes = await external.signed_attrs(
            prepared.document_digest,
            tbs.md_algorithm,
            attr_settings=PdfCMSSignedAttributes(
                cades_signed_attrs=metadata.cades_signed_attr_spec
            ),
            use_pades=True,
        )
        return prepared, tbs.md_algorithm, output.getvalue(), attributes.dump()

    try:
        prepared, md_algorithm, prepared_pdf, attributes = asyncio.run(
            run_and_release(prepare(), metadata.validation_context)
        )
    except timestamps.TimestampRequestError as exc:
        raise SigningUnavailable(f"TSA unavailable: {exc}") from exc
    except SigningError as exc:
        logger.warning("Preparing field %s for %s refused: %s", field, name, exc)
        raise SignatureRejected(
            _("Không chuẩn bị được chữ ký: chứng thư số không hợp lệ hoặc tệp không cho ký.")
        ) from exc
    return PendingSignature(
        field=field,
        certificate=cert.dump(),
        prepared_pdf=prepared_pdf,
        signed_attributes=attributes,
        document_digest=prepared.document_digest,
        digest_algorithm=md_algorithm,
        reserved_region_start=prepared.reserved_region_start,
        reserved_region_end=prepared.reserved_region_end,
        chain=tuple(c.dump() for c in issuers),
        signer_name=name,
        signed_at=signed_at.isoformat(),
    )


def _signer_info(data: bytes) -> asn1_cms.SignerInfo:
    try:
        content = asn1_cms.ContentInfo.load(data)
        if content["content_type"].native != "signed_data":
            raise ValueError("not a SignedData")
        infos = content["content"]["signer_infos"]
        if len(infos) != 1:
            raise ValueError(f"{len(infos)} signer infos")
        info = infos[0]
        _parsed = info.native  # parse fully now: asn1crypto parses lazily
        return info
    except Exception as exc:
        logger.info("Unreadable CMS from the signing agent: %s", exc)
        raise SignatureRejected(_("Chữ ký số gửi về không đọc được.")) from exc


def _names_certificate(info: asn1_cms.SignerInfo, cert: asn1_x509.Certificate) -> bool:
    sid = info["sid"]
    if sid.name == "issuer_and_serial_number":
        return (
            sid.chosen["issuer"] == cert.issuer
            and sid.chosen["serial_number"].native == cert.serial_number
        )
    return sid.chosen.native == cert.key_identifier


def _checked_signature(pending: PendingSignature, data: bytes) -> asn1_cms.SignerInfo:
    """The agent's SignerInfo, once it is the pending certificate's, over the pending
    signed attributes, and its signature verifies; otherwise SignatureRejected."""
    info = _signer_info(data)
    cert = _certificate(pending.certificate)
    if not _names_certificate(info, cert):
        raise SignatureRejected(_("Chữ ký số gửi về không phải của chứng thư số của bước ký này."))
    signed = info["signed_attrs"]
    if signed.native is None or signed.untag().dump() != pending.signed_attributes:
        raise SignatureRejected(
            _("Chữ ký số gửi về không ký đúng nội dung đã chuẩn bị cho tệp này.")
        )
    try:
        intact, valid = validate_sig_integrity(
            info, cert, expected_content_type="data", actual_digest=pending.document_digest
        )
    except Exception as exc:
        logger.info("Agent CMS for field %s fails the integrity check: %s", pending.field, exc)
        intact = valid = False
    if not (intact and valid):
        raise SignatureRejected(_("Chữ ký số gửi về không hợp lệ."))
    return info


def finish_signature(pending: PendingSignature, cms: bytes) -> SignResult:
    """Embed the signature the agent made over `pending.signed_attributes`, after
    checking it (SignatureRejected: another certificate, other attributes, a signature
    that does not verify). With TSA_URL the signature is timestamped here (PAdES B-T):
    the timestamp token is an unsigned attribute over the signature value, room for it
    was reserved when the signature was prepared."""
    info = _checked_signature(pending, cms)
    cert = _certificate(pending.certificate)
    external = signers.ExternalSigner(
        signing_cert=cert,
        cert_registry=SimpleCertificateStore.from_certs([_certificate(c) for c in pending.chain]),
        signature_value=info["signature"].native,
        signature_mechanism=info["signature_algorithm"],
    )
    attributes = asn1_cms.CMSAttributes.load(pending.signed_attributes)
    timestamper = _timestamper()
    prepared = PreparedByteRangeDigest(
        document_digest=pending.document_digest,
        reserved_region_start=pending.reserved_region_start,
        reserved_region_end=pending.reserved_region_end,
    )
    output = io.BytesIO(pending.prepared_pdf)

    async def finish():
        container = await external.async_sign_prescribed_attributes(
            pending.digest_algorithm, attributes, timestamper=timestamper
        )
        await PdfTBSDocument.async_finish_signing(output, prepared, container)

    try:
        asyncio.run(finish())
    except timestamps.TimestampRequestError as exc:
        raise SigningUnavailable(f"TSA unavailable: {exc}") from exc
    except (SigningError, ValueError) as exc:
        logger.warning("Embedding the signature of field %s failed: %s", pending.field, exc)
        raise SignatureRejected(_("Chữ ký số gửi về không đặt được vào tệp.")) from exc
    return SignResult(
        pdf=output.getvalue(),
        signer=pending.signer_name,
        signed_at=dt.datetime.fromisoformat(pending.signed_at),
        timestamped=bool(timestamper),
    )
