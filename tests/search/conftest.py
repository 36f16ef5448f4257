"""Builders for the search tests: backends on real engines and small corpora."""

from __future__ import annotations

import datetime as dt
import os
import uuid

import pytest

import search
from search.types import (
    ApprovedAccess,
    SearchDocument,
    SearchScope,
    WorkingAccess,
)

EVERYTHING = SearchScope(working=WorkingAccess(school_ids=None, whole_school=True))
APPROVED_ONLY_ALL = SearchScope(
    approved=ApprovedAccess(school_ids=None, states=("approved", "published", "signed"))
)


def services_required() -> bool:
    return os.environ.get("HOSO_REQUIRE_SERVICES") == "1"


def service_fixture(request, name: str):
    """A devservices session fixture; skip (or fail in CI) when it is unavailable."""
    try:
        return request.getfixturevalue(name)
    except pytest.FixtureLookupError:
        message = f"devservices fixture {name!r} is not available (devservices.pytest_plugin)"
        if services_required():
            pytest.fail(message)
        pytest.skip(message)


def make_doc(page_id: int, title: str, body: str = "", **extra) -> SearchDocument:
    values = {
        "page_id": page_id,
        "variant": "working",
        "title": title,
        "body": body,
        "record_type": "other",
        "state": "draft",
        "school_id": 1,
        "school_name": "Trường Tiểu học Hòa Nghĩa",
        "school_year": "2024-2025",
        "date": dt.datetime(2024, 9, 1, tzinfo=dt.UTC) + dt.timedelta(days=page_id),
    }
    values.update(extra)
    return SearchDocument(**values)


def elasticsearch_config(url: str, **extra) -> dict:
    return {
        "BACKEND": "elasticsearch",
        "ELASTICSEARCH_URL": url,
        "INDEX_PREFIX": f"test-{uuid.uuid4().hex[:10]}",
        **extra,
    }


@pytest.fixture(params=["database", "elasticsearch"])
def backend_config(request, settings) -> dict:
    """HOSO_SEARCH for each backend; Elasticsearch is the real node of devservices."""
    if request.param == "database":
        config = {"BACKEND": "database", "INDEX_PREFIX": "test"}
    else:
        server = service_fixture(request, "elasticsearch_server")
        config = elasticsearch_config(server.url)
    settings.HOSO_SEARCH = config
    search.reset_backend()
    yield config
    backend = search.get_backend(config)
    if request.param == "elasticsearch":
        backend.drop_all()
    search.reset_backend()


@pytest.fixture
def backend(backend_config, db):
    instance = search.get_backend(backend_config)
    instance.clear()
    return instance
