"""``python -m devservices``: what CI runs to put the suite on real services."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from devservices import PostgresServer, ServiceUnavailable
from devservices import s3 as s3_module
from devservices.pytest_plugin import unavailable

ROOT = Path(__file__).resolve().parents[2]


def devservices(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "devservices", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_runs_the_command_with_database_url_and_returns_its_exit_code() -> None:
    try:
        PostgresServer.ensure_installed()
    except ServiceUnavailable as exc:
        unavailable("PostgreSQL", exc)
    check = (
        "import os, sys, psycopg;"
        "url = os.environ['DATABASE_URL'];"
        "assert url.startswith('postgres://'), url;"
        "psycopg.connect(url).execute('SELECT 1');"
        "sys.exit(7)"
    )
    result = devservices("postgres", "--", sys.executable, "-c", check)
    assert result.returncode == 7, result.stderr


def test_s3_variables() -> None:
    try:
        s3_module.ensure_installed()
    except ServiceUnavailable as exc:
        unavailable("S3 server", exc)
    names = ["S3_ENDPOINT_URL", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY", "S3_REGION"]
    check = f"import os; assert all(os.environ.get(n) for n in {names!r})"
    result = devservices("s3", "--", sys.executable, "-c", check)
    assert result.returncode == 0, result.stderr


def test_unavailable_service_exits_3_and_says_what_to_install() -> None:
    result = devservices("postgres", "--", "true", HOSO_PG_BINDIR="/nonexistent")
    assert result.returncode == 3
    assert "apt-get install postgresql" in result.stderr


@pytest.mark.parametrize(
    "args", [[], ["nosuchservice", "--", "true"], ["--install-only", "--", "true"]]
)
def test_usage_errors(args: list[str]) -> None:
    assert devservices(*args).returncode == 2
