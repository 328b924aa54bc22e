"""The contacts endpoints: reads and writes as the token's user, within the token's scopes."""

import datetime

import pytest
from auditlog.models import LogEntry
from django.utils import timezone

from tandem.api.tests.conftest import bearer, make_token
from tandem.contacts.models import Activity, Company, Contact, LifecycleStage, PropertyType
from tandem.contacts.tests.factories import CompanyFactory, ContactFactory, PropertyDefinitionFactory
from tandem.core.models import Role, User

pytestmark = pytest.mark.django_db

XSS = '<script>alert("x")</script>'


def test_create_contact(client, admin, admin_token):
    company = CompanyFactory(owner=admin)

    response = client.post(
        "/api/v1/contacts",
        {
            "email": "Ann@Example.COM",
            "first_name": "Ann",
            "last_name": "Lee",
            "company_id": company.pk,
            "country": "de",
            "lifecycle_stage": "mql",
            "tags": ["Webinar", "partner"],
        },
        content_type="application/json",
        **bearer(admin_token),
    )

    assert response.status_code == 201
    body = response.json()
    contact = Contact.objects.get()
    assert body["id"] == contact.pk
    assert body["email"] == "Ann@example.com"
    assert body["company_id"] == company.pk
    assert body["country"] == "DE"
    assert body["lifecycle_stage"] == "mql"
    assert body["tags"] == ["partner", "webinar"]
    assert body["owner_id"] == admin.pk
    assert body["team_id"] == admin.team_id
    assert body["score"] == 0
    assert Activity.objects.filter(contact=contact, kind="created", subject_type="api").count() == 1
    assert (
        LogEntry.objects.filter(
            object_pk=str(contact.pk), content_type__model="contact", action=LogEntry.Action.CREATE
        ).count()
        == 1
    )


def test_get_contact_and_not_found(client, admin, admin_token):
    contact = ContactFactory(owner=admin, first_name="Bo", properties={"plan": "gold"})

    found = client.get(f"/api/v1/contacts/{contact.pk}", **bearer(admin_token))
    missing = client.get(f"/api/v1/contacts/{contact.pk + 1000}", **bearer(admin_token))

    assert found.status_code == 200
    assert found.json()["first_name"] == "Bo"
    assert found.json()["properties"] == {"plan": "gold"}
    assert missing.status_code == 404
    assert missing.json() == {"error": {"code": "not_found", "message": "Not found.", "fields": {}}}


def test_patch_changes_only_the_given_fields(client, admin, admin_token):
    contact = ContactFactory(owner=admin, first_name="Bo", last_name="Ek", job_title="CTO")

    response = client.patch(
        f"/api/v1/contacts/{contact.pk}",
        {"job_title": "CEO", "lifecycle_stage": "sql"},
        content_type="application/json",
        **bearer(admin_token),
    )

    assert response.status_code == 200
    contact.refresh_from_db()
    assert (contact.first_name, contact.last_name, contact.job_title) == ("Bo", "Ek", "CEO")
    assert contact.lifecycle_stage == LifecycleStage.SQL
    assert contact.stage_changes.get().to_stage == "sql"


def test_delete_moves_to_trash(client, admin, admin_token):
    contact = ContactFactory(owner=admin)

    response = client.delete(f"/api/v1/contacts/{contact.pk}", **bearer(admin_token))

    assert response.status_code == 204
    assert response.content == b""
    contact.refresh_from_db()
    assert contact.deleted_at is not None
    assert client.get(f"/api/v1/contacts/{contact.pk}", **bearer(admin_token)).status_code == 404


def test_read_only_token_cannot_write(client, admin):
    plain = make_token(admin, ["contacts:read"])
    contact = ContactFactory(owner=admin, first_name="Bo")

    created = client.post(
        "/api/v1/contacts", {"first_name": "New"}, content_type="application/json", **bearer(plain)
    )
    patched = client.patch(
        f"/api/v1/contacts/{contact.pk}",
        {"first_name": "X"},
        content_type="application/json",
        **bearer(plain),
    )
    deleted = client.delete(f"/api/v1/contacts/{contact.pk}", **bearer(plain))

    forbidden = {
        "error": {
            "code": "forbidden",
            "message": "This token does not have the contacts:write scope.",
            "fields": {},
        }
    }
    assert [created.status_code, patched.status_code, deleted.status_code] == [403, 403, 403]
    assert created.json() == patched.json() == deleted.json() == forbidden
    contact.refresh_from_db()
    assert Contact.objects.count() == 1
    assert (contact.first_name, contact.deleted_at) == ("Bo", None)


