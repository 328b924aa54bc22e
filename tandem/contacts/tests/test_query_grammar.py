"""One query grammar for the record lists (tandem.core.records.query): unknown parameters are named, ids
past 64 bits and the last representable day are messages or plain filters, never a 500."""

import datetime

import pytest
from django.http import QueryDict

from tandem.contacts.records import COMPANY, CONTACT
from tandem.contacts.tests.factories import CompanyFactory, ContactFactory, UserFactory
from tandem.core.models import Role
from tandem.core.records import query as record_query

pytestmark = pytest.mark.django_db

TOO_BIG = str(2**63)  # one past the largest id either engine stores


@pytest.fixture
def admin_client(client):
    admin = UserFactory(role=Role.ADMIN)
    client.force_login(admin)
    return client


def test_the_same_parameters_parse_to_the_same_filters_for_every_list():
    owner = UserFactory(first_name="Olga", last_name="Owner")
    query = QueryDict(f"q=ann&owner={owner.pk}&country=de&created_from=2026-01-02&created_to=2026-02-03")

    contacts = record_query.parse(CONTACT, query)
    companies = record_query.parse(COMPANY, query)

    for parsed in (contacts, companies):
        assert parsed.errors == []
        assert (parsed.filters.search, parsed.filters.owner_ids, parsed.filters.countries) == (
            "ann",
            [owner.pk],
            ["DE"],
        )
        assert (parsed.filters.created_from, parsed.filters.created_to) == (
            datetime.date(2026, 1, 2),
            datetime.date(2026, 2, 3),
        )
        assert [chip.label for chip in parsed.chips] == [
            "Search: ann",
            "Owner: Olga Owner",
            "Country: Germany",
            "Created from 02 Jan 2026",
            "Created to 03 Feb 2026",
        ]


def test_an_unknown_or_misspelled_parameter_is_an_error_naming_it():
    parsed = record_query.parse(CONTACT, QueryDict("ownr=7&stage=lead&utm_source=x"))
    # a contacts-only filter on the companies list (companies have a stage filter of their own)
    company = record_query.parse(COMPANY, QueryDict("tag=vip&stage=customer"))

    assert parsed.errors == [
        "“ownr” is not a filter of the contacts list; it was ignored.",
        "“utm_source” is not a filter of the contacts list; it was ignored.",
    ]
    assert parsed.unknown == ["ownr", "utm_source"]
    assert parsed.is_valid is False
    assert parsed.filters.owner_ids == []
    assert parsed.filters.stages == ["lead"]
    assert company.errors == ["“tag” is not a filter of the companies list; it was ignored."]
    assert company.filters.stages == ["customer"]


def test_the_list_page_names_an_unknown_parameter(admin_client):
    ContactFactory(first_name="Still", last_name="Listed")

    response = admin_client.get("/contacts/", {"ownr": "7"})

    content = response.content.decode()
    assert response.status_code == 200
    assert "“ownr” is not a filter of the contacts list; it was ignored." in content
    assert "Still Listed" in content


@pytest.mark.parametrize("name", ["owner", "team", "company"])
def test_ids_past_64_bits_are_a_message_on_the_contacts_list(admin_client, name):
    ContactFactory(first_name="Not", last_name="Hidden")

    response = admin_client.get("/contacts/", {name: TOO_BIG})

    content = response.content.decode()
    assert response.status_code == 200
    assert f"“{TOO_BIG}” is not a valid {name}; that filter was ignored." in content
    assert "Not Hidden" in content


@pytest.mark.parametrize("name", ["owner", "team"])
def test_ids_past_64_bits_are_a_message_on_the_companies_list(admin_client, name):
    CompanyFactory(name="Kept")

    response = admin_client.get("/companies/", {name: TOO_BIG, "sort": "name"})

    assert response.status_code == 200
    assert f"“{TOO_BIG}” is not a valid {name}; that filter was ignored." in response.content.decode()


def test_created_to_the_last_representable_day_lists_everything_up_to_it(admin_client):
    ContactFactory(first_name="Any", last_name="Day")
    CompanyFactory(name="Any Company")

    contacts = admin_client.get("/contacts/", {"created_to": "9999-12-31"})
    companies = admin_client.get("/companies/", {"created_from": "2000-01-01", "created_to": "9999-12-31"})

    assert contacts.status_code == 200
    assert "Any Day" in contacts.content.decode()
    assert "Created to 31 Dec 9999" in contacts.content.decode()
    assert companies.status_code == 200
    assert "Any Company" in companies.content.decode()


def test_several_property_conditions_by_key(admin_client):
    from tandem.contacts.models import PropertyType
    from tandem.contacts.tests.factories import PropertyDefinitionFactory

    PropertyDefinitionFactory(
        name="plan", label="Plan", value_type=PropertyType.CHOICE, choices=["Free", "Pro"]
    )
    PropertyDefinitionFactory(name="seats", label="Seats", value_type=PropertyType.NUMBER)
    ContactFactory(first_name="Big", last_name="Pro", properties={"plan": "Pro", "seats": 50})
    ContactFactory(first_name="Small", last_name="Pro", properties={"plan": "Pro", "seats": 3})
    ContactFactory(first_name="Big", last_name="Free", properties={"plan": "Free", "seats": 80})

    response = admin_client.get("/contacts/", {"property:plan": "Pro", "property:seats.gte": "10"})
    bad = admin_client.get("/contacts/", {"property:plann": "Pro", "property:plan.gte": "1"})

    content = response.content.decode()
    assert "Big Pro" in content
    assert "Small Pro" not in content and "Big Free" not in content
    assert "Plan: Pro" in content and "Seats ≥ 10" in content
    assert response.context["query"].errors == []
    assert bad.context["query"].errors == [
        "property:plann: “plann” is not a contact property; that filter was ignored.",
        "property:plan.gte: Plan: only numbers and dates take a range; that filter was ignored.",
    ]
