"""Quotas: who may set them, every bad value refused with its sentence (and nothing written), the audit row,
and the Quotas page as admins and reps use it."""

import datetime
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tandem.contacts.tests.factories import TeamFactory, UserFactory
from tandem.core.models import Role
from tandem.sales.forecast import services
from tandem.sales.forecast.models import Quota

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    north, south = TeamFactory(name="North"), TeamFactory(name="South")
    return {
        "admin": UserFactory(role=Role.ADMIN, team=north, first_name="Ada"),
        "ann": UserFactory(role=Role.SALES, team=north, first_name="Ann"),
        "bob": UserFactory(role=Role.SALES, team=north, first_name="Bob"),
        "cid": UserFactory(role=Role.SALES, team=south, first_name="Cid"),
    }


def errors_of(call) -> dict:
    with pytest.raises(ValidationError) as caught:
        call()
    return {key: messages[0] for key, messages in caught.value.message_dict.items()}


def test_an_admin_sets_a_quota(people):
    quota = services.create_quota(
        actor=people["admin"], owner=people["ann"].pk, period="2026-Q3", amount="25 000,50", currency=" usd "
    )
    quota.refresh_from_db()
    assert (
        quota.owner_id,
        quota.team_id,
        quota.period_kind,
        quota.period_start,
        quota.amount,
        quota.currency,
    ) == (
        people["ann"].pk,
        people["ann"].team_id,
        "quarter",
        datetime.date(2026, 7, 1),
        Decimal("25000.50"),
        "USD",
    )
    entry = LogEntry.objects.get(object_pk=str(quota.pk), content_type__model="quota")
    assert entry.changes_dict["period"] == [None, "2026-Q3"]
    assert entry.changes_dict["amount"] == [None, "25000.50"]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"amount": "-1"}, {"amount": "A quota cannot be negative; give zero or more."}),
        ({"amount": ""}, {"amount": "Give the quota's amount, e.g. 25000."}),
        (
            {"amount": "lots"},
            {"amount": "“lots” is not an amount; write digits with an optional point, e.g. 25000.00."},
        ),
        ({"amount": "10.005"}, {"amount": "Give the amount with at most two decimals."}),
        ({"amount": "1e20"}, {"amount": "The amount is too large (at most 999,999,999,999.99)."}),
        ({"amount": "NaN"}, {"amount": "“NaN” is not an amount."}),
        ({"amount": 10.5}, {"amount": 'Give the amount as a decimal number in text, e.g. "25000.00".'}),
        (
            {"currency": "EUE"},
            {"currency": "“EUE” is not a currency we know; use an ISO code such as EUR, USD or GBP."},
        ),
        (
            {"currency": "€"},
            {"currency": "“€” is not a currency we know; use an ISO code such as EUR, USD or GBP."},
        ),
        (
            {"period": "2026-13"},
            {"period": "“2026-13” is not a period; write a month as 2026-07 or a quarter as 2026-Q3."},
        ),
        ({"owner": "999999"}, {"owner": "Choose an active user for the quota."}),
        (
            {"amount": "-5", "currency": "XYZ"},
            {
                "amount": "A quota cannot be negative; give zero or more.",
                "currency": "“XYZ” is not a currency we know; use an ISO code such as EUR, USD or GBP.",
            },
        ),
    ],
)
def test_bad_values_are_refused_with_a_sentence_and_nothing_is_written(people, values, expected):
    arguments = {
        "owner": people["ann"].pk,
        "period": "2026-Q3",
        "amount": "1000",
        "currency": "EUR",
        **values,
    }
    assert errors_of(lambda: services.create_quota(actor=people["admin"], **arguments)) == expected
    assert Quota.objects.count() == 0


def test_a_second_quota_for_the_same_period_is_refused(people):
    services.create_quota(
        actor=people["admin"], owner=people["ann"], period="2026-07", amount="100", currency="EUR"
    )
    assert errors_of(
        lambda: services.create_quota(
            actor=people["admin"], owner=people["ann"], period="2026-07", amount="200", currency="EUR"
        )
    ) == {"period": "Ann already has a quota for July 2026; change that one instead."}
    # the same month for another rep, and the quarter around it for the same rep, are other quotas
    services.create_quota(
        actor=people["admin"], owner=people["bob"], period="2026-07", amount="300", currency="EUR"
    )
    services.create_quota(
        actor=people["admin"], owner=people["ann"], period="2026-Q3", amount="900", currency="EUR"
    )
    assert sorted(Quota.objects.values_list("owner__first_name", "period_kind", "amount")) == [
        ("Ann", "month", Decimal("100.00")),
        ("Ann", "quarter", Decimal("900.00")),
        ("Bob", "month", Decimal("300.00")),
    ]


