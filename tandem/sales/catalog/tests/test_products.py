"""Products: the services' rules (SKU unique among live rows, decimal prices, features as a list), access (admins
and sales change, everyone reads), and the pages and API the record layer generates from the declaration."""

import decimal

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tandem.core.models import Role, User
from tandem.sales.catalog import services
from tandem.sales.catalog.models import Product

PASSWORD = "a long enough passphrase 42"


def make_user(email="rep@example.com", role=Role.SALES) -> User:
    return User.objects.create_user(email, PASSWORD, role=role)


VALUES = {
    "name": "Northwind Pro",
    "sku": "NW-PRO-Y",
    "price": "1,200.50".replace(",", ""),
    "currency": "EUR",
    "billing": "yearly",
    "description": "Dashboards and forecasts.",
    "value_proposition": "Know next quarter's number.",
    "key_features": "Forecasts\n\nConnectors  \nAlerts",
    "active": True,
}


@pytest.mark.django_db
def test_a_product_is_cleaned_and_audited():
    rep = make_user()
    product = services.create_product(actor=rep, values=VALUES)
    assert (product.price, product.billing, product.key_features) == (
        decimal.Decimal("1200.50"),
        "yearly",
        ["Forecasts", "Connectors", "Alerts"],
    )
    assert LogEntry.objects.get(object_id=product.pk, content_type__model="product").additional_data == {
        "event": "product_created"
    }


@pytest.mark.django_db
def test_bad_input_gets_a_sentence_per_field_and_nothing_is_written():
    rep = make_user()
    with pytest.raises(ValidationError) as error:
        services.create_product(
            actor=rep, values={**VALUES, "name": "", "sku": "a b", "price": "-3", "billing": "weekly"}
        )
    assert error.value.message_dict == {
        "name": ["Give the product a name."],
        "sku": ["A SKU holds letters, digits, dots, dashes, slashes and underscores only."],
        "price": ["The price cannot be negative."],
        "billing": ["Choose one-off, monthly or yearly."],
    }
    with pytest.raises(ValidationError) as error:
        services.create_product(actor=rep, values={**VALUES, "price": "12.345"})
    assert error.value.message_dict == {"price": ["A price has at most two decimals."]}
    assert Product.objects.count() == 0


@pytest.mark.django_db
def test_the_sku_is_unique_among_live_products_only():
    rep = make_user()
    first = services.create_product(actor=rep, values=VALUES)
    with pytest.raises(ValidationError) as error:
        services.create_product(actor=rep, values={**VALUES, "sku": "nw-pro-y"})
    assert error.value.message_dict == {"sku": ["Another product already has the SKU nw-pro-y."]}
    services.delete_product(actor=rep, product=first)
    second = services.create_product(actor=rep, values=VALUES)
    with pytest.raises(ValidationError):
        services.restore_product(actor=rep, product=first)
    assert list(Product.objects.filter(deleted_at__isnull=True)) == [second]


@pytest.mark.django_db
def test_a_read_only_or_marketing_user_cannot_create_or_change_and_nothing_happens(client):
    rep = make_user()
    product = services.create_product(actor=rep, values=VALUES)
    for role in (Role.READ_ONLY, Role.MARKETING, Role.SERVICE):
        reader = make_user(f"{role}@example.com", role)
        with pytest.raises(PermissionDenied):
            services.create_product(actor=reader, values={**VALUES, "sku": "OTHER"})
        with pytest.raises(PermissionDenied):
            services.update_product(actor=reader, product=product, values={"name": "Renamed"})
        client.force_login(reader)
        assert client.get(reverse("catalog:product_detail", args=[product.pk])).status_code == 200
        response = client.post(reverse("catalog:product_create"), {**VALUES, "sku": "OTHER"})
        assert response.status_code == 403
    assert list(Product.objects.values_list("name", "sku")) == [("Northwind Pro", "NW-PRO-Y")]


@pytest.mark.django_db
def test_the_generated_pages_work(client):
    rep = make_user()
    client.force_login(rep)
    response = client.post(reverse("catalog:product_create"), {**VALUES, "active": "on"})
    product = Product.objects.get()
    assert response.status_code == 302
    assert product.key_features == ["Forecasts", "Connectors", "Alerts"]
    listing = client.get(reverse("catalog:product_list")).content.decode()
    assert "Northwind Pro" in listing and "EUR 1,200.50 / year" in listing
    detail = client.get(reverse("catalog:product_detail", args=[product.pk])).content.decode()
    assert "<li><bdi>Forecasts</bdi></li>" in detail and "Know next quarter&#x27;s number." in detail
    edit = client.get(reverse("catalog:product_edit", args=[product.pk])).content.decode()
    assert "1200.50" in edit and "Forecasts\nConnectors\nAlerts" in edit
    response = client.post(reverse("catalog:product_create"), {**VALUES, "price": "cheap"})
    assert response.status_code == 200 and "is not a price. Write it like 49.90." in response.content.decode()
    for url in (
        reverse("catalog:product_trash"),
        reverse("catalog:product_list") + "?billing=yearly&active=yes",
    ):
        assert client.get(url).status_code == 200
