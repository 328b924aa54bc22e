"""The first and last representable days as created_from/created_to: a plain bound, as on the list pages
(tandem/contacts/tests/test_extreme_dates.py), never a 400 or a 500. "To 9999-12-31" has no day after it to
compare with, so it is no upper bound at all."""

import pytest

from tandem.api.tests.conftest import bearer
from tandem.contacts.tests.factories import CompanyFactory, ContactFactory
from tandem.contacts.tests.test_extreme_dates import EXTREMES

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("query", "matches"), EXTREMES)
def test_the_extreme_days_are_plain_bounds_in_the_api(client, admin, admin_token, query, matches):
    ContactFactory(owner=admin, last_name="Day")
    CompanyFactory(owner=admin, name="Any Company")

    contacts = client.get("/api/v1/contacts", query, **bearer(admin_token))
    companies = client.get("/api/v1/companies", query, **bearer(admin_token))

    assert (contacts.status_code, companies.status_code) == (200, 200), (contacts.json(), companies.json())
    assert [row["last_name"] for row in contacts.json()["results"]] == (["Day"] if matches else [])
    assert [row["name"] for row in companies.json()["results"]] == (["Any Company"] if matches else [])
