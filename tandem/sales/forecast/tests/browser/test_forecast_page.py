"""The forecast in a real browser at 1280 and 390 px: totals, the reps' attainment bars, the filters; a
deal's forecast category changed in one click on its page; a quota set on the Quotas page, a bad one refused
with the input kept. Screenshots are saved for a person to look at, and axe checks both pages."""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tandem.contacts.tests.browser_session import log_in
from tandem.contacts.tests.factories import CompanyFactory, TeamFactory, UserFactory
from tandem.core.models import Role
from tandem.sales.deals.models import Deal
from tandem.sales.deals.tests.factories import DealFactory, make_pipeline
from tandem.sales.forecast import periods
from tandem.sales.forecast.models import Quota
from tandem.tests.test_accessibility import severe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def make_team():
    """Two teams of reps with deals closing this quarter in EUR and USD, some won, and quarterly quotas."""
    _, stages = make_pipeline("New business")
    quarter = periods.quarter_of(timezone.localdate())
    east, west = TeamFactory(name="Sales East"), TeamFactory(name="Sales West")
    admin = UserFactory(
        email="ada@example.com", first_name="Ada", last_name="Admin", role=Role.ADMIN, team=east
    )
    reps = [
        UserFactory(first_name="Ella", last_name="Eastwood", role=Role.SALES, team=east),
        UserFactory(first_name="Omar", last_name="Osei", role=Role.SALES, team=east),
        UserFactory(first_name="Vera", last_name="Valdez", role=Role.SALES, team=west),
    ]
    company = CompanyFactory(name="Northwind")
    day = quarter.start
    plans = [
        # rep, amount, stage, category, days into the quarter, currency
        (0, "24000.00", "Proposal", "commit", 5, "EUR"),
        (0, "12500.50", "Lead", "best_case", 40, "EUR"),
        (0, "9600.00", "Lead", "pipeline", 70, "EUR"),
        (1, "36000.00", "Proposal", "commit", 20, "EUR"),
        (1, "4800.00", "Lead", "omitted", 50, "EUR"),
        (2, "18000.00", "Proposal", "best_case", 30, "USD"),
        (2, "60000.00", "Lead", "pipeline", 80, "EUR"),
    ]
    deals = []
    for rep, amount, stage, category, offset, currency in plans:
        deals.append(
            DealFactory(
                name=f"{reps[rep].first_name}'s {category.replace('_', ' ')} deal",
                owner=reps[rep],
                company=company,
                amount=Decimal(amount),
                stage=stages[stage],
                forecast_category=category,
                expected_close_date=day + datetime.timedelta(days=offset),
                currency=currency,
            )
        )
    won_at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))
    for rep, amount in ((0, "48000.00"), (1, "21000.00"), (2, "90000.00")):
        DealFactory(
            owner=reps[rep], amount=Decimal(amount), stage=stages["Won"], closed_at=won_at, company=company
        )
    now = timezone.now()
    for rep, amount in ((0, "60000.00"), (1, "75000.00"), (2, "80000.00")):
        Quota.objects.create(
            owner=reps[rep], team=reps[rep].team, period_kind="quarter", period_start=quarter.start,
            amount=Decimal(amount), currency="EUR", created_at=now, updated_at=now,
        )  # fmt: skip
    return admin, reps, deals, quarter


def test_the_forecast_at_both_widths_and_one_click_categories(live_server, page, screenshot):
    admin, reps, deals, quarter = make_team()
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_server, admin)

    page.get_by_role("link", name="Forecast").first.click()
    expect(page.get_by_role("heading", name="Forecast", exact=True)).to_be_visible()
    page.get_by_label("Period", exact=True).select_option(label="This quarter")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(f"period={quarter.key}"))
    eur = page.locator("section[aria-labelledby='forecast-EUR']")
    owners = eur.locator("table[aria-labelledby='owners-EUR']")
    ella = owners.locator("tbody tr", has_text="Ella Eastwood")
    # won 48,000 of 60,000: 80.0 %
    expect(ella).to_contain_text("60,000.00")
    expect(ella).to_contain_text("48,000.00")
    expect(ella.get_by_role("img", name="80.0 % of quota")).to_be_visible()
    vera = owners.locator("tbody tr", has_text="Vera Valdez")
    expect(vera.get_by_role("img", name="112.5 % of quota")).to_be_visible()
    # the total: won 159,000 of 215,000 = 74.0 %
    expect(owners.locator("tfoot")).to_contain_text("159,000.00")
    expect(owners.locator("tfoot").get_by_role("img", name="74.0 % of quota")).to_be_visible()
    expect(page.locator("section[aria-labelledby='forecast-USD']")).to_contain_text("18,000.00")
    expect(page.get_by_text("no exchange rates are applied")).to_be_visible()
    assert severe_violations(page) == set()
    screenshot("forecast-1280")

    # filtering by team leaves the other team's reps out
    page.get_by_label("Team", exact=True).select_option(label="Sales West")
    page.get_by_role("button", name="Show").click()
    expect(owners.locator("tbody tr")).to_have_count(1)
    expect(owners.locator("tbody tr")).to_contain_text("Vera Valdez")

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/sales/forecast/?period={quarter.key}")
    expect(page.locator("section[aria-labelledby='forecast-EUR']")).to_be_visible()
    assert severe_violations(page) == set()
    screenshot("forecast-390")

    # one click on a deal's page moves it from best case to commit
    deal = deals[1]
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/sales/deals/{deal.pk}/")
    expect(page.get_by_role("button", name="Best case")).to_have_attribute("aria-pressed", "true")
    page.get_by_role("button", name="Commit").click()
    expect(page.get_by_text("is now forecast as Commit")).to_be_visible()
    expect(page.get_by_role("button", name="Commit")).to_have_attribute("aria-pressed", "true")
    assert Deal.objects.get(pk=deal.pk).forecast_category == "commit"
    screenshot("forecast-deal-category")


def test_an_admin_sets_a_quota_and_a_bad_one_keeps_the_input(live_server, page, screenshot):
    admin, reps, _, quarter = make_team()
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_server, admin)
    page.goto(f"{live_server.url}/sales/quotas/?year={quarter.start.year}")
    next_quarter = quarter.following()
    form = page.get_by_role("region", name="Set a quota")
    form.get_by_label("Rep").select_option(label="Ella Eastwood")
    form.get_by_label("Period", exact=True).select_option(value=next_quarter.key)
    form.get_by_label("Amount", exact=True).fill("-500")
    form.get_by_label("Currency", exact=True).fill("EUE")
    form.get_by_role("button", name="Set quota").click()
    expect(page.get_by_text("A quota cannot be negative; give zero or more.")).to_be_visible()
    expect(page.get_by_text("“EUE” is not a currency we know")).to_be_visible()
    expect(form.get_by_label("Amount", exact=True)).to_have_value("-500")
    assert severe_violations(page) == set()
    screenshot("quotas-errors-1280")
    form.get_by_label("Amount", exact=True).fill("66 000")
    form.get_by_label("Currency", exact=True).fill("eur")
    form.get_by_role("button", name="Set quota").click()
    expect(
        page.get_by_text(f"Quota of Ella Eastwood for {next_quarter.label} set to 66,000.00 EUR.")
    ).to_be_visible()
    assert Quota.objects.filter(owner=reps[0], period_start=next_quarter.start).get().amount == Decimal(
        "66000.00"
    )
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert severe_violations(page) == set()
    screenshot("quotas-390")
