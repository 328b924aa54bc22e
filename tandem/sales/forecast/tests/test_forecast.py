"""The forecast's sums, to the cent: open pipeline, weighted pipeline, categories, won, quotas and attainment,
by owner, team and close month, per currency; what each role sees; and that the sums are a few set-based
queries whatever the number of deals."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from tandem.contacts.tests.factories import TeamFactory, UserFactory
from tandem.core.models import Role
from tandem.sales.deals.models import ForecastCategory
from tandem.sales.deals.selectors import DealFilters
from tandem.sales.deals.tests.factories import DealFactory, make_pipeline
from tandem.sales.forecast import periods, selectors
from tandem.sales.forecast.models import PeriodKind, Quota

pytestmark = pytest.mark.django_db

Q2 = periods.parse("2026-Q2")
COMMIT, BEST, PIPE, OMIT = (
    ForecastCategory.COMMIT,
    ForecastCategory.BEST_CASE,
    ForecastCategory.PIPELINE,
    ForecastCategory.OMITTED,
)


def at(year, month, day, hour=12, minute=0):
    return timezone.make_aware(datetime.datetime(year, month, day, hour, minute))


@pytest.fixture
def world():
    """Two teams, three reps, one pipeline (Lead 10 %, Proposal 50 %), deals in and around Q2 2026."""
    pipeline, stages = make_pipeline()
    north, south = TeamFactory(name="North"), TeamFactory(name="South")
    ann = UserFactory(first_name="Ann", last_name="Ahl", role=Role.SALES, team=north)
    bob = UserFactory(first_name="Bob", last_name="Berg", role=Role.SALES, team=north)
    cid = UserFactory(first_name="Cid", last_name="Cruz", role=Role.SALES, team=south)
    lead, proposal, won, lost = stages["Lead"], stages["Proposal"], stages["Won"], stages["Lost"]

    def open_deal(owner, amount, stage, category, close, currency="EUR", **extra):
        return DealFactory(
            owner=owner,
            amount=Decimal(amount),
            currency=currency,
            stage=stage,
            forecast_category=category,
            expected_close_date=close,
            **extra,
        )

    def closed_deal(owner, amount, stage, closed_at, currency="EUR"):
        return DealFactory(
            owner=owner,
            amount=Decimal(amount),
            currency=currency,
            stage=stage,
            closed_at=closed_at,
            expected_close_date=closed_at.date(),
        )

    day = datetime.date
    open_deal(ann, "1000.10", lead, COMMIT, day(2026, 4, 15))  # weighted 100.01
    open_deal(ann, "333.33", proposal, BEST, day(2026, 5, 20))  # weighted 166.665
    open_deal(ann, "0.01", proposal, PIPE, day(2026, 5, 2))  # weighted 0.005
    open_deal(bob, "2500.00", lead, PIPE, day(2026, 6, 30))  # weighted 250.00
    open_deal(bob, "999.99", proposal, OMIT, day(2026, 6, 1))  # left out of the open total and weighted
    open_deal(cid, "700.00", proposal, COMMIT, day(2026, 4, 1), currency="USD")  # weighted 350.00
    # outside the period, without a close date, in the trash: none of them counts
    open_deal(ann, "5000.00", lead, COMMIT, day(2026, 7, 1))
    open_deal(ann, "4000.00", lead, COMMIT, day(2026, 3, 31))
    open_deal(bob, "123.00", lead, PIPE, None)
    open_deal(ann, "9999.00", lead, COMMIT, day(2026, 4, 10), deleted_at=timezone.now())
    # won in the period (by the day won, not the expected close date), won after it, lost in it
    closed_deal(ann, "1500.50", won, at(2026, 4, 30))
    closed_deal(bob, "750.25", won, at(2026, 6, 30, 23, 30))
    closed_deal(cid, "100.00", won, at(2026, 7, 1, 0, 0), currency="USD")
    closed_deal(ann, "800.00", lost, at(2026, 5, 1))
    # quotas: Ann a quarter; Bob three months (the quarter adds them up); Cid a quarter of zero, which wins
    # over his April quota
    quota = {"created_at": timezone.now(), "updated_at": timezone.now()}
    Quota.objects.create(
        owner=ann,
        team=north,
        period_kind="quarter",
        period_start=day(2026, 4, 1),
        amount="3000.00",
        currency="EUR",
        **quota,
    )
    for month, amount in ((4, "1000.00"), (5, "1000.00"), (6, "0.00")):
        Quota.objects.create(
            owner=bob,
            team=north,
            period_kind="month",
            period_start=day(2026, month, 1),
            amount=amount,
            currency="EUR",
            **quota,
        )
    Quota.objects.create(
        owner=cid,
        team=south,
        period_kind="quarter",
        period_start=day(2026, 4, 1),
        amount="0.00",
        currency="USD",
        **quota,
    )
    Quota.objects.create(
        owner=cid,
        team=south,
        period_kind="month",
        period_start=day(2026, 4, 1),
        amount="500.00",
        currency="USD",
        **quota,
    )
    admin = UserFactory(role=Role.ADMIN, team=north)
    return {
        "admin": admin,
        "ann": ann,
        "bob": bob,
        "cid": cid,
        "north": north,
        "south": south,
        "pipeline": pipeline,
    }


def figures_of(rows, key):
    return next(row.figures for row in rows if row.key == key)


def summary(figures):
    return {
        "won": figures.won,
        "commit": figures.commit,
        "best_case": figures.best_case,
        "pipeline": figures.pipeline,
        "omitted": figures.omitted,
        "open_total": figures.open_total,
        "weighted": figures.weighted,
        "quota": figures.quota,
        "attainment": figures.attainment,
    }


def test_totals_per_currency_to_the_cent(world):
    result = selectors.forecast(world["admin"], Q2, DealFilters())

    assert result.currencies == ["EUR", "USD"]
    assert summary(result.totals["EUR"]) == {
        "won": Decimal("2250.75"),
        "commit": Decimal("1000.10"),
        "best_case": Decimal("333.33"),
        "pipeline": Decimal("2500.01"),
        "omitted": Decimal("999.99"),
        "open_total": Decimal("3833.44"),
        # 100.01 + 166.665 + 0.005 + 250.00, rounded once at the end
        "weighted": Decimal("516.68"),
        "quota": Decimal("5000.00"),
        "attainment": Decimal("45.0"),
    }
    assert summary(result.totals["USD"]) == {
        "won": Decimal("0.00"),
        "commit": Decimal("700.00"),
        "best_case": Decimal("0.00"),
        "pipeline": Decimal("0.00"),
        "omitted": Decimal("0.00"),
        "open_total": Decimal("700.00"),
        "weighted": Decimal("350.00"),
        "quota": Decimal("0.00"),
        "attainment": None,  # a quota of zero has no attainment
    }
    assert (result.totals["EUR"].won_count, result.totals["EUR"].open_count_total) == (2, 4)
    assert result.totals["EUR"].projected == Decimal("3250.85")
    assert result.undated_count == 1


def test_by_owner_with_quotas_and_attainment(world):
    result = selectors.forecast(world["admin"], Q2, DealFilters())

    assert [(row.label, row.sublabel, row.figures.currency) for row in result.by_owner] == [
        ("Ann Ahl", "North", "EUR"),
        ("Bob Berg", "North", "EUR"),
        ("Cid Cruz", "South", "USD"),
    ]
    ann = figures_of(result.by_owner, world["ann"].pk)
    assert summary(ann) == {
        "won": Decimal("1500.50"),
        "commit": Decimal("1000.10"),
        "best_case": Decimal("333.33"),
        "pipeline": Decimal("0.01"),
        "omitted": Decimal("0.00"),
        "open_total": Decimal("1333.44"),
        "weighted": Decimal("266.68"),
        "quota": Decimal("3000.00"),
        "attainment": Decimal("50.0"),  # 1500.50 / 3000.00 = 50.0167 %
    }
    assert (ann.bar_width, ann.bar_class) == (50, "w50")
    bob = figures_of(result.by_owner, world["bob"].pk)
    # the quarter of a rep with monthly quotas only: 1000 + 1000 + 0
    assert (bob.quota, bob.won, bob.attainment, bob.weighted) == (
        Decimal("2000.00"),
        Decimal("750.25"),
        Decimal("37.5"),
        Decimal("250.00"),
    )
    cid = figures_of(result.by_owner, world["cid"].pk)
    assert (cid.quota, cid.attainment, cid.bar_class) == (Decimal("0.00"), None, "w0")


def test_by_team_and_by_close_month(world):
    result = selectors.forecast(world["admin"], Q2, DealFilters())

    north = figures_of(result.by_team, world["north"].pk)
    assert (north.won, north.open_total, north.weighted, north.quota, north.attainment) == (
        Decimal("2250.75"),
        Decimal("3833.44"),
        Decimal("516.68"),
        Decimal("5000.00"),
        Decimal("45.0"),
    )
    assert [row.label for row in result.by_team] == ["North", "South"]
    months = {(row.key, row.figures.currency): row.figures for row in result.by_month}
    assert sorted(months) == [
        (datetime.date(2026, 4, 1), "EUR"),
        (datetime.date(2026, 4, 1), "USD"),
        (datetime.date(2026, 5, 1), "EUR"),
        (datetime.date(2026, 6, 1), "EUR"),
    ]
    april, may, june = (months[(datetime.date(2026, m, 1), "EUR")] for m in (4, 5, 6))
    assert (april.won, april.commit, april.weighted) == (
        Decimal("1500.50"),
        Decimal("1000.10"),
        Decimal("100.01"),
    )
    assert (may.best_case, may.pipeline, may.weighted) == (
        Decimal("333.33"),
        Decimal("0.01"),
        Decimal("166.67"),
    )
    assert (june.won, june.pipeline, june.omitted, june.weighted) == (
        Decimal("750.25"),
        Decimal("2500.00"),
        Decimal("999.99"),
        Decimal("250.00"),
    )
    assert [row.label for row in result.by_month if row.figures.currency == "EUR"] == [
        "April 2026",
        "May 2026",
        "June 2026",
    ]


def test_filters_by_owner_team_and_pipeline(world):
    admin = world["admin"]
    only_bob = selectors.forecast(admin, Q2, DealFilters(owner_ids=[world["bob"].pk]))
    assert [row.key for row in only_bob.by_owner] == [world["bob"].pk]
    assert (only_bob.totals["EUR"].won, only_bob.totals["EUR"].quota) == (
        Decimal("750.25"),
        Decimal("2000.00"),
    )
    south = selectors.forecast(admin, Q2, DealFilters(team_ids=[world["south"].pk]))
    assert south.currencies == ["USD"]
    other_pipeline, _ = make_pipeline("Renewals")
    empty = selectors.forecast(admin, Q2, DealFilters(pipeline_ids=[other_pipeline.pk]))
    # no deal in that pipeline; the quotas are per rep, so they still stand
    assert (empty.totals["EUR"].won, empty.totals["EUR"].open_total, empty.totals["EUR"].quota) == (
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("5000.00"),
    )


def test_a_month_of_a_rep_with_monthly_quotas(world):
    april = selectors.forecast(world["admin"], periods.parse("2026-04"), DealFilters())
    bob = figures_of(april.by_owner, world["bob"].pk)
    assert (bob.quota, bob.won, bob.attainment) == (Decimal("1000.00"), Decimal("0.00"), Decimal("0.0"))
    # Ann has no monthly quota: "no quota", not zero
    ann = figures_of(april.by_owner, world["ann"].pk)
    assert (ann.quota, ann.attainment, ann.won) == (None, None, Decimal("1500.50"))


def test_attainment_past_the_quota_fills_the_bar(world):
    Quota.objects.filter(owner=world["ann"], period_kind=PeriodKind.QUARTER).update(amount=Decimal("1000.00"))
    result = selectors.forecast(world["admin"], Q2, DealFilters())
    ann = figures_of(result.by_owner, world["ann"].pk)
    assert (ann.attainment, ann.bar_width, ann.bar_class) == (Decimal("150.1"), 100, "w100")


def test_a_read_only_user_sees_their_team_only(world):
    # read-only sees its team's deals and quotas (the deal policy and the quota policy)
    viewer = UserFactory(role=Role.READ_ONLY, team=world["south"])
    result = selectors.forecast(viewer, Q2, DealFilters())
    assert result.currencies == ["USD"]
    assert [row.key for row in result.by_owner] == [world["cid"].pk]
    assert result.totals["USD"].commit == Decimal("700.00")
    assert result.undated_count == 0


def test_marketing_sees_the_deals_but_no_quota(world):
    marketer = UserFactory(role=Role.MARKETING, team=world["south"])
    result = selectors.forecast(marketer, Q2, DealFilters())
    assert result.may_see_quotas is False
    assert result.totals["EUR"].won == Decimal("2250.75")
    assert result.totals["EUR"].quota is None


def test_the_sums_are_a_few_queries_whatever_the_number_of_deals(world, django_assert_max_num_queries):
    _, stages = make_pipeline("Volume")
    DealFactory.create_batch(
        60,
        owner=world["ann"],
        amount=Decimal("10.00"),
        stage=stages["Proposal"],
        forecast_category=COMMIT,
        expected_close_date=datetime.date(2026, 5, 5),
    )
    with django_assert_max_num_queries(6):
        result = selectors.forecast(world["admin"], Q2, DealFilters())
    assert result.totals["EUR"].commit == Decimal("1600.10")
    assert result.totals["EUR"].weighted == Decimal("816.68")


def test_periods_read_and_write_months_and_quarters():
    assert (Q2.start, Q2.end, Q2.key, Q2.label) == (
        datetime.date(2026, 4, 1),
        datetime.date(2026, 6, 30),
        "2026-Q2",
        "Q2 2026",
    )
    december = periods.parse(" 2026-12 ")
    assert (december.end, december.following().key, december.preceding().key) == (
        datetime.date(2026, 12, 31),
        "2027-01",
        "2026-11",
    )
    assert periods.parse("2027-q1").preceding().key == "2026-Q4"
    for bad in ("", "2026", "2026-13", "2026-Q5", "26-01", "abcd-01", "2026-00", "1999-01"):
        with pytest.raises(ValueError):
            periods.parse(bad)


def test_the_page_opens_on_this_quarter_and_a_bad_period_says_so(client):
    rep = UserFactory(first_name="Ann", last_name="Ahl", role=Role.SALES)
    quarter = periods.quarter_of(timezone.localdate())
    Quota.objects.create(
        owner=rep, team=rep.team, period_kind=PeriodKind.QUARTER, period_start=quarter.start,
        amount=Decimal("90000.00"), currency="EUR",
    )  # fmt: skip
    client.force_login(rep)
    page = client.get("/sales/forecast/").content.decode()
    assert f'<option value="{quarter.key}" selected>' in page
    assert "90,000.00" in page
    page = client.get("/sales/forecast/?period=2026-13").content.decode()
    assert "Showing this quarter." in page
    assert f'<option value="{quarter.key}" selected>' in page
