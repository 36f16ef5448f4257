"""How each vendor matches, ranks and counts: SQL fragments for the database backend.

Private to search.backends.database, which builds one statement from them, the
asker's scope and the filters (search.backends._sql).
"""

from __future__ import annotations

import time
from contextlib import nullcontext
from itertools import combinations

from django.db import connection, transaction

from search.backends._sql import SUBJECT_TABLE
from search.types import FACETS, FacetCount
from search.vietnamese import NEAR, Clause, Matching

# PostgreSQL's word statistics per database: (when read, share of rows per word).
_FREQUENCIES: dict[str, tuple[float, dict[str, float]]] = {}
FREQUENCIES_SECONDS = 60.0


def forget_frequencies() -> None:
    """After ANALYZE: the next long query reads the new statistics."""
    _FREQUENCIES.clear()


FACET_COLUMNS = {
    "school": "e.school_id",
    "year": "e.school_year",
    "record_type": "e.record_type",
    "state": "e.state",
    "grade": "e.grade",
}


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


class Dialect:
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

    def reading(self):
        """What the statements of one search run in."""
        return nullcontext()

    def exact(self, clauses: list[Clause]) -> tuple[str, list]:
        """True when the row's exact (diacritic) tokens match every clause."""
        raise NotImplementedError

    def frequencies(self, plan: Matching) -> dict[str, float]:
        """How common each of the query's words is (search.vietnamese.Matching.prefilter)."""
        raise NotImplementedError

    def facets(self, cursor, where: str, params: list) -> tuple[int, dict[str, list[FacetCount]]]:
        """Total and every facet in one statement over the matched rows."""
        columns = ", ".join(
            ["e.id AS id", *(f"{column} AS {name}" for name, column in FACET_COLUMNS.items())]
        )
        unions = " UNION ALL ".join(
            [
                *(
                    f"SELECT '{name}', CAST({name} AS TEXT), COUNT(*) FROM m "
                    f"WHERE {name} IS NOT NULL GROUP BY {name}"
                    for name in FACET_COLUMNS
                ),
                f"SELECT 'subject', s.subject, COUNT(*) FROM {SUBJECT_TABLE} s "
                "WHERE s.entry_id IN (SELECT m.id FROM m) GROUP BY s.subject",
            ]
        )
        cursor.execute(
            f"WITH m AS (SELECT {columns} FROM {where}) "
            f"SELECT 'total', '', COUNT(*) FROM m UNION ALL {unions}",
            params,
        )
        return _facet_rows(cursor.fetchall())


