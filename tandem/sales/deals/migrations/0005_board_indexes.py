"""The board's column sums from a covering index (see Deal.Meta: deal_board_totals)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("deals", "0004_pipeline_settings_objections_met_qualification")]

    operations = [
        migrations.AddIndex(
            model_name="deal",
            index=models.Index(
                condition=models.Q(("deleted_at__isnull", True)),
                fields=["pipeline", "stage", "currency", "amount", "deleted_at"],
                name="deal_board_totals",
            ),
        ),
    ]
