"""`q` on the contacts and companies lists finds any part of a word (issue 7)."""

import pytest

from tandem.api.tests.conftest import bearer
from tandem.contacts.tests.factories import CompanyFactory, ContactFactory

pytestmark = pytest.mark.django_db


def test_given_contacts_when_listed_with_q_then_parts_of_words_of_every_field_find_them(
    client, admin, admin_token
):
    company = CompanyFactory(name="Swift Solar", domain="swiftsolar.example")
    ContactFactory(
        first_name="Ada",
        email="ada@example.org",
        phone="+12025550147",
        job_title="Chief Engineer",
        company=company,
    )
    ContactFactory(first_name="Ben", email="ben@northwind.example", job_title="Buyer")

    def emails(q):
        response = client.get("/api/v1/contacts", {"q": q}, **bearer(admin_token))
        assert response.status_code == 200
        return [row["email"] for row in response.json()["results"]]

    assert emails("Swift Solar") == ["ada@example.org"]
    assert emails("solar") == ["ada@example.org"]
    assert emails("example.org") == ["ada@example.org"]
    assert emails("5550") == ["ada@example.org"]
    assert emails("engineer") == ["ada@example.org"]
    assert emails('"NEAR(*') == []


def test_given_companies_when_listed_with_q_then_a_part_of_the_name_finds_them(client, admin, admin_token):
    CompanyFactory(name="Swift Solar", domain="swiftsolar.example")
    CompanyFactory(name="Northwind", domain="northwind.example")

    response = client.get("/api/v1/companies", {"q": "solar"}, **bearer(admin_token))

    assert response.status_code == 200
    assert [row["name"] for row in response.json()["results"]] == ["Swift Solar"]
