"""The quote's REST API, generated from its declaration: the list shows the server's totals, and a total
sent by a client is refused (the server computes it)."""

import re

import pytest
from django.core.cache import cache
from django.test import Client

from tandem.api.tests.test_deals_api import headers
from tandem.contacts.tests.factories import UserFactory
from tandem.core.models import Role
from tandem.sales.quotes import services
from tandem.sales.quotes.models import Quote
from tandem.sales.quotes.tests.factories import make_deal

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def test_the_quotes_api_lists_quotes_with_server_totals_and_ignores_a_posted_total():
    rep = UserFactory(role=Role.SALES)
    deal, _, _ = make_deal(rep)
    services.add_deal_line(
        actor=rep, deal=deal, values={"name": "Plan", "quantity": "2", "unit_price": "100"}
    )
    quote = services.create_quote(actor=rep, values={"deal": deal.pk, "tax_rate": "19"})
    admin = UserFactory(role=Role.ADMIN)
    client = Client()
    listed = client.get("/api/v1/quotes", **headers(admin, scopes=("quotes:read",)))
    assert listed.status_code == 200, listed.content
    [item] = listed.json()["results"]
    assert (item["number"], item["total"], item["status"]) == (quote.number, "238.00", "draft")
    auth = headers(admin, scopes=("quotes:read", "quotes:write"))
    refused = client.post(
        "/api/v1/quotes",
        {"deal_id": deal.pk, "valid_until": "2030-01-31", "total": "1.00"},
        content_type="application/json",
        **auth,
    )
    assert refused.status_code == 400
    assert refused.json()["error"]["fields"] == {"total": "“total” cannot be set here."}
    assert Quote.objects.count() == 1
    created = client.post(
        "/api/v1/quotes",
        {"deal_id": deal.pk, "valid_until": "2030-01-31", "tax_rate": "0"},
        content_type="application/json",
        **auth,
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["total"] == "200.00"
    assert re.fullmatch(r"Q-\d{4}-0002", body["number"])
