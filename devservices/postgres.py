"""A throwaway PostgreSQL cluster from the system's PostgreSQL server binaries.

Why a private cluster rather than the machine's ``main`` cluster: tests then need no
root, no running system service and no existing role, cannot touch another project's data,
and start from a known configuration. Durability is switched off (``fsync=off`` ...)
because the cluster is deleted afterwards anyway.

The binaries come from Debian's ``postgresql`` package (``/usr/lib/postgresql/<v>/bin``);
``HOSO_PG_BINDIR`` points elsewhere. Nothing is downloaded or cached for PostgreSQL.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Self

from ._base import (
    ManagedProcess,
    Service,
    ServiceUnavailable,
    ServiceUser,
    free_port,
    make_workdir,
    remove_tree,
    run_checked,
    service_user,
)

logger = logging.getLogger(__name__)

MIN_MAJOR_VERSION = 15
INSTALL_HINT = (
    "install the PostgreSQL server (Debian: apt-get install postgresql) "
    "or set HOSO_PG_BINDIR to the directory holding initdb and postgres"
)
_SERVER_TOOLS = ("initdb", "postgres", "pg_isready", "createdb")


def _debian_bindirs() -> list[Path]:
    """``/usr/lib/postgresql/<major>/bin`` directories, newest major version first."""

    def major(path: Path) -> int:
        name = path.parent.name
        return int(name) if name.isdigit() else 0

    found = [p.parent for p in Path("/usr/lib/postgresql").glob("*/bin/initdb")]
    return sorted(found, key=major, reverse=True)


def find_bindir() -> Path:
    """Directory with ``initdb``/``postgres``, or :class:`ServiceUnavailable`."""
    candidates: list[Path] = []
    override = os.environ.get("HOSO_PG_BINDIR")
    if override:
        candidates.append(Path(override))
    else:
        candidates.extend(_debian_bindirs())
        on_path = shutil.which("initdb")
        if on_path:
            candidates.append(Path(on_path).resolve().parent)
    for bindir in candidates:
        if all((bindir / tool).is_file() for tool in _SERVER_TOOLS):
            return bindir
    looked = ", ".join(str(c) for c in candidates) or "/usr/lib/postgresql/*/bin and PATH"
    raise ServiceUnavailable(
        f"PostgreSQL server binaries not found (looked in {looked}): {INSTALL_HINT}"
    )


def server_version(bindir: Path) -> tuple[int, str]:
    out = subprocess.run(
        [str(bindir / "postgres"), "--version"], capture_output=True, text=True, check=True
    ).stdout.strip()
    match = re.search(r"(\d+)(?:\.(\d+))?", out)
    if not match:
        raise ServiceUnavailable(f"cannot read the PostgreSQL version from {out!r}")
    return int(match.group(1)), out


class PostgresServer(Service):
    """A private PostgreSQL cluster on 127.0.0.1 for the duration of a ``with`` block.

    ``url`` (``postgres://user:pw@127.0.0.1:PORT/dbname``) works with dj-database-url and
    psycopg 3. The role is a superuser, so pytest-django can create ``test_<name>``.
    """

    def __init__(
        self,
        dbname: str = "hoso",
        user: str = "hoso",
        locale: str = "C.UTF-8",
        start_timeout: float = 60.0,
    ) -> None:
        self.dbname = dbname
        self.user = user
        self.password = secrets.token_hex(12)
        self.locale = locale
        self.start_timeout = start_timeout
        self.host = "127.0.0.1"
        self.port = 0
        self.workdir: Path | None = None
        self.startup_seconds: float | None = None
        self._bindir: Path | None = None
        self._process: ManagedProcess | None = None
        self._run_as: ServiceUser | None = None

    @staticmethod
    def ensure_installed() -> Path:
        """Check that the server binaries exist (apt provides them; nothing to fetch)."""
        bindir = find_bindir()
        major, text = server_version(bindir)
        if major < MIN_MAJOR_VERSION:
            raise ServiceUnavailable(
                f"PostgreSQL {MIN_MAJOR_VERSION}+ is required, found {text} in {bindir}: "
                + INSTALL_HINT
            )
        logger.info("PostgreSQL server: %s (%s)", text, bindir)
        return bindir

    @property
    def socket_dir(self) -> Path:
        assert self.workdir is not None, "server not started"
        return self.workdir / "socket"

    @property
    def url(self) -> str:
        return self.database_url(self.dbname)

    def env(self) -> dict[str, str]:
        """The variable the application reads to find its database."""
        return {"DATABASE_URL": self.url}

    def database_url(self, dbname: str) -> str:
        return f"postgres://{self.user}:{self.password}@{self.host}:{self.port}/{dbname}"

    def start(self) -> Self:
        self._bindir = self.ensure_installed()
        self._run_as = service_user()
        self.workdir = make_workdir("postgres", self._run_as)
        self.port = free_port()
        began = time.monotonic()
        self._initdb()
        self._launch()
        self.create_database(self.dbname)
        self.startup_seconds = time.monotonic() - began
        logger.info(
            "PostgreSQL ready on port %s in %.1fs (%s)",
            self.port,
            self.startup_seconds,
            self.workdir,
        )
        return self

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.running

    def halt(self) -> None:
        """Stop the server process but keep the cluster (a database outage).

        A "fast" shutdown, as ``pg_ctl stop -m fast``: open transactions are rolled back
        and every client connection is cut. :meth:`resume` brings it back.
        """
        if self._process is not None:
            self._process.stop()
            self._process = None
            logger.info("PostgreSQL on port %s halted", self.port)

    def resume(self) -> None:
        """Start the halted server again on the same port, with the same data."""
        assert self.workdir is not None, "server not started"
        if self.running:
            return
        began = time.monotonic()
        self._launch()
        logger.info("PostgreSQL on port %s back in %.1fs", self.port, time.monotonic() - began)

    def restart(self) -> None:
        """``pg_ctl restart -m fast``: clients in flight lose their connection."""
        self.halt()
        self.resume()

    def stop(self) -> None:
        self.halt()
        remove_tree(self.workdir)
        self.workdir = None

    def _launch(self) -> None:
        assert self.workdir is not None and self._bindir is not None
        self._process = ManagedProcess(
            "postgres",
            [
                str(self._bindir / "postgres"),
                "-D",
                str(self.workdir / "data"),
                "-p",
                str(self.port),
                "-c",
                f"listen_addresses={self.host}",
                "-c",
                f"unix_socket_directories={self.socket_dir}",
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
                "-c",
                "max_connections=200",
            ],
            log_path=self.workdir / "postgres.log",
            cwd=self.workdir,
            env=self._env(),
            user=self._run_as,
            stop_signal=signal.SIGINT,  # "fast" shutdown: do not wait for clients
        )
        self._process.start()
        self._process.wait_ready(self._accepting, self.start_timeout, "accepting connections")

    def create_database(self, dbname: str) -> str:
        """Create a database owned by the server's role and return its URL."""
        assert self._bindir is not None, "server not started"
        run_checked(
            [
                str(self._bindir / "createdb"),
                "-h",
                str(self.socket_dir),
                "-p",
                str(self.port),
                "-U",
                self.user,
                dbname,
            ],
            what=f"createdb {dbname}",
            env=self._env(),
        )
        return self.database_url(dbname)

    def _env(self) -> dict[str, str]:
        assert self.workdir is not None
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.workdir),
            "LANG": self.locale,
            "LC_ALL": self.locale,
            "TZ": "UTC",
        }

    def _initdb(self) -> None:
        assert self.workdir is not None and self._bindir is not None
        pwfile = self.workdir / "pwfile"
        pwfile.write_text(self.password + "\n")
        if self._run_as:
            os.chown(pwfile, self._run_as.uid, self._run_as.gid)
        socket_dir = self.socket_dir
        socket_dir.mkdir(mode=0o700)
        if self._run_as:
            os.chown(socket_dir, self._run_as.uid, self._run_as.gid)
        run_checked(
            [
                str(self._bindir / "initdb"),
                "-D",
                str(self.workdir / "data"),
                "-U",
                self.user,
                f"--pwfile={pwfile}",
                "--encoding=UTF8",
                f"--locale={self.locale}",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "--no-sync",
            ],
            what="initdb",
            env=self._env(),
            cwd=self.workdir,
            user=self._run_as,
            timeout=300,
        )
        pwfile.unlink()

    def _accepting(self) -> bool:
        assert self._bindir is not None
        result = subprocess.run(
            [
                str(self._bindir / "pg_isready"),
                "-q",
                "-h",
                self.host,
                "-p",
                str(self.port),
                "-U",
                self.user,
                "-d",
                "postgres",
                "-t",
                "1",
            ],
            env=self._env(),
            check=False,
        )
        return result.returncode == 0
