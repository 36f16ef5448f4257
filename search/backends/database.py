"""The embedded backend: SQLite FTS5 or PostgreSQL full text over SearchEntry.

Matching uses the folded token stream (search.vietnamese.Matching: a long query
needs most of its words). Ranking is in tiers, as on Elasticsearch: rows whose
exact (diacritic) tokens match every clause, then rows holding every clause, then
rows where the query's words stand together (and on SQLite within NEAR words),
then the engine's own relevance (bm25 / ts_rank_cd, which counts how close the
words stand). Scope and filters are part of the same SQL statement as the match.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

from django.db import connection, transaction
from django.utils.dateparse import parse_datetime

from search.backends import _sql
from search.backends._dialects import Dialect, Postgres, SQLite, forget_frequencies
from search.backends._sql import SUBJECT_TABLE, Sql
from search.backends.base import RANK_LIMIT, Progress, SearchBackend
from search.models import SearchEntry, SearchEntrySubject
from search.types import (
    FACETS,
    VARIANTS,
    SearchDocument,
    SearchHit,
    SearchQuery,
    SearchResults,
    SearchScope,
)
from search.vietnamese import Clause, parse_query, snippet_for, token_streams

logger = logging.getLogger(__name__)

MAX_TEXT = 200_000  # characters of body indexed; PostgreSQL caps tsvector positions anyway
BATCH = 500

_HIT_COLUMNS = (
    "e.page_id, e.variant, e.title, e.body, e.record_type, e.state, e.school_id, "
    "e.school_name, e.school_year, e.date, e.revision_id"
)


def _entry(doc: SearchDocument) -> SearchEntry:
    body = doc.body[:MAX_TEXT]
    exact, folded = token_streams(f"{doc.title}\n{body}")
    return SearchEntry(
        page_id=doc.page_id,
        variant=doc.variant,
        title=doc.title[:500],
        body=body,
        exact_text=exact,
        folded_text=folded,
        record_type=doc.record_type,
        state=doc.state,
        school_id=doc.school_id,
        school_name=doc.school_name,
        school_year=doc.school_year,
        group_id=doc.group_id,
        group_name=doc.group_name,
        grade=doc.grade,
        subjects=" ".join(doc.subjects),
        author_id=doc.author_id,
        author_name=doc.author_name,
        date=doc.date,
        deadline=doc.deadline,
        revision_id=doc.revision_id,
    )


class DatabaseBackend(SearchBackend):
    name = "database"

    def __init__(self, config: dict | None = None):
        self.config = config or {}

    @property
    def _dialect(self) -> Dialect:
        if connection.vendor == "postgresql":
            return Postgres()
        if connection.vendor == "sqlite":
            return SQLite()
        raise NotImplementedError(f"No full-text support for {connection.vendor}")

    # --- writes -----------------------------------------------------------

    def index(self, documents: Sequence[SearchDocument]) -> None:
        if not documents:
            return
        with transaction.atomic():
            self.remove_variants([(doc.page_id, doc.variant) for doc in documents])
            self._create(list(documents))

    @staticmethod
    def _create(documents: Sequence[SearchDocument]) -> None:
        """Insert entries and their subject rows (the entries' ids come back from the insert)."""
        entries = SearchEntry.objects.bulk_create(
            [_entry(doc) for doc in documents], batch_size=BATCH
        )
        SearchEntrySubject.objects.bulk_create(
            [
                SearchEntrySubject(entry_id=entry.pk, subject=subject)
                for entry, doc in zip(entries, documents, strict=True)
                for subject in doc.subjects
            ],
            batch_size=BATCH * 4,
        )

    @staticmethod
    def _delete(entries) -> None:
        """Delete these entries and their subject rows (no database cascade)."""
        SearchEntrySubject.objects.filter(entry_id__in=entries.values("id")).delete()
        entries.delete()

    def remove(self, page_ids: Iterable[int]) -> None:
        page_ids = list(page_ids)
        with transaction.atomic():
            for start in range(0, len(page_ids), BATCH):
                self._delete(
                    SearchEntry.objects.filter(page_id__in=page_ids[start : start + BATCH])
                )

    def remove_variants(self, keys: Sequence[tuple[int, str]]) -> None:
        for variant in VARIANTS:
            ids = [page_id for page_id, v in keys if v == variant]
            for start in range(0, len(ids), BATCH):
                self._delete(
                    SearchEntry.objects.filter(
                        variant=variant, page_id__in=ids[start : start + BATCH]
                    )
                )

    def rebuild(
        self, documents: Iterable[SearchDocument], *, progress: Progress | None = None
    ) -> int:
        """One transaction: readers keep seeing the old rows until it commits."""
        count = 0
        with transaction.atomic():
            self.clear()
            batch: list[SearchDocument] = []
            for doc in documents:
                batch.append(doc)
                if len(batch) >= BATCH:
                    self._create(batch)
                    count += len(batch)
                    if progress:
                        progress(len(batch))
                    batch = []
            if batch:
                self._create(batch)
                count += len(batch)
                if progress:
                    progress(len(batch))
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("INSERT INTO search_entry_fts(search_entry_fts) VALUES ('optimize')")
            elif connection.vendor == "postgresql" and not connection.in_atomic_block:
                # The rebuild deleted every old row: vacuum them out of the GIN and
                # btree indexes (bitmaps would still visit their heap pages) and give
                # the planner fresh statistics now, not when autovacuum comes by.
                # Measured at 100k records: p95 3.5 s before autovacuum, 1.5 s after.
                cursor.execute(f"VACUUM (ANALYZE) search_searchentry, {SUBJECT_TABLE}")
                forget_frequencies()
        return count

    def clear(self) -> None:
        with transaction.atomic():
            SearchEntrySubject.objects.all().delete()
            SearchEntry.objects.all().delete()

    # --- reads ------------------------------------------------------------

    def query(self, query: SearchQuery, scope: SearchScope) -> SearchResults:
        clauses = parse_query(query.text)
        if scope.is_empty:
            return SearchResults(0, [], {name: [] for name in FACETS}, query.page, query.per_page)
        dialect = self._dialect
        column = dialect.column if clauses else _sql.plain
        scope_where, scope_params = _sql.scope_sql(scope, column)
        filter_where, filter_params = _sql.filters_sql(query.filters, column)
        source = ranked = "search_searchentry e WHERE 1=1"
        rank, match_params, rank_params = "", [], []
        if clauses:
            source, ranked, rank, match_params, rank_params = dialect.from_match(clauses)
        conditions = f" AND ({scope_where}) AND ({filter_where})"
        where = source + conditions
        params = [*match_params, *scope_params, *filter_params]
        with dialect.reading(), connection.cursor() as cursor:
            dialect.prepare(cursor, matching=bool(clauses))
            total, facets = dialect.facets(cursor, where, params)
            page = (query.per_page, query.offset)
            if not total:
                ids = []
            elif query.sort == "date" or not clauses:
                ids = self._ids(cursor, where, params, *page)
            elif total > RANK_LIMIT:
                ids = self._tiered_page(cursor, where, params, dialect.exact(clauses), query)
            else:
                ranking = (f"{rank}, ", rank_params)
                ids = self._ids(cursor, ranked + conditions, params, *page, ranking)
            rows = self._rows(cursor, ids)
            dialect.restore(cursor, matching=bool(clauses))
        hits = [self._hit(row, clauses) for row in rows]
        return SearchResults(total, hits, facets, query.page, query.per_page)

    @staticmethod
    def _ids(cursor, where: str, params: list, limit: int, offset: int, rank: Sql = ("", [])):
        """The page's entry ids in order (`rank` first, then newest first). Only ids:
        a sort carries every column it returns, and the texts are long."""
        order, order_params = rank
        cursor.execute(
            f"SELECT e.id FROM {where} ORDER BY {order}e.date DESC, e.page_id DESC "
            "LIMIT %s OFFSET %s",
            [*params, *order_params, limit, offset],
        )
        return [entry_id for (entry_id,) in cursor.fetchall()]

    @staticmethod
    def _rows(cursor, ids: list) -> list:
        """The hit columns of these entries, in the order given."""
        if not ids:
            return []
        cursor.execute(
            f"SELECT e.id, {_HIT_COLUMNS} FROM search_searchentry e "
            f"WHERE e.id IN ({', '.join(['%s'] * len(ids))})",
            ids,
        )
        rows = {row[0]: row[1:] for row in cursor.fetchall()}
        return [rows[entry_id] for entry_id in ids]

    @classmethod
    def _tiered_page(cls, cursor, where: str, params: list, exact: tuple[str, list], query) -> list:
        """A match larger than RANK_LIMIT: the exact-diacritic tier, then the rest,
        each newest first, as two LIMIT queries PostgreSQL can answer by walking the
        date index (a broad match is dense) or from the GIN bitmap (a narrow one) -
        never by ranking and sorting every matched row, which means reading every
        matched row's tsvectors (seconds at 50,000 rows; on SQLite, bm25 and the
        proximity tiers of every row cost more than the match). Relevance within a
        tier is thus approximated by recency for large matches only."""
        exact_sql, exact_params = exact
        ids = cls._ids(
            cursor,
            f"{where} AND ({exact_sql})",
            [*params, *exact_params],
            query.per_page,
            query.offset,
        )
        if len(ids) == query.per_page:
            return ids
        if ids or query.offset == 0:
            exact_count = query.offset + len(ids)
        else:  # a page past the exact tier: how many rows did that tier hold?
            cursor.execute(
                f"SELECT COUNT(*) FROM {where} AND ({exact_sql})", [*params, *exact_params]
            )
            exact_count = cursor.fetchone()[0]
        return ids + cls._ids(
            cursor,
            f"{where} AND NOT ({exact_sql})",
            [*params, *exact_params],
            query.per_page - len(ids),
            max(0, query.offset - exact_count),
        )

    @staticmethod
    def _hit(row, clauses: list[Clause]) -> SearchHit:
        page_id, variant, title, body, record_type, state, school_id, school, year, date, rev = row
        if isinstance(date, str):  # SQLite hands raw cursors text
            date = parse_datetime(date)
        return SearchHit(
            page_id=page_id,
            variant=variant,
            title=title,
            snippet=snippet_for(title, body, clauses),
            record_type=record_type,
            state=state,
            school_id=school_id,
            school_name=school,
            school_year=year,
            date=date,
            revision_id=rev,
        )