class SQLite(Dialect):
    _IN = "e.id IN (SELECT rowid FROM search_entry_fts WHERE search_entry_fts MATCH %s)"

    @staticmethod
    def _phrase(tokens: tuple[str, ...]) -> str:
        return '"' + " ".join(tokens) + '"'

    def _every(self, column: str, tokens: list[tuple[str, ...]]) -> str:
        return f"{column} : ({' AND '.join(map(self._phrase, tokens))})"

    def _either(self, groups) -> str:
        """FTS5: true when every clause of one of these groups is."""
        return " OR ".join(
            "(" + " AND ".join(self._phrase(c.folded) for c in group) + ")" for group in groups
        )

    def frequencies(self, plan: Matching) -> dict[str, int]:
        """How many rows hold each of the query's words: FTS5's own count, exact and
        read afresh (search_entry_vocab, migration 0008)."""
        tokens = sorted({c.folded[0] for c in plan.words})
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT term, doc FROM search_entry_vocab "
                f"WHERE term IN ({', '.join(['%s'] * len(tokens))})",
                tokens,
            )
            return dict(cursor.fetchall())

    def _match(self, plan: Matching) -> tuple[str, list, str, list]:
        """The FTS5 query (whose words bm25 weighs), any prefilter of the rows before
        it, and any further condition with its params."""
        if plan.complete:
            return self._every("folded_text", [c.folded for c in plan.clauses]), [], "", []
        phrases = [self._phrase(c.folded) for c in plan.phrases]
        groups = plan.word_groups()
        if groups:
            either = self._either(groups)
            return f"folded_text : ({' AND '.join([*phrases, f'({either})'])})", [], "", []
        needed, rarest = plan.prefilter(self.frequencies(plan))
        held = self._either(combinations(rarest, needed))
        anyword = " OR ".join(self._phrase(c.folded) for c in plan.words)
        counted = " + ".join([f"({self._IN})"] * len(plan.words))
        return (
            f"folded_text : ({' AND '.join([*phrases, f'({anyword})'])})",
            [f"folded_text : ({' AND '.join([*phrases, f'({held})'])})"],
            f" AND ({counted}) >= {plan.required}",
            [f"folded_text : {self._phrase(c.folded)}" for c in plan.words],
        )

    def from_match(self, clauses):
        """Counting and paging by date read the match as a set of rowids beside the
        scope index, which covers every column they need (the entry's own row holds
        the texts first, so reading its later columns walks the overflow pages).
        Ranking joins the FTS5 table for bm25, the match as the outer loop (CROSS
        JOIN: left to itself the planner probed the match once per scope row). A
        long query's prefilter comes first, a set of its own: bm25 weighs the
        query's words whatever the prefilter holds."""
        plan = Matching(tuple(clauses))
        match, prefilter, extra, extra_params = self._match(plan)
        first = f"{self._IN} AND " if prefilter else ""
        source = f"search_searchentry e WHERE {first}{self._IN}{extra}"
        ranked = (
            "search_entry_fts f CROSS JOIN search_searchentry e ON e.id = f.rowid "
            f"WHERE {first}f.search_entry_fts MATCH %s{extra}"
        )
        tiers = [self._every("exact_text", [c.exact for c in clauses])]
        if not plan.complete:
            tiers.append(self._every("folded_text", [c.folded for c in clauses]))
        if plan.proximity:
            tiers.append(f"folded_text : {self._phrase(plan.proximity)}")
            near = " ".join(self._phrase(c.folded) for c in clauses)
            tiers.append(f"folded_text : NEAR({near}, {NEAR})")
        rank = ", ".join([*(f"({self._IN}) DESC" for _ in tiers), "f.rank ASC"])
        return source, ranked, rank, [*prefilter, match, *extra_params], tiers

    def exact(self, clauses):
        return self._IN, [self._every("exact_text", [c.exact for c in clauses])]


