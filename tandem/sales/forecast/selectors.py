"""The forecast for one period: open pipeline, weighted pipeline, forecast categories and won deals, grouped by
close month, owner and team, against each rep's quota. Amounts are summed per currency, never converted.

Every sum is the database's: one GROUP BY over the open deals closing in the period, one over the deals won in
it, one read of the quotas. What Python adds up afterwards are those grouped rows (owners × months ×
currencies × categories), never deals, so the page costs the same for 500 or 50,000 open deals."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import BigIntegerField, Count, DateField, F, Q, Sum
from django.db.models.functions import Cast, Round, TruncMonth
from django.utils import timezone

from tandem.core import access
from tandem.core.access import Verb
from tandem.core.models import Team, User
from tandem.sales.deals.models import ForecastCategory, StageKind
from tandem.sales.deals.selectors import DealFilters, filter_deals, visible_deals
from tandem.sales.forecast.models import PeriodKind, Quota
from tandem.sales.forecast.periods import Period

CENT = Decimal("0.01")
# The categories that make up the open pipeline, most certain first; omitted deals are left out of it.
COUNTED = [ForecastCategory.COMMIT, ForecastCategory.BEST_CASE, ForecastCategory.PIPELINE]


@dataclass
class Figures:
    """One row of the forecast in one currency. Amounts in cents while summing (exact integers from the
    database), shown as Decimals."""

    currency: str
    won_cents: int = 0
    won_count: int = 0
    # per category: cents and count of open deals
    open_cents: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    open_count: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    # amount × probability, in cents × percent (÷ 10,000 for money)
    weighted_units: int = 0
    quota: Decimal | None = None

    def add(self, other: "Figures") -> None:
        self.won_cents += other.won_cents
        self.won_count += other.won_count
        for category, cents in other.open_cents.items():
            self.open_cents[category] += cents
        for category, count in other.open_count.items():
            self.open_count[category] += count
        self.weighted_units += other.weighted_units
        if other.quota is not None:
            self.quota = (self.quota or Decimal("0.00")) + other.quota

    # --- what the page shows ---

    @property
    def won(self) -> Decimal:
        return _money(self.won_cents)

    def category(self, category: str) -> Decimal:
        return _money(self.open_cents.get(category, 0))

    @property
    def commit(self) -> Decimal:
        return self.category(ForecastCategory.COMMIT)

    @property
    def best_case(self) -> Decimal:
        return self.category(ForecastCategory.BEST_CASE)

    @property
    def pipeline(self) -> Decimal:
        return self.category(ForecastCategory.PIPELINE)

    @property
    def omitted(self) -> Decimal:
        return self.category(ForecastCategory.OMITTED)

    @property
    def open_total(self) -> Decimal:
        """The open pipeline: every open deal closing in the period but the omitted ones."""
        return _money(sum(self.open_cents.get(category, 0) for category in COUNTED))

    @property
    def open_count_total(self) -> int:
        return sum(self.open_count.get(category, 0) for category in COUNTED)

    @property
    def weighted(self) -> Decimal:
        """Σ amount × stage probability ÷ 100 over the open pipeline, rounded to the cent once, at the end."""
        return (Decimal(self.weighted_units) / 10_000).quantize(CENT, rounding=ROUND_HALF_UP)

    @property
    def projected(self) -> Decimal:
        """Won plus commit: what the reps say will be won by the period's end."""
        return self.won + self.commit

    @property
    def attainment(self) -> Decimal | None:
        """Won ÷ quota as a percentage with one decimal; None without a quota or with a quota of zero."""
        if not self.quota:
            return None
        return (self.won / self.quota * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def bar_width(self) -> int:
        """The attainment bar's width in percent, 0–100 (an attainment past 100 % fills the bar)."""
        if self.attainment is None:
            return 0
        return int(min(self.attainment, Decimal(100)).to_integral_value(rounding=ROUND_HALF_UP))

    @property
    def bar_class(self) -> str:
        """The bar's width as one of the stylesheet's w0…w100 classes (steps of 5; the CSP forbids inline
        styles). A sliver of attainment still shows as 5 %."""
        width = self.bar_width
        if width == 0:
            return "w0"
        return f"w{max(5, int(Decimal(width) / 5 + Decimal('0.5')) * 5)}"


def _money(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(CENT)


@dataclass
class Row:
    """A line of one of the forecast's tables: an owner, a team or a month, in one currency."""

    key: object
    label: str
    figures: Figures
    sublabel: str = ""


@dataclass
class Section:
    """The forecast in one currency: its totals and its rows by owner, team and close month."""

    currency: str
    totals: Figures
    by_owner: list[Row]
    by_team: list[Row]
    by_month: list[Row]


@dataclass
class Forecast:
    period: Period
    currencies: list[str]
    totals: dict[str, Figures]
    by_owner: list[Row]
    by_team: list[Row]
    by_month: list[Row]
    # Open deals matching the filters that have no expected close date (they cannot be placed in a period).
    undated_count: int
    may_see_quotas: bool

    @property
    def sections(self) -> list[Section]:
        return [
            Section(
                currency=currency,
                totals=self.totals[currency],
                by_owner=[row for row in self.by_owner if row.figures.currency == currency],
                by_team=[row for row in self.by_team if row.figures.currency == currency],
                by_month=[row for row in self.by_month if row.figures.currency == currency],
            )
            for currency in self.currencies
        ]


def _period_bounds(period: Period) -> tuple[datetime.datetime, datetime.datetime]:
    """The period as an aware datetime range [start, end) in the site's time zone, for closed_at."""
    zone = timezone.get_current_timezone()
    start = datetime.datetime.combine(period.start, datetime.time.min, tzinfo=zone)
    end = datetime.datetime.combine(period.following().start, datetime.time.min, tzinfo=zone)
    return start, end


def _cents():
    # Each amount as whole cents, rounded in SQL, so the sums are exact integers on SQLite (which stores a
    # decimal column as a float) as on PostgreSQL.
    return Cast(Round(F("amount") * 100), BigIntegerField())


def forecast(user, period: Period, filters: DealFilters) -> Forecast:
    """The forecast of `period` over the deals `user` may see (the deal policy) that match `filters` (owner,
    team, pipeline), with the quotas of the reps in it that `user` may see. Six queries whatever the number of
    deals: the open deals' GROUP BY, the won deals' GROUP BY, the count of undated open deals, the quotas, and
    the names of the owners and teams in the result. The sums are integers (cents, and cents × percent for
    the weighted total): exact up to 92 trillion in one currency and one row."""
    deals = filter_deals(visible_deals(user), filters).order_by()
    open_rows = (
        deals.filter(
            status=StageKind.OPEN,
            expected_close_date__gte=period.start,
            expected_close_date__lte=period.end,
        )
        .annotate(month=TruncMonth("expected_close_date", output_field=DateField()), cents=_cents())
        .values("month", "owner_id", "team_id", "currency", "forecast_category")
        .annotate(
            count=Count("id"),
            total=Sum("cents"),
            weighted=Sum(F("cents") * F("stage__probability")),
        )
    )
    start, end = _period_bounds(period)
    won_rows = (
        deals.filter(status=StageKind.WON, closed_at__gte=start, closed_at__lt=end)
        .annotate(month=TruncMonth("closed_at", output_field=DateField()), cents=_cents())
        .values("month", "owner_id", "team_id", "currency")
        .annotate(count=Count("id"), total=Sum("cents"))
    )
    undated_count = deals.filter(status=StageKind.OPEN, expected_close_date__isnull=True).count()

    owners: dict[tuple, Figures] = {}
    teams: dict[tuple, Figures] = {}
    months: dict[tuple, Figures] = {}
    totals: dict[str, Figures] = {}

    def figures(table: dict, key: tuple, currency: str) -> Figures:
        if key not in table:
            table[key] = Figures(currency)
        return table[key]

    def place(row: dict, piece: Figures) -> None:
        currency = row["currency"]
        for table, key in (
            (owners, (row["owner_id"], currency)),
            (teams, (row["team_id"], currency)),
            (months, (row["month"], currency)),
        ):
            figures(table, key, currency).add(piece)
        figures(totals, currency, currency).add(piece)  # type: ignore[arg-type]

    for row in open_rows:
        piece = Figures(row["currency"])
        category = row["forecast_category"]
        piece.open_cents[category] += row["total"] or 0
        piece.open_count[category] += row["count"]
        if category != ForecastCategory.OMITTED:
            piece.weighted_units += row["weighted"] or 0
        place(row, piece)
    for row in won_rows:
        piece = Figures(row["currency"], won_cents=row["total"] or 0, won_count=row["count"])
        place(row, piece)

    may_see_quotas = access.allows(user, "quota", Verb.VIEW)
    if may_see_quotas:
        for quota_row in period_quotas(user, period, filters):
            currency = quota_row["currency"]
            piece = Figures(currency, quota=quota_row["amount"])
            figures(owners, (quota_row["owner_id"], currency), currency).add(piece)
            figures(teams, (quota_row["team_id"], currency), currency).add(piece)
            figures(totals, currency, currency).add(piece)  # type: ignore[arg-type]

    users = {
        user_row.pk: user_row
        for user_row in User.objects.filter(pk__in={key[0] for key in owners if key[0]}).select_related(
            "team"
        )
    }
    team_names = dict(
        Team.objects.filter(pk__in={key[0] for key in teams if key[0]}).values_list("pk", "name")
    )
    currencies = sorted(totals)
    by_owner = [
        Row(
            key=owner_id,
            label=users[owner_id].display_name if owner_id in users else "Unowned",
            sublabel=(users[owner_id].team.name if owner_id in users and users[owner_id].team else ""),
            figures=item,
        )
        for (owner_id, _), item in owners.items()
    ]
    by_owner.sort(key=lambda row: (row.figures.currency, row.key is None, row.label.lower(), row.key or 0))
    by_team = [
        Row(key=team_id, label=team_names.get(team_id, "No team") if team_id else "No team", figures=item)
        for (team_id, _), item in teams.items()
    ]
    by_team.sort(key=lambda row: (row.figures.currency, row.key is None, row.label.lower()))
    by_month = [
        Row(key=month, label=month.strftime("%B %Y"), figures=item) for (month, _), item in months.items()
    ]
    by_month.sort(key=lambda row: (row.figures.currency, row.key))
    return Forecast(
        period=period,
        currencies=currencies,
        totals=totals,
        by_owner=by_owner,
        by_team=by_team,
        by_month=by_month,
        undated_count=undated_count,
        may_see_quotas=may_see_quotas,
    )


def period_quotas(user, period: Period, filters: DealFilters) -> list[dict]:
    """The quota of each rep for `period` that `user` may see, narrowed by the owner and team filters (a
    quota has no pipeline). A quarter's quota is its quarterly quota, or, for a rep without one, the sum of
    the rep's monthly quotas of its three months in one currency. One query."""
    quotas = access.scope_queryset(user, Verb.VIEW, Quota.objects.all())
    if filters.owner_ids:
        quotas = quotas.filter(owner_id__in=filters.owner_ids)
    if filters.team_ids:
        quotas = quotas.filter(team_id__in=filters.team_ids)
    condition = Q(period_kind=period.kind, period_start=period.start)
    if period.kind == PeriodKind.QUARTER:
        condition |= Q(period_kind=PeriodKind.MONTH, period_start__in=period.months())
    rows = list(
        quotas.filter(condition)
        .order_by("owner_id", "period_kind", "period_start")
        .values("owner_id", "team_id", "period_kind", "currency", "amount")
    )
    quarterly = {row["owner_id"] for row in rows if row["period_kind"] == period.kind}
    summed: dict[tuple, dict] = {}
    for row in rows:
        if row["period_kind"] != period.kind and row["owner_id"] in quarterly:
            continue  # the quarter's own quota wins over its months
        key = (row["owner_id"], row["currency"])
        if key in summed:
            summed[key]["amount"] += row["amount"]
        else:
            summed[key] = {**row, "amount": Decimal(row["amount"]).quantize(CENT)}
    return list(summed.values())


def quota_list(user, *, year: int) -> list[Quota]:
    """The quotas `user` may see whose period starts in `year`, by rep then period."""
    quotas = access.scope_queryset(user, Verb.VIEW, Quota.objects.all())
    return list(
        quotas.filter(period_start__year=year)
        .select_related("owner", "team")
        .order_by("owner__first_name", "owner__last_name", "owner_id", "period_kind", "period_start")
    )
