"""PAdES signatures with pyHanko: the only module that imports it.

A school signs with its own certificate: a PKCS#12 file per school
(SIGNING_BACKEND=pkcs12, <SIGNING_PKCS12_DIR>/<school code>.p12), a PKCS#11
token (SIGNING_BACKEND=pkcs11, key and certificate labelled with the school
code) or the TEST-ONLY dev PKI. The visible stamp uses an embedded Noto
OpenType subset so Vietnamese names render and the PDF/A stays valid. With
TSA_URL the signature is PAdES B-T (RFC 3161 timestamp), otherwise B-B;
validation data (chain, revocation info) is embedded when it can be gathered.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import io
import logging
import os
import time
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from asn1crypto import x509 as asn1_x509
from django.conf import settings
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.general import SigningError, load_cert_from_pemder
from pyhanko.sign.signers.pdf_signer import DSSContentSettings, SigDSSPlacementPreference
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator import ValidationContext

from archive import devpki

logger = logging.getLogger(__name__)

FIELD_NAME = "HosoSignature"
STAMP_BOX_WIDTH = 230
STAMP_BOX_HEIGHT = 58


class SigningUnavailable(Exception):
    """The school's key or the TSA cannot be reached now: retry later."""


@dataclass(frozen=True)
class SignResult:
    pdf: bytes
    signer: str
    signed_at: dt.datetime
    timestamped: bool


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


def dev_pki() -> devpki.DevPkiPaths:
    return devpki.DevPkiPaths(Path(settings.SIGNING["DEV_PKI_DIR"]))


# Latin, Latin-1, Latin Extended-A/B, combining marks, Vietnamese (Latin Extended Additional),
# general punctuation: every glyph a Vietnamese name or date needs.
_STAMP_UNICODES = "U+0020-007E,U+00A0-024F,U+0300-036F,U+1EA0-1EF9,U+2000-206F,U+20AB"


@functools.cache
def _font_factory_path() -> str:
    """A once-per-process subset of Noto Sans: subsetting the full font for every
    stamp cost ~0.4 s per signature; this small font keeps every Vietnamese glyph.
    Without layout tables (GSUB/GPOS/GDEF, which pyHanko drops from the embedded
    subset anyway, and whose parsing was half of the remaining signing time) and
    without hinting: the stamp text is NFC, so every Vietnamese letter, stacked
    diacritics included, is one precomposed glyph that needs no mark positioning."""
    import tempfile

    from fontTools import subset

    source = Path(settings.ARCHIVE["FONT_DIR"], "NotoSans-Regular.ttf")
    target = Path(
        tempfile.gettempdir(),
        f"hoso-stamp-v2-{os.getuid()}-{source.stat().st_mtime_ns}.ttf",
    )
    if not target.exists():
        options = subset.Options()
        options.layout_features = []
        options.drop_tables += ["GSUB", "GPOS", "GDEF"]
        options.hinting = False
        font = subset.load_font(str(source), options)
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=subset.parse_unicodes(_STAMP_UNICODES))
        subsetter.subset(font)
        partial = target.with_suffix(f".{os.getpid()}.tmp")
        subset.save_font(font, str(partial), options)
        os.replace(partial, target)
    return str(target)


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


class _KeyCachingSigner(signers.SimpleSigner):
    """pyHanko's SimpleSigner re-parses the private key for every raw signature
    (twice per PDF: the size estimate signs too), ~60 ms each for an RSA key.
    This one parses it once; mechanisms it does not handle go to pyHanko."""

    _pyca_key: Any = None

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec, rsa
        from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
        from pyhanko.sign.general import get_pyca_cryptography_hash

        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        try:
            algorithm = mechanism.signature_algo
        except ValueError:
            algorithm = mechanism["algorithm"].native
        if self._pyca_key is None:
            self._pyca_key = serialization.load_der_private_key(
                self.signing_key.dump(), password=None
            )
        key = self._pyca_key
        hash_algorithm = get_pyca_cryptography_hash(digest_algorithm)
        if algorithm == "rsassa_pkcs1v15" and isinstance(key, rsa.RSAPrivateKey):
            return key.sign(data, PKCS1v15(), hash_algorithm)
        if algorithm == "ecdsa" and isinstance(key, ec.EllipticCurvePrivateKey):
            return key.sign(data, signature_algorithm=ec.ECDSA(hash_algorithm))
        return super().sign_raw(data, digest_algorithm)


# (path, mtime, size, passphrase) -> signer: a school's PKCS#12 file is read once per
# process (opening it checks the RSA key, ~60 ms), again only when the file changes.
_signer_cache: dict[tuple, signers.SimpleSigner] = {}


def _cached_pkcs12_signer(path: Path, passphrase: bytes | None) -> signers.SimpleSigner | None:
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size, passphrase)
    signer = _signer_cache.get(key)
    if signer is None:
        signer = signers.SimpleSigner.load_pkcs12(str(path), passphrase=passphrase)
        if signer is None:
            return None
        signer.__class__ = _KeyCachingSigner
        _signer_cache[key] = signer
    return signer


