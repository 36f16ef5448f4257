"""The embedded backend: SQLite FTS5 or PostgreSQL full text over SearchEntry.

Matching uses the folded token stream; a row whose exact (diacritic) tokens
also match every clause ranks in a tier above the rest, then the engine's own
relevance (bm25 / ts_rank) orders within the tier. Scope and filters are part
of the same SQL statement as the match.

PostgreSQL, at a district's size (150,000 entries), must never read a matched
row's tsvector: a broad query ("kế hoạch dạy học") matches a third of the table
and detoasting that many tsvectors costs seconds. So there:

* both the match and the exact-diacritic tier come from the GIN indexes (a
  bitmap that needs no recheck, except for quoted phrases, whose candidates
  the index narrows first); scope and filters are applied to those rows as a
  plain predicate (`(...) IS TRUE`, which no btree serves), and sequential
  scans are off for the statement, so the planner cannot prefer "walk the
  scope index and test every row's tsvector", which it costs as free;
* ts_rank orders within a tier only when the match has at most RANK_LIMIT
  rows; a larger match is ordered by tier, then newest first. Within a tier
  of thousands of rows that all contain every word, recency is as useful to
  the reader as term frequency, and it costs nothing (documented choice);
* the table keeps its large columns out of line (migration 0004), so the
  heap pass over the matched rows for total and facets reads a few MB;
* the total and facets are exact (one pass, GROUP BY over the matched rows).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

from django.db import connection, transaction
from django.utils.dateparse import parse_datetime

from search.backends import _sql
from search.backends.base import Progress, SearchBackend
from search.models import SearchEntry, SearchEntrySubject
from search.types import (
    FACETS,
    FacetCount,
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
RANK_LIMIT = 2_000  # PostgreSQL: ts_rank within a tier only for matches this small

_FACET_COLUMNS = {
    "school": "e.school_id",
    "year": "e.school_year",
    "record_type": "e.record_type",
    "state": "e.state",
    "grade": "e.grade",
}
_SUBJECT_TABLE = SearchEntrySubject._meta.db_table
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
        subject=doc.subjects[0] if doc.subjects else "",
        author_id=doc.author_id,
        author_name=doc.author_name,
        date=doc.date,
        deadline=doc.deadline,
        revision_id=doc.revision_id,
    )


class _Dialect:
    """How one vendor matches and ranks; returns SQL fragments with %s params."""

    def from_match(self, clauses: list[Clause]) -> tuple[str, str, list, list]:
        raise NotImplementedError


class _SQLite(_Dialect):
    @staticmethod
    def _fts(column: str, tokens: list[tuple[str, ...]]) -> str:
        parts = ['"' + " ".join(clause) + '"' for clause in tokens]
        return f"{column} : ({' AND '.join(parts)})"

    def from_match(self, clauses):
        folded = self._fts("folded_text", [c.folded for c in clauses])
        exact = self._fts("exact_text", [c.exact for c in clauses])
        source = (
            "search_entry_fts f JOIN search_searchentry e ON e.id = f.rowid "
            "WHERE f.search_entry_fts MATCH %s"
        )
        rank = (
            "(CASE WHEN e.id IN (SELECT rowid FROM search_entry_fts WHERE search_entry_fts "
            "MATCH %s) THEN 1 ELSE 0 END) DESC, f.rank ASC"
        )
        return source, rank, [folded], [exact]


class _Postgres(_Dialect):
    @staticmethod
    def _tsquery(tokens: list[tuple[str, ...]]) -> str:
        return " & ".join(
            "(" + " <-> ".join(f"'{token}'" for token in clause) + ")" for clause in tokens
        )

    def from_match(self, clauses):
        source = "search_searchentry e WHERE e.folded_tsv @@ to_tsquery('simple', %s)"
        rank = (
            "(e.id IN (SELECT x.id FROM search_searchentry x "
            "WHERE x.exact_tsv @@ to_tsquery('simple', %s))) DESC"
        )
        folded = self._tsquery([c.folded for c in clauses])
        return source, rank, [folded], [self._tsquery([c.exact for c in clauses])]

    @staticmethod
    def relevance(folded: str) -> tuple[str, list]:
        return "ts_rank(e.folded_tsv, to_tsquery('simple', %s)) DESC", [folded]


class DatabaseBackend(SearchBackend):
    name = "database"

    def __init__(self, config: dict | None = None):
        self.config = config or {}

    @property
    def _dialect(self) -> _Dialect:
        if connection.vendor == "postgresql":
            return _Postgres()
        if connection.vendor == "sqlite":
            return _SQLite()
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
        for variant in ("approved", "working"):
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
                # Fresh statistics at once: the planner must not wait for autovacuum
                # to learn how the new rows spread over scope and words.
                cursor.execute(f"ANALYZE search_searchentry, {_SUBJECT_TABLE}")
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
        if connection.vendor == "postgresql":
            return self._query_postgres(query, scope, clauses)
        scope_where, scope_params = _sql.scope_sql(scope)
        filter_where, filter_params = _sql.filters_sql(query.filters)
        if clauses:
            source, rank, match_params, rank_params = self._dialect.from_match(clauses)
        else:
            source, rank, match_params, rank_params = "search_searchentry e WHERE 1=1", "", [], []
        where = f"{source} AND ({scope_where}) AND ({filter_where})"
        params = [*match_params, *scope_params, *filter_params]
        if query.sort == "date" or not clauses:
            order, order_params = "e.date DESC, e.page_id DESC", []
        else:
            order, order_params = f"{rank}, e.date DESC, e.page_id DESC", rank_params
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {_HIT_COLUMNS} FROM {where} ORDER BY {order} LIMIT %s OFFSET %s",
                [*params, *order_params, query.per_page, query.offset],
            )
            rows = cursor.fetchall()
            total, facets = self._facets(cursor, where, params)
        hits = [self._hit(row, clauses) for row in rows]
        return SearchResults(total, hits, facets, query.page, query.per_page)

    def _query_postgres(
        self, query: SearchQuery, scope: SearchScope, clauses: list[Clause]
    ) -> SearchResults:
        """Total and facets first (they decide whether ts_rank is affordable),
        then the page's ids, then the page's rows; see the module docstring."""
        dialect = _Postgres()
        scope_where, scope_params = _sql.scope_sql(scope)
        filter_where, filter_params = _sql.filters_sql(query.filters)
        if clauses:
            source, tier, match_params, tier_params = dialect.from_match(clauses)
            # Not indexable on purpose: the GIN bitmap is the access path.
            where = f"{source} AND (({scope_where}) AND ({filter_where})) IS TRUE"
        else:
            source, tier, match_params, tier_params = "search_searchentry e WHERE 1=1", "", [], []
            where = f"{source} AND ({scope_where}) AND ({filter_where})"
        params = [*match_params, *scope_params, *filter_params]
        with transaction.atomic(), connection.cursor() as cursor:
            # Settings for these statements only (restored below: a caller's
            # transaction, e.g. a test's, goes on with its own).
            cursor.execute(
                "SELECT current_setting('work_mem'), current_setting('enable_seqscan'), "
                "set_config('work_mem', '32MB', true), "
                "set_config('enable_seqscan', %s, true)",
                ["off" if clauses else "on"],
            )
            saved_work_mem, saved_seqscan, _, _ = cursor.fetchone()
            total, facets = self._facets(cursor, where, params)
            rows = []
            if total > query.offset:
                order, order_params = "e.date DESC, e.page_id DESC", []
                if clauses and query.sort != "date":
                    order, order_params = tier, list(tier_params)
                    if total <= RANK_LIMIT:
                        rank, rank_params = dialect.relevance(match_params[0])
                        order, order_params = f"{order}, {rank}", [*order_params, *rank_params]
                    order = f"{order}, e.date DESC, e.page_id DESC"
                cursor.execute(
                    f"SELECT e.id FROM {where} ORDER BY {order} LIMIT %s OFFSET %s",
                    [*params, *order_params, query.per_page, query.offset],
                )
                ids = [row[0] for row in cursor.fetchall()]
                if ids:
                    cursor.execute(
                        f"SELECT e.id, {_HIT_COLUMNS} FROM search_searchentry e "
                        "WHERE e.id = ANY(%s)",
                        [ids],
                    )
                    by_id = {row[0]: row[1:] for row in cursor.fetchall()}
                    rows = [by_id[pk] for pk in ids if pk in by_id]
            cursor.execute(
                "SELECT set_config('work_mem', %s, true), set_config('enable_seqscan', %s, true)",
                [saved_work_mem, saved_seqscan],
            )
        hits = [self._hit(row, clauses) for row in rows]
        return SearchResults(total, hits, facets, query.page, query.per_page)

    @staticmethod
    def _facets(cursor, where: str, params: list) -> tuple[int, dict[str, list[FacetCount]]]:
        """Total and every facet in one statement over the matched rows."""
        columns = ", ".join(
            ["e.id AS id", *(f"{column} AS {name}" for name, column in _FACET_COLUMNS.items())]
        )
        unions = " UNION ALL ".join(
            [
                *(
                    f"SELECT '{name}', CAST({name} AS TEXT), COUNT(*) FROM m "
                    f"WHERE {name} IS NOT NULL GROUP BY {name}"
                    for name in _FACET_COLUMNS
                ),
                f"SELECT 'subject', s.subject, COUNT(*) FROM m JOIN {_SUBJECT_TABLE} s "
                "ON s.entry_id = m.id GROUP BY s.subject",
            ]
        )
        cursor.execute(
            f"WITH m AS (SELECT {columns} FROM {where}) "
            f"SELECT 'total', '', COUNT(*) FROM m UNION ALL {unions}",
            params,
        )
        total = 0
        facets: dict[str, list[FacetCount]] = {name: [] for name in FACETS}
        for name, value, count in cursor.fetchall():
            if name == "total":
                total = count
            elif value not in ("", None):
                facets[name].append(FacetCount(value=str(value), count=count))
        for values in facets.values():
            values.sort(key=lambda f: (-f.count, f.value))
        return total, facets

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
