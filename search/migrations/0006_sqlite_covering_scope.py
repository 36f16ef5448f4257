"""SQLite: an index that covers every column a search counts or pages by date.

An entry's row holds its texts before the scope columns, so SQLite reads a row's
school, state or date through its overflow pages. Counting the facets of a broad
match and paging it newest first read only this index (SQLite ignores the
INCLUDE columns of search_entry_scope, which serve PostgreSQL).
"""

from django.db import migrations

SQLITE_FORWARD = [
    "CREATE INDEX search_entry_scope_covering ON search_searchentry "
    "(variant, school_id, state, school_year, record_type, grade, date, page_id)"
]
SQLITE_BACKWARD = ["DROP INDEX IF EXISTS search_entry_scope_covering"]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0005_narrow_heap")]

    operations = [migrations.RunPython(_run(SQLITE_FORWARD), _run(SQLITE_BACKWARD))]
