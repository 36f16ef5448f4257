"""The user's PKCS#11 token: its certificates (public objects, no PIN) and the batch
signature, made by pyHanko's PKCS11Signer so the CMS is exactly what pyHanko makes.

One lock guards every PKCS#11 call: a driver is called from one thread at a time, and
the logged-in session lives only for the batch.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import threading
from dataclasses import dataclass
from typing import Any

import pkcs11
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from pkcs11 import Attribute, ObjectClass, TokenFlag
from pkcs11.exceptions import PinIncorrect, PinLenRange, PinLocked, PKCS11Error
from pyhanko.sign.general import SigningError
from pyhanko.sign.pkcs11 import PKCS11Signer

from . import messages
from .batch import CheckedItem, Result

logger = logging.getLogger(__name__)


class TokenError(Exception):
    """The whole batch fails (absent token, wrong PIN...): every item gets this message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class TokenStatus:
    label: str | None
    present: bool


@dataclass(frozen=True)
class TokenCertificate:
    label: str
    cka_id: bytes | None
    der: bytes

    @property
    def id(self) -> str:
        """CKA_ID in hex, the usual link between a certificate and its key; the label
        for tokens that leave CKA_ID empty."""
        return self.cka_id.hex() if self.cka_id else self.label

    @property
    def parsed(self) -> x509.Certificate:
        return x509.load_der_x509_certificate(self.der)

    @property
    def is_ca(self) -> bool:
        try:
            return self.parsed.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        except x509.ExtensionNotFound:
            return False

    def as_json(self) -> dict[str, Any]:
        cert = self.parsed
        return {
            "id": self.id,
            "label": self.label,
            "certificate": base64.b64encode(self.der).decode("ascii"),
            "subject": cert.subject.rfc4514_string(),
            "issuer": cert.issuer.rfc4514_string(),
            "not_after": cert.not_valid_after_utc.isoformat(),
        }


def _attribute(obj: Any, attribute: Attribute) -> Any:
    try:
        return obj[attribute]
    except PKCS11Error:  # the driver does not keep that attribute for this object
        return None


class Pkcs11Token:
    def __init__(self, *, module: str, label: str | None) -> None:
        self.module = module
        self.label = label
        self._lock = threading.Lock()

    def _lib(self) -> Any:
        return pkcs11.lib(self.module)  # python-pkcs11 keeps one per module and process

    def _find(self) -> Any:
        """The configured token (or the only initialised one), or TokenError."""
        for attempt in range(2):
            tokens = [slot.get_token() for slot in self._lib().get_slots(token_present=True)]
            tokens = [t for t in tokens if t.flags & TokenFlag.TOKEN_INITIALIZED]
            if self.label is not None:
                tokens = [t for t in tokens if t.label == self.label]
            if tokens:
                if len(tokens) > 1:
                    logger.warning(
                        "several tokens found, using %r (set --token-label)", tokens[0].label
                    )
                return tokens[0]
            if attempt == 0:
                # Some drivers list a USB token plugged in after start-up only after a
                # re-initialisation; no session is open while the lock is held.
                self._lib().reinitialize()
        raise TokenError(messages.TOKEN_ABSENT)

    def status(self) -> TokenStatus:
        with self._lock:
            try:
                token = self._find()
            except (TokenError, PKCS11Error):
                return TokenStatus(label=self.label, present=False)
            return TokenStatus(label=token.label, present=True)

    def certificates(self) -> list[TokenCertificate]:
        """Every certificate object on the token, read without logging in."""
        with self._lock:
            try:
                token = self._find()
                with token.open() as session:
                    found = [
                        TokenCertificate(
                            label=_attribute(obj, Attribute.LABEL) or "",
                            cka_id=_attribute(obj, Attribute.ID) or None,
                            der=obj[Attribute.VALUE],
                        )
                        for obj in session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE})
                    ]
            except PKCS11Error as exc:
                logger.warning("reading certificates failed: %s", exc.__class__.__name__)
                raise TokenError(messages.TOKEN_FAILED) from exc
        return found

    def sign(
        self,
        *,
        certificate: TokenCertificate,
        chain: list[TokenCertificate],
        digest_algorithm: str,
        items: list[CheckedItem],
        pin: str,
    ) -> list[Result]:
        """One logged-in session for the batch; raises TokenError if it cannot open."""
        with self._lock:
            token = self._find()
            try:
                session = token.open(user_pin=pin)
            except (PinIncorrect, PinLenRange) as exc:
                raise TokenError(messages.PIN_INCORRECT) from exc
            except PinLocked as exc:
                raise TokenError(messages.PIN_LOCKED) from exc
            except PKCS11Error as exc:
                logger.warning("opening a session failed: %s", exc.__class__.__name__)
                raise TokenError(messages.TOKEN_FAILED) from exc
            try:
                signer = PKCS11Signer(
                    session,
                    signing_cert=asn1_x509.Certificate.load(certificate.der),
                    ca_chain=[asn1_x509.Certificate.load(c.der) for c in chain],
                    cert_id=certificate.cka_id,
                    cert_label=None if certificate.cka_id else certificate.label,
                )
                return asyncio.run(_sign_all(signer, digest_algorithm, items))
            finally:
                session.close()


async def _sign_all(
    signer: PKCS11Signer, digest_algorithm: str, items: list[CheckedItem]
) -> list[Result]:
    try:
        await signer.ensure_objects_loaded()
    except PKCS11Error as exc:
        logger.warning("private key not found: %s", exc)
        raise TokenError(messages.KEY_MISSING) from exc
    results = []
    for item in items:
        try:
            signed = await signer.async_sign_prescribed_attributes(
                digest_algorithm, item.signed_attrs
            )
        except (PKCS11Error, SigningError, ValueError) as exc:
            # One item failing (a token hiccup) does not stop the others.
            logger.warning("signing item %s failed: %s", item.id, exc.__class__.__name__)
            results.append(Result(id=item.id, error=messages.ITEM_SIGNING_FAILED))
        else:
            results.append(Result(id=item.id, cms=signed.dump()))
    return results
