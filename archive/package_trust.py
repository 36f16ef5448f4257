"""What a reader needs to check the package's signatures without the software: the
trust root certificates (PEM, named after their holder) and the validation data each
signed PDF carries in its DSS (certificates, CRLs, OCSP responses as DER, one file per
distinct content, named by its SHA-256, listed per document in manifest.json)."""

from __future__ import annotations

import hashlib

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509

from archive import signing
from archive.package_names import safe_name, unique_paths
from archive.signing import ValidationData

TRUST_FOLDER = "trust"
VALIDATION_FOLDER = "validation"
# Folder and extension per kind of validation data (extensions validators recognise).
KINDS = {
    "certificates": ("certificates", ".cer"),
    "crls": ("crls", ".crl"),
    "ocsps": ("ocsp", ".ocsp.der"),
}


def _holder(cert: asn1_x509.Certificate) -> str:
    subject = cert.subject.native
    return str(subject.get("common_name") or subject.get("organization_name") or "")


def trust_root_files() -> tuple[dict[str, bytes], list[dict]]:
    """The trust roots the signature report was made with, as PEM files."""
    roots = {hashlib.sha256(c.dump()).hexdigest(): c for c in signing.trust_roots()}
    paths = unique_paths(
        {sha: (TRUST_FOLDER, _holder(cert) or sha[:16], ".pem") for sha, cert in roots.items()}
    )
    files: dict[str, bytes] = {}
    listed = []
    for sha, cert in sorted(roots.items()):
        files[paths[sha]] = pem.armor("CERTIFICATE", cert.dump())
        listed.append(
            {
                "path": f"data/{paths[sha]}",
                "subject": cert.subject.human_friendly,
                "not_after": cert["tbs_certificate"]["validity"]["not_after"].native.isoformat(),
                "sha256": sha,
            }
        )
    return files, listed


def validation_files(
    facts_by_path: dict[str, ValidationData],
) -> tuple[dict[str, bytes], dict[str, dict[str, list[str]]]]:
    """Each DSS item once under data/validation/, and, per document path, the package
    paths of the items its DSS holds (a document without a DSS lists none)."""
    files: dict[str, bytes] = {}
    used: dict[str, dict[str, list[str]]] = {}
    for document, facts in sorted(facts_by_path.items()):
        used[document] = {}
        for kind, (folder, extension) in KINDS.items():
            paths = []
            for item in getattr(facts, kind):
                sha = hashlib.sha256(item).hexdigest()
                path = f"{VALIDATION_FOLDER}/{folder}/{safe_name(sha)}{extension}"
                files[path] = item
                paths.append(f"data/{path}")
            used[document][kind] = sorted(set(paths))
    return files, used
