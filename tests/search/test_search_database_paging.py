"""How PostgreSQL reads a large match (the paging itself is in the contract suite)."""

from __future__ import annotations

import pytest
from conftest import EVERYTHING, make_doc

from search.types import SearchQuery

pytestmark = pytest.mark.django_db


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
    with connection.cursor() as cursor:  # the test's transaction does not inherit it
        cursor.execute("SHOW enable_seqscan")
        assert cursor.fetchone()[0] == "on"
    facets_sql = next(q["sql"] for q in queries if "GROUPING SETS" in q["sql"])
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {facets_sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "search_entry_folded_" in plan, plan
    assert "Seq Scan" not in plan, plan


@pytest.mark.postgresql
def test_postgresql_counts_facets_from_the_heap_rows_without_reading_toast(db_backend):
    """An entry's subjects stay in its heap row: counting the facets of the matched
    rows reads each heap page once, not the out-of-line storage of every row (the
    narrow heap moved any value past 24 bytes out of line: 13 times the buffers
    at 100,000 records)."""
    import json

    from django.db import connection

    words = " ".join(f"tu{i}x{j}" for i in range(1, 40) for j in range(3))
    db_backend.index(
        [
            make_doc(
                i, f"Kế hoạch số {i}", words, subjects=("khoa_hoc", "lich_su_dia_li", "tieng_viet")
            )
            for i in range(1, 201)
        ]
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE search_searchentry")
        cursor.execute("SELECT pg_relation_size('search_searchentry') / 8192")
        heap_pages = cursor.fetchone()[0]
        cursor.execute(
            "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) SELECT COUNT(*) FROM search_searchentry e "
            "GROUP BY GROUPING SETS ((e.variant), (e.state), (e.school_year), "
            "(e.record_type), (e.subjects))"
        )
        plan = cursor.fetchone()[0]
    plan = plan if isinstance(plan, list) else json.loads(plan)
    buffers = plan[0]["Plan"]["Shared Hit Blocks"] + plan[0]["Plan"]["Shared Read Blocks"]
    assert buffers <= heap_pages + 2, (buffers, heap_pages)