def test_token_without_contacts_scope_cannot_read(client, admin):
    plain = make_token(admin, ["companies:read"])

    response = client.get("/api/v1/contacts", **bearer(plain))

    assert response.status_code == 403
    assert response.json()["error"]["message"] == "This token does not have the contacts:read scope."


def test_read_only_users_write_token_is_still_refused_by_role(client, reader):
    plain = make_token(reader, ["contacts:read", "contacts:write"])
    contact = ContactFactory(owner=reader, first_name="Bo")
    audit_rows = LogEntry.objects.count()

    created = client.post(
        "/api/v1/contacts", {"first_name": "New"}, content_type="application/json", **bearer(plain)
    )
    patched = client.patch(
        f"/api/v1/contacts/{contact.pk}",
        {"first_name": "X"},
        content_type="application/json",
        **bearer(plain),
    )
    deleted = client.delete(f"/api/v1/contacts/{contact.pk}", **bearer(plain))

    assert [created.status_code, patched.status_code, deleted.status_code] == [403, 403, 403]
    assert created.json() == {
        "error": {"code": "forbidden", "message": "You may not create contact records.", "fields": {}}
    }
    assert patched.json()["error"]["message"] == "You may not change this contact."
    assert deleted.json()["error"]["message"] == "You may not delete this contact."
    contact.refresh_from_db()
    assert Contact.objects.count() == 1
    assert (contact.first_name, contact.deleted_at) == ("Bo", None)
    assert LogEntry.objects.count() == audit_rows


def test_list_is_scoped_to_what_the_role_sees(client, reader, other_team):
    outsider = User.objects.create_user("out@example.com", "pw", role=Role.SALES, team=other_team)
    mine = ContactFactory(owner=reader)
    theirs = ContactFactory(owner=outsider)
    plain = make_token(reader, ["contacts:read"])

    listed = client.get("/api/v1/contacts", **bearer(plain))
    hidden = client.get(f"/api/v1/contacts/{theirs.pk}", **bearer(plain))

    assert [row["id"] for row in listed.json()["results"]] == [mine.pk]
    assert hidden.status_code == 404


def test_cursor_pagination_walks_every_row_exactly_once(client, admin, admin_token):
    start = timezone.now() - datetime.timedelta(days=1)
    # Pairs of rows share a created_at, so the id tie-break is what keeps the walk exact.
    contacts = [
        ContactFactory(owner=admin, created_at=start + datetime.timedelta(minutes=n // 2)) for n in range(23)
    ]

    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 5, **({"cursor": cursor} if cursor else {})}
        body = client.get("/api/v1/contacts", params, **bearer(admin_token)).json()
        seen.extend(row["id"] for row in body["results"])
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break

    expected = [c.pk for c in sorted(contacts, key=lambda c: (c.created_at, c.pk), reverse=True)]
    assert seen == expected
    assert pages == 5


def test_sort_by_name_and_filters(client, admin, admin_token):
    ContactFactory(owner=admin, first_name="Zoe", last_name="Adams", lifecycle_stage="mql", country="DE")
    ContactFactory(owner=admin, first_name="Al", last_name="Brown", lifecycle_stage="mql", country="FR")
    ContactFactory(owner=admin, first_name="Cy", last_name="Cole", lifecycle_stage="lead", country="DE")

    by_stage = client.get("/api/v1/contacts", {"stage": "mql", "sort": "name"}, **bearer(admin_token))
    by_country = client.get("/api/v1/contacts", {"country": "de", "sort": "name"}, **bearer(admin_token))
    by_search = client.get("/api/v1/contacts", {"q": "bro"}, **bearer(admin_token))

    assert [row["last_name"] for row in by_stage.json()["results"]] == ["Adams", "Brown"]
    assert [row["last_name"] for row in by_country.json()["results"]] == ["Adams", "Cole"]
    assert [row["last_name"] for row in by_search.json()["results"]] == ["Brown"]


def test_property_filters(client, admin, admin_token):
    PropertyDefinitionFactory(name="seats", value_type=PropertyType.NUMBER)
    PropertyDefinitionFactory(name="plan", value_type=PropertyType.CHOICE, choices=["gold", "silver"])
    small = ContactFactory(owner=admin, last_name="Small", properties={"seats": 5, "plan": "gold"})
    big = ContactFactory(owner=admin, last_name="Big", properties={"seats": 50, "plan": "gold"})
    ContactFactory(owner=admin, last_name="Silver", properties={"seats": 70, "plan": "silver"})

    ranged = client.get(
        "/api/v1/contacts", {"property.plan": "gold", "property.seats.gte": "10"}, **bearer(admin_token)
    )
    exact = client.get("/api/v1/contacts", {"property.seats": "5"}, **bearer(admin_token))
    unknown = client.get("/api/v1/contacts", {"property.nope": "1"}, **bearer(admin_token))
    wrong_type = client.get("/api/v1/contacts", {"property.seats": "many"}, **bearer(admin_token))

    assert [row["id"] for row in ranged.json()["results"]] == [big.pk]
    assert [row["id"] for row in exact.json()["results"]] == [small.pk]
    assert unknown.status_code == 400
    assert unknown.json() == {
        "error": {
            "code": "bad_request",
            "message": "Some property filters are not valid.",
            "fields": {"property.nope": "“nope” is not a contact property."},
        }
    }
    assert wrong_type.status_code == 400
    assert wrong_type.json()["error"]["fields"] == {"property.seats": "Seats: “many” is not a number."}


@pytest.mark.parametrize("cursor", ["garbage", "eyJ2IjpbIm5vdC1hLWRhdGUiLDFdfQ", "eyJ2IjpbMV19"])
def test_bad_cursor_is_a_400(client, admin_token, cursor):
    response = client.get("/api/v1/contacts", {"cursor": cursor}, **bearer(admin_token))

    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "bad_request",
            "message": "This page link is no longer valid.",
            "fields": {"cursor": "This page link is no longer valid."},
        }
    }


