"""Set-ups for the quotes tests: a deal with its primary contact and company, products, lines."""

from decimal import Decimal

from tandem.contacts.tests.factories import CompanyFactory, ContactFactory
from tandem.sales.catalog.models import Product
from tandem.sales.deals.models import DealContact
from tandem.sales.deals.tests.factories import DealFactory, make_pipeline


def make_product(name="Northwind Pro", price="199.00", currency="EUR", sku=None, active=True) -> Product:
    return Product.objects.create(
        name=name, sku=sku or name.upper().replace(" ", "-"), price=Decimal(price), currency=currency,
        billing="monthly", active=active,
    )  # fmt: skip


def make_deal(owner=None, *, currency="EUR", name="Acme — Pro", email="ana@acme.example"):
    """A deal in Lead of a fresh pipeline (Won needs nothing), its company and primary contact."""
    _, stages = make_pipeline(f"Pipeline for {name}")
    company = CompanyFactory(name="Acme GmbH", owner=owner)
    contact = ContactFactory(first_name="Ana", last_name="Ruiz", email=email, company=company, owner=owner)
    deal = DealFactory(stage=stages["Lead"], owner=owner, company=company, currency=currency, name=name)
    DealContact.objects.create(deal=deal, contact=contact, is_primary=True, role="decision_maker")
    return deal, stages, contact
