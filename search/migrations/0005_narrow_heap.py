"""Every subject of an entry in one column, and (PostgreSQL) a narrow heap.

A broad match on PostgreSQL (half the index) spent its time reading wide heap rows:
the body, both token streams and both tsvectors lived inline. Here they move out of
line (toast_tuple_target at its minimum), so the heap a bitmap scan visits holds the
scope and facet columns only, and the folded GIN index is split by variant, so an
inspector's query (approved versions only) reads the approved half of the index.
Measured at 100,000 records: heap 257 MB -> 45 MB. Rows written before this
migration stay wide until `manage.py search_reindex` rewrites them.
"""

from importlib import import_module

from django.db import migrations, models

_FULLTEXT = import_module("search.migrations.0002_fulltext")

POSTGRES_FORWARD = [
    "ALTER TABLE search_searchentry SET (toast_tuple_target = 128)",
    "CREATE INDEX search_entry_folded_approved ON search_searchentry "
    "USING gin (folded_tsv) WHERE (variant COLLATE \"C\") = 'approved'",
    "CREATE INDEX search_entry_folded_working ON search_searchentry "
    "USING gin (folded_tsv) WHERE (variant COLLATE \"C\") = 'working'",
    "DROP INDEX IF EXISTS search_entry_folded_gin",
]
POSTGRES_BACKWARD = [
    "CREATE INDEX IF NOT EXISTS search_entry_folded_gin ON search_searchentry "
    "USING gin (folded_tsv)",
    "DROP INDEX IF EXISTS search_entry_folded_working",
    "DROP INDEX IF EXISTS search_entry_folded_approved",
    "ALTER TABLE search_searchentry RESET (toast_tuple_target)",
]
# SQLite remakes the table to drop a column, which drops the triggers that keep the
# FTS5 index in step: make them again and rebuild the index from the table.
SQLITE_FORWARD = [
    *_FULLTEXT.SQLITE_BACKWARD[:3],
    *_FULLTEXT.SQLITE_FORWARD[1:],
    "INSERT INTO search_entry_fts(search_entry_fts) VALUES ('rebuild')",
]
FILL_SUBJECTS = {
    "postgresql": "UPDATE search_searchentry e SET subjects = COALESCE((SELECT "
    "string_agg(s.subject, ' ' ORDER BY s.subject) FROM search_searchentrysubject s "
    "WHERE s.entry_id = e.id), '')",
    "sqlite": "UPDATE search_searchentry SET subjects = COALESCE((SELECT "
    "group_concat(s.subject, ' ') FROM search_searchentrysubject s "
    "WHERE s.entry_id = search_searchentry.id), '')",
}


def _fill_subjects(apps, schema_editor):
    sql = FILL_SUBJECTS.get(schema_editor.connection.vendor)
    if sql:
        schema_editor.execute(sql)


_run = _FULLTEXT._run


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0004_scope_covering_indexes"),
    ]

    operations = [
        # Backwards, the table is remade after this point: the triggers come back last.
        migrations.RunPython(migrations.RunPython.noop, _run({"sqlite": SQLITE_FORWARD})),
        migrations.RemoveIndex(
            model_name="searchentry",
            name="search_entry_scope",
        ),
        migrations.RemoveField(
            model_name="searchentry",
            name="subject",
        ),
        migrations.AddField(
            model_name="searchentry",
            name="subjects",
            field=models.CharField(blank=True, max_length=400),
        ),
        migrations.RunPython(_fill_subjects, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="searchentry",
            index=models.Index(
                fields=["variant", "school_id", "state", "school_year", "record_type", "grade"],
                include=("date", "page_id", "subjects"),
                name="search_entry_scope",
            ),
        ),
        migrations.RunPython(
            _run({"postgresql": POSTGRES_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": POSTGRES_BACKWARD}),
        ),
    ]
