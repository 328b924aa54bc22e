"""Quotas: what each rep is expected to win in a month or a quarter, the measure of the forecast's attainment."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class PeriodKind(models.TextChoices):
    MONTH = "month", "Month"
    QUARTER = "quarter", "Quarter"


class Quota(models.Model):
    """One rep's target for one month or quarter, in one currency (amounts are never converted)."""

    access_object_type = "quota"

    # The rep whose target it is; `team` follows them (written by the services), so the access policy's
    # team scope reads the quota the way it reads a deal.
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey("core.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    period_kind = models.CharField(max_length=10, choices=PeriodKind.choices)
    # The first day of the month or quarter.
    period_start = models.DateField()
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "period_kind", "period_start"], name="forecast_one_quota_per_period"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="forecast_quota_not_negative"),
        ]
        indexes = [models.Index(fields=["period_start", "owner"], name="forecast_quota_period")]

    def __str__(self) -> str:
        return f"Quota of user {self.owner_id} for the {self.period_kind} of {self.period_start}"
