"""Two people creating quotes at once (PostgreSQL, real threads): distinct, consecutive numbers. SQLite
serialises writers (IMMEDIATE transactions), so there the race cannot happen."""

import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from tandem.contacts.tests.factories import UserFactory
from tandem.core.models import Role
from tandem.sales.quotes import services
from tandem.sales.quotes.models import Quote
from tandem.sales.quotes.tests.factories import make_deal


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_creators_get_distinct_consecutive_numbers():
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent writers (PostgreSQL)")
    alice, bob = UserFactory(role=Role.ADMIN), UserFactory(role=Role.ADMIN)
    deal, _, _ = make_deal(alice)
    start = threading.Barrier(2)
    failures = []

    def create(actor):
        try:
            start.wait()
            services.create_quote(actor=actor, values={"deal": deal.pk})
        except BaseException as error:
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create, args=(user,)) for user in (alice, bob)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    year = timezone.localdate().year
    assert failures == []
    assert sorted(Quote.objects.values_list("number", flat=True)) == [f"Q-{year}-0001", f"Q-{year}-0002"]