def test_validation_errors_name_the_fields(client, admin, admin_token):
    response = client.post(
        "/api/v1/contacts",
        {"email": "not-an-email", "country": "Atlantis", "first_name": "x" * 101},
        content_type="application/json",
        **bearer(admin_token),
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["message"] == "Some fields are not valid."
    assert sorted(error["fields"]) == ["country", "email", "first_name"]
    assert error["fields"]["first_name"] == "At most 100 characters."
    assert error["fields"]["country"] == "“Atlantis” is not a country (use its name or ISO code, e.g. DE)."
    assert Contact.objects.count() == 0


def test_schema_validation_errors_use_the_same_format(client, admin_token):
    response = client.post(
        "/api/v1/contacts",
        {"lifecycle_stage": "king", "company_id": "abc"},
        content_type="application/json",
        **bearer(admin_token),
    )
    bad_json = client.post(
        "/api/v1/contacts", "{not json", content_type="application/json", **bearer(admin_token)
    )
    bad_query = client.get("/api/v1/contacts", {"limit": "0"}, **bearer(admin_token))

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert sorted(response.json()["error"]["fields"]) == ["company_id", "lifecycle_stage"]
    assert bad_json.status_code == 400
    assert bad_json.json() == {
        "error": {"code": "bad_request", "message": "Cannot parse request body", "fields": {}}
    }
    assert bad_query.status_code == 400
    assert list(bad_query.json()["error"]["fields"]) == ["limit"]


def test_duplicate_email_is_a_field_error(client, admin, admin_token):
    ContactFactory(owner=admin, email="ann@example.com")

    response = client.post(
        "/api/v1/contacts",
        {"email": "ann@example.com"},
        content_type="application/json",
        **bearer(admin_token),
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"email": "Another contact already has this email address."}


@pytest.mark.parametrize(
    "field,value",
    [
        ("team_id", 999),
        ("score", 100),
        ("created_at", "2001-01-01T00:00:00Z"),
        ("deleted_at", None),
        ("id", 5),
    ],
)
def test_mass_assignment_is_refused_and_nothing_changes(client, admin, admin_token, field, value):
    contact = ContactFactory(owner=admin, first_name="Bo", score=3)
    before = Contact.objects.values().get(pk=contact.pk)

    patched = client.patch(
        f"/api/v1/contacts/{contact.pk}",
        {field: value, "first_name": "Changed"},
        content_type="application/json",
        **bearer(admin_token),
    )
    created = client.post(
        "/api/v1/contacts",
        {field: value, "first_name": "New"},
        content_type="application/json",
        **bearer(admin_token),
    )

    assert patched.status_code == created.status_code == 400
    assert patched.json()["error"]["fields"] == {field: f"“{field}” cannot be set here."}
    assert Contact.objects.values().get(pk=contact.pk) == before
    assert Contact.objects.count() == 1


def test_owner_change_is_checked_by_the_service_and_the_team_follows(client, seller, other_team):
    colleague = User.objects.create_user("col@example.com", "pw", role=Role.SALES, team=other_team)
    plain = make_token(seller, ["contacts:read", "contacts:write"])
    contact = ContactFactory(owner=seller)
    inactive = User.objects.create_user("gone@example.com", "pw", role=Role.SALES, is_active=False)

    refused = client.patch(
        f"/api/v1/contacts/{contact.pk}",
        {"owner_id": inactive.pk},
        content_type="application/json",
        **bearer(plain),
    )
    contact.refresh_from_db()
    assert refused.status_code == 400
    assert refused.json()["error"]["fields"] == {"owner_id": "Choose an active user as the owner."}
    assert (contact.owner_id, contact.team_id) == (seller.pk, seller.team_id)

    moved = client.patch(
        f"/api/v1/contacts/{contact.pk}",
        {"owner_id": colleague.pk},
        content_type="application/json",
        **bearer(plain),
    )

    assert moved.status_code == 200
    assert (moved.json()["owner_id"], moved.json()["team_id"]) == (colleague.pk, other_team.pk)


def test_xss_is_returned_verbatim_as_json(client, admin, admin_token):
    response = client.post(
        "/api/v1/contacts",
        {"first_name": XSS, "job_title": "<img src=x onerror=alert(1)>"},
        content_type="application/json",
        **bearer(admin_token),
    )

    assert response.status_code == 201
    assert response["Content-Type"].startswith("application/json")
    fetched = client.get(f"/api/v1/contacts/{response.json()['id']}", **bearer(admin_token)).json()
    assert fetched["first_name"] == XSS
    assert fetched["job_title"] == "<img src=x onerror=alert(1)>"


def test_nul_characters_are_refused_not_stored(client, admin_token):
    response = client.post(
        "/api/v1/contacts", {"first_name": "a\x00b"}, content_type="application/json", **bearer(admin_token)
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "first_name": "Value error, Text cannot contain the NUL character."
    }
    assert Contact.objects.count() == 0


NEEDS_EMAIL_OR_NAME = {
    "error": {
        "code": "bad_request",
        "message": "A contact needs an email address or a name.",
        "fields": {
            "email": "Give an email address, a first name or a last name.",
            "first_name": "Give an email address, a first name or a last name.",
            "last_name": "Give an email address, a first name or a last name.",
        },
    }
}


@pytest.mark.parametrize(
    "payload", [{}, {"job_title": "CTO"}, {"email": None, "first_name": "  ", "last_name": ""}]
)
def test_a_contact_needs_an_email_or_a_name(client, admin_token, payload):
    response = client.post(
        "/api/v1/contacts", payload, content_type="application/json", **bearer(admin_token)
    )

    assert response.status_code == 400
    assert response.json() == NEEDS_EMAIL_OR_NAME
    assert Contact.objects.count() == 0


def test_a_change_may_not_clear_both_email_and_name(client, admin, admin_token):
    contact = ContactFactory(owner=admin, email="bo@example.com", first_name="Bo", last_name="")

    cleared = client.patch(
        f"/api/v1/contacts/{contact.pk}",
        {"email": None, "first_name": ""},
        content_type="application/json",
        **bearer(admin_token),
    )
    kept_name = client.patch(
        f"/api/v1/contacts/{contact.pk}",
        {"email": None},
        content_type="application/json",
        **bearer(admin_token),
    )

    assert cleared.status_code == 400
    assert cleared.json() == NEEDS_EMAIL_OR_NAME
    assert kept_name.status_code == 200
    contact.refresh_from_db()
    assert (contact.email, contact.first_name) == (None, "Bo")


def test_external_ids_are_shown_and_read_only(client, admin, admin_token):
    contact = ContactFactory(owner=admin, external_id="sf-003")
    company = CompanyFactory(owner=admin, external_id="sf-001")

    shown = client.get(f"/api/v1/contacts/{contact.pk}", **bearer(admin_token)).json()
    listed = client.get("/api/v1/companies", **bearer(admin_token)).json()
    written = client.patch(
        f"/api/v1/contacts/{contact.pk}",
        {"external_id": "mine"},
        content_type="application/json",
        **bearer(admin_token),
    )

    assert shown["external_id"] == "sf-003"
    assert [row["external_id"] for row in listed["results"]] == [company.external_id]
    assert written.status_code == 400
    assert written.json()["error"]["fields"] == {"external_id": "“external_id” cannot be set here."}
    contact.refresh_from_db()
    assert contact.external_id == "sf-003"


@pytest.mark.parametrize("owner_id", [True, "1", 1.0])
def test_body_values_are_taken_strictly_as_their_json_type(client, admin, admin_token, owner_id):
    response = client.post(
        "/api/v1/companies",
        {"name": "Acme", "owner_id": owner_id},
        content_type="application/json",
        **bearer(admin_token),
    )

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["owner_id"]
    assert not Company.objects.exists()
