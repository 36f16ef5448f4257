"""Process plumbing shared by the service launchers.

Every service runs as a child process in its own session (so its whole process group
can be killed, including grandchildren such as the Elasticsearch server JVM started by
its CLI launcher), logs into a file inside its temporary directory, and is considered
started only once a readiness probe passes.

PostgreSQL and Elasticsearch refuse to run as root. When the harness itself runs as root
(CI containers, these development machines) their processes are started as an
unprivileged account instead: ``HOSO_SERVICE_USER`` if set, else ``nobody``.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import logging
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Self

logger = logging.getLogger(__name__)

LOG_TAIL_LINES = 40


class ServiceUnavailable(RuntimeError):
    """The server cannot be obtained on this machine (a tool or package is missing).

    The message says what is missing and how to install it. Test fixtures turn this into a
    skip, or into a failure when ``HOSO_REQUIRE_SERVICES=1``.
    """


class ServiceStartError(RuntimeError):
    """The server was available but did not start or did not become ready in time."""


def cache_dir() -> Path:
    """Root of the download/build cache: ``$HOSO_CACHE_DIR`` or ``~/.cache/hoso``.

    Only ever an accelerator: every service recreates what it needs when it is missing.
    """
    override = os.environ.get("HOSO_CACHE_DIR")
    if override:
        return Path(override).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "hoso"


@contextlib.contextmanager
def install_lock(name: str) -> Iterator[Path]:
    """Serialise installs of one service across processes (parallel test runs, CI jobs)."""
    root = cache_dir()
    root.mkdir(parents=True, exist_ok=True)
    lock_path = root / f".{name}.lock"
    with open(lock_path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield root
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now (the kernel picks it)."""
    return free_ports(1)[0]


def free_ports(count: int) -> list[int]:
    """``count`` distinct free ports (all held open while choosing, so none repeats)."""
    with contextlib.ExitStack() as stack:
        ports = []
        for _ in range(count):
            sock = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            sock.bind(("127.0.0.1", 0))
            ports.append(int(sock.getsockname()[1]))
        return ports


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def require_executable(name: str, hint: str) -> str:
    """Path of ``name`` on PATH, or :class:`ServiceUnavailable` with an install hint."""
    found = shutil.which(name)
    if not found:
        raise ServiceUnavailable(f"'{name}' was not found on PATH: {hint}")
    return found


HEARTBEAT_SECONDS = 20.0


def run_checked(
    cmd: Sequence[str],
    *,
    what: str,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    user: ServiceUser | None = None,
    timeout: float = 1800,
) -> str:
    """Run a helper command (build, initdb, ...) and return its output.

    Logs a heartbeat while a long build or download runs, so CI logs show progress. Raises
    :class:`ServiceStartError` with the output tail when the command fails, because a failing
    build or initdb is a real problem to see, not a reason to skip.
    """
    logger.debug("running %s", " ".join(cmd))
    began = time.monotonic()
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as output:
        proc = subprocess.Popen(
            list(cmd),
            cwd=cwd,
            env=dict(env) if env is not None else None,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            text=True,
            user=user.uid if user else None,
            group=user.gid if user else None,
            extra_groups=[] if user else None,
        )
        while True:
            try:
                returncode = proc.wait(HEARTBEAT_SECONDS)
                break
            except subprocess.TimeoutExpired:
                elapsed = time.monotonic() - began
                if elapsed > timeout:
                    proc.kill()
                    proc.wait()
                    raise ServiceStartError(f"{what} timed out after {timeout:.0f}s") from None
                logger.info("%s: still running after %.0fs", what, elapsed)
        output.seek(0)
        text = output.read()
    if returncode != 0:
        raise ServiceStartError(f"{what} failed with exit code {returncode}:\n{_tail_text(text)}")
    return text


def _tail_text(text: str, lines: int = LOG_TAIL_LINES) -> str:
    return "\n".join(text.splitlines()[-lines:])


def log_tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return f"(no log at {path})"
    return _tail_text(text, lines) or f"(log {path} is empty)"


@dataclass(frozen=True)
class ServiceUser:
    """An unprivileged account to run servers as when the harness runs as root."""

    name: str
    uid: int
    gid: int

    def chown_tree(self, root: Path) -> None:
        for dirpath, dirnames, filenames in os.walk(root):
            os.chown(dirpath, self.uid, self.gid)
            for name in dirnames + filenames:
                os.chown(os.path.join(dirpath, name), self.uid, self.gid, follow_symlinks=False)


