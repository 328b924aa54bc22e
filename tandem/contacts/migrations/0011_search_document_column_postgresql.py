"""PostgreSQL: the search document becomes a stored generated column with its own trigram index and a
larger statistics sample, instead of an index on the function call (see search.DOCUMENT_COLUMN for why).
Rewrites both tables once (a few minutes at a million contacts). SQLite keeps its FTS5 tables unchanged."""

from django.db import migrations

from tandem.contacts import search


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in search.document_column_statements():
            schema_editor.execute(statement, params=None)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in search.document_column_reverse_statements():
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("contacts", "0010_company_name_key")]

    operations = [migrations.RunPython(install, uninstall)]
