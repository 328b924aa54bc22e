"""The list's search box says what search finds: any part of a word of these fields (tandem.contacts.search),
worded as on the search page and short enough to read whole on a phone."""

import pytest

from tandem.contacts.tests.factories import UserFactory
from tandem.core.models import Role

pytestmark = pytest.mark.django_db


def test_the_search_boxes_name_every_field_search_reads(client):
    client.force_login(UserFactory(role=Role.ADMIN))

    contacts = client.get("/contacts/").content.decode()
    companies = client.get("/companies/").content.decode()

    assert 'placeholder="Name, email, phone, job title or company"' in contacts
    assert 'placeholder="Name, domain or phone"' in companies
