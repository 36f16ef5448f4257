"""Real servers for tests and CI (DESIGN.md, "Services and how each starts").

Each service is a context manager that starts the real server on 127.0.0.1 on a free port
inside a temporary directory, waits until it is ready, and stops its whole process group
on exit::

    with PostgresServer() as pg:
        run_tests(DATABASE_URL=pg.url)

``ensure_installed()`` fetches or builds each server once into ``~/.cache/hoso`` and
raises :class:`ServiceUnavailable` (saying what to install) when that is impossible here.

Environment variables:

- ``HOSO_REQUIRE_SERVICES=1``: pytest fixtures fail instead of skipping (CI).
- ``HOSO_CACHE_DIR``: cache location instead of ``~/.cache/hoso``.
- ``HOSO_SERVICE_USER``: account that runs PostgreSQL/Elasticsearch when the harness runs
  as root (both refuse root); default ``nobody``.
- ``HOSO_PG_BINDIR``: directory with ``initdb``/``postgres`` if not Debian's.
- ``HOSO_JAVA_HOME``: JDK 17+ for Elasticsearch if not ``JAVA_HOME``/``javac`` on PATH.

Services are imported lazily so that, e.g., ``python -m devservices postgres`` does not
pay for importing pyHanko.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._base import ServiceStartError, ServiceUnavailable

if TYPE_CHECKING:
    from .csc import CscServer
    from .elasticsearch import ElasticsearchCluster, ElasticsearchServer
    from .pki import DevPkiServer
    from .postgres import PostgresServer
    from .s3 import S3Server
    from .softhsm import SoftHsm
    from .tsa import TimestampServer

_LAZY = {
    "CscServer": "csc",
    "DevPkiServer": "pki",
    "PostgresServer": "postgres",
    "ElasticsearchServer": "elasticsearch",
    "ElasticsearchCluster": "elasticsearch",
    "S3Server": "s3",
    "TimestampServer": "tsa",
    "SoftHsm": "softhsm",
}

__all__ = [
    "CscServer",
    "DevPkiServer",
    "ElasticsearchCluster",
    "ElasticsearchServer",
    "PostgresServer",
    "S3Server",
    "ServiceStartError",
    "ServiceUnavailable",
    "SoftHsm",
    "TimestampServer",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'devservices' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)
