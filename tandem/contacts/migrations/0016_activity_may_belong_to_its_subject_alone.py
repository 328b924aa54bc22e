"""A timeline row may belong to its subject alone (neither contact nor company): a deal writes one for each
of its events, so its page shows them whatever its links. Going back deletes those rows first, since the
old constraint forbids them (their copies on the deal's people, where there were people, stay)."""

from django.conf import settings
from django.db import migrations, models


def delete_rows_of_a_subject_alone(apps, schema_editor):
    Activity = apps.get_model("contacts", "Activity")
    Activity.objects.filter(contact__isnull=True, company__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0015_company_lifecycle_stage"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="activity",
            name="activity_has_a_record",
        ),
        migrations.RunPython(migrations.RunPython.noop, delete_rows_of_a_subject_alone, elidable=False),
        migrations.AddConstraint(
            model_name="activity",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("contact__isnull", False),
                    ("company__isnull", False),
                    models.Q(("subject_id__isnull", False), models.Q(("subject_type", ""), _negated=True)),
                    _connector="OR",
                ),
                name="activity_has_a_record_or_subject",
            ),
        ),
    ]
