"""PDF/A conformance checked by an independent validator (veraPDF), not our code.

veraPDF is fetched once from Maven Central with tests/archive/verapdf/pom.xml and
cached under ~/.cache/hoso/verapdf; without Java/Maven the test skips (fails in CI).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from archive import signing
from archive.rendering import Footer, render_record

pytestmark = pytest.mark.django_db

CACHE = Path(os.environ.get("HOSO_CACHE_DIR", Path.home() / ".cache" / "hoso")) / "verapdf"
POM = Path(__file__).parent / "verapdf" / "pom.xml"


def verapdf_classpath() -> str:
    lib = CACHE / "lib"
    if not any(lib.glob("greenfield-apps-*.jar")):
        if not (shutil.which("mvn") and shutil.which("java")):
            _missing("Java and Maven are needed to fetch veraPDF")
        subprocess.run(
            [
                "mvn",
                "-q",
                "-f",
                str(POM),
                "dependency:copy-dependencies",
                f"-DoutputDirectory={lib}",
            ],
            check=True,
            timeout=600,
        )
    return f"{lib}/*"


def _missing(why: str):
    if os.environ.get("HOSO_REQUIRE_SERVICES") == "1":
        pytest.fail(why)
    pytest.skip(why)


def verapdf(*paths: Path) -> str:
    result = subprocess.run(
        [
            "java",
            "-cp",
            verapdf_classpath(),
            "org.verapdf.apps.GreenfieldCliWrapper",
            "--format",
            "text",
            *map(str, paths),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    return result.stdout


def test_every_record_type_is_valid_pdfa(school_data, tmp_path):
    paths = []
    for record_type, page in school_data.records.items():
        state = school_data.states[record_type]
        footer = Footer(page.pk, state.version, state.approved_hash, f"CODE{page.pk}")
        pdf = render_record(
            state.approved_revision.as_object(), footer=footer, issued_on=dt.date(2025, 5, 20)
        )
        path = tmp_path / f"{record_type}.pdf"
        path.write_bytes(pdf)
        paths.append(path)
        # The signed file (visible stamp with embedded Noto) must stay PDF/A too.
        signed = tmp_path / f"{record_type}-signed.pdf"
        signed.write_bytes(signing.sign_pdf(pdf, school=school_data.school, reason="Lưu trữ").pdf)
        paths.append(signed)
    report = verapdf(*paths)
    lines = [line for line in report.splitlines() if line.startswith(("PASS", "FAIL"))]
    assert len(lines) == len(paths), report
    assert all(line.startswith("PASS") for line in lines), report
