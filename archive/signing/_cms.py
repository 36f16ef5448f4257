"""CMS (CAdES-style) signatures over small files, the audit checkpoints: signed with
a school's key or the installation's own, opened and checked against the trust roots."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from pyhanko.sign import timestamps

from archive.signing._keys import _school_signer, validation_context
from archive.signing._names import _nfc, _signer_name
from archive.signing._validation import SignatureReport

# The installation's own key signs what belongs to no school (the "system" audit chain and
# the checkpoint of every chain head): a PKCS#12 file / PKCS#11 label of this code, or in
# development a TEST-ONLY certificate issued like a school's.
INSTALLATION_KEY_CODE = "HETHONG"
INSTALLATION_NAME = "Hệ thống Hồ sơ chuyên môn điện tử"


@dataclass(frozen=True)
class Installation:
    """Stands in for a school where the installation itself signs."""

    code: str = INSTALLATION_KEY_CODE
    name: str = INSTALLATION_NAME


@dataclass(frozen=True)
class SignedData:
    cms: bytes
    signer: str
    timestamped: bool


def sign_data(data: bytes, *, school) -> SignedData:
    """A CMS (CAdES-style) SignedData holding `data` itself and its signature with the
    school's key (or the installation's, `Installation()`), with a signature timestamp
    when TSA_URL is set. One object, so it is written to the store whole or not at all;
    any CMS tool reads it (`openssl cms -verify -inform DER -in FILE` prints the data).
    Raises SigningUnavailable when the key or the TSA is down."""
    import asyncio

    from asn1crypto import cms

    tsa_url = settings.SIGNING.get("TSA_URL")
    timestamper = timestamps.HTTPTimeStamper(tsa_url, timeout=15) if tsa_url else None
    with _school_signer(school) as signer:
        content = asyncio.run(
            signer.async_sign_general_data(
                cms.ContentInfo({"content_type": "data", "content": data}),
                "sha256",
                detached=False,
                use_cades=True,
                timestamper=timestamper,
            )
        )
        name = _nfc(_signer_name(signer.signing_cert))
    return SignedData(cms=content.dump(), signer=name, timestamped=bool(timestamper))


def open_signed_data(signed: bytes) -> tuple[bytes, SignatureReport]:
    """The data inside a CMS SignedData (`sign_data`) and the check of its signature
    against the trust roots, and of its timestamp if it has one. Never raises: a forged
    or damaged file is reported (with empty data when it cannot be read)."""
    import asyncio

    from asn1crypto import cms
    from pyhanko.sign.validation.generic_cms import (
        async_validate_cms_signature,
        collect_timing_info,
        extract_signer_info,
    )
    from pyhanko.sign.validation.status import StandardCMSSignatureStatus

    report = SignatureReport(whole_file=True)
    try:
        signed_data = cms.ContentInfo.load(signed)["content"]
        _ = signed_data.native  # parse fully now: asn1crypto parses lazily
        data = bytes(signed_data["encap_content_info"]["content"].native or b"")
    except Exception as exc:
        report.errors.append(f"unreadable signed data: {exc}")
        return b"", report
    report.signed = True
    vc = validation_context()

    async def check() -> StandardCMSSignatureStatus:
        # The timestamp token covers the signature value; the signature covers the data.
        timing = await collect_timing_info(
            extract_signer_info(signed_data), ts_validation_context=vc, raw_digest=None
        )
        return await async_validate_cms_signature(
            signed_data,
            status_cls=StandardCMSSignatureStatus,
            validation_context=vc,
            status_kwargs=timing,
        )

    try:
        status = asyncio.run(check())
    except Exception as exc:
        report.errors.append(f"signature check failed: {exc}")
        return data, report
    report.intact, report.valid, report.trusted = status.intact, status.valid, status.trusted
    report.signer = _nfc(_signer_name(status.signing_cert))
    if status.signer_reported_dt:
        report.signed_at = status.signer_reported_dt.isoformat()
    if status.timestamp_validity is not None:
        stamp = status.timestamp_validity
        report.timestamp_at = stamp.timestamp.isoformat()
        report.timestamp_trusted = bool(stamp.intact and stamp.valid and stamp.trusted)
    if not report.ok:
        report.errors.append(status.summary())
    return data, report
