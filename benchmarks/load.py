"""Load figures: requests per second and p50/p95 latency per endpoint, under gunicorn.

    python benchmarks/load.py [--clients 10,50] [--seconds 10] [--schools 4]

Builds a throwaway SQLite database under a temporary directory, loads the demo
district, collects static files, starts gunicorn on 127.0.0.1 with the production
settings (deploy/gunicorn.conf.py) and drives it with concurrent keep-alive clients
(asyncio, loopback only, bounded in time and count):

    public plan page   anonymous, a published school education plan
    admin dashboard    the teacher hn.giaovien, and the principal (TOTP verified)
    record editor      the teacher's lesson plan edit page
    search             /admin/tim-kiem/?q=ke+hoach as the teacher

Targets (issue 7, 2 cores): public plan ≥ 300 req/s with p95 < 100 ms; dashboard
p95 < 300 ms; no error under 50 concurrent clients. The machine may be shared:
the figures printed are what this run measured.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _environment(tmp: Path, port: int) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cms.settings.production",
        "DATABASE_URL": f"sqlite:///{tmp}/load.sqlite3",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "WAGTAILADMIN_BASE_URL": f"http://127.0.0.1:{port}",
        # Printed in QR codes, which production refuses on a loopback address.
        "ARCHIVE_PUBLIC_BASE_URL": "https://hoso.example.vn",
        "HOSO_VAR_DIR": str(tmp),
        "STATIC_ROOT": str(tmp / "static"),
        "SECURE_SSL_REDIRECT": "0",
        "ACCOUNTS_TRUSTED_PROXY_COUNT": "0",
        "LOG_LEVEL": "WARNING",
        # The production settings demand a real key source; nothing is signed here.
        "SIGNING_BACKEND": "pkcs12",
        "SIGNING_PKCS12_DIR": str(tmp / "pkcs12"),
        "SIGNING_TRUST_ROOTS": str(tmp / "trust-roots.pem"),
        # Production settings demand a time-stamping service; nothing is archived here.
        "TSA_URL": "http://127.0.0.1:9/tsa",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_ACCESSLOG": "",
        "GUNICORN_LOGLEVEL": "warning",
    }


def _manage(env: dict[str, str], *args: str) -> None:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}")


def _prepare(env: dict[str, str], schools: int, tmp: Path) -> dict[str, str]:
    """Database, demo district, static files; returns URLs and session cookies.
    A directory given with --keep-dir is prepared once and reused."""
    started = time.perf_counter()
    marker = tmp / f".prepared-{schools}"
    if not marker.exists():
        _manage(env, "migrate", "--noinput")
        _manage(env, "load_demo_district", "--schools", str(schools), "--today", "2026-11-25")
        _manage(env, "collectstatic", "--noinput")
        marker.touch()
    print(f"prepared database and static files in {time.perf_counter() - started:.0f} s")
    script = ROOT / "benchmarks" / "_load_fixtures.py"
    out = subprocess.run(
        [sys.executable, str(script)], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout
    return dict(line.split("=", 1) for line in out.strip().splitlines() if "=" in line)


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    closed: int = 0  # answered with Connection: close

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1


async def _request(reader, writer, path: str, host: str, cookie: str) -> tuple[int, str, bool]:
    """One request on a kept-alive connection: (status, Location, server closes it)."""
    headers = [
        f"GET {path} HTTP/1.1",
        f"Host: {host}",
        "X-Forwarded-Proto: https",
        "Accept: text/html",
        "Connection: keep-alive",
    ]
    if cookie:
        headers.append(f"Cookie: {cookie}")
    writer.write(("\r\n".join(headers) + "\r\n\r\n").encode())
    await writer.drain()
    status_line = await reader.readline()
    status = int(status_line.split()[1])
    length, chunked, close, location = 0, False, False, ""
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
        elif name == "connection" and "close" in value.lower():
            close = True
        elif name == "location":
            location = value.strip()
    if chunked:
        while True:
            size = int((await reader.readline()).strip() or b"0", 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length:
        await reader.readexactly(length)
    return status, location, close


async def _client(port, path, cookie, deadline, budget, result: Result, expect: int) -> None:
    host = f"127.0.0.1:{port}"
    reader = writer = None
    while time.perf_counter() < deadline and budget[0] > 0:
        budget[0] -= 1
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            started = time.perf_counter()
            status, location, close = await asyncio.wait_for(
                _request(reader, writer, path, host, cookie), 30
            )
            result.latencies.append(time.perf_counter() - started)
            if status != expect:
                result.error(f"HTTP {status} {location}".strip())
            if close:  # answered, then closed (a worker recycled): not an error, reconnect
                result.closed += 1
                writer.close()
                reader = writer = None
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as exc:
            result.error(type(exc).__name__)
            if writer is not None:
                writer.close()
            reader = writer = None
    if writer is not None:
        writer.close()


async def _drive(port, path, cookie, clients, seconds, max_requests, expect=200):
    result = Result()
    budget = [max_requests]
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(
        *(_client(port, path, cookie, deadline, budget, result, expect) for _ in range(clients))
    )
    return result, time.perf_counter() - started


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _gunicorn(env: dict[str, str]) -> subprocess.Popen:
    """The production server as deploy/ runs it, in its own session (stopped as a group)."""
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "cms.wsgi"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )


def _wait_until_up(port: int, process: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited during start-up")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not start")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--clients",
        type=lambda text: [int(n) for n in text.split(",")],
        default=[10, 50],
        help="concurrent clients, or a comma-separated list run in turn (default 10,50)",
    )
    parser.add_argument("--seconds", type=float, default=10.0, help="per endpoint")
    parser.add_argument("--max-requests", type=int, default=20000, help="per endpoint")
    parser.add_argument("--schools", type=int, default=4)
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (0: config)")
    parser.add_argument("--keep-dir", type=Path, help="prepare here once and reuse")
    parser.add_argument(
        "--only", action="append", default=[], help="endpoints whose label contains this"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="hoso-load-") as tmp_name:
        tmp = Path(tmp_name)
        if args.keep_dir:
            tmp = args.keep_dir.resolve()
            tmp.mkdir(parents=True, exist_ok=True)
        port = _free_port()
        env = _environment(tmp, port)
        if args.workers:
            env["GUNICORN_WORKERS"] = str(args.workers)
        fixtures = _prepare(env, args.schools, tmp)
        server = _gunicorn(env)
        try:
            _wait_until_up(port, server)
            endpoints = [
                ("public plan page", fixtures["public_plan"], ""),
                ("admin dashboard (teacher)", "/admin/", fixtures["teacher_cookie"]),
                ("admin dashboard (principal, 2FA)", "/admin/", fixtures["principal_cookie"]),
                ("record editor", fixtures["editor"], fixtures["teacher_cookie"]),
                ("search ke hoach", "/admin/tim-kiem/?q=ke+hoach", fixtures["teacher_cookie"]),
            ]
            if args.only:
                endpoints = [e for e in endpoints if any(o in e[0] for o in args.only)]
            print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
            print(
                f"cpu cores: {os.cpu_count()}, {args.seconds:.0f} s per endpoint and client count"
            )
            print(
                f"{'endpoint':36} {'clients':>7} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} "
                f"{'n':>7}  errors"
            )
            failures = 0
            for label, path, cookie in endpoints:
                # Warm up every worker (templates, caches) before measuring.
                asyncio.run(_drive(port, path, cookie, 8, 2, 200))
                for clients in args.clients:
                    result, elapsed = asyncio.run(
                        _drive(port, path, cookie, clients, args.seconds, args.max_requests)
                    )
                    count = len(result.latencies)
                    failures += sum(result.errors.values())
                    print(
                        f"{label:36} {clients:7d} {count / elapsed:8.1f} "
                        f"{_percentile(result.latencies, 0.5) * 1000:8.1f} "
                        f"{_percentile(result.latencies, 0.95) * 1000:8.1f} {count:7d}  "
                        f"{result.errors or '-'}"
                        + (f"  ({result.closed} closed by the server)" if result.closed else "")
                    )
            print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
            return 1 if failures else 0
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)


if __name__ == "__main__":
    sys.exit(main())
