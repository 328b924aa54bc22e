"""The forecast's demo data: each open deal's forecast category, quarterly quotas for the sales reps (last
year and this year), and every company's lifecycle stage in step with its contacts and deals. Set-based
(a few UPDATEs, one bulk insert) and deterministic: amounts come from this step's own random stream, rows
are written in the reps' e-mail order, never in an order the database picks."""

import datetime
from decimal import Decimal

from django.db.models import Case, Q, Value, When

from tandem.contacts.models import Company, Contact
from tandem.core.models import Role
from tandem.demo.generator.context import FUNNEL, GeneratorContext
from tandem.sales.deals.models import Deal, ForecastCategory, Stage, StageKind
from tandem.sales.forecast.models import PeriodKind, Quota

# A quarter's target per rep, before this year's growth: a spread, so the forecast shows reps ahead and behind.
QUARTER_TARGETS = [Decimal(value) for value in ("60000", "75000", "90000", "105000", "120000")]
GROWTH = Decimal("1.15")
SMALLEST = Decimal("4800")


def set_forecast_categories() -> None:
    """An open deal's category follows how far it is, as reps call them: late stages commit, the middle is
    best case, early ones pipeline, and the smallest early deals are left out (omitted). Read from the
    deal's own columns, never its id (a sequence number), so it is the same on every run. One UPDATE."""
    # An UPDATE may not join: the stages of each band are read first (a handful of rows).
    early = list(Stage.objects.filter(probability__lte=25).values_list("id", flat=True))
    middle = list(Stage.objects.filter(probability__gte=50, probability__lt=75).values_list("id", flat=True))
    late = list(Stage.objects.filter(probability__gte=75).values_list("id", flat=True))
    Deal.objects.filter(status=StageKind.OPEN).update(
        forecast_category=Case(
            When(Q(amount__lte=SMALLEST, stage_id__in=early), then=Value(ForecastCategory.OMITTED)),
            When(stage_id__in=late, then=Value(ForecastCategory.COMMIT)),
            When(stage_id__in=middle, then=Value(ForecastCategory.BEST_CASE)),
            default=Value(ForecastCategory.PIPELINE),
        )
    )


def create_quotas(context: GeneratorContext) -> None:
    """Quarterly EUR quotas for every sales rep, for each quarter of last year and of this year."""
    rng = context.random("forecast")
    Quota.objects.all().delete()
    this_year = context.end_at.year
    reps = sorted(
        (user for user in context.users.values() if user.role == Role.SALES), key=lambda user: user.email
    )
    rows = []
    for rep in reps:
        target = rng.choice(QUARTER_TARGETS)
        for year in (this_year - 1, this_year):
            base = target if year < this_year else (target * GROWTH).quantize(Decimal("1000"))
            for month in (1, 4, 7, 10):
                rows.append(
                    Quota(
                        owner=rep, team_id=rep.team_id, period_kind=PeriodKind.QUARTER,
                        period_start=datetime.date(year, month, 1), amount=base, currency="EUR",
                        created_at=context.start_at, updated_at=context.start_at,
                    )
                )  # fmt: skip
    Quota.objects.bulk_create(rows)


def align_company_stages() -> None:
    """Each company at the furthest funnel stage of its live contacts ("other" is outside the funnel and
    never counts), and a customer as soon as one of its deals was won. One UPDATE per stage, in funnel order,
    so the furthest is the one that stays.

    Each UPDATE reads the companies from an uncorrelated `IN (subquery)`: one pass over the contacts, which
    both engines turn into a hash or a temporary index. A correlated EXISTS needs an index on
    `contact.company_id`, and the large seed builds that index only after this step, so at a million
    contacts it scanned every contact once per company."""
    for stage in FUNNEL:
        holding = Contact.objects.filter(deleted_at__isnull=True, lifecycle_stage=stage).values("company_id")
        Company.objects.filter(pk__in=holding).update(lifecycle_stage=stage)
    won = Deal.objects.filter(status=StageKind.WON, deleted_at__isnull=True).values("company_id")
    Company.objects.filter(pk__in=won, lifecycle_stage__in=FUNNEL[: FUNNEL.index("customer")]).update(
        lifecycle_stage="customer"
    )


def create_forecast(context: GeneratorContext) -> None:
    set_forecast_categories()
    create_quotas(context)
    align_company_stages()
