"""One reading of custom-property filter values: the web list (and with it exports and bulk "all matching",
which parse the same grammar) and the API give the same rows for the same parameter, and the same message
naming the parameter when the value cannot be read."""

import pytest
from django.test import Client

from tandem.api.tests.conftest import bearer
from tandem.contacts.models import PropertyType
from tandem.contacts.records.properties import ignored_message
from tandem.contacts.tests.factories import ContactFactory, PropertyDefinitionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(admin):
    PropertyDefinitionFactory(
        name="plan", label="Plan", value_type=PropertyType.CHOICE, choices=["Free", "Pro"]
    )
    PropertyDefinitionFactory(name="seats", label="Seats", value_type=PropertyType.NUMBER)
    PropertyDefinitionFactory(name="vip", label="VIP", value_type=PropertyType.BOOLEAN)
    PropertyDefinitionFactory(name="renewal", label="Renewal", value_type=PropertyType.DATE)
    PropertyDefinitionFactory(
        name="channels", label="Channels", value_type=PropertyType.MULTI_CHOICE, choices=["Email", "Phone"]
    )
    ContactFactory(
        owner=admin,
        last_name="Big",
        properties={"plan": "Pro", "seats": 50, "vip": True, "renewal": "2026-03-01", "channels": ["Email"]},
    )
    ContactFactory(
        owner=admin,
        last_name="Small",
        properties={"plan": "Free", "seats": 3, "vip": False, "renewal": "2027-01-01", "channels": ["Phone"]},
    )


def _web(client: Client, parameter: str, value: str) -> tuple[list[str], list[str]]:
    response = client.get("/contacts/", {parameter: value})
    assert response.status_code == 200
    names = sorted(record.last_name for record in response.context["page"].rows)
    return names, response.context["query"].errors


def _api(client: Client, token: str, parameter: str, value: str) -> tuple[list[str], dict[str, str]]:
    response = client.get("/api/v1/contacts", {parameter: value}, **bearer(token))
    if response.status_code == 400:
        return [], response.json()["error"]["fields"]
    assert response.status_code == 200
    return sorted(row["last_name"] for row in response.json()["results"]), {}


@pytest.mark.parametrize(
    ("parameter", "value", "names"),
    [
        ("property:vip", "true", ["Big"]),
        ("property:vip", "yes", ["Big"]),
        ("property:vip", "1", ["Big"]),
        ("property:vip", "YES", ["Big"]),
        ("property:vip", "false", ["Small"]),
        ("property:vip", "no", ["Small"]),
        ("property:vip", "0", ["Small"]),
        ("property:seats.gte", "10", ["Big"]),
        ("property:seats", "3", ["Small"]),
        ("property:seats.lte", "1,000", ["Big", "Small"]),
        ("property:renewal.lte", "2026-12-31", ["Big"]),
        ("property:plan", "Free", ["Small"]),
        ("property:channels", "Email", ["Big"]),
        ("property:plan", "__unset__", []),
        ("property:plan", "__set__", ["Big", "Small"]),
    ],
)
def test_the_web_list_and_the_api_read_a_value_the_same_way(
    client, admin, admin_token, people, parameter, value, names
):
    # Given two contacts with properties of every type, and an admin signed in on the web and by token
    web = Client()
    web.force_login(admin)

    # When both are filtered by the same parameter and value
    web_names, web_errors = _web(web, parameter, value)
    api_names, api_errors = _api(client, admin_token, parameter, value)

    # Then they show the same contacts, and neither has a complaint
    assert web_names == api_names == names
    assert web_errors == [] and api_errors == {}


@pytest.mark.parametrize(
    ("parameter", "value", "message"),
    [
        ("property:seats", "many", "Seats: “many” is not a number."),
        ("property:vip", "perhaps", "VIP: “perhaps” is not yes or no."),
        ("property:renewal", "31/12/2026", "Renewal: “31/12/2026” is not a date (use YYYY-MM-DD)."),
        ("property:plan", "Gold", "Plan: “Gold” is not one of Free, Pro."),
        ("property:channels", "Fax", "Channels: “Fax” is not one of Email, Phone."),
        ("property:channels", "Email;Phone", "Channels: filter by one option at a time."),
        ("property:plan.gte", "Free", "Plan: only numbers and dates take a range."),
        ("property:nope", "1", "“nope” is not a contact property."),
    ],
)
def test_a_value_neither_can_read_gives_the_same_message_naming_the_parameter(
    client, admin, admin_token, people, parameter, value, message
):
    # Given the same contacts and users
    web = Client()
    web.force_login(admin)

    # When both are filtered by a value that cannot be read
    web_names, web_errors = _web(web, parameter, value)
    api_names, api_errors = _api(client, admin_token, parameter, value)

    # Then the API refuses naming the parameter, and the list shows the same message and ignores the filter
    assert api_errors == {parameter: message}
    assert web_errors == [ignored_message(parameter, message)]
    assert web_errors[0].startswith(f"{parameter}: ")
    assert web_names == ["Big", "Small"]
