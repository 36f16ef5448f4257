"""The full-text index over SearchEntry, in each vendor's own form.

SQLite: an FTS5 table with the entries as external content, kept in step by
triggers. PostgreSQL: generated tsvector columns ('simple' configuration: the
token streams are already Vietnamese-aware) with GIN indexes.
"""

from django.db import migrations

SQLITE_FORWARD = [
    """CREATE VIRTUAL TABLE search_entry_fts USING fts5(
        exact_text, folded_text, content='search_searchentry', content_rowid='id',
        tokenize="unicode61 remove_diacritics 0")""",
    """CREATE TRIGGER search_entry_ai AFTER INSERT ON search_searchentry BEGIN
        INSERT INTO search_entry_fts(rowid, exact_text, folded_text)
        VALUES (new.id, new.exact_text, new.folded_text);
    END""",
    """CREATE TRIGGER search_entry_ad AFTER DELETE ON search_searchentry BEGIN
        INSERT INTO search_entry_fts(search_entry_fts, rowid, exact_text, folded_text)
        VALUES ('delete', old.id, old.exact_text, old.folded_text);
    END""",
    """CREATE TRIGGER search_entry_au AFTER UPDATE ON search_searchentry BEGIN
        INSERT INTO search_entry_fts(search_entry_fts, rowid, exact_text, folded_text)
        VALUES ('delete', old.id, old.exact_text, old.folded_text);
        INSERT INTO search_entry_fts(rowid, exact_text, folded_text)
        VALUES (new.id, new.exact_text, new.folded_text);
    END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS search_entry_au",
    "DROP TRIGGER IF EXISTS search_entry_ad",
    "DROP TRIGGER IF EXISTS search_entry_ai",
    "DROP TABLE IF EXISTS search_entry_fts",
]
POSTGRES_FORWARD = [
    """ALTER TABLE search_searchentry
        ADD COLUMN exact_tsv tsvector
            GENERATED ALWAYS AS (to_tsvector('simple', exact_text)) STORED,
        ADD COLUMN folded_tsv tsvector
            GENERATED ALWAYS AS (to_tsvector('simple', folded_text)) STORED""",
    "CREATE INDEX search_entry_folded_gin ON search_searchentry USING gin (folded_tsv)",
    "CREATE INDEX search_entry_exact_gin ON search_searchentry USING gin (exact_tsv)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS search_entry_exact_gin",
    "DROP INDEX IF EXISTS search_entry_folded_gin",
    "ALTER TABLE search_searchentry DROP COLUMN IF EXISTS exact_tsv, "
    "DROP COLUMN IF EXISTS folded_tsv",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        )
    ]
