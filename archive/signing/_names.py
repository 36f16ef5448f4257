"""Who a certificate names: the school a signature is bound to, compared as people
write names (capitals, with or without diacritics, either tone placement)."""

from __future__ import annotations

import unicodedata
from typing import Any

from asn1crypto import x509 as asn1_x509


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def fold_name(text: str) -> str:
    """Compare names as people write them: certificates often spell a school's name in
    capitals, with or without diacritics, or with another tone placement (Hòa / Hoà)."""
    decomposed = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.split()).casefold()


def subject_names(cert: asn1_x509.Certificate) -> tuple[str, str]:
    """(organisation, common name) of the certificate's subject."""
    subject = cert.subject.native
    return (
        _nfc(_first(subject.get("organization_name"))),
        _nfc(_first(subject.get("common_name"))),
    )


def names_unit(organisation: str, common_name: str, unit_name: str) -> bool:
    """A certificate is the unit's when its organisation (else its common name) is the
    unit's name: what a CA verified about the holder, unlike anything in the PDF."""
    holder = organisation or common_name
    return bool(holder) and fold_name(holder) == fold_name(unit_name)


def certificate_names_unit(cert: asn1_x509.Certificate, unit_name: str) -> bool:
    return names_unit(*subject_names(cert), unit_name)


def _first(value: Any) -> str:
    """A subject attribute may be repeated (a list): the first one names the holder."""
    if isinstance(value, list | tuple):
        value = value[0] if value else ""
    return str(value or "")


def _signer_name(cert: asn1_x509.Certificate) -> str:
    subject = cert.subject.native
    return (
        subject.get("common_name")
        or subject.get("organization_name")
        or cert.subject.human_friendly
    )
