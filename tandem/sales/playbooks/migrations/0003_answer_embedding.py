"""Semantic search (optional extra): each answer's embedding. Adding a column may rebuild
`playbooks_answer` on SQLite, which drops the search triggers: put them back (see search.reinstall)."""

from django.db import migrations, models

from tandem.sales.playbooks import search


class Migration(migrations.Migration):
    dependencies = [("playbooks", "0002_answer_search")]

    operations = [
        migrations.AddField(
            model_name="answer",
            name="embedding",
            field=models.BinaryField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(search.reinstall, migrations.RunPython.noop),
    ]
