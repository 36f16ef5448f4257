"""Servers the fault tests may stop, and the application running against them.

Each test here breaks a real server on purpose, so none of them uses the session's
shared servers (other tests rely on those): each module starts its own.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from devservices import ServiceUnavailable
from devservices.pytest_plugin import _serve, unavailable

ROOT = Path(__file__).resolve().parents[2]
APP_ENV_DROPPED = ("ELASTICSEARCH_URL", "S3_ENDPOINT_URL", "TSA_URL", "DATABASE_URL")


@pytest.fixture(scope="module")
def private_postgres():
    """A PostgreSQL server of this module's own: the tests halt and restart it."""
    from devservices.postgres import PostgresServer

    yield from _serve("PostgreSQL (private server)", PostgresServer)


@pytest.fixture(scope="module")
def private_elasticsearch():
    """An Elasticsearch node of this module's own: the tests stop and start it."""
    from devservices.elasticsearch import ElasticsearchServer

    yield from _serve("Elasticsearch (private node)", ElasticsearchServer)


# --- the application as a real server ------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class AppServer:
    """gunicorn serving cms.wsgi on a database the test controls."""

    url: str
    env: dict[str, str]
    log_path: Path
    data: dict
    process: subprocess.Popen | None = None
    port: int = 0
    extra: dict = field(default_factory=dict)

    def manage(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            check=check,
            timeout=300,
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def start(self) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        handle = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.extra["log_handle"] = handle
        self.process = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "cms.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "1",
                "--timeout",
                "90",
                "--graceful-timeout",
                "5",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited early:\n{self.log()[-3000:]}")
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not listen within 60 s:\n{self.log()[-3000:]}")
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        handle = self.extra.pop("log_handle", None)
        if handle is not None:
            handle.close()


def app_environment(database_url: str, var_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in APP_ENV_DROPPED}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "cms.settings.test",
            "DATABASE_URL": database_url,
            # Persistent connections, as in production (docker-compose.yml): a restart
            # leaves the worker holding a dead one.
            "DATABASE_CONN_MAX_AGE": "600",
            "HOSO_VAR_DIR": str(var_dir),
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
            **extra,
        }
    )
    return env


@pytest.fixture(scope="module")
def app_on_postgres(private_postgres, tmp_path_factory) -> Iterator[AppServer]:
    """The application under gunicorn on the private PostgreSQL, migrated, with a small
    district loaded and a lesson plan waiting for approval (tests/faults/appdata.py)."""
    var_dir = tmp_path_factory.mktemp("app-var")
    app = AppServer(
        url="",
        env=app_environment(private_postgres.url, var_dir),
        log_path=var_dir / "gunicorn.log",
        data={},
    )
    app.manage("migrate", "--noinput", "-v0")
    out = app.manage("shell", "-c", "from tests.faults.appdata import prepare; prepare()").stdout
    app.data = json.loads(out.strip().splitlines()[-1])
    app.start()
    try:
        yield app
    finally:
        app.stop()


CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def csrf_token(html: str) -> str:
    match = CSRF_INPUT.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def login(app: AppServer, username: str):
    """A browser-like session of `username` on the running application."""
    import requests

    session = requests.Session()
    page = session.get(f"{app.url}/admin/login/", timeout=30)
    assert page.status_code == 200, page.text[:500]
    response = session.post(
        f"{app.url}/admin/login/",
        data={
            "csrfmiddlewaretoken": csrf_token(page.text),
            "username": username,
            "password": app.data["password"],
            "next": "/admin/",
        },
        headers={"Referer": f"{app.url}/admin/login/"},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 302, response.text[:2000]
    return session


# --- a real full filesystem -------------------------------------------------------------


def _as_root() -> list[str] | None:
    """How to run `mount`: directly as root, else through passwordless sudo, else None."""
    if os.geteuid() == 0:
        return []
    sudo = shutil.which("sudo")
    if sudo and subprocess.run([sudo, "-n", "true"], capture_output=True).returncode == 0:
        return [sudo, "-n"]
    return None


@pytest.fixture
def small_filesystem(tmp_path) -> Iterator[Path]:
    """A 1 MiB tmpfs mounted for this test (mounting needs root or passwordless sudo),
    owned by the test's user, unmounted afterwards."""
    prefix = _as_root()
    if prefix is None:
        unavailable(
            "A small filesystem to fill",
            ServiceUnavailable(
                f"mounting a tmpfs needs root or passwordless sudo; running as uid {os.geteuid()}"
            ),
        )
    mountpoint = tmp_path / "small-disk"
    mountpoint.mkdir()
    options = f"size=1m,mode=0700,uid={os.geteuid()},gid={os.getegid()}"
    result = subprocess.run(
        [*prefix, "mount", "-t", "tmpfs", "-o", options, "tmpfs", str(mountpoint)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        unavailable(
            "A small filesystem to fill",
            ServiceUnavailable(
                f"mount -t tmpfs failed: {result.stderr.strip() or result.returncode}"
            ),
        )
    try:
        yield mountpoint
    finally:
        subprocess.run([*prefix, "umount", "-l", str(mountpoint)], check=False)


def fill(mountpoint: Path, *, leave: int = 0) -> Path:
    """Fill the filesystem with one file, then give back `leave` bytes (rounded to pages)."""
    filler = mountpoint / "filler.bin"
    chunk = b"\0" * 4096
    with open(filler, "wb", buffering=0) as handle:
        try:
            while True:
                handle.write(chunk)
        except OSError:
            pass
    if leave:
        size = filler.stat().st_size
        os.truncate(filler, max(0, size - leave))
    return filler
