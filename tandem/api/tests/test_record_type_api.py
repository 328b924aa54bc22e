"""The API of a record type comes from its declaration: the widget (tandem/core/tests/recordapp), which has no
API code of its own, gets list, read, create, change and delete, its scopes and its OpenAPI schema."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tandem.api.forms import TokenForm
from tandem.api.models import ApiScope
from tandem.api.tests.conftest import bearer, make_token
from tandem.contacts.tests.factories import ContactFactory
from tandem.core.models import Role, User
from tandem.core.tests.recordapp.models import Widget

pytestmark = pytest.mark.django_db

WIDGET_SCOPES = ["widgets:read", "widgets:write"]


@pytest.fixture
def token(admin):
    return make_token(admin, scopes=WIDGET_SCOPES)


def _post(client, token, body, path="/api/v1/widgets"):
    return client.post(path, body, content_type="application/json", **bearer(token))


def _patch(client, token, widget_id, body, **headers):
    return client.patch(
        f"/api/v1/widgets/{widget_id}", body, content_type="application/json", **bearer(token), **headers
    )


def test_the_widget_scopes_are_real_and_grantable(admin):
    assert [scope for scope in ApiScope.values if scope.startswith("widgets:")] == WIDGET_SCOPES
    assert dict(ApiScope.choices)["widgets:write"] == "Create, change and delete widgets"
    # The token form offers them, and a token is given them through the same service as every other scope.
    offered = [value for value, _label in TokenForm().fields["scopes"].choices]
    assert offered == ApiScope.values
    assert "widgets:write" in offered
    assert make_token(admin, scopes=["widgets:read"]).startswith("tdm_")


def test_create_read_change_and_delete_a_widget(client, admin, token):
    created = _post(client, token, {"name": "  Sprocket ", "colour": "blue"})

    assert created.status_code == 201
    widget = Widget.objects.get()
    assert created.json() == {
        "id": widget.pk,
        "name": "Sprocket",
        "colour": "blue",
        "owner_id": admin.pk,
        "properties": {},
    }

    read = client.get(f"/api/v1/widgets/{widget.pk}", **bearer(token))
    assert read.status_code == 200
    assert read.json() == created.json()
    assert read["ETag"] == f'"{widget.updated_at.isoformat()}"'

    changed = _patch(client, token, widget.pk, {"colour": "red"}, HTTP_IF_MATCH=read["ETag"])
    assert changed.status_code == 200
    assert changed.json() == {
        "id": widget.pk,
        "name": "Sprocket",
        "colour": "red",
        "owner_id": admin.pk,
        "properties": {},
    }
    widget.refresh_from_db()
    assert (widget.name, widget.colour) == ("Sprocket", "red")
    assert changed["ETag"] == f'"{widget.updated_at.isoformat()}"'

    deleted = client.delete(f"/api/v1/widgets/{widget.pk}", **bearer(token))
    assert deleted.status_code == 204
    widget.refresh_from_db()
    assert widget.deleted_at is not None
    assert client.get(f"/api/v1/widgets/{widget.pk}", **bearer(token)).status_code == 404


def test_a_stale_if_match_is_a_412_and_changes_nothing(client, admin, token):
    widget = Widget.objects.create(name="Gear", owner=admin, team=admin.team)
    old_tag = client.get(f"/api/v1/widgets/{widget.pk}", **bearer(token))["ETag"]
    assert _patch(client, token, widget.pk, {"name": "Cog"}).status_code == 200

    stale = _patch(client, token, widget.pk, {"colour": "blue"}, HTTP_IF_MATCH=old_tag)

    assert stale.status_code == 412
    assert stale.json()["error"] == {
        "code": "precondition_failed",
        "message": "This widget changed since you opened it.",
        "fields": {},
    }
    widget.refresh_from_db()
    assert (widget.name, widget.colour) == ("Cog", "red")
    assert stale["ETag"] == f'"{widget.updated_at.isoformat()}"'


def test_the_list_is_filtered_sorted_and_paged_by_the_declared_grammar(client, admin, token):
    for name, colour in [("Delta", "red"), ("Alpha", "blue"), ("Charlie", "blue"), ("Bravo", "blue")]:
        Widget.objects.create(name=name, colour=colour, owner=admin, team=admin.team)
    Widget.objects.create(name="Nobody's", colour="blue")

    first = client.get("/api/v1/widgets", {"colour": "blue", "sort": "name", "limit": 2}, **bearer(token))
    assert first.status_code == 200
    assert [row["name"] for row in first.json()["results"]] == ["Alpha", "Bravo"]
    cursor = first.json()["next_cursor"]
    second = client.get(
        "/api/v1/widgets", {"colour": "blue", "sort": "name", "limit": 2, "cursor": cursor}, **bearer(token)
    )
    assert [row["name"] for row in second.json()["results"]] == ["Charlie", "Nobody's"]
    assert second.json()["next_cursor"] is None

    unowned = client.get("/api/v1/widgets", {"owner": "none"}, **bearer(token))
    assert [row["name"] for row in unowned.json()["results"]] == ["Nobody's"]
    searched = client.get("/api/v1/widgets", {"q": "arl", "colour": ["blue", "red"]}, **bearer(token))
    assert [row["name"] for row in searched.json()["results"]] == ["Charlie"]


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ({"colur": "blue"}, ["colur"]),
        ({"colour": "green"}, ["colour.0"]),
        ({"sort": "colour"}, ["sort"]),
        ({"property:size": "1"}, ["property:size"]),
    ],
)
def test_a_parameter_or_value_the_widget_list_does_not_take_is_a_400(client, token, query, fields):
    response = client.get("/api/v1/widgets", query, **bearer(token))

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == fields


def test_write_errors_name_the_api_fields(client, admin, token):
    too_long = _post(client, token, {"name": "x" * 81})
    unnamed = _post(client, token, {"name": "", "colour": "red"})
    unknown = _post(client, token, {"name": "Gear", "team_id": 1})

    assert too_long.status_code == 400
    assert too_long.json()["error"]["fields"] == {"name": "At most 80 characters."}
    assert unnamed.status_code == 400
    assert list(unnamed.json()["error"]["fields"]) == ["name"]
    assert unknown.status_code == 400
    assert unknown.json()["error"]["fields"] == {"team_id": "“team_id” cannot be set here."}
    assert Widget.objects.count() == 0


@pytest.fixture
def reader(team):
    return User.objects.create_user("reader@example.com", "pw", role=Role.READ_ONLY, team=team)


def test_a_role_that_may_not_write_widgets_is_refused_and_nothing_changes(client, admin, reader):
    widget = Widget.objects.create(name="Gear", colour="red", owner=admin, team=admin.team)
    token = make_token(reader, scopes=WIDGET_SCOPES)

    created = _post(client, token, {"name": "Cog"})
    changed = _patch(client, token, widget.pk, {"colour": "blue"})
    deleted = client.delete(f"/api/v1/widgets/{widget.pk}", **bearer(token))
    read = client.get(f"/api/v1/widgets/{widget.pk}", **bearer(token))

    assert (created.status_code, changed.status_code, deleted.status_code) == (403, 403, 403)
    assert read.status_code == 200  # read-only users see their team's widgets
    assert list(Widget.objects.values_list("name", "colour", "deleted_at")) == [("Gear", "red", None)]


def test_a_token_without_the_write_scope_is_refused_and_nothing_changes(client, admin):
    widget = Widget.objects.create(name="Gear", colour="red", owner=admin, team=admin.team)
    token = make_token(admin, scopes=["widgets:read", "contacts:write"])

    changed = _patch(client, token, widget.pk, {"colour": "blue"})
    deleted = client.delete(f"/api/v1/widgets/{widget.pk}", **bearer(token))

    assert changed.status_code == 403
    assert changed.json()["error"]["message"] == "This token does not have the widgets:write scope."
    assert deleted.status_code == 403
    assert list(Widget.objects.values_list("name", "colour", "deleted_at")) == [("Gear", "red", None)]


def test_the_openapi_schema_has_the_widget_paths_and_schemas(client):
    schema = client.get("/api/v1/openapi.json").json()
    paths, components = schema["paths"], schema["components"]["schemas"]

    assert {method: operation["operationId"] for method, operation in paths["/api/v1/widgets"].items()} == {
        "get": "listWidgets",
        "post": "createWidget",
    }
    assert {
        method: operation["operationId"] for method, operation in paths["/api/v1/widgets/{widget_id}"].items()
    } == {"get": "getWidget", "patch": "updateWidget", "delete": "deleteWidget"}
    assert paths["/api/v1/widgets"]["get"]["security"] == [{"TokenAuth": ["widgets:read"]}]
    assert paths["/api/v1/widgets"]["post"]["security"] == [{"TokenAuth": ["widgets:write"]}]
    parameters = {item["name"]: item for item in paths["/api/v1/widgets"]["get"]["parameters"]}
    # The widget declares custom properties, so its list takes property filters as contacts' does.
    assert list(parameters) == [
        "q",
        "colour",
        "owner",
        "sort",
        "cursor",
        "limit",
        "property_filters",
        "deprecated_property_filters",
    ]
    assert parameters["colour"]["schema"]["anyOf"][0]["items"]["enum"] == ["red", "blue"]
    assert parameters["sort"]["schema"]["anyOf"][0]["enum"] == ["newest", "name"]
    assert parameters["sort"]["description"] == "Default: newest."
    patch_parameters = [item["name"] for item in paths["/api/v1/widgets/{widget_id}"]["patch"]["parameters"]]
    assert patch_parameters == ["widget_id", "If-Match"]

    assert list(components["WidgetOut"]["properties"]) == ["id", "name", "colour", "owner_id", "properties"]
    assert components["WidgetOut"]["properties"]["colour"]["enum"] == ["red", "blue"]
    write = components["WidgetWrite"]
    assert write["required"] == ["name"]
    assert write["additionalProperties"] is False
    assert (write["properties"]["name"]["maxLength"], write["properties"]["name"]["minLength"]) == (80, 1)
    assert write["properties"]["colour"]["default"] == "red"
    assert list(components["WidgetPatch"]["properties"]) == ["name", "colour", "owner_id", "properties"]
    assert components["WidgetPage"]["properties"]["results"]["items"] == {
        "$ref": "#/components/schemas/WidgetOut"
    }


def _queries_for(client, token, path) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, {"limit": 200}, **bearer(token))
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_a_list_page_costs_the_same_queries_for_2_rows_as_for_40(client, admin, admin_token):
    def add(count):
        for number in range(count):
            contact = ContactFactory(owner=admin, last_name=f"Row {number}")
            contact.tags.create(name=f"tag-{contact.pk}")  # shown through api_value: prefetched per page
            Widget.objects.create(name=f"Widget {number}", owner=admin, team=admin.team)

    add(2)
    paths = ("/api/v1/contacts", "/api/v1/widgets")
    few = [_queries_for(client, admin_token, path) for path in paths]
    add(38)
    many = [_queries_for(client, admin_token, path) for path in paths]

    assert many == few
