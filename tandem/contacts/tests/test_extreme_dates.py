"""The first and last representable days as "Created from/to" on the list pages: a plain bound, never an
error or a 500 (the API takes them by the same rule: tandem/api/tests/test_extreme_dates.py)."""

import pytest

from tandem.contacts.tests.factories import CompanyFactory, ContactFactory, UserFactory
from tandem.core.models import Role

pytestmark = pytest.mark.django_db

# (query, whether the rows created today match it)
EXTREMES = [
    ({"created_to": "9999-12-31"}, True),
    ({"created_from": "0001-01-01"}, True),
    ({"created_from": "0001-01-01", "created_to": "9999-12-31"}, True),
    ({"created_from": "9999-12-31"}, False),
    ({"created_to": "0001-01-01"}, False),
    ({"created_from": "9999-12-31", "created_to": "9999-12-31"}, False),
]


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(role=Role.ADMIN))
    return client


@pytest.mark.parametrize(("query", "matches"), EXTREMES)
def test_the_extreme_days_are_plain_bounds_on_the_list_pages(admin_client, query, matches):
    ContactFactory(first_name="Any", last_name="Day")
    CompanyFactory(name="Any Company")

    contacts = admin_client.get("/contacts/", query)
    companies = admin_client.get("/companies/", query)

    assert (contacts.status_code, companies.status_code) == (200, 200)
    assert (contacts.context["query"].errors, companies.context["query"].errors) == ([], [])
    assert 'role="alert"' not in contacts.content.decode()
    assert ("Any Day" in contacts.content.decode(), "Any Company" in companies.content.decode()) == (
        matches,
        matches,
    )
