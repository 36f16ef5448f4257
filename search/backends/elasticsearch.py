"""The production backend: Elasticsearch 8 through elasticsearch-dsl.

Text is NFC with new-style tone placement before it is sent (recordpages.text),
so the engine needs no Vietnamese plugin: each text field is analysed folded
(lowercase + asciifolding, which maps đ to d) with an `exact` sub-field that
keeps the diacritics. Title and body are copied into one field of each kind
(`text`, `text_exact`), so that a query's words are one conjunction of term
queries (every word in the title or the body), not a conjunction of per-field
disjunctions: half the work on a broad match. Queries require every clause on
`text` and add a constant boost when every clause also matches `text_exact`, the
same tiers as the database backend; a match in the title adds a little; only
quoted phrases become phrase queries.

A query is, in one `msearch` round trip, the facets with the exact total and the
exact tier's size (size 0 and no scoring, so the shard request cache keeps it
until the index changes) and a page of hits. The index is sorted by date, newest
first, so a page in date order stops after its first hits in every segment. A
match larger than RANK_LIMIT is paged as on PostgreSQL, tier by tier, newest
first (scoring half a million matches costs 100-200 ms); a smaller one is ranked
by relevance in a second round trip. Scope and filters are in filter context
(cacheable). Writes go to an alias; a rebuild fills a new index and switches the
alias in one atomic call, so search never goes dark.
"""

from __future__ import annotations

import datetime as dt
import logging
import queue
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

from elasticsearch import ApiError, Elasticsearch, TransportError
from elasticsearch.helpers import BulkIndexError, streaming_bulk
from elasticsearch_dsl import MultiSearch, Q, Search

from search.backends._es_query import (
    _exact_q,
    _filters_q,
    _matches_q,
    _ranked_q,
    scope_q,
)
from search.backends._es_schema import (
    _FACET_FIELDS,
    _HIT_SOURCE,
    ANALYSIS,
    MAPPING,
    _source,
)
from search.backends.base import RANK_LIMIT, Progress, SearchBackend, SearchUnavailable
from search.types import (
    FACETS,
    VARIANTS,
    FacetCount,
    SearchDocument,
    SearchHit,
    SearchQuery,
    SearchResults,
    SearchScope,
)
from search.vietnamese import Clause, parse_query, snippet_for

logger = logging.getLogger(__name__)

BULK_CHUNK = 500
REBUILD_CHUNK = 5000  # documents per bulk request while building a new index
REBUILD_BYTES = 20 * 1024 * 1024
_DONE = object()


@contextmanager
def _engine_errors() -> Iterator[None]:
    """Outages become SearchUnavailable; mistakes in our requests stay loud."""
    try:
        yield
    except BulkIndexError as error:
        raise SearchUnavailable(f"bulk write failed: {error.errors[:3]}") from error
    except ApiError as error:
        if error.meta.status in (429, 502, 503, 504):
            raise SearchUnavailable(str(error)) from error
        raise
    except TransportError as error:
        raise SearchUnavailable(str(error)) from error


