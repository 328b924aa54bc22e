"""The table behind the shared cache (settings.CACHES when no Redis is configured): login throttling and the
API's rate limit count there, so every web process sees the same counts."""

from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations

CACHE_TABLE = "tandem_cache"


def create_cache_table(apps, schema_editor):
    command = CreateCacheTable()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, CACHE_TABLE, dry_run=False)


def drop_cache_table(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(CACHE_TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("core", "0002_event_retry_backoff")]

    operations = [migrations.RunPython(create_cache_table, drop_cache_table)]
