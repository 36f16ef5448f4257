"""Keys the server reaches for a chain step: a person's (HSM or PKCS#11 token on the
server, a CSC credential, or the TEST-ONLY dev PKI) and the school's seal."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from archive import devpki
from archive.signing._certs import load_certificate
from archive.signing._chain import Appearance, sign_field
from archive.signing._keys import (
    SigningUnavailable,
    _cached_pkcs12_signer,
    _school_signer,
    dev_pki,
    trust_roots,
)
from archive.signing._names import _nfc, _signer_name, certificate_names_unit


@contextlib.contextmanager
def personal_signer(holder: str, key_ref: str) -> Iterator:
    """The signer of a key the server holds for a person. `holder` is
    signatures.models.KeyHolder: "dev" (key_ref = the dev PKI key name), "server"
    (key_ref = "<token label>/<key label>" on SIGNING_PKCS11_MODULE), "csc"
    (key_ref = the credential id)."""
    if holder == "dev":
        if settings.SIGNING["BACKEND"] != "dev":
            raise SigningUnavailable("Dev certificates sign only with SIGNING_BACKEND=dev")
        path = dev_pki().person_p12(key_ref)
        signer = _cached_pkcs12_signer(path, devpki.DEV_PASSPHRASE) if path.exists() else None
        if signer is None:
            raise SigningUnavailable(f"No dev key {key_ref!r}")
        yield signer
    elif holder == "server":
        from archive.signing._keys import pkcs11_signer

        module = settings.SIGNING.get("PKCS11_MODULE")
        if not module:
            # python-pkcs11 fails with a TypeError on no module: refuse, not crash.
            raise SigningUnavailable("SIGNING_PKCS11_MODULE is not set")
        token_label, _, key_label = key_ref.partition("/")
        with pkcs11_signer(
            module=module,
            token_label=token_label,
            pin=_person_pin(token_label),
            key_label=key_label or token_label,
        ) as signer:
            yield signer
    elif holder == "csc":
        from archive.signing._csc import csc_signer

        with csc_signer(key_ref) as signer:
            yield signer
    else:
        raise SigningUnavailable(f"Key holder {holder!r} is not on the server")


def _person_pin(token_label: str) -> str | None:
    """The PIN of a person's token at the server: <SIGNING_PKCS11_PIN_DIR>/<token label>
    if there is one, else SIGNING_PKCS11_PIN, else None (the token's PIN pad). A label
    that cannot name a file of the PIN directory (empty, "..", hidden) or a PIN file
    that cannot be read is SigningUnavailable naming the token, never the PIN."""
    pin_dir = settings.SIGNING.get("PKCS11_PIN_DIR")
    if pin_dir:
        if not token_label or token_label.startswith(".") or "\x00" in token_label:
            raise SigningUnavailable(f"Token label {token_label!r} cannot name a PIN file")
        path = Path(pin_dir, token_label)
        try:
            # As the school's PIN file is read: only the line end is not the PIN.
            return path.read_text(encoding="utf-8").rstrip("\r\n")
        except FileNotFoundError:
            pass
        except (OSError, UnicodeDecodeError) as exc:
            raise SigningUnavailable(
                f"The PIN file of PKCS#11 token {token_label!r} cannot be read "
                f"({type(exc).__name__})"
            ) from None
    return settings.SIGNING.get("PKCS11_PIN") or None


@dataclass(frozen=True)
class SealResult:
    pdf: bytes
    signer: str
    issuer: str
    certificate_sha256: str


def seal_field(
    pdf: bytes, *, school, field: str, appearance: Appearance, certify: bool
) -> SealResult:
    """The school's seal in its block: the school's own key (token, HSM, CSC, PKCS#12),
    whose certificate must name the school."""
    with _school_signer(school) as signer:
        cert = signer.signing_cert
        if not certificate_names_unit(cert, school.name):
            raise SigningUnavailable(
                f"The certificate for {school.code} names {_signer_name(cert)!r}, "
                f"not the school {school.name!r}"
            )
        result = sign_field(pdf, field=field, signer=signer, appearance=appearance, certify=certify)
        issuer = cert.issuer.native
    return SealResult(
        pdf=result.pdf,
        signer=_nfc(_signer_name(cert)),
        issuer=_nfc(issuer.get("common_name") or issuer.get("organization_name") or ""),
        certificate_sha256=hashlib.sha256(cert.dump()).hexdigest(),
    )


def issuer_chain(certificate: bytes) -> tuple[bytes, ...]:
    """The trust roots that issued `certificate` (DER), to embed beside it: a token
    often holds only the signer's own certificate."""
    cert = load_certificate(certificate)
    return tuple(
        root.dump() for root in trust_roots() if root.subject == cert.issuer and root != cert
    )
