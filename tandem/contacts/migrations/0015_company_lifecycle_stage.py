"""Company.lifecycle_stage: where the account is in the funnel, in the contacts' words (a won deal makes the
company a customer). Backfill: a company with a live customer contact becomes a customer (one set-based
UPDATE); the others start at lead, the column's default.

The column is added with a plain ALTER TABLE ... ADD COLUMN on both engines, like 0010: Django's SQLite schema
editor would rebuild the table for a NOT NULL column, and a rebuild drops the search index's triggers (0009)."""

from django.db import migrations, models

STAGE_CHOICES = [
    ("subscriber", "Subscriber"),
    ("lead", "Lead"),
    ("mql", "Marketing qualified lead"),
    ("sql", "Sales qualified lead"),
    ("opportunity", "Opportunity"),
    ("customer", "Customer"),
    ("evangelist", "Evangelist"),
    ("other", "Other"),
]

BACKFILL = """
UPDATE contacts_company SET lifecycle_stage = 'customer'
WHERE EXISTS (
    SELECT 1 FROM contacts_contact
    WHERE contacts_contact.company_id = contacts_company.id
      AND contacts_contact.deleted_at IS NULL
      AND contacts_contact.lifecycle_stage IN ('customer', 'evangelist')
)
"""


class Migration(migrations.Migration):
    dependencies = [("contacts", "0014_property_object_type_from_the_record_registry")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="company",
                    name="lifecycle_stage",
                    field=models.CharField(
                        choices=STAGE_CHOICES, db_default="lead", default="lead", max_length=20
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    sql="ALTER TABLE contacts_company ADD COLUMN lifecycle_stage varchar(20) DEFAULT 'lead' NOT NULL",
                    reverse_sql="ALTER TABLE contacts_company DROP COLUMN lifecycle_stage",
                ),
            ],
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop, elidable=True),
        migrations.AddIndex(
            model_name="company",
            index=models.Index(
                condition=models.Q(("deleted_at__isnull", True)),
                fields=["lifecycle_stage", "-created_at", "-id"],
                name="company_stage_created",
            ),
        ),
    ]
