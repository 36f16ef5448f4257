"""Session-scoped pytest fixtures for the real services.

Register with ``pytest_plugins = ["devservices.pytest_plugin"]`` (or ``-p
devservices.pytest_plugin``). Each server starts at most once per test session, on first
use.

A service that cannot be obtained on this machine skips the tests that need it, naming
what is missing; with ``HOSO_REQUIRE_SERVICES=1`` (CI) it fails them instead, so a broken CI
image cannot pass by skipping.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import pytest

from ._base import Service, ServiceUnavailable

if TYPE_CHECKING:
    from .csc import CscServer
    from .elasticsearch import ElasticsearchCluster, ElasticsearchServer
    from .postgres import PostgresServer
    from .s3 import S3Server
    from .softhsm import SoftHsm

REQUIRE_ENV = "HOSO_REQUIRE_SERVICES"


S = TypeVar("S", bound=Service)


def services_required() -> bool:
    return os.environ.get(REQUIRE_ENV, "").strip().lower() in {"1", "true", "yes"}


def unavailable(service: str, exc: ServiceUnavailable) -> NoReturn:
    """Skip (locally) or fail (``HOSO_REQUIRE_SERVICES=1``) because ``service`` is missing."""
    message = f"{service} unavailable: {exc}"
    if services_required():
        pytest.fail(f"{message} ({REQUIRE_ENV}=1)", pytrace=False)
    pytest.skip(message)


def _serve(service: str, factory: Callable[[], S]) -> Iterator[S]:
    server = factory()
    try:
        server.__enter__()  # stops and cleans up by itself if starting fails
    except ServiceUnavailable as exc:
        unavailable(service, exc)
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A private PostgreSQL cluster; ``.url`` is a ``DATABASE_URL``."""
    from .postgres import PostgresServer

    yield from _serve("PostgreSQL", PostgresServer)


@pytest.fixture(scope="session")
def elasticsearch_server() -> Iterator[ElasticsearchServer]:
    """One Elasticsearch 8 node; ``.url`` is an ``ELASTICSEARCH_URL``."""
    from .elasticsearch import ElasticsearchServer

    yield from _serve("Elasticsearch", ElasticsearchServer)


@pytest.fixture(scope="session")
def elasticsearch_cluster() -> Iterator[ElasticsearchCluster]:
    """A 3-node Elasticsearch 8 cluster.

    Shared by the session: a test may ``stop_node(i)``; stopped nodes are started again
    before the next test that uses this fixture.
    """
    from .elasticsearch import ElasticsearchCluster

    yield from _serve("Elasticsearch cluster", lambda: ElasticsearchCluster(nodes=3))


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    """versitygw with versioning and Object Lock; see ``S3Server.env()``.

    Shared by the session: a test may ``stop()`` it; it is started again before the next
    test that uses this fixture.
    """
    from .s3 import S3Server

    yield from _serve("S3 server", S3Server)


@pytest.fixture(scope="session")
def softhsm() -> Iterator[SoftHsm]:
    """A private SoftHSM2 configuration (its own token directory); create tokens with
    ``init_token``/``import_pkcs12``, give ``.env`` to child processes or ``activate()`` it
    for this one. Skips naming ``softhsm2`` when the package is missing."""
    from .softhsm import SoftHsm

    yield from _serve("softhsm2", SoftHsm)


@pytest.fixture(autouse=True)
def _restart_stopped_services(request: pytest.FixtureRequest) -> None:
    """Before a test that uses a shared, restartable service, bring back what an earlier
    test stopped and did not restart (a failed test may skip its own cleanup)."""
    if "elasticsearch_cluster" in request.fixturenames:
        request.getfixturevalue("elasticsearch_cluster").start_all()
    if "s3_server" in request.fixturenames:
        request.getfixturevalue("s3_server").start()
    if "csc_server" in request.fixturenames:
        request.getfixturevalue("csc_server").start()


@pytest.fixture(scope="session")
def csc_server() -> Iterator[CscServer]:
    """certomancer-csc-dummy, a CSC remote-signing service: ``.url``, ``.credential_ids``,
    ``.root_cert_path`` (the CA to trust), ``.env()`` (the SIGNING_CSC_* variables).

    Shared by the session: a test may ``stop()`` it; it is started again before the next
    test that uses this fixture.
    """
    from .csc import CscServer

    yield from _serve("certomancer-csc-dummy", CscServer)


@pytest.fixture
def dev_pki_server(settings) -> Iterator[Any]:
    """The dev PKI of this test run served over HTTP where its certificates point
    (SIGNING["DEV_PKI_URL"]): CRL, OCSP and TSA as a CA publishes them."""
    from .pki import DevPkiServer

    signing = settings.SIGNING
    with DevPkiServer(signing["DEV_PKI_DIR"], signing["DEV_PKI_URL"]) as server:
        yield server


TsaFactory = Callable[..., str]


@pytest.fixture(scope="session")
def tsa_server_factory() -> Iterator[TsaFactory]:
    """``factory(cert, key, chain=(), **kw) -> url`` starts an RFC 3161 TSA for that key.

    Arguments are file paths (PEM or DER); see :class:`devservices.tsa.TimestampServer`.
    Servers run until the end of the session.
    """
    from .tsa import TimestampServer

    with ExitStack() as stack:

        def factory(
            cert: str | os.PathLike[str],
            key: str | os.PathLike[str],
            chain: Sequence[str | os.PathLike[str]] = (),
            **kwargs: object,
        ) -> str:
            server = stack.enter_context(TimestampServer(cert, key, chain, **kwargs))  # type: ignore[arg-type]
            return server.url

        yield factory
