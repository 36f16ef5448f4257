"""gunicorn for production (and for benchmarks/load.py).

Synchronous Django views spend most of their time on the CPU (templates, ORM), so
processes, not threads, carry the load: (2 × cores) + 1 workers, each with a few
threads to overlap database and file waits (GUNICORN_WORKER_CLASS=sync and
GUNICORN_THREADS=1 measured within noise of this on 2 cores: benchmarks/load.py). Requests are bounded in size and time;
workers are recycled to contain slow memory growth. Every value can be overridden
from the environment.
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = _int("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1)
threads = _int("GUNICORN_THREADS", 4)
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
# Waiting connections per worker; with keep-alive each idle client holds one.
worker_connections = _int("GUNICORN_WORKER_CONNECTIONS", 200)
backlog = _int("GUNICORN_BACKLOG", 2048)
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
max_requests = _int("GUNICORN_MAX_REQUESTS", 20000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 2000)
# Load the application once in the master and fork: faster start, shared memory pages.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") == "1"
# Bounded request lines and headers (a hostile client cannot make a worker buffer megabytes).
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
# Only our reverse proxy may set X-Forwarded-* (see ACCOUNTS_TRUSTED_PROXY_COUNT).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Temporary upload files and worker heartbeats on tmpfs when available.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None


def post_fork(server, worker):
    # Connections opened in the master (preload) must not be shared with workers.
    from django.db import connections

    connections.close_all()
