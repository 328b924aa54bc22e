"""`AnswerUse.deal_id` (a plain integer while the deals app was built in parallel) becomes a foreign key to the
deal, SET_NULL: a use outlives the deal it was recorded on. The column keeps its name and its values; ids of
deals that no longer exist are cleared first, so the constraint holds."""

import django.db.models.deletion
from django.db import migrations, models


def clear_dangling(apps, schema_editor) -> None:
    AnswerUse = apps.get_model("playbooks", "AnswerUse")
    Deal = apps.get_model("deals", "Deal")
    AnswerUse.objects.filter(deal_id__isnull=False).exclude(deal_id__in=Deal.objects.values("pk")).update(
        deal_id=None
    )


class Migration(migrations.Migration):
    dependencies = [("playbooks", "0003_answer_embedding"), ("deals", "0002_default_pipeline")]

    operations = [
        migrations.RunPython(clear_dangling, migrations.RunPython.noop),
        migrations.SeparateDatabaseAndState(
            # The table keeps its column deal_id; it gains the constraint and an index.
            database_operations=[
                migrations.AlterField(
                    model_name="answeruse",
                    name="deal_id",
                    field=models.ForeignKey(
                        db_column="deal_id",
                        null=True,
                        blank=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="deals.deal",
                    ),
                )
            ],
            state_operations=[
                migrations.RemoveField(model_name="answeruse", name="deal_id"),
                migrations.AddField(
                    model_name="answeruse",
                    name="deal",
                    field=models.ForeignKey(
                        null=True,
                        blank=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="answer_uses",
                        to="deals.deal",
                    ),
                ),
            ],
        ),
    ]
