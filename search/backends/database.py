"""The embedded backend: SQLite FTS5 or PostgreSQL full text over SearchEntry.

Matching uses the folded token stream; a row whose exact (diacritic) tokens
also match every clause ranks in a tier above the rest, then the engine's own
relevance (bm25 / ts_rank) orders within the tier. Scope and filters are part
of the same SQL statement as the match.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

from django.db import connection, transaction
from django.utils.dateparse import parse_datetime

from search.backends import _sql
from search.backends.base import RANK_LIMIT, Progress, SearchBackend
from search.models import SearchEntry, SearchEntrySubject
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
from search.vietnamese import Clause, parse_query, snippet_for, token_streams

logger = logging.getLogger(__name__)

MAX_TEXT = 200_000  # characters of body indexed; PostgreSQL caps tsvector positions anyway
BATCH = 500

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
        subjects=" ".join(doc.subjects),
        author_id=doc.author_id,
        author_name=doc.author_name,
        date=doc.date,
        deadline=doc.deadline,
        revision_id=doc.revision_id,
    )


def _facet_rows(rows) -> tuple[int, dict[str, list[FacetCount]]]:
    """(total, facets) from (name, value, count) rows; the total's name is 'total'."""
    total = 0
    facets: dict[str, list[FacetCount]] = {name: [] for name in FACETS}
    for name, value, count in rows:
        if name == "total":
            total = count
        elif value not in ("", None):
            facets[name].append(FacetCount(value=str(value), count=count))
    for values in facets.values():
        values.sort(key=lambda f: (-f.count, f.value))
    return total, facets


