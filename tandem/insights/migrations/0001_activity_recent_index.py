"""The dashboard's "recent activity" reads the newest activities across all records. The timeline's own
indexes lead with contact, company or kind, so without this one that read would sort the whole table.
Kept here, with the read side that needs it, as plain SQL that both SQLite and PostgreSQL accept."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("contacts", "0002_initial")]

    operations = [
        migrations.RunSQL(
            sql="CREATE INDEX IF NOT EXISTS insights_activity_recent ON contacts_activity (occurred_at DESC, id DESC)",
            reverse_sql="DROP INDEX IF EXISTS insights_activity_recent",
        )
    ]