class Postgres(Dialect):
    @staticmethod
    def _tsquery(tokens: list[tuple[str, ...]], joint: str = " & ") -> str:
        return joint.join(
            "(" + " <-> ".join(f"'{token}'" for token in clause) + ")" for clause in tokens
        )

    @classmethod
    def _at_least(cls, count: int, words: list[str]) -> str:
        """A tsquery true when `count` of these word tsqueries are: the first word
        and count-1 of the rest, or count of the rest. Equal to the OR of every
        group of that size, with fewer operands for the GIN index to combine per
        row (three of four words: 9 instead of 12, a third less time at 50,000
        matches)."""
        if count == len(words):
            return "(" + " & ".join(words) + ")"
        if count == 1:
            return "(" + " | ".join(words) + ")"
        first, rest = words[0], words[1:]
        return f"(({first} & {cls._at_least(count - 1, rest)}) | {cls._at_least(count, rest)})"

    def frequencies(self, plan: Matching) -> dict[str, float]:
        """The share of rows holding each common folded word: ANALYZE's statistics of
        the tsvector (a word they do not list is rarer than every listed one), read
        once a minute; only which words are rarest depends on them, never a match."""
        key = connection.settings_dict["NAME"]
        read_at, frequencies = _FREQUENCIES.get(key, (None, {}))
        if read_at is None or time.monotonic() - read_at > FREQUENCIES_SECONDS:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT most_common_elems::text::text[], most_common_elem_freqs "
                    "FROM pg_stats WHERE schemaname = current_schema() "
                    "AND tablename = 'search_searchentry' AND attname = 'folded_tsv'"
                )
                row = cursor.fetchone()
            frequencies = dict(zip(row[0], row[1], strict=False)) if row and row[0] else {}
            _FREQUENCIES[key] = (time.monotonic(), frequencies)
        return frequencies

    def _match(self, plan: Matching) -> tuple[str, list, str]:
        """The match's tsquery and any further condition, and the tsquery whose
        words ts_rank_cd weighs. A long query's words, `required` of them, are one
        tsquery the GIN index answers alone; past MAX_GROUPS groups of them, what
        every hit holds of its rarest words (Matching.prefilter), then its words
        counted per row."""
        phrases = [self._tsquery([c.folded]) for c in plan.phrases]
        if plan.complete:
            query = self._tsquery([c.folded for c in plan.clauses])
            return "", [query], query
        if plan.word_groups():
            words = [self._tsquery([c.folded]) for c in plan.words]
            query = " & ".join([*phrases, self._at_least(plan.required, words)])
            return "", [query], query
        needed, rarest = plan.prefilter(self.frequencies(plan))
        held = self._at_least(needed, [self._tsquery([c.folded]) for c in rarest])
        anyword = self._tsquery([c.folded for c in plan.words], " | ")
        counted, counted_params = self._counted([c.folded[0] for c in plan.words])
        return (
            f" AND ({counted}) >= {plan.required}",
            [" & ".join([*phrases, held]), *counted_params],
            " & ".join([*phrases, f"({anyword})"]),
        )

    @classmethod
    def _counted(cls, tokens: list[str]) -> tuple[str, list]:
        """How many of these words a row holds, a repeated word once per time: the
        lexemes ts_delete takes out of the row's tsvector, which is read (out of
        line, TOAST) twice, not once per word (a third of the time at 19 words)."""
        distinct = sorted(set(tokens))
        repeats = [token for token in distinct for _ in range(tokens.count(token) - 1)]
        terms = [
            "(length(e.folded_tsv) - length(ts_delete(e.folded_tsv, %s::text[])))",
            *["(e.folded_tsv @@ to_tsquery('simple', %s))::int"] * len(repeats),
        ]
        return " + ".join(terms), [distinct, *(cls._tsquery([(token,)]) for token in repeats)]

    def from_match(self, clauses):
        plan = Matching(tuple(clauses))
        extra, params, relevance = self._match(plan)
        source = f"search_searchentry e WHERE e.folded_tsv @@ to_tsquery('simple', %s){extra}"
        tiers = [("e.exact_tsv", self._tsquery([c.exact for c in clauses]))]
        if not plan.complete:
            tiers.append(("e.folded_tsv", self._tsquery([c.folded for c in clauses])))
        if plan.proximity:
            tiers.append(("e.folded_tsv", self._tsquery([plan.proximity])))
        # Then cover density: the closer the matched words stand, the higher.
        rank = ", ".join(
            [
                *(f"({column} @@ to_tsquery('simple', %s)) DESC" for column, _ in tiers),
                "ts_rank_cd(e.folded_tsv, to_tsquery('simple', %s)) DESC",
            ]
        )
        return source, source, rank, params, [*(query for _, query in tiers), relevance]

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

    def reading(self):
        """A transaction, for SET LOCAL. (SQLite runs without one: the project opens
        its transactions IMMEDIATE, and a search must not take the write lock.)"""
        return transaction.atomic()

    def restore(self, cursor, matching: bool) -> None:
        # SET LOCAL outlives a released savepoint when query() runs inside a caller's
        # transaction (a view, a test); RESET gives the session's own value back.
        if matching:
            cursor.execute("RESET enable_seqscan")

    def facets(self, cursor, where: str, params: list) -> tuple[int, dict[str, list[FacetCount]]]:
        """One pass over the matched rows with grouping sets, one per facet. Subjects
        are grouped by their combination (a few dozen distinct values), which Python
        splits and adds up: unnesting each matched row cost more than the rest."""
        columns = {**FACET_COLUMNS, "subjects": "e.subjects"}
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

    def exact(self, clauses):
        return "e.exact_tsv @@ to_tsquery('simple', %s)", [
            self._tsquery([c.exact for c in clauses])
        ]