class _Dialect:
    """How one vendor matches and ranks; returns SQL fragments with %s params."""

    def from_match(self, clauses: list[Clause]) -> tuple[str, str, list, list]:
        raise NotImplementedError

    def column(self, column: str) -> str:
        """How a scope or filter column is read when the query matches text."""
        return column

    def prepare(self, cursor, matching: bool) -> None:
        """Planner settings for this query's statements."""

    def restore(self, cursor, matching: bool) -> None:
        """Undo prepare(): a caller's enclosing transaction must not inherit them."""

    def facets(self, cursor, where: str, params: list) -> tuple[int, dict[str, list[FacetCount]]]:
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
                f"SELECT 'subject', s.subject, COUNT(*) FROM {_SUBJECT_TABLE} s "
                "WHERE s.entry_id IN (SELECT m.id FROM m) GROUP BY s.subject",
            ]
        )
        cursor.execute(
            f"WITH m AS (SELECT {columns} FROM {where}) "
            f"SELECT 'total', '', COUNT(*) FROM m UNION ALL {unions}",
            params,
        )
        return _facet_rows(cursor.fetchall())


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
            "(e.exact_tsv @@ to_tsquery('simple', %s)) DESC, "
            "ts_rank(e.folded_tsv, to_tsquery('simple', %s)) DESC"
        )
        folded = self._tsquery([c.folded for c in clauses])
        return source, rank, [folded], [self._tsquery([c.exact for c in clauses]), folded]

    # Scope and filter columns compared through an identity no btree index matches
    # (+ 0, the byte-wise "C" collation, equal to the default for equality): with
    # sequential scans off, the planner must then take the per-variant GIN index and
    # apply scope and filters on the narrow heap. Left to itself it reads a broad
    # match through the scope index and tests every row's tsvector, which lives out
    # of line (TOAST): ten times slower at 50,000 matches, as its cost model does
    # not count the fetch. The per-variant indexes are partial on the same
    # expression, `(variant COLLATE "C") = ...`, so the variant test selects them.
    _INTEGER_COLUMNS = frozenset({"e.school_id", "e.author_id", "e.group_id", "e.grade"})

    def column(self, column: str) -> str:
        if column in self._INTEGER_COLUMNS:
            return f"({column} + 0)"
        return f'({column} COLLATE "C")'

    def prepare(self, cursor, matching: bool) -> None:
        if matching:
            cursor.execute("SET LOCAL enable_seqscan = off")

    def restore(self, cursor, matching: bool) -> None:
        # SET LOCAL outlives a released savepoint when query() runs inside a caller's
        # transaction (a view, a test); RESET gives the session's own value back.
        if matching:
            cursor.execute("RESET enable_seqscan")

    def facets(self, cursor, where: str, params: list) -> tuple[int, dict[str, list[FacetCount]]]:
        """One pass over the matched rows with grouping sets, one per facet. Subjects
        are grouped by their combination (a few dozen distinct values), which Python
        splits and adds up: unnesting each matched row cost more than the rest."""
        columns = {**_FACET_COLUMNS, "subjects": "e.subjects"}
        keys = ", ".join(columns.values())
        values = ", ".join(f"CAST({column} AS TEXT)" for column in columns.values())
        sets = ", ".join(["()", *(f"({column})" for column in columns.values())])
        cursor.execute(
            f"SELECT GROUPING({keys}), COALESCE({values}), COUNT(*) FROM {where} "
            f"GROUP BY GROUPING SETS ({sets})",
            params,
        )
        # GROUPING() sets the bit of each column left out of the set (first = highest).
        full = (1 << len(columns)) - 1
        names = {full: "total"}
        for position, name in enumerate(columns):
            names[full ^ (1 << (len(columns) - 1 - position))] = name
        rows, subjects = [], {}
        for grouping, value, count in cursor.fetchall():
            name = names[grouping]
            if name == "subjects":
                for subject in (value or "").split():
                    subjects[subject] = subjects.get(subject, 0) + count
            else:
                rows.append((name, value, count))
        rows.extend(("subject", subject, count) for subject, count in subjects.items())
        return _facet_rows(rows)

    def exact(self, clauses) -> tuple[str, list]:
        """True when the row's exact (diacritic) tokens match every clause."""
        return "e.exact_tsv @@ to_tsquery('simple', %s)", [
            self._tsquery([c.exact for c in clauses])
        ]


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
                cursor.execute(f"VACUUM (ANALYZE) search_searchentry, {_SUBJECT_TABLE}")
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
        if clauses:
            source, rank, match_params, rank_params = dialect.from_match(clauses)
        else:
            source, rank, match_params, rank_params = "search_searchentry e WHERE 1=1", "", [], []
        where = f"{source} AND ({scope_where}) AND ({filter_where})"
        params = [*match_params, *scope_params, *filter_params]
        if query.sort == "date" or not clauses:
            order, order_params = "e.date DESC, e.page_id DESC", []
        else:
            order, order_params = f"{rank}, e.date DESC, e.page_id DESC", rank_params
        with transaction.atomic(), connection.cursor() as cursor:
            dialect.prepare(cursor, matching=bool(clauses))
            total, facets = dialect.facets(cursor, where, params)
            if order_params and isinstance(dialect, _Postgres) and total > RANK_LIMIT:
                rows = self._tiered_page(cursor, where, params, dialect.exact(clauses), query)
            else:
                cursor.execute(
                    f"SELECT {_HIT_COLUMNS} FROM {where} ORDER BY {order} LIMIT %s OFFSET %s",
                    [*params, *order_params, query.per_page, query.offset],
                )
                rows = cursor.fetchall()
            dialect.restore(cursor, matching=bool(clauses))
        hits = [self._hit(row, clauses) for row in rows]
        return SearchResults(total, hits, facets, query.page, query.per_page)

    @staticmethod
    def _tiered_page(cursor, where: str, params: list, exact: tuple[str, list], query) -> list:
        """PostgreSQL, a match larger than RANK_LIMIT: the exact-diacritic tier, then
        the rest, each newest first, as two LIMIT queries the planner can answer by
        walking the date index (a broad match is dense) or from the GIN bitmap (a
        narrow one) - never by ranking and sorting every matched row, which means
        reading every matched row's tsvectors (seconds at 50,000 rows). Relevance
        within a tier is thus approximated by recency for large matches only."""
        exact_sql, exact_params = exact
        order = "e.date DESC, e.page_id DESC"
        cursor.execute(
            f"SELECT {_HIT_COLUMNS} FROM {where} AND ({exact_sql}) "
            f"ORDER BY {order} LIMIT %s OFFSET %s",
            [*params, *exact_params, query.per_page, query.offset],
        )
        rows = cursor.fetchall()
        if len(rows) == query.per_page:
            return rows
        if rows or query.offset == 0:
            exact_count = query.offset + len(rows)
        else:  # a page past the exact tier: how many rows did that tier hold?
            cursor.execute(
                f"SELECT COUNT(*) FROM {where} AND ({exact_sql})", [*params, *exact_params]
            )
            exact_count = cursor.fetchone()[0]
        cursor.execute(
            f"SELECT {_HIT_COLUMNS} FROM {where} AND NOT ({exact_sql}) "
            f"ORDER BY {order} LIMIT %s OFFSET %s",
            [
                *params,
                *exact_params,
                query.per_page - len(rows),
                max(0, query.offset - exact_count),
            ],
        )
        return rows + cursor.fetchall()

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