def trust_roots() -> list[asn1_x509.Certificate]:
    configured = settings.SIGNING.get("TRUST_ROOTS")
    if configured:
        paths = [Path(p) for p in configured.split(os.pathsep) if p]
    else:
        paths = [dev_pki().ca_cert]
    roots = []
    for path in paths:
        if path.exists():
            roots.append(load_cert_from_pemder(str(path)))
    return roots


def validation_context(*, for_signing: bool = False) -> ValidationContext:
    return ValidationContext(
        trust_roots=trust_roots(),
        allow_fetching=bool(settings.SIGNING.get("ALLOW_FETCHING", for_signing)),
        revocation_mode="soft-fail",
    )


def _dev_signer(school) -> signers.SimpleSigner | None:
    """The TEST-ONLY certificate of the school, in the school's current name: one made
    for an earlier name of the code (a renamed school, a test school reusing a code)
    is issued again, so that what is signed names the school as it is."""
    paths = dev_pki()
    devpki.ensure_ca(paths)
    devpki.ensure_school_cert(paths, code=school.code, name=school.name)
    path = paths.school_p12(school.code)
    signer = _cached_pkcs12_signer(path, devpki.DEV_PASSPHRASE)
    if signer is not None and not certificate_names_unit(signer.signing_cert, school.name):
        path.unlink()
        devpki.ensure_school_cert(paths, code=school.code, name=school.name)
        signer = _cached_pkcs12_signer(path, devpki.DEV_PASSPHRASE)
    return signer


def _load_pkcs12_signer(school) -> signers.SimpleSigner:
    backend = settings.SIGNING["BACKEND"]
    if backend == "dev":
        signer = _dev_signer(school)
        if signer is None:
            raise SigningUnavailable(f"Cannot open the dev certificate of school {school.code}")
        return signer
    directory = settings.SIGNING.get("PKCS12_DIR")
    if not directory:
        raise SigningUnavailable("SIGNING_PKCS12_DIR is not set")
    path = Path(directory, f"{school.code}.p12")
    passphrase = (settings.SIGNING.get("PKCS12_PASSPHRASE") or "").encode() or None
    if not path.exists():
        raise SigningUnavailable(f"No PKCS#12 file for school {school.code}")
    signer = _cached_pkcs12_signer(path, passphrase)
    if signer is None:
        raise SigningUnavailable(f"Cannot open the PKCS#12 file of school {school.code}")
    return signer


@contextlib.contextmanager
def _school_signer(school):
    """The school's signer (its PKCS#11 token, or its PKCS#12 file) for the length of
    the block, the token's session closed after it. A key, token or TSA that fails
    inside the block becomes SigningUnavailable: the job is retried later."""
    session = None
    try:
        if settings.SIGNING["BACKEND"] == "pkcs11":
            sign_pkcs11, session = _pkcs11_session()
            yield sign_pkcs11.PKCS11Signer(session, cert_label=school.code, key_label=school.code)
        else:
            yield _load_pkcs12_signer(school)
    except timestamps.TimestampRequestError as exc:
        raise SigningUnavailable(f"TSA unavailable: {exc}") from exc
    except (OSError, SigningError) as exc:
        raise SigningUnavailable(str(exc)) from exc
    finally:
        if session is not None:
            session.close()


def _pkcs11_session():
    from pyhanko.sign import pkcs11 as sign_pkcs11  # needs python-pkcs11, production only

    module = settings.SIGNING["PKCS11_MODULE"]
    return sign_pkcs11, sign_pkcs11.open_pkcs11_session(
        module,
        token_label=settings.SIGNING.get("PKCS11_TOKEN_LABEL") or None,
        user_pin=settings.SIGNING.get("PKCS11_PIN") or None,
    )


def fold_name(text: str) -> str:
    """Compare names as people write them: certificates often spell a school's name in
    capitals, with or without diacritics, or with another tone placement (Hòa / Hoà)."""
    decomposed = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.split()).casefold()


def subject_names(cert: asn1_x509.Certificate) -> tuple[str, str]:
    """(organisation, common name) of the certificate's subject."""
    subject = cert.subject.native
    return (
        _nfc(_first(subject.get("organization_name"))),
        _nfc(_first(subject.get("common_name"))),
    )


def names_unit(organisation: str, common_name: str, unit_name: str) -> bool:
    """A certificate is the unit's when its organisation (else its common name) is the
    unit's name: what a CA verified about the holder, unlike anything in the PDF."""
    holder = organisation or common_name
    return bool(holder) and fold_name(holder) == fold_name(unit_name)


def certificate_names_unit(cert: asn1_x509.Certificate, unit_name: str) -> bool:
    return names_unit(*subject_names(cert), unit_name)


