"""PostgreSQL: keep SearchEntry's large columns (body, token streams, tsvectors)
out of line, so that a pass over many matched rows for the total and facets
reads narrow heap tuples (a few MB for a district) instead of ~2 kB each.

Rows written before this migration keep their layout until the next
`rebuild_search_index` (which rewrites every row) or a VACUUM FULL.
"""

from django.db import migrations


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE search_searchentry SET (toast_tuple_target = 128)")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE search_searchentry RESET (toast_tuple_target)")


class Migration(migrations.Migration):
    dependencies = [("search", "0003_subjects")]

    operations = [migrations.RunPython(forward, backward)]
