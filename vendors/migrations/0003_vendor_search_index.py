"""GIN index for the directory's full-text search on PostgreSQL.

It indexes exactly the expression vendors.selectors.vendor_text_vector() builds
(name weighted A, description weighted B, the "english" configuration), so the
text branch of a directory search is an index scan rather than a to_tsvector()
of every description. SQLite (development) has no such index and searches with
a plain substring match instead, so the operation does nothing there; it does not
touch the model state, so `makemigrations --check` stays clean.
"""

from django.db import migrations

INDEX = "vendor_search_document_idx"
CREATE = f"""
CREATE INDEX IF NOT EXISTS {INDEX} ON vendors_vendor USING gin ((
    setweight(to_tsvector('english'::regconfig, COALESCE(name, '')), 'A')
    || setweight(to_tsvector('english'::regconfig, COALESCE(description, '')), 'B')
))
"""
DROP = f"DROP INDEX IF EXISTS {INDEX}"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("vendors", "0002_taxonomy")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
