"""Signatures that outlive their certificates: PAdES B-LT, B-LTA and their extension.

A signature is checkable in 2060 only if everything needed to check it was captured
while it could be, and protected since (ETSI EN 319 142-1):

- B-LT: the certificates of every chain and their revocation status (OCSP responses
  and CRLs) in the document security store (DSS), gathered after the signatures'
  timestamps so that they speak for the moment they were made;
- B-LTA: a document timestamp over all of it, whose own TSA chain and status go into
  the DSS too;
- extension: before the newest timestamp's certificate expires (or its algorithms
  weaken), fresh status of that TSA and a new document timestamp, appended as an
  incremental update: the earlier bytes are kept as they are.

`archive_timestamp` makes a frozen record B-LTA, `extend` adds a round, and
`long_term_check` validates with revocation data required, from what the file holds
(or fetched, for a validator that asks the CA now).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field

from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import timestamps
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers.pdf_signer import PdfTimeStamper, TimestampDSSContentSettings
from pyhanko.sign.validation import generic_cms, validate_pdf_timestamp
from pyhanko.sign.validation.ades import ades_lta_validation, simulate_future_ades_lta_validation
from pyhanko.sign.validation.dss import (
    DocumentSecurityStore,
    NoDSSFoundError,
    collect_validation_info,
)
from pyhanko.sign.validation.policy_decl import (
    PdfSignatureValidationSpec,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError
from pyhanko_certvalidator.policy_decl import (
    REQUIRE_REVINFO,
    CertRevTrustPolicy,
    FreshnessReqType,
)
from pyhanko_certvalidator.registry import SimpleTrustManager

from archive.signing._errors import SigningUnavailable
from archive.signing._keys import (
    _dev_pki_trusted,
    dev_responder,
    timestamper,
    trust_roots,
    validation_context,
)

logger = logging.getLogger(__name__)

ARCHIVE_FIELD = "HosoLuuTru"

# The levels, weakest first (ETSI EN 319 142-1 baseline profiles).
B_B, B_T, B_LT, B_LTA = "B-B", "B-T", "B-LT", "B-LTA"

# Digests and keys past their time: a timestamp that rests on them is renewed early.
WEAK_DIGESTS = frozenset({"md5", "sha1"})
MIN_RSA_BITS = 2048


def _signature_timestamp(signature):
    """The SignedData of a signature's timestamp token (None without one)."""
    return next(generic_cms.extract_tst_data_iter(signature.signer_info, signed=False), None)


def _reader(pdf: bytes) -> PdfFileReader:
    return PdfFileReader(io.BytesIO(pdf), strict=False)


def _dss_crls(at: dt.datetime | None) -> list:
    """The dev CA's CRL besides the OCSP answers pyHanko collects: pyHanko stops at
    the first kind that answers, and an archive wants both (if one service is gone
    in 2060, the other may still be checkable)."""
    return [dev_responder().crl(at)] if _dev_pki_trusted() else []


def _supply_validation_data(writer: IncrementalPdfFileWriter, at: dt.datetime | None) -> None:
    """Fresh status of every signature's chain and of its timestamp's TSA, gathered
    after the signatures (pyHanko's collect_validation_info: the chains only, not the
    signatures again), into the DSS of the revision `writer` is making."""
    vc = validation_context(for_signing=True, at=at)

    async def collect() -> list:
        # One event loop for all: the context's HTTP fetchers keep a session bound to
        # the loop they were first used in (a second loop: "Event loop is closed").
        paths = []
        for signature in writer.prev.embedded_regular_signatures:
            paths += await collect_validation_info(signature, vc)
        return paths

    paths = asyncio.run(collect())
    DocumentSecurityStore.supply_dss_in_writer(
        writer, None, paths=paths, validation_context=vc, crls=_dss_crls(at) or None
    )


def _next_field(reader: PdfFileReader) -> str:
    return f"{ARCHIVE_FIELD}{len(reader.embedded_timestamp_signatures) + 1}"


@contextlib.contextmanager
def _unavailable(what: str) -> Iterator[None]:
    """A TSA or responder that fails becomes SigningUnavailable: the job is retried."""
    try:
        yield
    except timestamps.TimestampRequestError as exc:
        raise SigningUnavailable(f"TSA unavailable: {exc}") from exc
    except (OSError, SigningError, PathBuildingError, PathValidationError) as exc:
        raise SigningUnavailable(f"{what} failed: {exc}") from exc


