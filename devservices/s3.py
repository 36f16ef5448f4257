"""A real S3-compatible server: Versity S3 Gateway (versitygw), built with ``go install``.

Why versitygw rather than MinIO: it is a plain Go module (``go install`` works, about a
minute on two cores), and its POSIX backend implements what the archive needs: bucket
versioning and Object Lock (a bucket created with Object Lock enabled keeps versions, and
a retention period makes DeleteObject on a version fail with AccessDenied).

The binary is cached as ``~/.cache/hoso/bin/versitygw-<version>``. Objects live in a
temporary directory; :meth:`S3Server.stop` / :meth:`S3Server.start` restart the server on the
same port with the same data, so a test can take storage away and bring it back.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import time
from pathlib import Path
from typing import Self

from ._base import (
    ManagedProcess,
    Service,
    ServiceStartError,
    ServiceUnavailable,
    cache_dir,
    free_port,
    install_lock,
    make_workdir,
    port_open,
    remove_tree,
    run_checked,
)

logger = logging.getLogger(__name__)

MODULE = "github.com/versity/versitygw"
PACKAGE = f"{MODULE}/cmd/versitygw"
VERSION = "v1.8.0"
GO_HINT = "install Go 1.25 or newer (Debian 12's golang-go is too old) and put 'go' on PATH"


def binary_path() -> Path:
    return cache_dir() / "bin" / f"versitygw-{VERSION}"


def _find_go() -> str:
    go = shutil.which("go") or (
        "/usr/local/go/bin/go" if Path("/usr/local/go/bin/go").is_file() else None
    )
    if not go:
        raise ServiceUnavailable(
            f"'go' was not found to build the S3 server ({PACKAGE}@{VERSION}): {GO_HINT}"
        )
    return go


def ensure_installed() -> Path:
    """Build versitygw with ``go install`` into the cache (once); return the binary."""
    target = binary_path()
    if target.is_file():
        return target
    with install_lock("versitygw"):
        if target.is_file():
            return target
        go = _find_go()
        gobin = target.parent
        gobin.mkdir(parents=True, exist_ok=True)
        logger.info("building %s@%s with go install (1-4 minutes, once)...", PACKAGE, VERSION)
        began = time.monotonic()
        env = dict(os.environ, GOBIN=str(gobin))
        try:
            run_checked(
                [go, "install", f"{PACKAGE}@{VERSION}"],
                what=f"go install {PACKAGE}@{VERSION}",
                env=env,
            )
        except ServiceStartError as exc:
            # Typically offline, no module proxy access, or a Go toolchain too old.
            raise ServiceUnavailable(
                f"could not build the S3 server (needs the Go module proxy and Go 1.25+): {exc}"
            ) from exc
        # go install names the binary after the package; keep the version in the name so a
        # version bump rebuilds instead of silently reusing an old binary.
        (gobin / "versitygw").rename(target)
        logger.info("versitygw %s built in %.0fs: %s", VERSION, time.monotonic() - began, target)
    return target


class S3Server(Service):
    """versitygw on 127.0.0.1 with versioning enabled, one root account, path-style URLs."""

    def __init__(self, region: str = "us-east-1", start_timeout: float = 30.0) -> None:
        self.region = region
        self.access_key = "hoso" + secrets.token_hex(6)
        self.secret_key = secrets.token_hex(20)
        self.start_timeout = start_timeout
        self.port = 0
        self.workdir: Path | None = None
        self.startup_seconds: float | None = None
        self._process: ManagedProcess | None = None

    ensure_installed = staticmethod(ensure_installed)

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.running

    def env(self) -> dict[str, str]:
        """The variables the application reads to find its S3 service."""
        return {
            "S3_ENDPOINT_URL": self.endpoint_url,
            "S3_ACCESS_KEY_ID": self.access_key,
            "S3_SECRET_ACCESS_KEY": self.secret_key,
            "S3_REGION": self.region,
        }

    def start(self) -> Self:
        """Start the server; after :meth:`stop` it comes back on the same port and data."""
        if self.running:
            return self
        binary = ensure_installed()
        if self.workdir is None:
            self.workdir = make_workdir("s3", None)
            (self.workdir / "data").mkdir()
            (self.workdir / "versions").mkdir()
            self.port = free_port()
        began = time.monotonic()
        self._process = ManagedProcess(
            "versitygw",
            [
                str(binary),
                "--port",
                f"127.0.0.1:{self.port}",
                "--access",
                self.access_key,
                "--secret",
                self.secret_key,
                "--region",
                self.region,
                "--quiet",
                "posix",
                "--versioning-dir",
                str(self.workdir / "versions"),
                str(self.workdir / "data"),
            ],
            log_path=self.workdir / "versitygw.log",
            cwd=self.workdir,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(self.workdir)},
        )
        self._process.start()
        self._process.wait_ready(lambda: port_open(self.port), self.start_timeout, "listening")
        self.startup_seconds = time.monotonic() - began
        logger.info("versitygw ready at %s in %.2fs", self.endpoint_url, self.startup_seconds)
        return self

    def stop(self) -> None:
        """Stop the server but keep its data (see :meth:`close`)."""
        if self._process is not None:
            self._process.stop()
            self._process = None

    def close(self) -> None:
        """Stop the server and delete its data."""
        self.stop()
        remove_tree(self.workdir)
        self.workdir = None
