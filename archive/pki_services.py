"""The dev PKI's revocation and time-stamping services, built with Certomancer.

A relying party that checks a signature made with the TEST-ONLY dev PKI
(`archive.devpki`) asks, as with any CA: the CRL at the certificate's distribution
point, the OCSP responder named in its AIA, and a TSA for timestamps. This module
answers those requests from the dev PKI's files (CA key, `revoked.json`), with
Certomancer's `CRLBuilder`, `SimpleOCSPResponder` and `TimeStamper`; it is served over
HTTP at `/pki/` by the dev server (archive.views) and by `devservices.DevPkiServer`
in tests, and called in-process by the signer (archive.signing._devfetch), so that a
signature made while no server runs (the demo load) still carries the data.

Every answer takes the time it speaks for (`at`, default now): a test can ask what
the CRL said in 2030. Django-free, so devservices can serve it.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import core, crl, keys, ocsp, pem, tsp, x509
from certomancer import crypto_utils
from certomancer.services import (
    CRLBuilder,
    RevocationInfoInterface,
    SimpleOCSPResponder,
    TimeStamper,
    choose_signed_digest,
)

from archive import devpki


class _KeyCachingBackend(crypto_utils.PycaCryptographyBackend):
    """Certomancer parses the private key for every signature it makes (~35 ms for an
    RSA key, three to five times per archived file: OCSP answers, CRL, timestamp);
    this parses each key once. Other algorithms go to Certomancer."""

    _keys: dict[bytes, object] = {}

    def generic_sign(self, private_key, tbs_bytes, sd_algo) -> bytes:
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import padding, rsa

        if sd_algo.signature_algo != "rsassa_pkcs1v15":
            return super().generic_sign(private_key, tbs_bytes, sd_algo)
        der = private_key.dump()
        key = self._keys.get(der)
        if key is None:
            key = self._keys[der] = serialization.load_der_private_key(der, password=None)
        assert isinstance(key, rsa.RSAPrivateKey)
        digest = getattr(hashes, sd_algo.hash_algo.upper())()
        return key.sign(tbs_bytes, padding.PKCS1v15(), digest)


crypto_utils.CRYPTO_BACKEND = _KeyCachingBackend()

# How long an answer stays current: a relying party fetches a fresh one after this.
CRL_VALIDITY = dt.timedelta(days=7)
OCSP_VALIDITY = dt.timedelta(days=1)


def _der(path: Path) -> bytes:
    data = path.read_bytes()
    if pem.detect(data):
        _, _, data = pem.unarmor(data)
    return data


@functools.cache
def _load_cert(path: str, mtime_ns: int) -> x509.Certificate:
    return x509.Certificate.load(_der(Path(path)))


@functools.cache
def _load_key(path: str, mtime_ns: int) -> keys.PrivateKeyInfo:
    return keys.PrivateKeyInfo.load(_der(Path(path)))


def _cert(path: Path) -> x509.Certificate:
    return _load_cert(str(path), path.stat().st_mtime_ns)


def _key(path: Path) -> keys.PrivateKeyInfo:
    return _load_key(str(path), path.stat().st_mtime_ns)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


@dataclass(frozen=True)
class _Status(RevocationInfoInterface):
    """The dev CA's answer for one certificate at a time: revoked from the moment
    `revoked.json` says, good before (and good for a serial it never revoked)."""

    issuer: x509.Certificate
    revoked: dict[int, devpki.Revocation]

    def get_issuer_cert(self) -> x509.Certificate:
        return self.issuer

    def check_revocation_status(self, cid: ocsp.CertId, at_time: dt.datetime):
        entry = self.revoked.get(int(cid["serial_number"].native))
        if entry is None or entry.at > at_time:
            return ocsp.CertStatus(name="good", value=None), []
        info = ocsp.RevokedInfo({"revocation_time": entry.at, "revocation_reason": entry.reason})
        return ocsp.CertStatus(name="revoked", value=info), []


class _Rejection(core.Sequence):
    """TimeStampResp without its token (asn1crypto's class insists on one)."""

    _fields = [("status", tsp.PKIStatusInfo)]


class DevPkiResponder:
    """CRL, OCSP and TSA answers of one dev PKI directory."""

    def __init__(self, paths: devpki.DevPkiPaths) -> None:
        self.paths = paths

    @property
    def ca_cert(self) -> x509.Certificate:
        return _cert(self.paths.ca_cert)

    def ca_cert_der(self) -> bytes:
        return self.ca_cert.dump()

    def crl(self, at: dt.datetime | None = None) -> crl.CertificateList:
        """The CA's CRL as it stood at `at`: every certificate revoked by then."""
        when = at or _now()
        ca = self.ca_cert
        builder = CRLBuilder(
            issuer_name=ca.subject,
            issuer_key=_key(self.paths.ca_key),
            signature_algo=choose_signed_digest("sha256", ca.public_key),
            authority_key_identifier=ca.key_identifier_value,
        )
        revoked = [
            CRLBuilder.format_revoked_cert(serial, crl.CRLReason(entry.reason), entry.at)
            for serial, entry in sorted(devpki.revocations(self.paths).items())
            if entry.at <= when
        ]
        # The CRL number grows with time, as a CA's does (one a minute is enough here).
        number = int(when.timestamp()) // 60
        return builder.build_crl(number, when, when + CRL_VALIDITY, revoked)

    def crl_der(self, at: dt.datetime | None = None) -> bytes:
        return self.crl(at).dump()

    def ocsp(self, request: bytes, at: dt.datetime | None = None) -> bytes:
        """The OCSP response (DER) to a DER request, signed by the CA's delegated responder."""
        try:
            parsed = ocsp.OCSPRequest.load(request)
            _ = parsed.native  # asn1crypto parses lazily: fail here, not halfway
        except (ValueError, TypeError):
            return SimpleOCSPResponder.build_error_response("malformed_request").dump()
        ca = self.ca_cert
        devpki.ensure_ocsp_responder(self.paths)
        responder_cert = _cert(self.paths.ocsp_cert)
        responder = SimpleOCSPResponder(
            responder_cert=responder_cert,
            responder_key=_key(self.paths.ocsp_key),
            signature_algo=choose_signed_digest("sha256", responder_cert.public_key),
            at_time=at or _now(),
            revinfo_interface=_Status(ca, devpki.revocations(self.paths)),
            validity=OCSP_VALIDITY,
        )
        return responder.build_ocsp_response(parsed).dump()

    def timestamper(
        self,
        at: dt.datetime | None = None,
        *,
        tsa_cert: Path | None = None,
        tsa_key: Path | None = None,
    ) -> TimeStamper:
        """The dev TSA (or another one issued by the dev CA), stamping at `at` (now
        when None)."""
        cert = _cert(tsa_cert or self.paths.tsa_cert)
        return TimeStamper(
            tsa_cert=cert,
            tsa_key=_key(tsa_key or self.paths.tsa_key),
            certs_to_embed=[self.ca_cert],
            fixed_dt=at,
        )

    def timestamp(self, request: bytes, at: dt.datetime | None = None) -> bytes:
        """An RFC 3161 response (DER) to a DER request; a malformed one is rejected."""
        try:
            parsed = tsp.TimeStampReq.load(request)
            _ = parsed.native
        except (ValueError, TypeError):
            status = tsp.PKIStatusInfo(
                {"status": "rejection", "fail_info": tsp.PKIFailureInfo({"bad_data_format"})}
            )
            return _Rejection({"status": status}).dump()
        return self.timestamper(at).request_tsa_response(parsed).dump()