def _document_timestamp(writer, stamper, field: str, at: dt.datetime | None) -> bytes:
    """A document timestamp over everything in `writer`, the status of its TSA's chain
    put into the DSS first, so the timestamp covers it and the file ends with it."""
    out = PdfTimeStamper(stamper, field_name=field).timestamp_pdf(
        writer,
        "sha256",
        validation_context=validation_context(for_signing=True, at=at),
        dss_settings=TimestampDSSContentSettings(update_before_ts=True, include_vri=False),
    )
    return out.getvalue()


def archive_timestamp(pdf: bytes, *, at: dt.datetime | None = None) -> bytes:
    """The signed PDF as the archive keeps it: B-LT for every signature, then B-LTA
    (a document timestamp over it and the status of that timestamp's TSA). Without a
    TSA (production without TSA_URL) it stays B-LT, and the log says so. Raises
    SigningUnavailable when the TSA or a responder cannot be reached."""
    with _unavailable("archival timestamp"):
        # One incremental update: the validation data, then the timestamp over it (each
        # revision more costs every later check a diff analysis per signature).
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        _supply_validation_data(writer, at)
        stamper = timestamper(at)
        if stamper is None:
            logger.warning("No TSA configured (TSA_URL): archived without a document timestamp")
            out = io.BytesIO()
            writer.write(out)
            return out.getvalue()
        return _document_timestamp(writer, stamper, _next_field(writer.prev), at)


def extend(
    pdf: bytes, *, at: dt.datetime | None = None, stamper: timestamps.TimeStamper | None = None
) -> bytes:
    """One more round of the archive timestamp chain: the newest timestamp's TSA
    chain and status as of now (`at`), then a new document timestamp (by the
    configured TSA, or `stamper`) over everything, its own TSA's status included, in
    one incremental update: the input's bytes are the output's first bytes, and the
    new timestamp covers the whole file."""
    stamper = stamper or timestamper(at)
    if stamper is None:
        raise SigningUnavailable("No TSA configured (TSA_URL): cannot extend")
    reader = _reader(pdf)
    stamps = reader.embedded_timestamp_signatures
    with _unavailable("archive extension"):
        vc = validation_context(for_signing=True, at=at)
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        paths = []
        if stamps:
            status = validate_pdf_timestamp(stamps[-1], validation_context=vc)
            if status.validation_path is not None:
                paths.append(status.validation_path)
        DocumentSecurityStore.supply_dss_in_writer(
            writer, None, paths=paths, validation_context=vc, crls=_dss_crls(at) or None
        )
        return _document_timestamp(writer, stamper, _next_field(reader), at)


# --- what a file holds ---------------------------------------------------------------


@dataclass(frozen=True)
class TimestampFacts:
    """The newest timestamp of a file: when its certificate expires, and whether it
    rests on algorithms past their time."""

    expires: dt.datetime | None
    weak: tuple[str, ...] = ()


def _weaknesses(signed_data, cert: asn1_x509.Certificate) -> tuple[str, ...]:
    found = []
    for algorithm in signed_data["digest_algorithms"]:
        name = algorithm["algorithm"].native
        if name in WEAK_DIGESTS:
            found.append(f"digest {name}")
    key = cert.public_key
    if key.algorithm == "rsa" and key.bit_size < MIN_RSA_BITS:
        found.append(f"RSA {key.bit_size} bits")
    return tuple(found)


def newest_timestamp(pdf: bytes) -> TimestampFacts:
    """The newest document timestamp (else the last signature's timestamp)."""
    try:
        reader = _reader(pdf)
        document = reader.embedded_timestamp_signatures
        if document:
            newest = document[-1]
            cert = newest.signer_cert
            return TimestampFacts(
                cert["tbs_certificate"]["validity"]["not_after"].native,
                _weaknesses(newest.signed_data, cert),
            )
        regular = reader.embedded_regular_signatures
        token = _signature_timestamp(regular[-1]) if regular else None
        if token is not None:
            certs = [c.chosen for c in token["certificates"]]
            sid = token["signer_infos"][0]["sid"].chosen
            cert = next(c for c in certs if c.serial_number == sid["serial_number"].native)
            return TimestampFacts(
                cert["tbs_certificate"]["validity"]["not_after"].native,
                _weaknesses(token, cert),
            )
    except Exception as exc:  # a damaged file has no timestamp we can speak for
        logger.warning("Cannot read the timestamps of a PDF: %s", exc)
    return TimestampFacts(None)


