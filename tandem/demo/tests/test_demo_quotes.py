"""The demo's quotes: accepted on won deals, declined on lost ones, open on deals in progress, numbered in the
order they were made and the same on every run (SQLite and PostgreSQL)."""

import pytest
from django.db import transaction

from tandem.demo import generator
from tandem.demo.generator import generate
from tandem.demo.tests.test_generator import SMALL
from tandem.sales.quotes import money
from tandem.sales.quotes.models import Quote, QuoteLine, QuoteNumberCounter


class RolledBack(Exception):
    pass


def quote_rows():
    try:
        with transaction.atomic():
            generate(SMALL)
            rows = list(
                Quote.objects.order_by("number").values_list(
                    "number", "deal__name", "deal__status", "status", "currency", "subtotal", "total",
                    "accepted_name", "decline_reason", "created_at", "valid_until",
                )
            )  # fmt: skip
            lines = list(
                QuoteLine.objects.order_by("quote__number", "position").values_list(
                    "quote__number", "position", "name", "quantity", "unit_price", "discount_percent"
                )
            )
            consistent = all(
                quote.total
                == money.totals(list(quote.lines.all()), quote.discount_percent, quote.tax_rate).total
                for quote in Quote.objects.prefetch_related("lines")
            )
            counters = dict(QuoteNumberCounter.objects.values_list("year", "last"))
            raise RolledBack
    except RolledBack:
        return rows, lines, consistent, counters


@pytest.fixture(autouse=True)
def _only_the_steps_quotes_need(monkeypatch):
    steps = [
        generator.create_teams_and_users,
        generator.create_tags,
        generator.create_property_definitions,
        generator.create_companies,
        generator.create_contacts,
        generator.create_catalog,
        generator.reset_sequences,
        generator.create_deals,
        generator.create_quotes,
    ]
    monkeypatch.setattr(generator, "STEPS", steps)
    monkeypatch.setattr(
        generator,
        "CONTACT_STEPS",
        [step for step in generator.CONTACT_STEPS if step.__name__ != "write_personal_emails"],
    )


@pytest.mark.django_db
def test_the_demo_has_accepted_declined_and_open_quotes_the_same_every_run():
    rows, lines, consistent, counters = quote_rows()
    again = quote_rows()

    assert (rows, lines, consistent, counters) == again
    assert consistent
    statuses = {(row[2], row[3]) for row in rows}
    assert {("won", "accepted"), ("lost", "declined"), ("open", "sent")} <= statuses
    assert all(row[7] for row in rows if row[3] == "accepted")
    # numbered per year in the order made, with no gaps, and the counter where the next number starts
    by_year: dict[str, list[int]] = {}
    for number, *_ in rows:
        _, year, sequence = number.split("-")
        by_year.setdefault(year, []).append(int(sequence))
    assert {int(year): max(numbers) for year, numbers in by_year.items()} == counters
    assert all(sorted(numbers) == list(range(1, len(numbers) + 1)) for numbers in by_year.values())
    made = [row[9] for row in sorted(rows, key=lambda row: (row[0][2:6], int(row[0].split("-")[2])))]
    assert made == sorted(made)