class ElasticsearchBackend(SearchBackend):
    name = "elasticsearch"

    def __init__(self, config: dict):
        self.config = config
        hosts = [h.strip() for h in (config.get("ELASTICSEARCH_URL") or "").split(",") if h]
        if not hosts:
            raise ValueError("HOSO_SEARCH['ELASTICSEARCH_URL'] is required for Elasticsearch")
        self.client = Elasticsearch(
            hosts,
            request_timeout=float(config.get("TIMEOUT", 10)),
            max_retries=int(config.get("MAX_RETRIES", 2)),
            retry_on_timeout=True,
        )
        self.alias = f"{config.get('INDEX_PREFIX') or 'hoso'}-records"
        self._ready = False

    # --- index management ------------------------------------------------

    def _index_body(self, *, building: bool = False) -> dict:
        replicas = int(self.config.get("NUMBER_OF_REPLICAS", 0))
        return {
            "settings": {
                "number_of_shards": int(self.config.get("NUMBER_OF_SHARDS", 1)),
                "number_of_replicas": 0 if building else replicas,
                "refresh_interval": "-1" if building else "1s",
                # A new index is thrown away if its build fails: no fsync per bulk request.
                "translog.durability": "async" if building else "request",
                "analysis": ANALYSIS,
                # Newest first on disk: a page in date order ends early in every segment.
                "sort.field": ["date", "page_id"],
                "sort.order": ["desc", "desc"],
            },
            "mappings": MAPPING,
        }

    def _new_index_name(self) -> str:
        return f"{self.alias}-{dt.datetime.now(dt.UTC):%Y%m%d%H%M%S%f}"

    def ensure_index(self) -> None:
        """Create the first index and its alias if neither exists yet."""
        if self._ready:
            return
        with _engine_errors():
            if not self.client.indices.exists_alias(name=self.alias):
                name = self._new_index_name()
                self.client.indices.create(index=name, **self._index_body())
                self.client.indices.put_alias(index=name, name=self.alias)
                self.client.cluster.health(index=name, wait_for_status="yellow", timeout="30s")
                logger.info("Created search index %s behind alias %s", name, self.alias)
        self._ready = True

    def drop_all(self) -> None:
        """Delete every index of this prefix (tests, benchmarks)."""
        self._ready = False
        self.client.indices.delete(
            index=f"{self.alias}-*", ignore_unavailable=True, allow_no_indices=True
        )

    # --- writes -----------------------------------------------------------

    def _bulk(self, actions: Iterable[dict], progress: Progress | None = None) -> int:
        count = 0
        for ok, item in streaming_bulk(
            self.client, actions, chunk_size=BULK_CHUNK, raise_on_error=False, max_retries=2
        ):
            result = next(iter(item.values()))
            if not ok and result.get("status") != 404:
                raise SearchUnavailable(f"bulk item failed: {result}")
            count += 1
            if progress and count % BULK_CHUNK == 0:
                progress(BULK_CHUNK)
        if progress and count % BULK_CHUNK:
            progress(count % BULK_CHUNK)
        return count

    def _bulk_pipelined(self, actions: Iterable[dict], progress: Progress | None = None) -> int:
        """A rebuild's writes: large bulk requests sent by a second thread, so that the
        documents are built (here, with this thread's database connection) while the
        engine indexes the previous batch."""
        handoff: queue.Queue = queue.Queue(maxsize=REBUILD_CHUNK * 2)
        outcome: dict = {"count": 0, "error": None}

        def send() -> None:
            try:
                for ok, item in streaming_bulk(
                    self.client,
                    iter(handoff.get, _DONE),
                    chunk_size=REBUILD_CHUNK,
                    max_chunk_bytes=REBUILD_BYTES,
                    raise_on_error=False,
                    max_retries=2,
                ):
                    if not ok:
                        raise SearchUnavailable(f"bulk item failed: {next(iter(item.values()))}")
                    outcome["count"] += 1
                    if progress and outcome["count"] % REBUILD_CHUNK == 0:
                        progress(REBUILD_CHUNK)
            except BaseException as error:  # handed to the caller below
                outcome["error"] = error
                while handoff.get() is not _DONE:  # let the producer finish
                    pass

        sender = threading.Thread(target=send, name="search-rebuild-bulk", daemon=True)
        sender.start()
        try:
            for action in actions:
                handoff.put(action)
        finally:
            handoff.put(_DONE)
            sender.join()
        if outcome["error"] is not None:
            raise outcome["error"]
        if progress and outcome["count"] % REBUILD_CHUNK:
            progress(outcome["count"] % REBUILD_CHUNK)
        return outcome["count"]

    def index(self, documents: Sequence[SearchDocument]) -> None:
        if not documents:
            return
        self.ensure_index()
        with _engine_errors():
            self._bulk(
                {"_op_type": "index", "_index": self.alias, "_id": d.key, "_source": _source(d)}
                for d in documents
            )

    def remove(self, page_ids: Iterable[int]) -> None:
        self.remove_variants([(pid, v) for pid in page_ids for v in VARIANTS])

    def remove_variants(self, keys: Sequence[tuple[int, str]]) -> None:
        if not keys:
            return
        self.ensure_index()
        with _engine_errors():
            self._bulk(
                {"_op_type": "delete", "_index": self.alias, "_id": f"{pid}-{variant}"}
                for pid, variant in keys
            )

    def rebuild(
        self, documents: Iterable[SearchDocument], *, progress: Progress | None = None
    ) -> int:
        name = self._new_index_name()
        with _engine_errors():
            self.client.indices.create(index=name, **self._index_body(building=True))
            count = self._bulk_pipelined(
                (
                    {"_op_type": "index", "_index": name, "_id": d.key, "_source": _source(d)}
                    for d in documents
                ),
                progress,
            )
            final = self._index_body()["settings"]
            self.client.indices.put_settings(
                index=name,
                settings={
                    "number_of_replicas": final["number_of_replicas"],
                    "refresh_interval": final["refresh_interval"],
                    "translog.durability": final["translog.durability"],
                },
            )
            self.client.indices.refresh(index=name)
            self.client.cluster.health(index=name, wait_for_status="yellow", timeout="60s")
            old = []
            if self.client.indices.exists_alias(name=self.alias):
                old = list(self.client.indices.get_alias(name=self.alias).keys())
            actions = [{"remove": {"index": index, "alias": self.alias}} for index in old]
            actions.append({"add": {"index": name, "alias": self.alias}})
            self.client.indices.update_aliases(actions=actions)
            for index in old:
                self.client.indices.delete(index=index, ignore_unavailable=True)
        self._ready = True
        logger.info("Rebuilt search index %s with %d documents (was %s)", name, count, old)
        return count

    def refresh(self) -> None:
        self.ensure_index()
        with _engine_errors():
            self.client.indices.refresh(index=self.alias)

    def clear(self) -> None:
        self.drop_all()
        self.ensure_index()

    def ping(self) -> bool:
        try:
            return bool(self.client.ping())
        except TransportError:
            return False

    # --- reads ------------------------------------------------------------

    def _search(self, *, filters: list[Q], must=None, must_not=None) -> Search:
        q = Q("bool", filter=filters, must=must or [], must_not=must_not or [])
        return Search(using=self.client, index=self.alias).query(q)

    def _page(self, search: Search, *, by_score: bool, offset: int, size: int) -> Search:
        """Hits with their bodies; no total (the facets search counts). Snippets are
        cut in Python from the bodies (search.vietnamese, as on the database backend):
        the engine's highlighter cost more than the search itself."""
        order = [{"date": "desc"}, {"page_id": "desc"}]
        search = search.sort(*(["_score", *order] if by_score else order))
        return search.source(list(_HIT_SOURCE)).extra(
            track_total_hits=False, from_=offset, size=size
        )

    def _facets_search(self, filters: list[Q], clauses: list[Clause]) -> Search:
        """Exact total, every facet and the exact tier's size; nothing scored, size 0,
        so the shard request cache keeps it until the index changes."""
        search = self._search(filters=filters).extra(size=0, track_total_hits=True)
        # Explicit both ways: Elasticsearch caches size-0 requests unless told not to.
        search = search.params(request_cache=bool(self.config.get("REQUEST_CACHE", True)))
        for name, field in _FACET_FIELDS.items():
            search.aggs.bucket(name, "terms", field=field, size=500)
        if clauses:
            search.aggs.bucket("exact_tier", "filter", filter=_exact_q(clauses))
        return search

    def query(self, query: SearchQuery, scope: SearchScope) -> SearchResults:
        if scope.is_empty:
            return SearchResults(0, [], {name: [] for name in FACETS}, query.page, query.per_page)
        self.ensure_index()
        clauses = parse_query(query.text)
        filters = [scope_q(scope), *_filters_q(query)]
        matched = [*filters, *_matches_q(clauses)]
        ranked = bool(clauses) and query.sort != "date"
        if ranked:  # first page of the exact tier, newest first: the page of a broad match
            first = self._search(filters=[*matched, _exact_q(clauses)])
        else:
            first = self._search(filters=matched)
        first = self._page(first, by_score=False, offset=query.offset, size=query.per_page)
        multi = MultiSearch(using=self.client, index=self.alias)
        multi = multi.add(self._facets_search(matched, clauses)).add(first)
        with _engine_errors():
            counted, page = multi.execute(raise_on_error=True)
            total = counted.hits.total.value
            hits = list(page.hits)
            if ranked and total <= RANK_LIMIT:
                search = self._search(filters=filters, must=[_ranked_q(clauses)])
                search = self._page(search, by_score=True, offset=query.offset, size=query.per_page)
                hits = list(search.execute().hits)
            elif ranked and len(hits) < query.per_page:
                hits += self._second_tier(matched, clauses, counted, query, len(hits))
        facets = {
            name: [
                FacetCount(value=str(bucket.key), count=bucket.doc_count)
                for bucket in getattr(counted.aggregations, name).buckets
            ]
            for name in _FACET_FIELDS
        }
        for values in facets.values():
            values.sort(key=lambda f: (-f.count, f.value))
        hits = [self._hit(hit, clauses) for hit in hits]
        return SearchResults(total, hits, facets, query.page, query.per_page)

    def _second_tier(self, matched, clauses, counted, query: SearchQuery, shown: int) -> list:
        """The rest of a page past the exact tier: folded-only matches, newest first."""
        exact_count = counted.aggregations.exact_tier.doc_count
        search = self._search(filters=matched, must_not=[_exact_q(clauses)])
        search = self._page(
            search,
            by_score=False,
            offset=max(0, query.offset - exact_count),
            size=query.per_page - shown,
        )
        return list(search.execute().hits)

    @staticmethod
    def _hit(hit, clauses: list[Clause]) -> SearchHit:
        snippet = snippet_for(hit.title, getattr(hit, "body", "") or "", clauses)
        return SearchHit(
            page_id=hit.page_id,
            variant=hit.variant,
            title=hit.title,
            snippet=snippet,
            record_type=hit.record_type,
            state=hit.state,
            school_id=hit.school_id,
            school_name=hit.school_name,
            school_year=hit.school_year,
            date=dt.datetime.fromisoformat(hit.date),
            score=float(hit.meta.score or 0.0),
            revision_id=getattr(hit, "revision_id", None),
        )
