from django.db import migrations

from tandem.sales.playbooks import search


def refold(apps, schema_editor) -> None:
    """PostgreSQL: the generated search columns are defined again with the text's accents folded (a generated
    column's expression cannot be altered: dropped and added, which recomputes every row). SQLite's FTS5
    tokenizer already removes diacritics: nothing to do."""
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in [*search.uninstall_statements("postgresql"), *search.install_statements("postgresql")]:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("playbooks", "0004_answer_use_deal_foreign_key")]

    # Going back keeps the folded columns: the earlier code reads them the same way, and only a typed accent
    # would then miss (as "Zurich" missed "Zürich" before).
    operations = [migrations.RunPython(refold, migrations.RunPython.noop)]
