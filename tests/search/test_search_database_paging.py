"""The database backend's paging of a large match (PostgreSQL pages it tier by
tier, newest first; RANK_LIMIT is lowered so that a small corpus takes that path)."""

from __future__ import annotations

import pytest
from conftest import EVERYTHING, make_doc

import search
from search.backends import database
from search.types import SearchQuery

pytestmark = pytest.mark.django_db


@pytest.fixture
def db_backend(settings, db):
    settings.HOSO_SEARCH = {"BACKEND": "database", "INDEX_PREFIX": "test"}
    search.reset_backend()
    backend = search.get_backend(settings.HOSO_SEARCH)
    backend.clear()
    yield backend
    search.reset_backend()


@pytest.mark.parametrize("rank_limit", [0, 10_000])
def test_database_pages_exact_tier_then_the_rest_newest_first(db_backend, monkeypatch, rank_limit):
    monkeypatch.setattr(database, "RANK_LIMIT", rank_limit)
    exact = [1, 3, 4, 7, 8]
    db_backend.index(
        [
            make_doc(i, "Kế hoạch tuần" if i in exact else "Ke hoach tuan", "Nội dung chung.")
            for i in range(1, 10)
        ]
    )
    expected = [8, 7, 4, 3, 1, 9, 6, 5, 2]
    for per_page in (2, 4, 5, 20):
        seen = []
        for page in range(1, 10 // per_page + 2):
            results = db_backend.query(
                SearchQuery(text="kế hoạch", page=page, per_page=per_page), EVERYTHING
            )
            assert results.total == 9
            seen += [hit.page_id for hit in results.hits]
        assert seen == expected, per_page


@pytest.mark.postgresql
def test_postgresql_counts_a_broad_match_through_the_per_variant_full_text_index(db_backend):
    """The facets statement of a text query reads the matched rows through the GIN
    index of the variant, never by testing every row's out-of-line tsvector (a
    sequential or scope-index scan with the match as a filter: ten times slower
    at 50,000 matches). The planner is shown a table big enough to prefer a scan."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    db_backend.index(
        [make_doc(i, f"Kế hoạch dạy học tuần {i}", "Nội dung chung.") for i in range(1, 400)]
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE search_searchentry")
    with CaptureQueriesContext(connection) as queries:
        results = db_backend.query(SearchQuery(text="ke hoach day hoc"), EVERYTHING)
    assert results.total > 300
    facets_sql = next(q["sql"] for q in queries if "GROUPING SETS" in q["sql"])
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {facets_sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "search_entry_folded_" in plan, plan
    assert "Seq Scan" not in plan, plan
