"""The deal's REST API, generated from its declaration: list, create and a refused create."""

import pytest
from django.core.cache import cache

from tandem.api import services as token_services
from tandem.contacts.tests.factories import UserFactory
from tandem.core.models import Role
from tandem.sales.deals.models import Deal
from tandem.sales.deals.tests.factories import make_pipeline

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
