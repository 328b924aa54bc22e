"""The export page counts what it will write in plain English: one contact matches, two contacts match."""

import pytest

from tandem.contacts.tests.factories import CompanyFactory, ContactFactory, UserFactory
from tandem.core.models import Role

pytestmark = pytest.mark.django_db


def test_the_export_page_counts_matches_in_the_singular_and_the_plural(client, settings, tmp_path):
    settings.TANDEM_VAR_DIR = tmp_path
    ContactFactory(first_name="Ana")
    CompanyFactory(name="Acme")
    CompanyFactory(name="Globex")
    client.force_login(UserFactory(role=Role.ADMIN))

    contacts = client.get("/exports/contacts/new/").content.decode()
    companies = client.get("/exports/companies/new/").content.decode()
    none = client.get("/exports/companies/new/?q=nothing-like-this").content.decode()

    assert "1 contact matches." in contacts
    assert "2 companies match." in companies
    assert "0 companies match." in none
