"""What a signed PDF carries for its own validation, read out for the year package.

A reader in 2060 checks a signature with the trust roots and the validation data of
the time of signing: the certificates, CRLs and OCSP responses in the PDF's Document
Security Store (PAdES B-LT). The package also writes them beside the PDF as DER files,
so they can be inspected, or fed to a validator, without reading the PDF's structure.
Nothing here validates: it only reads what the file holds.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from pyhanko.pdf_utils.decode_limits import DecodePurpose
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.errors import NoDSSFoundError

from archive.signing._names import subject_names


@dataclass(frozen=True)
class ValidationData:
    """A PDF's DSS contents as DER, its number of pages and who signed it (as the
    signing certificates name them, in signing order; their validity is the signature
    report's business)."""

    pages: int
    signers: tuple[str, ...]
    certificates: tuple[bytes, ...]
    crls: tuple[bytes, ...]
    ocsps: tuple[bytes, ...]


def read_validation_data(pdf: bytes) -> ValidationData:
    """The DSS of a PDF (empty when it has none: a B-B or B-T signature)."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    try:
        dss = DocumentSecurityStore.read_dss(reader)
    except NoDSSFoundError:
        certificates, crls, ocsps = (), (), ()
    else:
        certificates = tuple(cert.dump() for cert in dss.load_certs())
        crls = tuple(_stream(ref, DecodePurpose.CRL) for ref in dss.crls)
        ocsps = tuple(_stream(ref, DecodePurpose.OCSP_RESPONSE) for ref in dss.ocsps)
    signers = []
    for embedded in reader.embedded_signatures:
        if embedded.sig_object_type != "/Sig":
            continue  # a document timestamp (B-LTA) names its authority, not a signer
        organisation, common_name = subject_names(embedded.signer_cert)
        signers.append(common_name or organisation)
    return ValidationData(
        pages=int(reader.root["/Pages"]["/Count"]),
        signers=tuple(signers),
        certificates=certificates,
        crls=crls,
        ocsps=ocsps,
    )


def _stream(reference, purpose: DecodePurpose) -> bytes:
    return reference.get_object().read_data(purpose)
