"""PostgreSQL: the scope and facet columns stay in the heap row, never out of line.

0005 set toast_tuple_target to its minimum so that the texts and tsvectors leave
the heap; PostgreSQL then went on moving every value longer than a TOAST pointer
out of line until the row fitted, a subjects list such as "khoa_hoc lich_su_dia_li
tieng_viet" included. Counting the facets of a broad match then fetched those
from TOAST, index probe and chunk for each matched row: at 100,000 records,
'kế hoạch dạy học' read 72,553 buffers for 50,142 rows, 5,645 with the column
inline. PLAIN storage keeps these short, bounded columns in the row. Rows
written before this migration keep their out-of-line values until
`manage.py search_reindex` rewrites them.
"""

from django.db import migrations

FACET_COLUMNS = ("variant", "state", "school_year", "record_type", "subjects")
POSTGRES_FORWARD = [
    "ALTER TABLE search_searchentry "
    + ", ".join(f"ALTER COLUMN {column} SET STORAGE PLAIN" for column in FACET_COLUMNS)
]
POSTGRES_BACKWARD = [
    "ALTER TABLE search_searchentry "
    + ", ".join(f"ALTER COLUMN {column} SET STORAGE EXTENDED" for column in FACET_COLUMNS)
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0006_sqlite_covering_scope")]

    operations = [migrations.RunPython(_run(POSTGRES_FORWARD), _run(POSTGRES_BACKWARD))]
