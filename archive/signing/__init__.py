"""PAdES and CMS signatures with pyHanko: this package is the only importer of it.

A school signs with its own certificate: a PKCS#12 file per school
(SIGNING_BACKEND=pkcs12, <SIGNING_PKCS12_DIR>/<school code>.p12), a PKCS#11
token (SIGNING_BACKEND=pkcs11, key and certificate labelled with the school
code), a remote signing service through the CSC API (SIGNING_BACKEND=csc, `_csc`)
or the TEST-ONLY dev PKI. The visible stamp uses an embedded Noto
OpenType subset so Vietnamese names render and the PDF/A stays valid. With
TSA_URL (or the dev PKI's own TSA) the signature is PAdES B-T; validation data
(chain, OCSP and CRL) is embedded, and the archive makes every frozen file B-LTA and
extends it before its newest timestamp's certificate expires (`_lta`).

The public names are here; the work is done by area in private modules:
`_keys` (opening the school's signer, trust roots), `_names` (who a certificate
names), `_pdf` (signing a PDF), `_validation` (checking a PDF's signatures) and
`_cms` (signed data for the audit checkpoints).
"""

from archive.signing import _hexstring, _objstm
from archive.signing._certs import (
    CertificateFacts,
    CertificateRefused,
    check_for_signing,
    facts,
    load_certificate,
    names_person,
)
from archive.signing._chain import (
    Appearance,
    EmbeddedSignature,
    SignatureBox,
    SignatureRejected,
    add_signature_fields,
    sign_field,
    signatures_in,
)
from archive.signing._cms import (
    INSTALLATION_KEY_CODE,
    INSTALLATION_NAME,
    Installation,
    SignedData,
    open_signed_data,
    sign_data,
)
from archive.signing._csc import (
    CscAuth,
    csc_credential_certificate,
    csc_signer,
    seal_credential_id,
)
from archive.signing._deferred import PendingSignature, finish_signature, prepare_signature
from archive.signing._dss import ValidationData, read_validation_data
from archive.signing._keys import (
    SigningUnavailable,
    _school_signer,
    dev_pki,
    dev_responder,
    trust_roots,
    validation_context,
)
from archive.signing._lta import (
    B_B,
    B_LT,
    B_LTA,
    B_T,
    LongTermReport,
    TimestampFacts,
    archive_timestamp,
    extend,
    level,
    long_term_check,
    newest_timestamp,
    valid_in_future,
    validation_data,
)
from archive.signing._names import certificate_names_unit, fold_name, names_unit, subject_names
from archive.signing._pdf import FIELD_NAME, SignResult, sign_pdf
from archive.signing._people import SealResult, issuer_chain, personal_signer, seal_field
from archive.signing._validation import (
    SignatureReport,
    ValidationLimits,
    pdf_keywords,
    validate_pdf,
)

__all__ = [
    "B_B",
    "B_LT",
    "B_LTA",
    "B_T",
    "dev_responder",
    "LongTermReport",
    "TimestampFacts",
    "archive_timestamp",
    "extend",
    "level",
    "long_term_check",
    "newest_timestamp",
    "valid_in_future",
    "validation_data",
    "CertificateFacts",
    "CertificateRefused",
    "SealResult",
    "check_for_signing",
    "facts",
    "issuer_chain",
    "load_certificate",
    "names_person",
    "personal_signer",
    "seal_field",
    "Appearance",
    "EmbeddedSignature",
    "PendingSignature",
    "SignatureBox",
    "SignatureRejected",
    "add_signature_fields",
    "finish_signature",
    "prepare_signature",
    "sign_field",
    "signatures_in",
    "CscAuth",
    "FIELD_NAME",
    "INSTALLATION_KEY_CODE",
    "INSTALLATION_NAME",
    "Installation",
    "SignResult",
    "SignatureReport",
    "SignedData",
    "SigningUnavailable",
    "ValidationLimits",
    "_school_signer",
    "certificate_names_unit",
    "csc_credential_certificate",
    "csc_signer",
    "dev_pki",
    "fold_name",
    "names_unit",
    "open_signed_data",
    "pdf_keywords",
    "sign_data",
    "seal_credential_id",
    "sign_pdf",
    "subject_names",
    "trust_roots",
    "validate_pdf",
    "ValidationData",
    "read_validation_data",
    "validation_context",
]

# Tagged PDF/A files are read in linear time (archive/signing/_objstm.py), and a
# signature's hex string in one pass (_hexstring.py).
_objstm.install()
_hexstring.install()
