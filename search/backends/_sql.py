"""WHERE clauses shared by the SQLite and PostgreSQL variants of the database backend."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from search.types import (
    APPROVED,
    WORKING,
    ApprovedAccess,
    SearchFilters,
    SearchScope,
    WorkingAccess,
)

Sql = tuple[str, list]
SUBJECT_TABLE = "search_searchentrysubject"
# How a column is read in a condition: as itself, or (PostgreSQL, text queries) in a
# form no btree index can answer, so that the planner takes the full-text index.
Column = Callable[[str], str]


def plain(column: str) -> str:
    return column


def _in(column: str, values: Sequence) -> Sql:
    if not values:
        return "1=0", []
    return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)


def _and(parts: list[Sql]) -> Sql:
    parts = [p for p in parts if p[0] != "1=1"]
    if not parts:
        return "1=1", []
    return " AND ".join(f"({sql})" for sql, _ in parts), [v for _, params in parts for v in params]


def _or(parts: list[Sql]) -> Sql:
    if not parts:
        return "1=0", []
    return " OR ".join(f"({sql})" for sql, _ in parts), [v for _, params in parts for v in params]


def working_sql(access: WorkingAccess, col: Column = plain) -> Sql:
    """True or false for every row (no NULL), so that NOT of it is safe."""
    parts: list[Sql] = []
    if access.school_ids is not None:
        parts.append(_in(col("e.school_id"), access.school_ids))
    if not access.whole_school:
        own: list[Sql] = []
        if access.author_id is not None:
            own.append((f"COALESCE({col('e.author_id')}, -1) = %s", [access.author_id]))
        if access.group_ids:
            own.append(_in(f"COALESCE({col('e.group_id')}, -1)", access.group_ids))
        parts.append(_or(own))
    return _and(parts)


def approved_sql(access: ApprovedAccess, col: Column = plain) -> Sql:
    parts: list[Sql] = [_in(col("e.state"), access.states)]
    if access.school_ids is not None:
        parts.append(_in(col("e.school_id"), access.school_ids))
    if access.record_types is not None:
        parts.append(_in(col("e.record_type"), access.record_types))
    return _and(parts)


def scope_sql(scope: SearchScope, col: Column = plain) -> Sql:
    branches: list[Sql] = []
    if scope.working is not None:
        working = working_sql(scope.working, col)
        branches.append(_and([(f"{col('e.variant')} = %s", [WORKING]), working]))
    if scope.approved is not None:
        parts = [(f"{col('e.variant')} = %s", [APPROVED]), approved_sql(scope.approved, col)]
        if scope.working is not None:
            sql, params = working_sql(scope.working, col)
            parts.append((f"NOT ({sql})", params))
        branches.append(_and(parts))
    return _or(branches)


def filters_sql(filters: SearchFilters, col: Column = plain) -> Sql:
    columns = {
        "e.school_id": filters.school_ids,
        "e.school_year": filters.years,
        "e.record_type": filters.record_types,
        "e.state": filters.states,
        "e.grade": filters.grades,
    }
    parts = [_in(col(column), values) for column, values in columns.items() if values]
    if filters.subjects:
        sql, params = _in("s.subject", filters.subjects)
        parts.append((f"e.id IN (SELECT s.entry_id FROM {SUBJECT_TABLE} s WHERE {sql})", params))
    return _and(parts)
