"""A TEST-ONLY public-key infrastructure for development and tests.

It makes a CA, one signing certificate per school (PKCS#12) and a TSA
certificate, each labelled "TEST ONLY – KHÔNG CÓ GIÁ TRỊ PHÁP LÝ" so that no
document signed with it can be mistaken for a real one. Production uses the
schools' real certificates (SIGNING_BACKEND=pkcs12 or pkcs11). Files are made
once and reused (idempotent).

Like a real CA's, every certificate it issues says where its revocation status is
published (issue 14): a CRL distribution point and an OCSP responder under the dev
PKI's URL (`DevPkiPaths.url`, SIGNING_DEV_PKI_URL), answered from `revoked.json` by
`archive.pki_services` (Certomancer's CRL, OCSP and TSA builders) in-process, at
`/pki/` of the dev server and by `devservices.DevPkiServer` in tests. A certificate
issued before, or for another URL, is issued again.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

logger = logging.getLogger(__name__)

TEST_LABEL = "TEST ONLY - KHÔNG CÓ GIÁ TRỊ PHÁP LÝ"
DEV_PASSPHRASE = b"dev-only"
DEFAULT_URL = "http://127.0.0.1:8000/pki"


@dataclass(frozen=True)
class DevPkiPaths:
    root: Path
    # Where the revocation services are published: written into every certificate.
    url: str = DEFAULT_URL

    @property
    def crl_url(self) -> str:
        return f"{self.url.rstrip('/')}/ca.crl"

    @property
    def ocsp_url(self) -> str:
        return f"{self.url.rstrip('/')}/ocsp"

    @property
    def ca_issuers_url(self) -> str:
        return f"{self.url.rstrip('/')}/ca.crt"

    @property
    def revoked(self) -> Path:
        return self.root / "revoked.json"

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

    @property
    def ocsp_cert(self) -> Path:
        return self.root / "ocsp.crt.pem"

    @property
    def ocsp_key(self) -> Path:
        return self.root / "ocsp.key.pem"

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


def write_pem(key_path: Path, cert_path: Path, key, cert: x509.Certificate) -> None:
    """A key (unencrypted PKCS#8, mode 0600) and its certificate, as PEM files."""
    _write_private(
        key_path,
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def _load_ca(paths: DevPkiPaths):
    cert = x509.load_pem_x509_certificate(paths.ca_cert.read_bytes())
    key = serialization.load_pem_private_key(paths.ca_key.read_bytes(), password=None)
    return cert, key


def _pointers(paths: DevPkiPaths) -> list[x509.ExtensionType]:
    """Where a relying party finds the status of a certificate: RFC 5280 CRL
    distribution point, OCSP responder and the issuer's certificate."""
    return [
        x509.CRLDistributionPoints(
            [
                x509.DistributionPoint(
                    full_name=[x509.UniformResourceIdentifier(paths.crl_url)],
                    relative_name=None,
                    reasons=None,
                    crl_issuer=None,
                )
            ]
        ),
        x509.AuthorityInformationAccess(
            [
                x509.AccessDescription(
                    AuthorityInformationAccessOID.OCSP,
                    x509.UniformResourceIdentifier(paths.ocsp_url),
                ),
                x509.AccessDescription(
                    AuthorityInformationAccessOID.CA_ISSUERS,
                    x509.UniformResourceIdentifier(paths.ca_issuers_url),
                ),
            ]
        ),
    ]


def points_to(cert: x509.Certificate, paths: DevPkiPaths) -> bool:
    """Whether the certificate names this dev PKI's CRL (made for its current URL)."""
    try:
        points = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    except x509.ExtensionNotFound:
        return False
    urls = {str(name.value) for point in points for name in point.full_name or ()}
    return paths.crl_url in urls


def issue(
    paths: DevPkiPaths,
    subject: x509.Name,
    key,
    *,
    eku,
    not_before: dt.datetime | None = None,
    days: int = 5 * 365,
    pointers: bool = True,
) -> x509.Certificate:
    """A certificate of the dev CA for `key`, valid `days` from `not_before` (default
    yesterday), pointing to the dev PKI's revocation services."""
    ca_cert, ca_key = _load_ca(paths)
    start = not_before or dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=days))
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
    if pointers:
        for extension in _pointers(paths):
            builder = builder.add_extension(extension, critical=False)
    else:
        # The OCSP responder's own certificate: never checked (RFC 6960 §4.2.2.2.1).
        builder = builder.add_extension(x509.OCSPNoCheck(), critical=False)
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
    if target.exists() and points_to(_certificate_of(target), paths):
        return False
    ca_cert, _ca_key = _load_ca(paths)
    key = _key()
    cert = issue(paths, _name(name, TEST_LABEL), key, eku=[ExtendedKeyUsageOID.EMAIL_PROTECTION])
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
    if target.exists():
        held = _certificate_of(target)
        if _common_name(held) == full_name and points_to(held, paths):
            return target
    # None yet, or made for an earlier holder of this key (a renamed account, a test
    # reusing a username) or another URL: issued again, so that what is signed names
    # the person and its status can be found.
    ensure_ca(paths)
    ca_cert, _ca_key = _load_ca(paths)
    private = _key()
    cert = issue(
        paths,
        person_name(full_name, school_name),
        private,
        eku=[ExtendedKeyUsageOID.EMAIL_PROTECTION],
        # Valid for the demo's past school year too: its steps are dated back.
        not_before=dt.datetime.now(dt.UTC) - dt.timedelta(days=2 * 365),
    )
    _write_p12(target, key, private, cert, ca_cert)
    logger.info("Issued a TEST-ONLY personal certificate for %s", key)
    return target


