"""The product record type's API, generated from its declaration: a decimal price as text, key features as a
list of strings (a JSON column declared `api_type="array"`)."""

import json

import pytest

from tandem.api.services import create_token
from tandem.core.models import Role
from tandem.sales.catalog.tests.test_products import VALUES, make_user


@pytest.mark.django_db
def test_the_api_lists_and_creates_products_with_features_as_a_list(client):
    admin = make_user("admin@example.com", Role.ADMIN)
    _, secret = create_token(actor=admin, name="t", scopes=["products:read", "products:write"])
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    response = client.post(
        "/api/v1/products",
        data=json.dumps({**VALUES, "key_features": ["Forecasts", "Alerts"], "price": "49.90"}),
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["price"], body["key_features"], body["billing"]) == (
        "49.90",
        ["Forecasts", "Alerts"],
        "yearly",
    )
    listed = client.get("/api/v1/products", **headers).json()
    assert [item["sku"] for item in listed["results"]] == ["NW-PRO-Y"]
