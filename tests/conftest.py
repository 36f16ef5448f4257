"""Shared test setup.

Service fixtures (PostgreSQL, Elasticsearch, S3, TSA) come from
devservices.pytest_plugin. Under HOSO_REQUIRE_SERVICES=1 (CI) nothing may
skip: a skipped test is reported as a failure naming what was missing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.util
import io
import os
import secrets

import pytest
from django.db import transaction

pytest_plugins = (
    ["devservices.pytest_plugin"] if importlib.util.find_spec("devservices.pytest_plugin") else []
)

DEMO_TODAY = dt.date(2026, 11, 25)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if (
        os.environ.get("HOSO_REQUIRE_SERVICES") == "1"
        and report.skipped
        and not hasattr(report, "wasxfail")
    ):
        report.outcome = "failed"
        report.longrepr = (
            f"Skipped under HOSO_REQUIRE_SERVICES=1 (CI), which forbids skips: {report.longrepr}"
        )


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "postgresql: about PostgreSQL itself (query plans); runs in the PostgreSQL pass "
        "of the suite and is deselected, not skipped, in the SQLite pass",
    )


def _on_postgresql() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


def pytest_collection_modifyitems(config, items):
    """Transactional tests flush the database; with serialized rollback they put back
    what migrations created (roles, Wagtail's root page, the default site), so that
    tests running after them still find it."""
    if not _on_postgresql():
        deselected = [item for item in items if item.get_closest_marker("postgresql")]
        if deselected:
            config.hook.pytest_deselected(items=deselected)
            items[:] = [item for item in items if item not in deselected]
    for item in items:
        marker = item.get_closest_marker("django_db")
        if (
            marker
            and marker.kwargs.get("transaction")
            and not marker.kwargs.get("serialized_rollback")
        ):
            item.add_marker(
                pytest.mark.django_db(**{**marker.kwargs, "serialized_rollback": True}),
                append=False,
            )


def load_small_district(today: dt.date = DEMO_TODAY):
    """Two schools with every role and every record type, kept small for speed."""
    from recordpages.demo.loader import Options, load_demo_district

    load_small_district.calls += 1  # read by tests/test_shared_district.py

    return load_demo_district(
        Options(
            today=today,
            schools=2,
            min_pupils=2,
            max_pupils=2,
            lesson_weeks=1,
            grades=(1, 4),
            classes_per_grade=(2, 2),
            bulk_index=False,
        )
    )


load_small_district.calls = 0


def _module_is_transactional(module_node, items) -> bool:
    """Whether any test of the module flushes the database (transactional tests commit
    for real, so they cannot run inside a transaction the module keeps open)."""
    prefix = module_node.nodeid + "::"
    for item in items:
        if not item.nodeid.startswith(prefix):
            continue
        marker = item.get_closest_marker("django_db")
        if marker and (marker.kwargs.get("transaction") or marker.args[:1] == (True,)):
            return True
        if {"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ())):
            return True
    return False


@contextlib.contextmanager
def kept_for_module(django_db_blocker):
    """Open a transaction for a whole module and roll it back at the end: data built
    inside it is shared by the module's tests, each of which runs in its own savepoint
    (pytest-django's `db`), so what one test changes the next does not see. This is
    Django's TestCase.setUpTestData, for a module of pytest functions."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture(scope="module")
def _module_district(request, django_db_setup, django_db_blocker):
    """The small district loaded once per module (about 2 s, more on a busy machine),
    or None in a module with transactional tests, which then load it per test."""
    if _module_is_transactional(request.node, request.session.items):
        yield None
        return
    with kept_for_module(django_db_blocker):
        with django_db_blocker.unblock():
            authority_pk = load_small_district().pk
        yield authority_pk


@pytest.fixture
def district(_module_district, db):
    """The small district; a fresh copy of its authority page for each test."""
    from recordpages.models import AuthorityPage

    if _module_district is None:
        return load_small_district()
    return AuthorityPage.objects.get(pk=_module_district)


def minimal_pdf(catalog: bytes = b"") -> bytes:
    """A small well-formed one-page PDF; `catalog` adds entries to its catalog (an
    /OpenAction, say) for the upload checks of accounts.uploads."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R " + catalog + b">>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = []
    for number, obj in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + obj + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


@pytest.fixture
def s3_settings(settings, s3_server):
    """Django settings pointing the object store at the test S3 server, in a new bucket."""
    env = s3_server.env()
    settings.OBJECT_STORE = {
        **settings.OBJECT_STORE,
        "ENDPOINT_URL": env["S3_ENDPOINT_URL"],
        "ACCESS_KEY_ID": env["S3_ACCESS_KEY_ID"],
        "SECRET_ACCESS_KEY": env["S3_SECRET_ACCESS_KEY"],
        "REGION": env["S3_REGION"],
        "BUCKET": f"hoso-test-{secrets.token_hex(4)}",
    }
    settings.ARCHIVE = {**settings.ARCHIVE, "OBJECT_LOCK_DAYS": 1}
    return settings