def service_user() -> ServiceUser | None:
    """The account servers must run as, or None to run them as the current user."""
    if os.geteuid() != 0:
        return None
    name = os.environ.get("HOSO_SERVICE_USER", "nobody")
    try:
        entry = pwd.getpwnam(name)
    except KeyError as exc:
        raise ServiceUnavailable(
            f"running as root and the account '{name}' to run servers as does not exist: "
            "create it or set HOSO_SERVICE_USER to an existing unprivileged account"
        ) from exc
    return ServiceUser(name=name, uid=entry.pw_uid, gid=entry.pw_gid)


def make_workdir(prefix: str, user: ServiceUser | None) -> Path:
    """A fresh temporary directory, owned by the account that runs the server."""
    path = Path(tempfile.mkdtemp(prefix=f"hoso-{prefix}-"))
    if user:
        os.chown(path, user.uid, user.gid)
    return path


def remove_tree(path: Path | None) -> None:
    if path is not None:
        shutil.rmtree(path, ignore_errors=True)


def link_tree(src: Path, dst: Path) -> None:
    """Mirror ``src`` into ``dst`` with hard links (copies across filesystems).

    Used to give an unprivileged server account a readable copy of an installation that
    lives under root's home, at almost no cost.
    """
    for dirpath, _dirnames, filenames in os.walk(src):
        rel = Path(dirpath).relative_to(src)
        target_dir = dst / rel
        target_dir.mkdir(parents=True, exist_ok=True)
        shutil.copymode(dirpath, target_dir)
        for name in filenames:
            source = Path(dirpath) / name
            target = target_dir / name
            if source.is_symlink():
                target.symlink_to(os.readlink(source))
                continue
            try:
                os.link(source, target)
            except OSError as exc:
                if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK):
                    raise
                shutil.copy2(source, target)


class ManagedProcess:
    """One server process in its own session, with its output in ``log_path``."""

    def __init__(
        self,
        name: str,
        cmd: Sequence[str],
        *,
        log_path: Path,
        cwd: Path,
        env: Mapping[str, str] | None = None,
        user: ServiceUser | None = None,
        stop_signal: int = signal.SIGTERM,
        stop_timeout: float = 30.0,
    ) -> None:
        self.name = name
        self.cmd = list(cmd)
        self.log_path = log_path
        self.cwd = cwd
        self.env = dict(env) if env is not None else None
        self.user = user
        self.stop_signal = stop_signal
        self.stop_timeout = stop_timeout
        self.popen: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        if self.running:
            return
        logger.debug("starting %s: %s", self.name, " ".join(self.cmd))
        user = self.user
        with open(self.log_path, "ab") as log:
            self.popen = subprocess.Popen(
                self.cmd,
                cwd=self.cwd,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                user=user.uid if user else None,
                group=user.gid if user else None,
                extra_groups=[] if user else None,
            )

    @property
    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    @property
    def returncode(self) -> int | None:
        return None if self.popen is None else self.popen.poll()

    def stop(self) -> None:
        """Signal the whole process group, wait, then kill whatever is left."""
        popen = self.popen
        if popen is None:
            return
        pgid = popen.pid  # start_new_session makes the child its group leader
        if popen.poll() is None:
            _signal_group(pgid, self.stop_signal)
            try:
                popen.wait(self.stop_timeout)
            except subprocess.TimeoutExpired:
                logger.warning(
                    "%s did not stop within %.0fs, killing it", self.name, self.stop_timeout
                )
        # Kill stragglers (e.g. a JVM whose launcher already exited).
        _signal_group(pgid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            popen.wait(10)
        self.popen = None

    def wait_ready(self, probe: Callable[[], bool], timeout: float, what: str) -> float:
        """Poll ``probe`` until it passes; return the seconds it took.

        Fails early, with the log tail, when the process exits; and after ``timeout``.
        """
        started = time.monotonic()
        deadline = started + timeout
        while True:
            if not self.running:
                raise ServiceStartError(
                    f"{self.name} exited with code {self.returncode} before {what}; "
                    f"log tail ({self.log_path}):\n{log_tail(self.log_path)}"
                )
            try:
                if probe():
                    return time.monotonic() - started
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise ServiceStartError(
                    f"{self.name} was not {what} within {timeout:.0f}s; "
                    f"log tail ({self.log_path}):\n{log_tail(self.log_path)}"
                )
            time.sleep(0.2)


def _signal_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


class Service:
    """Context-manager protocol shared by the services: ``with X() as x: ...``."""

    def start(self) -> Self:  # pragma: no cover - overridden
        raise NotImplementedError

    def stop(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def close(self) -> None:
        """Stop and release everything (temporary data included); idempotent."""
        self.stop()

    def __enter__(self) -> Self:
        try:
            return self.start()
        except BaseException:
            self.close()
            raise

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
