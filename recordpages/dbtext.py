"""Diacritic-insensitive matching inside SQL, for the admin's own searches through
the ORM (people, classes, schools): "nguyen van an" finds "Nguyễn Văn An", "dung"
finds "Dũng" and "Đức" is found by "duc".

`Folded(column)` is recordpages.text.fold() of the column, computed by the database:
a Python function registered on each SQLite connection, `lower(translate(...))` on
PostgreSQL. The query text is folded in Python, so both sides agree.
"""

from __future__ import annotations

from django.db.models import CharField, Func, Q, QuerySet, Value
from django.db.models.functions import Lower

from recordpages.text import fold

SQLITE_FUNCTION = "hoso_fold"


def _letters() -> tuple[str, str]:
    """Every Latin letter with diacritics (Vietnamese among them, both cases) and the
    ASCII letter fold() turns it into."""
    source, target = [], []
    for code in range(0xC0, 0x1EFA):
        letter = chr(code)
        folded = fold(letter)
        if len(folded) == 1 and folded.isascii() and folded.isalpha() and letter != folded:
            source.append(letter)
            target.append(folded)
    return "".join(source), "".join(target)


FROM_LETTERS, TO_LETTERS = _letters()


class Folded(Func):
    function = SQLITE_FUNCTION
    arity = 1
    output_field = CharField()

    def as_postgresql(self, compiler, connection, **extra_context):
        (column,) = self.get_source_expressions()
        translated = Func(
            column,
            Value(FROM_LETTERS),
            Value(TO_LETTERS),
            function="translate",
            output_field=CharField(),
        )
        return compiler.compile(Lower(translated))


def register_sqlite_function(sender, connection, **kwargs) -> None:
    """connection_created: make hoso_fold() available on a new SQLite connection."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            SQLITE_FUNCTION,
            1,
            lambda value: None if value is None else fold(value),
            deterministic=True,
        )


def folded_search(queryset: QuerySet, fields, query: str) -> QuerySet:
    """Rows whose field contains every word of the query, ignoring case and diacritics."""
    words = fold(query).split()
    if not words or not fields:
        return queryset
    annotations = {f"_folded_{field}": Folded(field) for field in fields}
    queryset = queryset.annotate(**annotations)
    for word in words:
        match = Q()
        for name in annotations:
            match |= Q(**{f"{name}__contains": word})
        queryset = queryset.filter(match)
    return queryset
