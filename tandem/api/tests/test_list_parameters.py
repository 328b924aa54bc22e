"""List filters: the list pages' names (owner, team, company), the old names as deprecated aliases, unknown
parameters refused, and out-of-range ids and dates answered with a 400."""

import pytest

from tandem.api.tests.conftest import bearer
from tandem.contacts.tests.factories import CompanyFactory, ContactFactory
from tandem.core.models import Role, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(admin, seller, other_team):
    outsider = User.objects.create_user("south@example.com", "pw", role=Role.SALES, team=other_team)
    acme = CompanyFactory(owner=admin, name="Acme")
    return {
        "mine": ContactFactory(owner=admin, last_name="Mine", company=acme),
        "seller": ContactFactory(owner=seller, last_name="Seller"),
        "south": ContactFactory(owner=outsider, last_name="South"),
        "nobody": ContactFactory(owner=None, last_name="Nobody"),
        "acme": acme,
        "outsider": outsider,
    }


def _names(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return sorted(row["last_name"] for row in response.json()["results"])


def test_contacts_take_the_list_pages_filter_names(client, admin, seller, other_team, admin_token, people):
    def get(query):
        return _names(client.get("/api/v1/contacts", query, **bearer(admin_token)))

    assert get({"owner": [admin.pk, seller.pk]}) == ["Mine", "Seller"]
    assert get({"owner": "none"}) == ["Nobody"]
    assert get({"team": other_team.pk}) == ["South"]
    assert get({"company": people["acme"].pk}) == ["Mine"]
    assert get({"stage": ["lead", "mql"], "owner": seller.pk}) == ["Seller"]


def test_owner_id_and_team_id_still_work_and_are_marked_deprecated(
    client, admin, other_team, admin_token, people
):
    by_owner = client.get("/api/v1/contacts", {"owner_id": admin.pk}, **bearer(admin_token))
    by_team = client.get("/api/v1/contacts", {"team_id": other_team.pk}, **bearer(admin_token))
    companies = client.get("/api/v1/companies", {"owner_id": admin.pk}, **bearer(admin_token))
    schema = client.get("/api/v1/openapi.json").json()

    assert _names(by_owner) == ["Mine"]
    assert _names(by_team) == ["South"]
    assert [row["name"] for row in companies.json()["results"]] == ["Acme"]
    for path in ("/api/v1/contacts", "/api/v1/companies"):
        parameters = {item["name"]: item for item in schema["paths"][path]["get"]["parameters"]}
        assert parameters["owner_id"]["deprecated"] is True
        assert parameters["team_id"]["deprecated"] is True
        assert "deprecated" not in parameters["owner"]
        assert parameters["property_filters"]["style"] == "form"
        assert parameters["property_filters"]["explode"] is True
        # The list page's spelling, property:<name>; the API's first one, property.<name>, is deprecated.
        assert list(parameters["property_filters"]["schema"]["patternProperties"]) == [
            r"^property:[a-z][a-z0-9_]{0,59}(\.(gte|lte))?$"
        ]
        assert "deprecated" not in parameters["property_filters"]
        assert parameters["deprecated_property_filters"]["deprecated"] is True
        assert list(parameters["deprecated_property_filters"]["schema"]["patternProperties"]) == [
            r"^property\.[a-z][a-z0-9_]{0,59}(\.(gte|lte))?$"
        ]


@pytest.mark.parametrize(
    ("path", "query", "field"),
    [
        ("/api/v1/contacts", {"ownr": "1"}, "ownr"),
        ("/api/v1/contacts", {"stage": "lead", "satge": "mql"}, "satge"),
        ("/api/v1/companies", {"company": "1"}, "company"),
        ("/api/v1/properties", {"": "1"}, ""),
        ("/api/v1/contacts/duplicates", {"reson": "email"}, "reson"),
        ("/api/v1/exports/1", {"x": "1"}, "x"),
    ],
)
def test_unknown_query_parameters_are_refused(client, admin, admin_token, people, path, query, field):
    response = client.get(path, query, **bearer(admin_token))

    assert response.status_code == 400
    body = response.json()["error"]
    assert body["code"] == "bad_request"
    assert body["message"] == "Some query parameters are not known here."
    assert list(body["fields"]) == [field]
    assert body["fields"][field].startswith("Not a parameter of this operation (it takes: ")
    assert response["RateLimit-Limit"]


def test_unknown_query_parameter_on_a_write_is_refused_and_nothing_is_written(client, admin_token):
    response = client.post(
        "/api/v1/contacts?dry=1",
        {"email": "a@example.com"},
        content_type="application/json",
        **bearer(admin_token),
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "dry": "Not a parameter of this operation (it takes: none)."
    }
    from tandem.contacts.models import Contact

    assert Contact.objects.count() == 0


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"owner": str(2**63)}, "owner.0"),
        ({"team": str(2**64)}, "team.0"),
        ({"company": str(2**63)}, "company"),
        ({"owner_id": str(2**63)}, "owner_id"),
        ({"created_from": "0"}, "created_from"),
        ({"created_to": "1700000000"}, "created_to"),
    ],
)
def test_out_of_range_ids_and_dates_are_a_400(client, admin_token, query, field):
    response = client.get("/api/v1/contacts", query, **bearer(admin_token))

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert list(response.json()["error"]["fields"]) == [field]


def test_property_filters_take_the_list_pages_spelling_and_the_old_one(client, admin, admin_token):
    from tandem.contacts.models import PropertyType
    from tandem.contacts.tests.factories import PropertyDefinitionFactory

    PropertyDefinitionFactory(name="seats", value_type=PropertyType.NUMBER)
    PropertyDefinitionFactory(name="region", object_type="company")
    ContactFactory(owner=admin, last_name="Small", properties={"seats": 5})
    ContactFactory(owner=admin, last_name="Big", properties={"seats": 50})
    CompanyFactory(owner=admin, name="North Ltd", properties={"region": "North"})
    CompanyFactory(owner=admin, name="South Ltd", properties={"region": "South"})

    def get(path, query):
        return client.get(path, query, **bearer(admin_token))

    # property:<name> is the web list's spelling; property.<name> still works, alone or mixed with it.
    assert _names(get("/api/v1/contacts", {"property:seats.gte": "10"})) == ["Big"]
    assert _names(get("/api/v1/contacts", {"property.seats.gte": "10"})) == ["Big"]
    assert _names(get("/api/v1/contacts", {"property:seats.lte": "10", "property.seats.gte": "1"})) == [
        "Small"
    ]
    north = get("/api/v1/companies", {"property:region": "North"})
    assert [row["name"] for row in north.json()["results"]] == ["North Ltd"]

    # Each error names the parameter as it was sent.
    unknown = get("/api/v1/contacts", {"property:nope": "1", "property.seats": "many"})
    assert unknown.status_code == 400
    assert unknown.json()["error"]["fields"] == {
        "property:nope": "“nope” is not a contact property.",
        "property.seats": "Seats: “many” is not a number.",
    }


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ({"country": "XX"}, {"country": "“XX” is not a country code."}),
        ({"created_from": "2026-05-02", "created_to": "2026-05-01"}, {}),
    ],
)
def test_values_the_grammar_cannot_read_are_a_400(client, admin_token, query, fields):
    response = client.get("/api/v1/contacts", query, **bearer(admin_token))

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"
    assert response.json()["error"]["fields"] == fields
    if not fields:
        assert response.json()["error"]["message"] == (
            "“Created from” is after “Created to”, so nothing could match."
        )