def _first(value: Any) -> str:
    """A subject attribute may be repeated (a list): the first one names the holder."""
    if isinstance(value, list | tuple):
        value = value[0] if value else ""
    return str(value or "")


def _signer_name(cert: asn1_x509.Certificate) -> str:
    subject = cert.subject.native
    return (
        subject.get("common_name")
        or subject.get("organization_name")
        or cert.subject.human_friendly
    )


def _stamp_box(reader: PdfFileReader) -> tuple[int, tuple[float, float, float, float]]:
    """Bottom right of the last page, just above the evidence footer."""
    last = int(reader.root["/Pages"]["/Count"]) - 1
    page_ref = reader.find_page_for_modification(last)[0]
    media = page_ref.get_object().get("/MediaBox") or reader.root["/Pages"]["/MediaBox"]
    right = float(media[2]) - 42
    bottom = 100
    return last, (right - STAMP_BOX_WIDTH, bottom, right, bottom + STAMP_BOX_HEIGHT)


def sign_pdf(pdf: bytes, *, school, reason: str, location: str = "") -> SignResult:
    """Sign as the school. Raises SigningUnavailable when the key or TSA is down."""
    tsa_url = settings.SIGNING.get("TSA_URL")
    timestamper = timestamps.HTTPTimeStamper(tsa_url, timeout=15) if tsa_url else None
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    page_index, box = _stamp_box(writer.prev)
    fields.append_signature_field(
        writer, fields.SigFieldSpec(sig_field_name=FIELD_NAME, on_page=page_index, box=box)
    )
    style = TextStampStyle(
        stamp_text="Ký số bởi: %(signer)s\nThời gian: %(ts)s\nLí do: %(reason)s",
        text_box_style=TextBoxStyle(
            font=GlyphAccumulatorFactory(_font_factory_path()), font_size=7
        ),
        border_width=1,
        background=None,
        timestamp_format="%d/%m/%Y %H:%M:%S %z",
    )
    with _school_signer(school) as signer:
        cert = signer.signing_cert
        if not certificate_names_unit(cert, school.name):
            # A key in the wrong place (another school's file or token label): what it
            # signed would be reported as signed by the wrong unit. Refuse, loudly.
            raise SigningUnavailable(
                f"The certificate for {school.code} names {_signer_name(cert)!r}, "
                f"not the school {school.name!r}"
            )
        name = _nfc(_signer_name(cert))
        reason = _nfc(reason)
        meta = signers.PdfSignatureMetadata(
            field_name=FIELD_NAME,
            md_algorithm="sha256",
            reason=reason,
            location=_nfc(location) if location else None,
            name=name,
            subfilter=fields.SigSeedSubFilter.PADES,
            embed_validation_info=True,
            validation_context=validation_context(for_signing=True),
            # Validation data goes into the signed revision itself, so the signature
            # still covers the whole file (no trailing DSS update).
            dss_settings=DSSContentSettings(
                include_vri=False,
                placement=SigDSSPlacementPreference.TOGETHER_WITH_SIGNATURE,
            ),
        )
        pdf_signer = signers.PdfSigner(
            meta, signer=signer, timestamper=timestamper, stamp_style=style
        )
        signed_at = dt.datetime.now(dt.UTC)
        out = pdf_signer.sign_pdf(
            writer,
            appearance_text_params={"signer": name, "reason": reason},
            in_place=False,
        )
    return SignResult(
        pdf=out.getvalue(), signer=name, signed_at=signed_at, timestamped=bool(timestamper)
    )


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


def validate_pdf(pdf: bytes, *, limits: ValidationLimits | None = None) -> SignatureReport:
    """Validate every signature against the configured trust roots. Never raises:
    a damaged or foreign file is reported, not crashed on. With `limits`, a file past
    them is reported `too_complex` instead of validated (see ValidationLimits)."""
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
    results = []
    for signature in signatures:
        if deadline is not None and _monotonic() > deadline:
            report.too_complex = True
            report.errors.append(f"too complex: not validated within {limits.seconds} s")
            return report
        try:
            # Under limits the diff analysis of later revisions is skipped: it costs per
            # changed object (16 s for 90,000 in a 5 MB file) and decides nothing here,
            # since the verdict requires the last signature to cover the whole file.
            status = validate_pdf_signature(
                signature,
                signer_validation_context=vc,
                ts_validation_context=vc,
                skip_diff=limits is not None,
            )
        except Exception as exc:
            report.errors.append(f"signature check failed: {exc}")
            return report
        results.append(status)
    last = results[-1]
    report.intact = all(s.intact for s in results)
    report.valid = all(s.valid for s in results)
    report.trusted = all(s.trusted for s in results)
    report.whole_file = last.coverage == SignatureCoverageLevel.ENTIRE_FILE
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


# --- CMS signatures over small files (the audit checkpoints) ----------------------------

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
