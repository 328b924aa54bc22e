"""The demo's forecast: open deals in forecast categories, quarterly quotas for every sales rep for last year
and this year, and companies whose lifecycle stage agrees with their contacts and deals; the same every run."""

from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Exists, OuterRef

from tandem.contacts.models import Company
from tandem.core.models import Role, User
from tandem.demo import generator
from tandem.demo.generator import generate
from tandem.demo.tests.test_generator import SMALL
from tandem.sales.deals.models import Deal, StageKind
from tandem.sales.forecast.models import Quota


class RolledBack(Exception):
    pass


def forecast_rows():
    try:
        with transaction.atomic():
            generate(SMALL)
            won = Deal.objects.filter(company_id=OuterRef("pk"), status=StageKind.WON)
            result = {
                "categories": list(
                    Deal.objects.filter(status=StageKind.OPEN)
                    .order_by("created_at", "name", "amount")
                    .values_list("name", "stage__name", "amount", "forecast_category")
                ),
                "closed_categories": sorted(
                    set(
                        Deal.objects.exclude(status=StageKind.OPEN).values_list(
                            "forecast_category", flat=True
                        )
                    )
                ),
                "quotas": list(
                    Quota.objects.order_by("owner__email", "period_start").values_list(
                        "owner__email", "team__name", "period_kind", "period_start", "amount", "currency"
                    )
                ),
                "reps": sorted(User.objects.filter(role=Role.SALES).values_list("email", flat=True)),
                "companies": list(
                    Company.objects.order_by("domain").values_list("domain", "lifecycle_stage")
                ),
                "won_not_customer": Company.objects.filter(Exists(won))
                .exclude(lifecycle_stage__in=["customer", "evangelist", "other"])
                .count(),
            }
            raise RolledBack
    except RolledBack:
        return result


@pytest.fixture(autouse=True)
def _only_the_steps_the_forecast_needs(monkeypatch):
    steps = [
        generator.create_teams_and_users,
        generator.create_tags,
        generator.create_property_definitions,
        generator.create_companies,
        generator.create_contacts,
        generator.reset_sequences,
        generator.create_deals,
        generator.create_forecast,
    ]
    monkeypatch.setattr(generator, "STEPS", steps)
    monkeypatch.setattr(
        generator,
        "CONTACT_STEPS",
        [step for step in generator.CONTACT_STEPS if step.__name__ != "write_personal_emails"],
    )


@pytest.mark.django_db
def test_the_demo_forecast_is_consistent_and_the_same_every_run():
    first = forecast_rows()
    again = forecast_rows()
    assert first == again

    categories = {row[3] for row in first["categories"]}
    assert categories == {"pipeline", "best_case", "commit", "omitted"}
    assert first["closed_categories"] == ["pipeline"]
    # eight quarters (last year and this year) for each of the six reps, in EUR
    assert len(first["quotas"]) == 8 * len(first["reps"]) == 48
    assert {row[0] for row in first["quotas"]} == set(first["reps"])
    assert {(row[2], row[5]) for row in first["quotas"]} == {("quarter", "EUR")}
    assert all(row[4] > Decimal("0") for row in first["quotas"])
    # every company with a won deal is a customer (or beyond); the stages are spread over the funnel
    assert first["won_not_customer"] == 0
    stages = {stage for _, stage in first["companies"]}
    assert {"customer", "lead", "opportunity"} <= stages
