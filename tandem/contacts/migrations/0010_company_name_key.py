"""Company.name_key: the name as matching by name sees it (case, accents and spacing ignored), so an import's
"SOCIETE GENERALE" links to "Société Générale" with one indexed equality on SQLite and PostgreSQL alike.

The column is added with a plain ALTER TABLE ... ADD COLUMN on both engines: Django's SQLite schema editor
would rebuild the table for a NOT NULL column, and a rebuild drops the search index's triggers (0009)."""

from django.db import migrations, models

BATCH_SIZE = 5000


def fill_name_keys(apps, schema_editor):
    """Every company's key, computed by the same Python function the writers use (the engines fold accents
    differently), in keyset batches of one SELECT and one executemany UPDATE each."""
    from tandem.contacts.normalize import company_name_key

    Company = apps.get_model("contacts", "Company")
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    sql = f"UPDATE {quote(Company._meta.db_table)} SET {quote('name_key')} = %s WHERE {quote('id')} = %s"  # noqa: S608
    last_id = 0
    while True:
        batch = list(
            Company.objects.filter(pk__gt=last_id).order_by("pk").values_list("pk", "name")[:BATCH_SIZE]
        )
        if not batch:
            return
        with connection.cursor() as cursor:
            cursor.executemany(sql, [(company_name_key(name), pk) for pk, name in batch])
        last_id = batch[-1][0]


class Migration(migrations.Migration):
    dependencies = [("contacts", "0009_full_text_search")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="company",
                    name="name_key",
                    field=models.CharField(
                        blank=True, db_default="", default="", editable=False, max_length=255
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    sql="ALTER TABLE contacts_company ADD COLUMN name_key varchar(255) DEFAULT '' NOT NULL",
                    reverse_sql="ALTER TABLE contacts_company DROP COLUMN name_key",
                ),
            ],
        ),
        migrations.RunPython(fill_name_keys, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="company",
            index=models.Index(
                condition=models.Q(("deleted_at__isnull", True)),
                fields=["name_key", "id"],
                name="company_live_name_key",
            ),
        ),
    ]
