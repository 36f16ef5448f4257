"""Production settings pass Django's deployment checklist with no warning (R2)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "PATH": os.environ.get("PATH", ""),
    "DJANGO_SETTINGS_MODULE": "cms.settings.production",
    "DATABASE_URL": "postgres://hoso:secret@db:5432/hoso",
    "ALLOWED_HOSTS": "hoso.example.vn",
    "WAGTAILADMIN_BASE_URL": "https://hoso.example.vn",
    "SECRET_KEY": "k" * 24 + "-Qz7!rT9#mW2$pL5^vB8&nX4*cJ6(hF3)",
    "LOG_LEVEL": "WARNING",
    "SIGNING_BACKEND": "pkcs12",
    "SIGNING_PKCS12_DIR": "/run/secrets/hoso-pkcs12",
    "SIGNING_TRUST_ROOTS": "/run/secrets/hoso-trust-roots.pem",
    "TSA_URL": "https://tsa.example.vn/tsa",
}


def test_check_deploy_reports_no_issue_with_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=PRODUCTION_ENV,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout


def test_production_forces_two_factor_and_denies_framing():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.ACCOUNTS['TWO_FACTOR_ENFORCED'], s.X_FRAME_OPTIONS, s.SESSION_COOKIE_SECURE, "
        "s.WAGTAIL_PASSWORD_RESET_ENABLED)"
    )
    env = {**PRODUCTION_ENV, "ACCOUNTS_TWO_FACTOR_ENFORCED": "0"}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.stdout.split() == ["True", "DENY", "True", "False"], result.stderr
