"""Answer search: an FTS5 table (Porter) kept by triggers on SQLite, generated tsvector columns with GIN indexes
on PostgreSQL (see tandem.sales.playbooks.search)."""

from django.db import migrations

from tandem.sales.playbooks import search


class Migration(migrations.Migration):
    dependencies = [("playbooks", "0001_objections_answers_battle_cards")]

    operations = [migrations.RunPython(search.reinstall, search.uninstall)]
