"""A personal certificate from the dev PKI (what a teacher's USB token holds) and the
signed attributes the server makes for it, as pyHanko makes them."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from pyhanko.sign.signers.pdf_cms import ExternalSigner

from archive import devpki

PASSPHRASE = devpki.DEV_PASSPHRASE


@dataclass(frozen=True)
class Personal:
    certificate: x509.Certificate
    ca: x509.Certificate
    pkcs12: bytes

    @property
    def der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)


def personal_certificate(root: Path, full_name: str = "Nguyễn Thị Lan") -> Personal:
    """A TEST-ONLY personal signing certificate issued by the dev CA under ``root``
    (archive.devpki, as the server's demo and tests issue them)."""
    paths = devpki.DevPkiPaths(root)
    path = devpki.ensure_person_cert(
        paths, key="lan", full_name=full_name, school_name="Trường Tiểu học Thử nghiệm"
    )
    data = path.read_bytes()
    loaded = pkcs12.load_pkcs12(data, PASSPHRASE)
    ca = x509.load_pem_x509_certificate(paths.ca_cert.read_bytes())
    return Personal(certificate=loaded.cert.certificate, ca=ca, pkcs12=data)


def throwaway_certificate(common_name: str = "Người khác") -> bytes:
    """A self-signed certificate's DER (fast: EC), for a token that holds someone."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.DER)


def signed_attributes(certificate_der: bytes, document_digest: bytes) -> bytes:
    """The DER of the CMS signed attributes for a PDF byte-range digest, as the server's
    pyHanko makes them (PAdES: content-type, message-digest, signing-certificate-v2)."""
    signer = ExternalSigner(
        signing_cert=asn1_x509.Certificate.load(certificate_der),
        cert_registry=None,
        signature_value=bytes(256),
    )
    coroutine = signer.signed_attrs(document_digest, "sha256", use_pades=True)
    # In its own thread: Playwright's sync API keeps an event loop running in this one.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result().dump()


def document_digest(n: int) -> bytes:
    return hashlib.sha256(f"học bạ {n}".encode()).digest()
