"""The spine's old timeline kinds `call`, `meeting` and `task_done` become this app's `call_logged`,
`meeting_logged` and `task_completed`: one set-based UPDATE per kind, so a timeline of millions of rows is
rewritten in three statements.

Going back rewrites only the rows that were not written by this app's services: theirs always carry the
engagement's or the task's id in `details` (`engagement_id`, `task_id`), the old kinds' rows never did."""

from django.db import migrations
from django.db.models import Q

# old kind -> (new kind, the details key every row the services write carries)
RENAMES = {
    "call": ("call_logged", "engagement_id"),
    "meeting": ("meeting_logged", "engagement_id"),
    "task_done": ("task_completed", "task_id"),
}


def forwards(apps, schema_editor):
    Activity = apps.get_model("contacts", "Activity")
    for old, (new, _key) in RENAMES.items():
        Activity.objects.filter(kind=old).update(kind=new)


def backwards(apps, schema_editor):
    Activity = apps.get_model("contacts", "Activity")
    for old, (new, key) in RENAMES.items():
        Activity.objects.filter(Q(kind=new) & ~Q(details__has_key=key)).update(kind=old)


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0015_company_lifecycle_stage"),
        ("engagements", "0001_tasks_and_engagements"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=True)]
