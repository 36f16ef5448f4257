"""archive.signing is split by area into modules under the house limit (~500 lines),
keeps its public names, and stays the only application code that imports pyHanko."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP_DIRS = ("accounts", "archive", "cms", "imports", "pagecache", "recordpages", "reports")
APP_DIRS += ("search", "workflow")
PUBLIC = (
    "FIELD_NAME INSTALLATION_KEY_CODE INSTALLATION_NAME Installation SignResult "
    "SignatureReport SignedData SigningUnavailable ValidationLimits _school_signer "
    "certificate_names_unit dev_pki fold_name names_unit open_signed_data pdf_keywords "
    "sign_data sign_pdf subject_names trust_roots validate_pdf validation_context"
).split()


def _signing_modules() -> list[Path]:
    package = ROOT / "archive" / "signing"
    return sorted(package.glob("*.py")) if package.is_dir() else [ROOT / "archive/signing.py"]


def test_every_signing_module_is_under_five_hundred_lines():
    lengths = {
        path.name: len(path.read_text(encoding="utf-8").splitlines()) for path in _signing_modules()
    }
    assert {name: n for name, n in lengths.items() if n > 500} == {}


@pytest.mark.parametrize("name", PUBLIC)
def test_public_signing_names_stay_importable_from_archive_signing(name):
    from archive import signing

    assert hasattr(signing, name)


def test_only_archive_signing_imports_pyhanko():
    importers = sorted(
        str(path.relative_to(ROOT))
        for app in APP_DIRS
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts
        and re.search(r"^\s*(from|import) pyhanko", path.read_text(encoding="utf-8"), re.M)
    )
    signing = {str(path.relative_to(ROOT)) for path in _signing_modules()}
    assert importers and set(importers) <= signing, importers
