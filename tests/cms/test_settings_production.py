"""Production settings refuse to start without a real signing configuration, and read
the whole of it (PKCS#11 token and PIN included) into SIGNING."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "PATH": os.environ.get("PATH", ""),
    "DJANGO_SETTINGS_MODULE": "cms.settings.production",
    "DATABASE_URL": "postgres://hoso:secret@db:5432/hoso",
    "ALLOWED_HOSTS": "hoso.example.vn",
    "WAGTAILADMIN_BASE_URL": "https://hoso.example.vn",
    "SECRET_KEY": "k" * 24 + "-Qz7!rT9#mW2$pL5^vB8&nX4*cJ6(hF3)",
    "SIGNING_BACKEND": "pkcs11",
    "SIGNING_PKCS11_MODULE": "/usr/lib/token.so",
    "SIGNING_PKCS11_TOKEN_LABEL": "Truong-THHN",
    "SIGNING_PKCS11_PIN": "123456",
    "SIGNING_TRUST_ROOTS": "/run/secrets/hoso-trust-roots.pem",
    "TSA_URL": "https://tsa.example.vn/tsa",
}
PRINT_SETTINGS = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'SIGNING': s.SIGNING, 'ARCHIVE': s.ARCHIVE, "
    "'CONN_MAX_AGE': s.DATABASES['default']['CONN_MAX_AGE'], 'ACCOUNTS': s.ACCOUNTS}))"
)


def _load(env: dict[str, str | None]) -> subprocess.CompletedProcess:
    merged = {key: value for key, value in {**PRODUCTION_ENV, **env}.items() if value is not None}
    return subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=ROOT,
        env=merged,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_reads_the_whole_signing_configuration_into_signing():
    result = _load({})
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    assert loaded["SIGNING"]["BACKEND"] == "pkcs11"
    assert loaded["SIGNING"]["PKCS11_MODULE"] == "/usr/lib/token.so"
    assert loaded["SIGNING"]["PKCS11_TOKEN_LABEL"] == "Truong-THHN"
    assert loaded["SIGNING"]["PKCS11_PIN"] == "123456"
    assert not [key for key in loaded["ARCHIVE"] if key.startswith("PKCS11")]
    # The production overrides of other concerns, through the same builders.
    assert loaded["CONN_MAX_AGE"] == 600
    assert loaded["ACCOUNTS"]["TWO_FACTOR_ENFORCED"] is True
    assert loaded["ACCOUNTS"]["TRUSTED_PROXY_COUNT"] == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"SIGNING_BACKEND": None}, "SIGNING_BACKEND must be 'pkcs12' or 'pkcs11'"),
        ({"SIGNING_BACKEND": "dev"}, "SIGNING_BACKEND must be 'pkcs12' or 'pkcs11'"),
        ({"SIGNING_PKCS11_MODULE": None}, "SIGNING_PKCS11_MODULE is required"),
        ({"SIGNING_BACKEND": "pkcs12"}, "SIGNING_PKCS12_DIR is required"),
        ({"SIGNING_TRUST_ROOTS": None}, "SIGNING_TRUST_ROOTS is required"),
        ({"TSA_URL": None}, "TSA_URL is required"),
    ],
)
def test_production_refuses_to_start_without_a_real_signing_configuration(change, message):
    result = _load(change)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr
