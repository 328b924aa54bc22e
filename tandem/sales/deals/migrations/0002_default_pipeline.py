"""A fresh install can add deals at once: one default pipeline and the default loss reasons."""

from django.db import migrations

STAGES = [
    # name, probability, rotting days, required fields, kind
    ("Qualification", 10, 14, [], "open"),
    ("Needs analysis", 25, 21, [], "open"),
    ("Proposal", 50, 21, ["amount"], "open"),
    ("Negotiation", 75, 14, ["amount", "expected_close_date"], "open"),
    ("Won", 100, None, ["amount"], "won"),
    ("Lost", 0, None, [], "lost"),
]
REASONS = ["Price", "Timing", "No decision", "Competitor", "Missing feature", "Other"]


def create(apps, schema_editor):
    Pipeline = apps.get_model("deals", "Pipeline")
    Stage = apps.get_model("deals", "Stage")
    LossReason = apps.get_model("deals", "LossReason")
    if not Pipeline.objects.exists():
        pipeline = Pipeline.objects.create(name="Sales pipeline", is_default=True, order=0)
        Stage.objects.bulk_create(
            [
                Stage(pipeline=pipeline, name=name, order=order, probability=probability,
                      rotting_days=rotting, required_fields=required, kind=kind)
                for order, (name, probability, rotting, required, kind) in enumerate(STAGES)
            ]
        )
    if not LossReason.objects.exists():
        LossReason.objects.bulk_create([LossReason(label=label, order=order) for order, label in enumerate(REASONS)])


class Migration(migrations.Migration):
    dependencies = [("deals", "0001_pipelines_deals_stages")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
