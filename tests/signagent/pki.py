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
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.sign.signers.pdf_cms import ExternalSigner

from archive import devpki

PASSPHRASE = b"test-only"


@dataclass(frozen=True)
class Personal:
    certificate: x509.Certificate
    ca: x509.Certificate
    pkcs12: bytes

    @property
    def der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)


def personal_certificate(root: Path, full_name: str = "Nguyễn Thị Lan") -> Personal:
    """A TEST-ONLY personal signing certificate issued by the dev CA under ``root``."""
    paths = devpki.DevPkiPaths(root)
    devpki.ensure_ca(paths)
    ca = x509.load_pem_x509_certificate(paths.ca_cert.read_bytes())
    ca_key = serialization.load_pem_private_key(paths.ca_key.read_bytes(), password=None)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Trường Tiểu học Thử nghiệm"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, devpki.TEST_LABEL),
            x509.NameAttribute(NameOID.COMMON_NAME, full_name),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    data = pkcs12.serialize_key_and_certificates(
        name=full_name.encode(),
        key=key,
        cert=cert,
        cas=[ca],
        encryption_algorithm=serialization.BestAvailableEncryption(PASSPHRASE),
    )
    return Personal(certificate=cert, ca=ca, pkcs12=data)


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
