"""The demo company's product catalog: Northwind Analytics' plans, add-ons and services (fixed, hand-written)."""

import decimal

from tandem.demo.generator.context import GeneratorContext
from tandem.sales.catalog.models import Product

# (name, SKU, price, currency, billing, description, value proposition, key features, active)
PRODUCTS = [
    (
        "Northwind Starter",
        "NW-START-M",
        "49.00",
        "EUR",
        "monthly",
        "Dashboards for one team, five seats.",
        "See your team's numbers in one place from day one.",
        ["5 seats", "10 connectors", "Weekly digest"],
        True,
    ),
    (
        "Northwind Starter (yearly)",
        "NW-START-Y",
        "490.00",
        "EUR",
        "yearly",
        "Starter, paid yearly: two months free.",
        "The Starter plan at the price of ten months.",
        ["5 seats", "10 connectors", "Weekly digest"],
        True,
    ),
    (
        "Northwind Pro",
        "NW-PRO-M",
        "199.00",
        "EUR",
        "monthly",
        "Dashboards and forecasting for a department.",
        "Know next quarter's number before your board asks.",
        ["25 seats", "All connectors", "Forecasting", "Slack and Teams alerts"],
        True,
    ),
    (
        "Northwind Pro (yearly)",
        "NW-PRO-Y",
        "1990.00",
        "EUR",
        "yearly",
        "Pro, paid yearly: two months free.",
        "Forecasting for the price of ten months.",
        ["25 seats", "All connectors", "Forecasting"],
        True,
    ),
    (
        "Northwind Enterprise",
        "NW-ENT-Y",
        "24000.00",
        "EUR",
        "yearly",
        "Unlimited seats, single sign-on, EU data residency and a named success manager.",
        "One trusted set of numbers for the whole company.",
        [
            "Unlimited seats",
            "SSO and SCIM",
            "EU data residency",
            "Named success manager",
            "99.95% uptime SLA",
        ],
        True,
    ),
    (
        "Extra connector pack",
        "NW-ADD-CONN",
        "29.00",
        "EUR",
        "monthly",
        "Ten more data sources on Starter.",
        "Bring the data that lives outside your main systems.",
        ["10 more connectors"],
        True,
    ),
    (
        "Forecasting add-on",
        "NW-ADD-FCST",
        "79.00",
        "EUR",
        "monthly",
        "Forecasting models for the Starter plan.",
        "Predict the quarter without moving to Pro.",
        ["Revenue forecast", "Pipeline forecast"],
        True,
    ),
    (
        "Onboarding package",
        "NW-SVC-ONB",
        "2500.00",
        "EUR",
        "one_off",
        "Two weeks with our analysts: connectors, first dashboards, team training.",
        "Your first dashboards live in two weeks, built with your team.",
        ["Connector setup", "Five dashboards built with you", "Two training sessions"],
        True,
    ),
    (
        "Migration from another tool",
        "NW-SVC-MIG",
        "0.00",
        "EUR",
        "one_off",
        "Free with every yearly plan: we rebuild your existing dashboards.",
        "Switching costs you nothing and loses nothing.",
        ["Dashboards rebuilt", "A month side by side"],
        True,
    ),
    (
        "Analyst training day",
        "NW-SVC-TRN",
        "1200.00",
        "EUR",
        "one_off",
        "A day of training for up to ten analysts.",
        "Analysts who build their own forecasts.",
        ["On site or remote", "Up to ten people"],
        True,
    ),
    (
        "Northwind Pro (US)",
        "NW-PRO-M-US",
        "219.00",
        "USD",
        "monthly",
        "Pro for customers billed in US dollars.",
        "Know next quarter's number before your board asks.",
        ["25 seats", "All connectors", "Forecasting"],
        True,
    ),
    (
        "Legacy Reports plan",
        "NW-LEG-REP",
        "99.00",
        "GBP",
        "monthly",
        "The 2023 reporting plan, no longer sold.",
        "",
        ["Static reports"],
        False,
    ),
]


def create_catalog(context: GeneratorContext) -> None:
    """The catalog's rows, replaced if they exist (a rebuilt demo keeps no older catalog)."""
    Product.objects.all().delete()
    Product.objects.bulk_create(
        Product(
            name=name,
            sku=sku,
            price=decimal.Decimal(price),
            currency=currency,
            billing=billing,
            description=description,
            value_proposition=value,
            key_features=features,
            active=active,
        )
        for name, sku, price, currency, billing, description, value, features, active in PRODUCTS
    )