@dataclass(frozen=True)
class ValidationData:
    certificates: int
    ocsp_responses: int
    crls: int


def validation_data(pdf: bytes) -> ValidationData:
    """How much validation data the file's DSS holds."""
    try:
        dss = DocumentSecurityStore.read_dss(_reader(pdf))
    except NoDSSFoundError:
        return ValidationData(0, 0, 0)
    return ValidationData(len(dss.certs), len(dss.ocsps), len(dss.crls))


def level(pdf: bytes) -> str:
    """The PAdES baseline level the file reaches (as its structure shows; whether it
    is also valid is `long_term_check`'s question)."""
    reader = _reader(pdf)
    regular = reader.embedded_regular_signatures
    if not regular:
        return ""
    if not all(_signature_timestamp(sig) is not None for sig in regular):
        return B_B
    data = validation_data(pdf)
    if not (data.ocsp_responses or data.crls):
        return B_T
    return B_LTA if reader.embedded_timestamp_signatures else B_LT


# --- long-term validation ------------------------------------------------------------


@dataclass
class LongTermReport:
    """Every signature validated with revocation data required (ETSI EN 319 102-1
    validation with long-term data)."""

    level: str = ""
    valid: bool = False
    signatures: list[dict] = field(default_factory=list)


def _spec(fetch: bool, backend=None) -> PdfSignatureValidationSpec:
    policy = CertValidationPolicySpec(
        trust_manager=SimpleTrustManager.build(trust_roots=trust_roots()),
        revinfo_policy=CertRevTrustPolicy(
            REQUIRE_REVINFO,
            # Fresh enough if issued after the moment it is used for (ETSI EN 319 102-1
            # §5.2.5.4), not only while the CA says it is current.
            freshness_req_type=FreshnessReqType.MAX_DIFF_REVOCATION_VALIDATION,
        ),
    )
    rule = RevinfoOnlineFetchingRule.ALWAYS_FETCH if fetch else RevinfoOnlineFetchingRule.LOCAL_ONLY
    gathering = RevocationInfoGatheringSpec(online_fetching_rule=rule, fetcher_backend=backend)
    return PdfSignatureValidationSpec(
        SignatureValidationSpec(cert_validation_policy=policy, revinfo_gathering_policy=gathering)
    )


def long_term_check(pdf: bytes, *, fetch: bool = False, in_process: bool = False) -> LongTermReport:
    """Validate now with revocation data required: from the file's DSS alone, or,
    with `fetch`, asking each certificate's CRL and OCSP services as well, over HTTP
    (a revoked certificate is then caught even if the file says otherwise); with
    `in_process` the dev PKI's services are asked without HTTP (a test that travels
    in time, where the event loop's clock cannot)."""
    report = LongTermReport(level=level(pdf))
    reader = _reader(pdf)
    backend = None
    if in_process:
        from archive.signing._devfetch import DevPkiFetchers

        backend, fetch = DevPkiFetchers(dev_responder()), True
    spec = _spec(fetch, backend)
    for signature in reader.embedded_regular_signatures:
        result = asyncio.run(ades_lta_validation(signature, spec))
        status = result.api_status
        report.signatures.append(
            {
                "field": signature.field_name,
                "indication": str(result.ades_subindic.status.name),
                "subindication": result.ades_subindic.name,
                "valid": bool(status is not None and status.bottom_line),
            }
        )
    report.valid = bool(report.signatures) and all(s["valid"] for s in report.signatures)
    return report


def valid_in_future(pdf: bytes, when: dt.datetime) -> bool:
    """pyHanko's archivist check: would every signature still validate at `when`
    (after its certificates expired), the timestamp chain being kept up until then?
    It holds only if the file carries complete validation data today."""
    reader = _reader(pdf)
    spec = _spec(fetch=False)
    signatures = reader.embedded_regular_signatures
    results = [
        asyncio.run(
            simulate_future_ades_lta_validation(sig, spec, future_validation_time=when)
        ).ades_subindic.status.name
        for sig in signatures
    ]
    return bool(results) and all(name == "PASSED" for name in results)
