"""Real sample files for the intake tests (tests/intake/samples.py), made once per
session; and `tools`, which skips a test naming the missing program (a failure in
CI, where tests/conftest.py turns every skip into one under HOSO_REQUIRE_SERVICES=1)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import samples  # noqa: E402

from intake.convert import missing_tools  # noqa: E402


@pytest.fixture(scope="session")
def sample_files(tmp_path_factory) -> dict[str, bytes]:
    return samples.build_all(tmp_path_factory.mktemp("intake-samples"))


@pytest.fixture
def sample(sample_files):
    """sample("ke-hoach.odt") -> bytes; skips naming the program that makes it."""

    def get(name: str) -> bytes:
        if name not in sample_files:
            program = "zip" if name == "mat-khau-zip.docx" else "soffice (LibreOffice)"
            pytest.skip(f"{program} is missing: cannot make {name}")
        return sample_files[name]

    return get


@pytest.fixture
def tools():
    """needs(kind, ...) skips unless the converters for these kinds are installed."""

    def needs(*kinds: str) -> None:
        missing = missing_tools(set(kinds))
        if missing:
            pytest.skip(f"missing programs for the intake: {', '.join(missing)}")

    return needs
