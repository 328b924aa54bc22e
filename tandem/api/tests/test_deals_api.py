"""The deal's REST API, generated from its declaration: list, create and a refused create."""

import datetime

import pytest
from django.core.cache import cache

from tandem.api import services as token_services
from tandem.contacts.tests.factories import UserFactory
from tandem.core.models import Role
from tandem.sales.deals.models import Deal
from tandem.sales.deals.tests.factories import DealFactory, make_pipeline

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def headers(user, scopes=("deals:read", "deals:write")) -> dict:
    _token, plain = token_services.create_token(actor=user, name="test", scopes=list(scopes))
    return {"HTTP_AUTHORIZATION": f"Bearer {plain}"}


def test_create_and_list_deals_through_the_api(client):
    _, stages = make_pipeline()
    admin = UserFactory(role=Role.ADMIN)
    auth = headers(admin)
    created = client.post(
        "/api/v1/deals",
        {"name": "API deal", "amount": "42.10", "currency": "EUR", "stage_id": stages["Lead"].pk},
        content_type="application/json",
        **auth,
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["name"], body["amount"], body["stage_id"]) == ("API deal", "42.10", stages["Lead"].pk)
    listed = client.get("/api/v1/deals", **auth)
    assert listed.status_code == 200
    assert [item["name"] for item in listed.json()["results"]] == ["API deal"]


def test_a_bad_amount_is_a_clear_error_and_nothing_is_created(client):
    make_pipeline()
    auth = headers(UserFactory(role=Role.ADMIN))
    response = client.post(
        "/api/v1/deals", {"name": "Bad", "amount": "lots"}, content_type="application/json", **auth
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "amount": "Input should be a valid decimal",
        "stage_id": "Field required",
    }
    assert Deal.objects.count() == 0


def test_a_date_sent_as_a_number_is_refused_not_read_as_a_timestamp(client):
    _, stages = make_pipeline()
    auth = headers(UserFactory(role=Role.ADMIN))
    response = client.post(
        "/api/v1/deals",
        {"name": "Dated", "stage_id": stages["Lead"].pk, "next_step_date": 0},
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"next_step_date": "Give the date as text, e.g. 2026-03-31."}
    assert Deal.objects.count() == 0


@pytest.fixture
def march():
    _, stages = make_pipeline()
    for name, day in [
        ("Feb last", datetime.date(2026, 2, 28)),
        ("Mar first", datetime.date(2026, 3, 1)),
        ("Mar mid", datetime.date(2026, 3, 15)),
        ("Mar last", datetime.date(2026, 3, 31)),
        ("Apr first", datetime.date(2026, 4, 1)),
        ("Undated", None),
    ]:
        DealFactory(name=name, stage=stages["Lead"], expected_close_date=day)


def test_the_api_filters_by_month(client, march):
    auth = headers(UserFactory(role=Role.ADMIN), scopes=("deals:read",))

    response = client.get("/api/v1/deals", {"close_month": "2026-03"}, **auth)

    assert response.status_code == 200, response.content
    assert sorted(item["name"] for item in response.json()["results"]) == ["Mar first", "Mar last", "Mar mid"]


@pytest.mark.parametrize("raw", ["2026-13", "2026-3", "0000-01", "2026-03-01"])
def test_the_api_refuses_a_month_it_cannot_read(client, march, raw):
    auth = headers(UserFactory(role=Role.ADMIN), scopes=("deals:read",))

    response = client.get("/api/v1/deals", {"close_month": raw}, **auth)

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "close_month": "Value error, Use a month written YYYY-MM, e.g. 2026-03."
    }


def test_the_api_documents_the_parameter(client):
    schema = client.get("/api/v1/openapi.json").json()
    parameters = schema["paths"]["/api/v1/deals"]["get"]["parameters"]
    close_month = next(item for item in parameters if item["name"] == "close_month")

    assert close_month["schema"]["anyOf"] == [
        {
            "description": "YYYY-MM, from 0001-01 to 9999-12.",
            "pattern": "^([1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])-(0[1-9]|1[0-2])$",
            "type": "string",
        },
        {"type": "null"},
    ]
    assert close_month["description"] == "YYYY-MM: deals expected to close in that month (e.g. 2026-03)."