def test_a_rep_may_not_set_change_or_remove_a_quota(people):
    quota = services.create_quota(
        actor=people["admin"], owner=people["ann"], period="2026-Q3", amount="1000", currency="EUR"
    )
    with pytest.raises(PermissionDenied):
        services.create_quota(
            actor=people["ann"], owner=people["ann"], period="2026-Q4", amount="1", currency="EUR"
        )
    with pytest.raises(PermissionDenied):
        services.update_quota(actor=people["ann"], quota=quota, amount="999999", currency="EUR")
    with pytest.raises(PermissionDenied):
        services.delete_quota(actor=people["ann"], quota=quota)
    assert list(Quota.objects.values_list("period_start", "amount")) == [
        (datetime.date(2026, 7, 1), Decimal("1000.00"))
    ]


def test_changing_a_quota_writes_only_a_real_change(people):
    quota = services.create_quota(
        actor=people["admin"], owner=people["ann"], period="2026-Q3", amount="1000", currency="EUR"
    )
    services.update_quota(actor=people["admin"], quota=quota, amount="1000.00", currency="eur")
    assert LogEntry.objects.filter(content_type__model="quota").count() == 1
    services.update_quota(actor=people["admin"], quota=quota, amount="1250.75", currency="GBP")
    assert (quota.amount, quota.currency) == (Decimal("1250.75"), "GBP")
    assert LogEntry.objects.filter(content_type__model="quota").count() == 2
    assert errors_of(
        lambda: services.update_quota(actor=people["admin"], quota=quota, amount="-3", currency="GBP")
    ) == {"amount": "A quota cannot be negative; give zero or more."}
    quota.refresh_from_db()
    assert quota.amount == Decimal("1250.75")


# --- the page ---------------------------------------------------------------------------------------------


def test_the_admin_adds_a_quota_on_the_page_and_a_bad_one_keeps_the_input(client, people):
    client.force_login(people["admin"])
    url = reverse("forecast:quotas")
    response = client.post(
        url, {"owner": people["bob"].pk, "period": "2026-Q3", "amount": "12500", "currency": "EUR"}
    )
    assert response.status_code == 302
    assert Quota.objects.get().amount == Decimal("12500.00")

    response = client.post(
        url, {"owner": people["bob"].pk, "period": "2026-Q3", "amount": "-12", "currency": "ZZZ"}
    )
    page = response.content.decode()
    # the form again (200: a page the browser shows as it is), with each field's sentence and the input kept
    assert response.status_code == 200
    assert "A quota cannot be negative; give zero or more." in page
    assert "“ZZZ” is not a currency we know" in page
    assert 'value="-12"' in page and 'value="ZZZ"' in page
    assert Quota.objects.count() == 1

    response = client.post(
        url, {"owner": people["bob"].pk, "period": "2026-Q3", "amount": "5", "currency": "EUR"}
    )
    assert "Bob already has a quota for Q3 2026; change that one instead." in response.content.decode()


def test_a_rep_sees_their_teams_quotas_and_may_not_post(client, people):
    for rep, amount in (("ann", "100"), ("bob", "200"), ("cid", "300")):
        services.create_quota(
            actor=people["admin"], owner=people[rep], period="2026-Q3", amount=amount, currency="EUR"
        )
    client.force_login(people["ann"])
    page = client.get(reverse("forecast:quotas") + "?year=2026").content.decode()
    assert "100.00 EUR" in page and "200.00 EUR" in page
    assert "300.00 EUR" not in page  # another team's
    assert "Set a quota" not in page
    response = client.post(
        reverse("forecast:quotas"),
        {"owner": people["ann"].pk, "period": "2026-Q4", "amount": "1", "currency": "EUR"},
    )
    assert response.status_code == 403
    quota = Quota.objects.get(owner=people["ann"])
    response = client.post(
        reverse("forecast:quota_change", args=[quota.pk]), {"amount": "9", "currency": "EUR"}
    )
    assert response.status_code == 403
    response = client.post(reverse("forecast:quota_delete", args=[quota.pk]))
    assert response.status_code == 403
    other = Quota.objects.get(owner=people["cid"])
    assert client.post(reverse("forecast:quota_delete", args=[other.pk])).status_code == 404
    assert sorted(Quota.objects.values_list("amount", flat=True)) == [
        Decimal("100.00"),
        Decimal("200.00"),
        Decimal("300.00"),
    ]


def test_marketing_may_not_open_the_quotas(client, people):
    client.force_login(UserFactory(role=Role.MARKETING))
    assert client.get(reverse("forecast:quotas")).status_code == 403


def test_a_bad_year_is_a_sentence(client, people):
    client.force_login(people["admin"])
    page = client.get(reverse("forecast:quotas") + "?year=20x6").content.decode()
    assert "“20x6” is not a year between 2000 and 2100" in page


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("12500", "12500.00"),
        ("12 500", "12500.00"),
        ("12,500", "12500.00"),
        ("12,500.75", "12500.75"),
        ("12.500,75", "12500.75"),
        ("49,90", "49.90"),
        ("1,234,567", "1234567.00"),
        ("0", "0.00"),
    ],
)
def test_amounts_as_people_write_them(typed, amount):
    assert services.clean_amount(typed) == Decimal(amount)
