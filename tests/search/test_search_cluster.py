"""On a 3-node cluster with a replica of every shard, losing a node loses no result."""

from __future__ import annotations

import pytest
from conftest import EVERYTHING, elasticsearch_config, make_doc, service_fixture

import search
from search.types import SearchQuery

pytestmark = pytest.mark.django_db

RECORDS = 600


def test_with_one_node_of_three_stopped_search_still_returns_every_record(request, settings):
    cluster = service_fixture(request, "elasticsearch_cluster")
    config = elasticsearch_config(
        ",".join(cluster.node_urls), NUMBER_OF_SHARDS=3, NUMBER_OF_REPLICAS=1, TIMEOUT=20
    )
    settings.HOSO_SEARCH = config
    search.reset_backend()
    backend = search.get_backend(config)
    try:
        backend.clear()
        backend.index(
            [
                make_doc(i, f"Kế hoạch dạy học tuần {i}", school_id=i % 7 + 1)
                for i in range(1, RECORDS + 1)
            ]
        )
        backend.refresh()
        backend.client.cluster.health(index=backend.alias, wait_for_status="green", timeout="60s")
        before = backend.query(SearchQuery(text="ke hoach", per_page=1), EVERYTHING)
        assert before.total == RECORDS

        cluster.stop_node(1)
        backend.client.cluster.health(index=backend.alias, wait_for_status="yellow", timeout="60s")
        after = backend.query(SearchQuery(text="ke hoach", per_page=1), EVERYTHING)
        assert after.total == RECORDS
        assert sum(f.count for f in after.facets["school"]) == RECORDS
        assert {f.value: f.count for f in after.facets["school"]} == {
            f.value: f.count for f in before.facets["school"]
        }
    finally:
        cluster.start_all()
        backend.drop_all()
        search.reset_backend()
