"""SQLite: FTS5's vocabulary of the entries, each term with the number of rows
holding it. A long query asks it which of its words are rarest (the rows that
must hold some of them are then few: search.vietnamese.Matching.prefilter)."""

from django.db import migrations

FORWARD = "CREATE VIRTUAL TABLE IF NOT EXISTS search_entry_vocab USING fts5vocab(search_entry_fts, 'row')"
BACKWARD = "DROP TABLE IF EXISTS search_entry_vocab"


def _run(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0007_inline_facet_columns")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