def _certificate_of(p12: Path) -> x509.Certificate:
    stat = p12.stat()
    return _certificate_in(str(p12), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=256)
def _certificate_in(path: str, mtime_ns: int, size: int) -> x509.Certificate:
    """A PKCS#12 file's certificate, read once per version of the file (opening one
    checks its RSA key, ~40 ms: it was read at every signature)."""
    return pkcs12.load_pkcs12(Path(path).read_bytes(), DEV_PASSPHRASE).cert.certificate


def _common_name(cert: x509.Certificate) -> str:
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else ""


def ensure_tsa(paths: DevPkiPaths) -> bool:
    if (
        paths.tsa_cert.exists()
        and paths.tsa_key.exists()
        and points_to(x509.load_pem_x509_certificate(paths.tsa_cert.read_bytes()), paths)
    ):
        return False
    cert, key = issue_tsa(paths, "Hồ sơ chuyên môn – TSA thử nghiệm")
    write_pem(paths.tsa_key, paths.tsa_cert, key, cert)
    return True


def ensure_ocsp_responder(paths: DevPkiPaths) -> bool:
    """The CA's delegated OCSP responder (extendedKeyUsage OCSPSigning, ocsp-nocheck),
    as real CAs answer: validators take its answers without asking about it."""
    if paths.ocsp_cert.exists() and paths.ocsp_key.exists():
        return False
    key = _key()
    cert = issue(
        paths,
        _name("Hồ sơ chuyên môn – OCSP thử nghiệm", TEST_LABEL),
        key,
        eku=[ExtendedKeyUsageOID.OCSP_SIGNING],
        # As long as the CA: its answers must stay checkable while any certificate
        # it speaks for may be asked about (a real CA renews its responder instead).
        days=19 * 365,
        pointers=False,
    )
    write_pem(paths.ocsp_key, paths.ocsp_cert, key, cert)
    return True


def issue_tsa(
    paths: DevPkiPaths, name: str, *, not_before: dt.datetime | None = None, days: int = 5 * 365
) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    """A time-stamping certificate of the dev CA (a renewed TSA in the extension tests)."""
    key = _key()
    cert = issue(
        paths,
        _name(name, TEST_LABEL),
        key,
        eku=[ExtendedKeyUsageOID.TIME_STAMPING],
        not_before=not_before,
        days=days,
    )
    return cert, key


# --- revocation ------------------------------------------------------------------------


@dataclass(frozen=True)
class Revocation:
    at: dt.datetime
    reason: str


def revoke(
    paths: DevPkiPaths,
    cert: x509.Certificate,
    *,
    at: dt.datetime | None = None,
    reason: str = "key_compromise",
) -> None:
    """Mark a certificate of the dev CA revoked from `at` (default now): its CRL and
    OCSP answers say so from then on (RFC 5280 reason code name, asn1crypto style)."""
    entries = json.loads(paths.revoked.read_text()) if paths.revoked.exists() else {}
    when = at or dt.datetime.now(dt.UTC)
    entries[str(cert.serial_number)] = {"at": when.isoformat(), "reason": reason}
    partial = paths.revoked.with_suffix(".tmp")
    partial.write_text(json.dumps(entries, indent=1, sort_keys=True))
    partial.replace(paths.revoked)


def revocations(paths: DevPkiPaths) -> dict[int, Revocation]:
    """Serial number -> when and why, for every revoked certificate of the dev CA."""
    if not paths.revoked.exists():
        return {}
    entries = json.loads(paths.revoked.read_text())
    return {
        int(serial): Revocation(dt.datetime.fromisoformat(entry["at"]), entry["reason"])
        for serial, entry in entries.items()
    }
