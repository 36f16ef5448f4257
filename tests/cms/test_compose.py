"""docker-compose.yml cannot run here (no Docker engine): parse it and check it
against the production settings instead."""

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
_VAR = re.compile(r"\$\{(\w+)(?::?[-?][^}]*)?\}")


def interpolate(value: str, env: dict) -> str:
    """Compose's ${VAR:-default} / ${VAR:?error}: good enough to fill a test .env."""

    def one(match):
        text = match.group(0)
        name = match.group(1)
        if name in env:
            return env[name]
        if ":-" in text:
            return text.split(":-", 1)[1][:-1]
        raise KeyError(name)

    return _VAR.sub(one, value)


DOTENV = {
    "SECRET_KEY": "p" * 30 + "-Qz7!rT9#mW2$pL5^vB8&nX4*cJ6(hF3)",
    "ALLOWED_HOSTS": "hoso.example.vn",
    "WAGTAILADMIN_BASE_URL": "https://hoso.example.vn",
    "POSTGRES_PASSWORD": "pg-secret",
    "S3_ACCESS_KEY_ID": "hoso",
    "S3_SECRET_ACCESS_KEY": "s3-secret-key",
    "SIGNING_PKCS12_PASSPHRASE": "p12-pass",
    "TSA_URL": "https://tsa.example.vn/tsa",
}


def test_every_production_service_is_described_with_a_health_check():
    services = COMPOSE["services"]
    assert {"app", "worker", "db", "elasticsearch", "minio", "proxy"} <= set(services)
    for name in ("app", "db", "elasticsearch", "minio", "proxy"):
        assert "healthcheck" in services[name], name
    assert services["elasticsearch"]["image"].split(":")[1].startswith("8.")
    assert "gunicorn" in services["app"]["command"]
    assert {"pgdata", "esdata", "s3data", "media"} <= set(COMPOSE["volumes"])


def test_the_app_environment_satisfies_the_production_settings():
    app_env = {
        key: interpolate(str(value), DOTENV)
        for key, value in COMPOSE["services"]["app"]["environment"].items()
    }
    assert app_env["DJANGO_SETTINGS_MODULE"] == "cms.settings.production"
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.DATABASES['default']['HOST'], settings.HOSO_SEARCH['BACKEND'], settings.OBJECT_STORE['ENDPOINT_URL'])",
        ],
        cwd=ROOT,
        env={"PATH": os.environ.get("PATH", ""), **app_env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["db", "elasticsearch", "http://minio:9000"]


def test_a_missing_secret_in_the_env_file_is_refused_by_compose_interpolation():
    app_env = COMPOSE["services"]["app"]["environment"]
    missing = dict(DOTENV)
    del missing["SECRET_KEY"]
    try:
        interpolate(app_env["SECRET_KEY"], missing)
    except KeyError as error:
        assert error.args == ("SECRET_KEY",)
    else:
        raise AssertionError("SECRET_KEY has a default in docker-compose.yml")
