"""A sign request, read and checked before anything touches the token.

Each item is checked on its own: a malformed item gets its own error and the others
are still signed. The hash shown to the signer (``document_sha256``) must be the
message-digest inside the signed attributes, so what the person reads is what the key
signs.
"""

from __future__ import annotations

import base64
import hashlib
import unicodedata
from dataclasses import dataclass
from typing import Any

from asn1crypto import cms

from . import messages

MAX_ITEMS = 2000
MAX_TITLE = 200
MAX_ID = 200
# Protocol v1 signs SHA-256 digests: the hash shown to the signer is a SHA-256, every
# Vietnamese CA token supports it, and pyHanko uses it by default.
ALLOWED_DIGESTS = {"sha256": 32}
REQUIRED_ATTRIBUTES = ("content_type", "message_digest")


class BadRequest(ValueError):
    """The request as a whole is unusable (HTTP 400/413): nothing is signed."""

    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Item:
    id: str
    title: str
    document_sha256: str
    signed_attributes: str  # base64 DER, as received


@dataclass(frozen=True)
class SignRequest:
    certificate_id: str
    digest_algorithm: str
    items: list[Item]


@dataclass(frozen=True)
class CheckedItem:
    id: str
    title: str
    digest_hex: str
    signed_attrs: cms.CMSAttributes


@dataclass(frozen=True)
class Result:
    id: str
    cms: bytes | None = None
    error: str | None = None

    def as_json(self) -> dict[str, str]:
        if self.cms is not None:
            return {"id": self.id, "cms": base64.b64encode(self.cms).decode("ascii")}
        return {"id": self.id, "error": self.error or messages.ITEM_SIGNING_FAILED}


def _bad(reason: str) -> BadRequest:
    return BadRequest(messages.BAD_REQUEST.format(reason=reason))


def _string(data: dict[str, Any], key: str, *, limit: int) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value or len(value) > limit:
        raise _bad(f"thiếu hoặc sai trường “{key}”")
    return value


def printable(text: str, *, limit: int = MAX_TITLE) -> str:
    """The text with control characters removed: a title comes from a web page and is
    printed on the signer's terminal, where an escape sequence could rewrite what the
    person reads."""
    clean = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    return clean[:limit]


def parse_sign_request(data: Any) -> SignRequest:
    """The request's shape; raises BadRequest. Item contents are checked later, one by one."""
    if not isinstance(data, dict):
        raise _bad("nội dung phải là một đối tượng JSON")
    certificate_id = _string(data, "certificate_id", limit=512)
    digest_algorithm = data.get("digest_algorithm", "sha256")
    if not isinstance(digest_algorithm, str):
        raise _bad("sai trường “digest_algorithm”")
    raw_items = data.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        raise _bad("thiếu danh sách hồ sơ cần ký (“items”)")
    if len(raw_items) > MAX_ITEMS:
        raise BadRequest(
            messages.TOO_MANY_ITEMS.format(limit=f"{MAX_ITEMS:,}".replace(",", ".")), status=413
        )
    items: list[Item] = []
    seen: set[str] = set()
    for raw in raw_items:
        if not isinstance(raw, dict):
            raise _bad("mỗi hồ sơ phải là một đối tượng JSON")
        item_id = _string(raw, "id", limit=MAX_ID)
        if item_id in seen:
            raise _bad(f"mã hồ sơ “{printable(item_id)}” bị lặp")
        seen.add(item_id)
        # Title, hash and attributes are the item's own business: a bad one fails that
        # item only (check_item), so they are kept as received here.
        items.append(
            Item(
                id=item_id,
                title=raw.get("title") if isinstance(raw.get("title"), str) else "",
                document_sha256=raw.get("document_sha256")
                if isinstance(raw.get("document_sha256"), str)
                else "",
                signed_attributes=raw.get("signed_attributes")
                if isinstance(raw.get("signed_attributes"), str)
                else "",
            )
        )
    return SignRequest(
        certificate_id=certificate_id, digest_algorithm=digest_algorithm.lower(), items=items
    )


class ItemRefused(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _attribute(attrs: cms.CMSAttributes, name: str) -> Any:
    for attr in attrs:
        if attr["type"].native == name:
            return attr["values"][0]
    return None


def _signing_certificate_matches(attrs: cms.CMSAttributes, certificate_der: bytes) -> bool:
    """True unless the ESS signing-certificate(-v2) attribute names another certificate."""
    v2 = _attribute(attrs, "signing_certificate_v2")
    if v2 is not None:
        for cert_id in v2["certs"]:
            algorithm = cert_id["hash_algorithm"]["algorithm"].native
            digest = hashlib.new(algorithm, certificate_der).digest()
            return digest == cert_id["cert_hash"].native
    v1 = _attribute(attrs, "signing_certificate")
    if v1 is not None:
        for cert_id in v1["certs"]:
            return hashlib.sha1(certificate_der).digest() == cert_id["cert_hash"].native
    return True


def check_item(item: Item, *, digest_algorithm: str, certificate_der: bytes) -> CheckedItem:
    """The item, ready to sign; raises ItemRefused with the reason in Vietnamese."""
    if digest_algorithm not in ALLOWED_DIGESTS:
        raise ItemRefused(
            messages.ITEM_DIGEST_ALGORITHM.format(
                algorithm=printable(digest_algorithm, limit=20), allowed=", ".join(ALLOWED_DIGESTS)
            )
        )
    try:
        der = base64.b64decode(item.signed_attributes, validate=True)
        attrs = cms.CMSAttributes.load(der, strict=True)
        attrs.native  # noqa: B018 (forces the lazy parse, so garbage fails here)
    except Exception as exc:  # asn1crypto raises several types on hostile input
        raise ItemRefused(messages.ITEM_ATTRIBUTES_UNREADABLE) from exc
    for name in REQUIRED_ATTRIBUTES:
        if _attribute(attrs, name) is None:
            raise ItemRefused(messages.ITEM_ATTRIBUTE_MISSING.format(name=name.replace("_", "-")))
    # PAdES signs detached PDF byte ranges: the content type is always id-data.
    if _attribute(attrs, "content_type").native != "data":
        raise ItemRefused(messages.ITEM_CONTENT_TYPE)
    digest = _attribute(attrs, "message_digest").native
    if (
        len(digest) != ALLOWED_DIGESTS[digest_algorithm]
        or digest.hex() != item.document_sha256.lower()
    ):
        raise ItemRefused(messages.ITEM_DIGEST_MISMATCH)
    try:
        matches = _signing_certificate_matches(attrs, certificate_der)
    except Exception as exc:  # an unknown hash algorithm, a malformed ESSCertID
        raise ItemRefused(messages.ITEM_ATTRIBUTES_UNREADABLE) from exc
    if not matches:
        raise ItemRefused(messages.ITEM_OTHER_CERTIFICATE)
    return CheckedItem(
        id=item.id, title=printable(item.title), digest_hex=digest.hex(), signed_attrs=attrs
    )
