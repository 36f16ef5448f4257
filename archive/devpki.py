"""A TEST-ONLY public-key infrastructure for development and tests.

It makes a CA, one signing certificate per school (PKCS#12) and a TSA
certificate, each labelled "TEST ONLY – KHÔNG CÓ GIÁ TRỊ PHÁP LÝ" so that no
document signed with it can be mistaken for a real one. Production uses the
schools' real certificates (SIGNING_BACKEND=pkcs12 or pkcs11). Files are made
once and reused (idempotent).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

logger = logging.getLogger(__name__)

TEST_LABEL = "TEST ONLY - KHÔNG CÓ GIÁ TRỊ PHÁP LÝ"
DEV_PASSPHRASE = b"dev-only"


@dataclass(frozen=True)
class DevPkiPaths:
    root: Path

    @property
    def ca_cert(self) -> Path:
        return self.root / "ca.crt.pem"

    @property
    def ca_key(self) -> Path:
        return self.root / "ca.key.pem"

    @property
    def tsa_cert(self) -> Path:
        return self.root / "tsa.crt.pem"

    @property
    def tsa_key(self) -> Path:
        return self.root / "tsa.key.pem"

    def school_p12(self, code: str) -> Path:
        return self.root / "schools" / f"{code}.p12"

    def person_p12(self, key: str) -> Path:
        return self.root / "people" / f"{key}.p12"


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(common_name: str, unit: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    path.chmod(0o600)


def _write_p12(path: Path, name: str, key, cert: x509.Certificate, ca_cert) -> None:
    """Key, certificate and the CA's certificate as PKCS#12, under DEV_PASSPHRASE."""
    data = pkcs12.serialize_key_and_certificates(
        name=name.encode(),
        key=key,
        cert=cert,
        cas=[ca_cert],
        encryption_algorithm=serialization.BestAvailableEncryption(DEV_PASSPHRASE),
    )
    _write_private(path, data)


def _load_ca(paths: DevPkiPaths):
    cert = x509.load_pem_x509_certificate(paths.ca_cert.read_bytes())
    key = serialization.load_pem_private_key(paths.ca_key.read_bytes(), password=None)
    return cert, key


def _issue(
    ca_cert, ca_key, subject: x509.Name, key, *, eku, years: int = 5, back_days: int = 1
) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC) - dt.timedelta(days=back_days)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=365 * years))
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
            x509.ExtendedKeyUsage(eku), critical=eku == [ExtendedKeyUsageOID.TIME_STAMPING]
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
    )
    return builder.sign(ca_key, hashes.SHA256())


def ensure_ca(paths: DevPkiPaths) -> bool:
    if paths.ca_cert.exists() and paths.ca_key.exists():
        return False
    key = _key()
    name = _name("Hồ sơ chuyên môn – CA thử nghiệm", TEST_LABEL)
    now = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=365 * 20))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    _write_private(
        paths.ca_key,
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )
    paths.ca_cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    logger.warning("Created a TEST-ONLY certificate authority in %s", paths.root)
    return True


def ensure_school_cert(paths: DevPkiPaths, *, code: str, name: str) -> bool:
    target = paths.school_p12(code)
    if target.exists():
        return False
    ca_cert, ca_key = _load_ca(paths)
    key = _key()
    cert = _issue(
        ca_cert, ca_key, _name(name, TEST_LABEL), key, eku=[ExtendedKeyUsageOID.EMAIL_PROTECTION]
    )
    _write_p12(target, code, key, cert, ca_cert)
    logger.info("Issued a TEST-ONLY signing certificate for school %s", code)
    return True


def person_name(full_name: str, school_name: str) -> x509.Name:
    """A personal certificate's subject as Vietnamese CAs write it: the person's name
    as CN, their unit as O."""
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, school_name),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, TEST_LABEL),
            x509.NameAttribute(NameOID.COMMON_NAME, full_name),
        ]
    )


def ensure_person_cert(paths: DevPkiPaths, *, key: str, full_name: str, school_name: str) -> Path:
    """A TEST-ONLY personal signing certificate (PKCS#12, DEV_PASSPHRASE), made once
    per key (a username): what a teacher's USB token holds, for demos and tests."""
    target = paths.person_p12(key)
    if target.exists() and _holder_of(target) == full_name:
        return target
    # None yet, or made for an earlier holder of this key (a renamed account, a test
    # reusing a username): issued again, so that what is signed names the person.
    ensure_ca(paths)
    ca_cert, ca_key = _load_ca(paths)
    private = _key()
    cert = _issue(
        ca_cert,
        ca_key,
        person_name(full_name, school_name),
        private,
        eku=[ExtendedKeyUsageOID.EMAIL_PROTECTION],
        # Valid for the demo's past school year too: its steps are dated back.
        back_days=2 * 365,
    )
    _write_p12(target, key, private, cert, ca_cert)
    logger.info("Issued a TEST-ONLY personal certificate for %s", key)
    return target


def _holder_of(p12: Path) -> str:
    loaded = pkcs12.load_pkcs12(p12.read_bytes(), DEV_PASSPHRASE)
    names = loaded.cert.certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else ""


def ensure_tsa(paths: DevPkiPaths) -> bool:
    if paths.tsa_cert.exists() and paths.tsa_key.exists():
        return False
    ca_cert, ca_key = _load_ca(paths)
    key = _key()
    cert = _issue(
        ca_cert,
        ca_key,
        _name("Hồ sơ chuyên môn – TSA thử nghiệm", TEST_LABEL),
        key,
        eku=[ExtendedKeyUsageOID.TIME_STAMPING],
    )
    _write_private(
        paths.tsa_key,
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )
    paths.tsa_cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return True
