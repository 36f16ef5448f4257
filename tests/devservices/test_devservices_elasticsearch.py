"""Real Elasticsearch 8 nodes: Vietnamese folding search, and a cluster that loses a node."""

from __future__ import annotations

from elasticsearch import Elasticsearch

from devservices import ElasticsearchCluster, ElasticsearchServer

FOLDING_SETTINGS = {
    "analysis": {
        "analyzer": {
            "vi_folded": {
                "type": "custom",
                "tokenizer": "standard",
                "filter": ["lowercase", "asciifolding"],
            }
        }
    }
}


def test_single_node_is_elasticsearch_8(elasticsearch_server: ElasticsearchServer) -> None:
    es = Elasticsearch(elasticsearch_server.url)
    assert es.ping()
    assert es.info()["version"]["number"].startswith("8.")


def test_asciifolding_finds_vietnamese_without_diacritics(
    elasticsearch_server: ElasticsearchServer,
) -> None:
    es = Elasticsearch(elasticsearch_server.url)
    es.options(ignore_status=404).indices.delete(index="plans")
    es.indices.create(
        index="plans",
        settings={**FOLDING_SETTINGS, "number_of_replicas": 0},
        mappings={"properties": {"title": {"type": "text", "analyzer": "vi_folded"}}},
    )
    es.index(index="plans", id="1", document={"title": "Kế hoạch dạy học"})
    es.index(index="plans", id="2", document={"title": "Đánh giá học sinh"})
    es.index(index="plans", id="3", document={"title": "Sổ đăng bộ"}, refresh=True)

    def ids(text: str) -> list[str]:
        hits = es.search(
            index="plans", query={"match": {"title": {"query": text, "operator": "and"}}}
        )
        return sorted(hit["_id"] for hit in hits["hits"]["hits"])

    assert ids("ke hoach") == ["1"]
    assert ids("Kế hoạch") == ["1"]
    assert ids("danh gia") == ["2"]  # đ/Đ folds to d
    assert ids("so dang bo") == ["3"]


def test_preserve_original_keeps_the_accented_token(
    elasticsearch_server: ElasticsearchServer,
) -> None:
    es = Elasticsearch(elasticsearch_server.url)
    tokens = es.indices.analyze(
        tokenizer="standard",
        filter=["lowercase", {"type": "asciifolding", "preserve_original": True}],
        text="Kế hoạch",
    )["tokens"]
    assert [t["token"] for t in tokens] == ["ke", "kế", "hoach", "hoạch"]


def test_cluster_serves_every_document_after_a_node_stops(
    elasticsearch_cluster: ElasticsearchCluster,
) -> None:
    assert len(elasticsearch_cluster.node_urls) == 3
    es = Elasticsearch(elasticsearch_cluster.node_urls)
    es.options(ignore_status=404).indices.delete(index="records")
    es.indices.create(index="records", settings={"number_of_shards": 3, "number_of_replicas": 1})
    es.cluster.health(index="records", wait_for_status="green", timeout="60s")
    for i in range(30):
        es.index(index="records", id=str(i), document={"n": i})
    es.indices.refresh(index="records")

    elasticsearch_cluster.stop_node(0)

    assert len(elasticsearch_cluster.live_urls) == 2
    survivors = Elasticsearch(elasticsearch_cluster.live_urls)
    health = survivors.cluster.health(wait_for_status="yellow", wait_for_nodes="2", timeout="60s")
    assert health["number_of_nodes"] == 2
    result = survivors.search(index="records", size=100)
    assert result["_shards"]["failed"] == 0
    assert sorted(int(hit["_id"]) for hit in result["hits"]["hits"]) == list(range(30))

    # Same ports and data: the node comes back into the same cluster.
    elasticsearch_cluster.start_node(0)
    back = Elasticsearch(elasticsearch_cluster.node_urls[0])
    assert back.cluster.health(wait_for_nodes="3", timeout="60s")["number_of_nodes"] == 3
    assert back.count(index="records")["count"] == 30
