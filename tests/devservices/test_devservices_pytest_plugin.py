"""The fixtures skip when a service is missing, and fail instead under CI's flag."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_pytest(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    test = tmp_path / "test_needs_postgres.py"
    test.write_text("def test_it(postgres_server):\n    assert postgres_server.url\n")
    return subprocess.run(
        [
            sys.executable, "-m", "pytest", "-p", "devservices.pytest_plugin", "-p", "no:django",
            "-p", "no:cacheprovider", "--noconftest", "-o", "addopts=", "-rsf", "-q",
            "--rootdir", str(tmp_path), str(test),
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "HOSO_PG_BINDIR": "/nonexistent", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )  # fmt: skip


def test_missing_service_skips_naming_what_is_missing(tmp_path: Path) -> None:
    result = run_pytest(tmp_path, HOSO_REQUIRE_SERVICES="")
    assert result.returncode == 0, result.stdout
    assert "1 skipped" in result.stdout
    assert "apt-get install postgresql" in result.stdout


@pytest.mark.parametrize("flag", ["1", "true"])
def test_missing_service_fails_when_services_are_required(tmp_path: Path, flag: str) -> None:
    result = run_pytest(tmp_path, HOSO_REQUIRE_SERVICES=flag)
    assert result.returncode == 1, result.stdout
    assert "1 failed" in result.stdout or "1 error" in result.stdout
    assert "apt-get install postgresql" in result.stdout
