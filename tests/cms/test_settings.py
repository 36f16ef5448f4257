"""Production settings refuse to start on a missing or fake secret; development runs."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REAL_KEY = "k" * 24 + "-Qz7!rT9#mW2$pL5^vB8&nX4*cJ6(hF3)"

BASE_ENV = {
    "PATH": os.environ.get("PATH", ""),
    "DJANGO_SETTINGS_MODULE": "cms.settings.production",
    "DATABASE_URL": "postgres://hoso:secret@db:5432/hoso",
    "ALLOWED_HOSTS": "hoso.example.vn",
    "WAGTAILADMIN_BASE_URL": "https://hoso.example.vn",
    "SECRET_KEY": REAL_KEY,
    "SIGNING_BACKEND": "pkcs12",
    "SIGNING_PKCS12_DIR": "/run/secrets/signing",
    "SIGNING_PKCS12_PASSPHRASE": "p12-pass",
    "SIGNING_TRUST_ROOTS": "/run/secrets/signing/trust-roots.pem",
    "TSA_URL": "https://tsa.example.vn/tsa",
}


def load_settings(env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_start_with_everything_provided():
    result = load_settings(BASE_ENV)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"SECRET_KEY": None}, "SECRET_KEY"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        (
            {"SECRET_KEY": "dev-only-insecure-key-never-use-in-production-xxxxxxxxxxxx"},
            "SECRET_KEY",
        ),
        ({"ALLOWED_HOSTS": None}, "ALLOWED_HOSTS"),
        ({"DATABASE_URL": None}, "DATABASE_URL"),
        ({"WAGTAILADMIN_BASE_URL": None}, "WAGTAILADMIN_BASE_URL"),
    ],
)
def test_production_settings_refuse_a_missing_or_fake_value(change, message):
    env = {**BASE_ENV, **change}
    env = {key: value for key, value in env.items() if value is not None}
    result = load_settings(env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_database_url_switches_to_postgresql():
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.DATABASES['default']['ENGINE'])",
        ],
        cwd=ROOT,
        env={**BASE_ENV, "DJANGO_SETTINGS_MODULE": "cms.settings.dev"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stdout.strip() == "django.db.backends.postgresql", result.stderr


def test_development_defaults_are_embedded_and_vietnamese():
    from django.conf import settings

    assert settings.LANGUAGE_CODE == "vi"
    assert settings.TIME_ZONE == "Asia/Ho_Chi_Minh"
    import datetime as dt

    from django.utils import formats, translation

    with translation.override("vi"):
        assert formats.date_format(dt.date(2026, 9, 5), "SHORT_DATE_FORMAT") == "05/09/2026"


def test_plain_migrate_works_on_a_fresh_clone_without_var(tmp_path):
    """`python manage.py migrate` on a fresh clone: var/ does not exist yet."""
    var = tmp_path / "fresh" / "var"
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "cms.settings.dev",
        "HOSO_VAR_DIR": str(var),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert (var / "db.sqlite3").stat().st_size > 0
