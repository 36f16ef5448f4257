"""The throwaway PostgreSQL cluster: a real server, reachable the way Django reaches it."""

from __future__ import annotations

import os

import dj_database_url
import psycopg
import pytest

from devservices import PostgresServer, ServiceUnavailable
from devservices.pytest_plugin import unavailable

pytestmark = pytest.mark.postgres


def test_accepts_a_connection_and_creating_a_database(postgres_server: PostgresServer) -> None:
    with psycopg.connect(postgres_server.url, autocommit=True) as conn:
        row = conn.execute("SELECT current_user, current_setting('server_version_num')").fetchone()
        assert row is not None
        user, version = row
        assert user == postgres_server.user
        assert int(version) >= 150000
        # What pytest-django does before the test run.
        conn.execute('DROP DATABASE IF EXISTS "test_devservices"')
        conn.execute('CREATE DATABASE "test_devservices"')

    test_url = postgres_server.database_url("test_devservices")
    with psycopg.connect(test_url) as conn:
        conn.execute("CREATE TABLE plan (title text)")
        conn.execute("INSERT INTO plan VALUES (%s)", ["Kế hoạch dạy học"])
        assert conn.execute("SELECT title, current_database() FROM plan").fetchone() == (
            "Kế hoạch dạy học",
            "test_devservices",
        )


def test_url_is_a_django_database_url(postgres_server: PostgresServer) -> None:
    config = dj_database_url.parse(postgres_server.url)
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["HOST"], config["PORT"], config["NAME"]) == (
        "127.0.0.1",
        postgres_server.port,
        postgres_server.dbname,
    )


def test_create_database_helper(postgres_server: PostgresServer) -> None:
    url = postgres_server.create_database("helper_made")
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT current_database()").fetchone() == ("helper_made",)


def test_tcp_connections_need_the_password(postgres_server: PostgresServer) -> None:
    wrong = postgres_server.url.replace(postgres_server.password, "wrong")
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(wrong, connect_timeout=5)


def test_stop_removes_process_and_data() -> None:
    try:
        server = PostgresServer().start()
    except ServiceUnavailable as exc:
        unavailable("PostgreSQL", exc)
    workdir = server.workdir
    assert workdir is not None and workdir.is_dir()
    server.stop()
    assert not workdir.exists()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(server.url, connect_timeout=2)


def test_missing_binaries_are_reported_with_an_install_hint(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HOSO_PG_BINDIR", os.devnull)
    with pytest.raises(ServiceUnavailable, match="apt-get install postgresql"):
        PostgresServer.ensure_installed()


def test_restart_cuts_clients_and_keeps_committed_data() -> None:
    """A private server (the session's one is shared): what tests/faults relies on."""
    try:
        server = PostgresServer().start()
    except ServiceUnavailable as exc:
        unavailable("PostgreSQL", exc)
    try:
        url, port = server.url, server.port
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE TABLE plan (title text)")
            conn.execute("INSERT INTO plan VALUES ('Kế hoạch đã lưu')")
        client = psycopg.connect(url)
        client.execute("INSERT INTO plan VALUES ('Kế hoạch đang ghi dở')")  # not committed

        server.halt()
        assert not server.running
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(url, connect_timeout=2)
        server.resume()
        assert server.running and (server.url, server.port) == (url, port)

        with pytest.raises(psycopg.OperationalError):
            client.execute("SELECT 1")  # the connection in flight was cut
        client.close()
        server.restart()
        with psycopg.connect(url) as conn:
            rows = conn.execute("SELECT title FROM plan").fetchall()
        assert rows == [("Kế hoạch đã lưu",)]
    finally:
        server.stop()
    assert server.workdir is None
