"""The local RFC 3161 TSA: pyHanko's own HTTP client gets a token that validates."""

from __future__ import annotations

import asyncio
import hashlib
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from asn1crypto import cms, core, tsp
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.keys import load_cert_from_pemder
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
from pyhanko.sign.validation.status import TimestampSignatureStatus
from pyhanko_certvalidator import ValidationContext

from devservices import TimestampServer
from devservices.pytest_plugin import TsaFactory


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def make_tsa_pki(directory: Path) -> dict[str, Path]:
    """A throwaway CA and a TSA certificate (critical EKU timeStamping) issued by it.

    The TSA certificate and key are written as PEM, the CA certificate as DER, so both
    encodings go through the server's loaders.
    """
    now = datetime.now(UTC)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(_name("Hoso Test CA"))
        .issuer_name(_name("Hoso Test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    tsa_cert = (
        x509.CertificateBuilder()
        .subject_name(_name("Hoso Test TSA"))
        .issuer_name(ca_cert.subject)
        .public_key(tsa_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    paths = {
        "cert": directory / "tsa.pem",
        "key": directory / "tsa.key.pem",
        "ca": directory / "ca.der",
    }
    paths["cert"].write_bytes(tsa_cert.public_bytes(serialization.Encoding.PEM))
    paths["key"].write_bytes(
        tsa_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    paths["ca"].write_bytes(ca_cert.public_bytes(serialization.Encoding.DER))
    return paths


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return make_tsa_pki(tmp_path_factory.mktemp("tsa-pki"))


@pytest.fixture(scope="module")
def tsa_url(tsa_server_factory: TsaFactory, pki: dict[str, Path]) -> str:
    return tsa_server_factory(pki["cert"], pki["key"], chain=[pki["ca"]])


def test_timestamp_from_http_validates(tsa_url: str, pki: dict[str, Path]) -> None:
    digest = hashlib.sha256(b"Ke hoach day hoc, tuan 1").digest()

    async def stamp_and_validate() -> TimestampSignatureStatus:
        token = await HTTPTimeStamper(tsa_url).async_timestamp(digest, "sha256")
        context = ValidationContext(trust_roots=[load_cert_from_pemder(pki["ca"])])
        kwargs = await validate_tst_signed_data(token["content"], context, lambda _algo: digest)
        return TimestampSignatureStatus(**kwargs)

    status = asyncio.run(stamp_and_validate())
    assert status.intact and status.valid
    assert status.trusted
    assert status.signing_cert.subject.native["common_name"] == "Hoso Test TSA"
    assert abs(status.timestamp - datetime.now(UTC)) < timedelta(minutes=5)


def test_wrong_imprint_is_not_intact(tsa_url: str, pki: dict[str, Path]) -> None:
    digest = hashlib.sha256(b"original").digest()

    async def check() -> TimestampSignatureStatus:
        token = await HTTPTimeStamper(tsa_url).async_timestamp(digest, "sha256")
        context = ValidationContext(trust_roots=[load_cert_from_pemder(pki["ca"])])
        other = hashlib.sha256(b"tampered").digest()
        return TimestampSignatureStatus(
            **await validate_tst_signed_data(token["content"], context, lambda _a: other)
        )

    assert not asyncio.run(check()).intact


class TimeStampRespOptionalToken(core.Sequence):
    """RFC 3161 TimeStampResp; asn1crypto's class wrongly requires the token."""

    _fields = [
        ("status", tsp.PKIStatusInfo),
        ("time_stamp_token", cms.ContentInfo, {"optional": True}),
    ]


def _post(url: str, body: bytes, content_type: str) -> tuple[int, str, bytes]:
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": content_type}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["Content-Type"], exc.read()


def test_protocol_errors(tsa_url: str) -> None:
    status, _type, _body = _post(tsa_url, b"\x30\x00", "text/plain")
    assert status == 415

    status, content_type, body = _post(tsa_url, b"not DER", "application/timestamp-query")
    assert (status, content_type) == (200, "application/timestamp-reply")
    assert TimeStampRespOptionalToken.load(body)["status"]["status"].native == "rejection"

    with pytest.raises(urllib.error.HTTPError) as get:
        urllib.request.urlopen(tsa_url, timeout=10)
    assert get.value.code == 405


def test_context_manager_and_request_count(pki: dict[str, Path]) -> None:
    digest = hashlib.sha256(b"x").digest()
    with TimestampServer(pki["cert"], pki["key"], chain=[pki["ca"]]) as server:
        asyncio.run(HTTPTimeStamper(server.url).async_timestamp(digest, "sha256"))
        assert server.request_count == 1
        url = server.url
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(url, timeout=2)


def test_non_rsa_key_is_refused(tmp_path: Path, pki: dict[str, Path]) -> None:
    key = tmp_path / "ec.pem"
    key.write_bytes(
        ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    with pytest.raises(ValueError, match="RSA"):
        TimestampServer(pki["cert"], key)
