"""Companies, timelines, notes and property definitions through the API; rate limits; the docs."""

from unittest import mock

import pytest
from django.test import override_settings

from tandem.api.tests.conftest import bearer, make_token
from tandem.contacts.models import Activity, Company, PropertyDefinition
from tandem.contacts.tests.factories import CompanyFactory, ContactFactory, PropertyDefinitionFactory

pytestmark = pytest.mark.django_db


def test_company_create_patch_list_delete(client, admin, admin_token):
    created = client.post(
        "/api/v1/companies",
        {"name": "Acme", "domain": "https://www.Acme.example/about", "size": "10-49"},
        content_type="application/json",
        **bearer(admin_token),
    )
    company_id = created.json()["id"]
    patched = client.patch(
        f"/api/v1/companies/{company_id}",
        {"industry": "Rockets"},
        content_type="application/json",
        **bearer(admin_token),
    )
    listed = client.get("/api/v1/companies", {"q": "acm"}, **bearer(admin_token))
    deleted = client.delete(f"/api/v1/companies/{company_id}", **bearer(admin_token))

    assert created.status_code == 201
    assert created.json()["domain"] == "acme.example"
    assert created.json()["owner_id"] == admin.pk
    assert patched.json()["industry"] == "Rockets"
    assert patched.json()["name"] == "Acme"
    assert [row["id"] for row in listed.json()["results"]] == [company_id]
    assert deleted.status_code == 204
    assert Company.objects.get(pk=company_id).deleted_at is not None


def test_company_needs_a_name_and_refuses_mass_assignment(client, admin_token):
    nameless = client.post(
        "/api/v1/companies", {"name": "  "}, content_type="application/json", **bearer(admin_token)
    )
    with_team = client.post(
        "/api/v1/companies",
        {"name": "Acme", "team_id": 3},
        content_type="application/json",
        **bearer(admin_token),
    )

    assert nameless.status_code == 400
    assert nameless.json()["error"]["fields"] == {"name": "A company needs a name."}
    assert with_team.json()["error"]["fields"] == {"team_id": "“team_id” cannot be set here."}
    assert Company.objects.count() == 0


def test_timeline_is_newest_first_and_cursor_paged(client, admin, admin_token):
    contact = ContactFactory(owner=admin)
    for number in range(5):
        client.post(
            f"/api/v1/contacts/{contact.pk}/notes",
            {"body": f"note {number}"},
            content_type="application/json",
            **bearer(admin_token),
        )

    first = client.get(
        f"/api/v1/contacts/{contact.pk}/activities", {"limit": 3}, **bearer(admin_token)
    ).json()
    second = client.get(
        f"/api/v1/contacts/{contact.pk}/activities",
        {"limit": 3, "cursor": first["next_cursor"]},
        **bearer(admin_token),
    ).json()

    assert [row["body"] for row in first["results"]] == ["note 4", "note 3", "note 2"]
    assert [row["body"] for row in second["results"]] == ["note 1", "note 0"]
    assert second["next_cursor"] is None
    assert first["results"][0]["kind"] == "note"
    assert first["results"][0]["actor_id"] == admin.pk


def test_company_note_and_empty_note(client, admin, admin_token):
    company = CompanyFactory(owner=admin)

    added = client.post(
        f"/api/v1/companies/{company.pk}/notes",
        {"body": "Called"},
        content_type="application/json",
        **bearer(admin_token),
    )
    empty = client.post(
        f"/api/v1/companies/{company.pk}/notes",
        {"body": "   "},
        content_type="application/json",
        **bearer(admin_token),
    )

    assert added.status_code == 201
    assert added.json()["company_id"] == company.pk
    assert empty.status_code == 400
    assert empty.json()["error"]["fields"] == {"body": "Write something before adding the note."}
    assert Activity.objects.filter(company=company, kind="note").count() == 1


def test_read_only_user_cannot_add_notes_even_with_the_scope(client, reader):
    plain = make_token(reader, ["activities:read", "activities:write"])
    contact = ContactFactory(owner=reader)

    response = client.post(
        f"/api/v1/contacts/{contact.pk}/notes",
        {"body": "Hi"},
        content_type="application/json",
        **bearer(plain),
    )

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert Activity.objects.filter(kind="note").count() == 0


def test_properties_list_and_create_by_admin(client, admin_token):
    PropertyDefinitionFactory(name="plan", label="Plan")

    created = client.post(
        "/api/v1/properties",
        {
            "object_type": "company",
            "name": "tier",
            "label": "Tier",
            "value_type": "choice",
            "choices": ["a", "b"],
        },
        content_type="application/json",
        **bearer(admin_token),
    )
    listed = client.get("/api/v1/properties", **bearer(admin_token))
    companies_only = client.get("/api/v1/properties", {"object_type": "company"}, **bearer(admin_token))

    assert created.status_code == 201
    assert created.json()["choices"] == ["a", "b"]
    assert [row["name"] for row in listed.json()["results"]] == ["plan", "tier"]
    assert [row["name"] for row in companies_only.json()["results"]] == ["tier"]


def test_only_admins_define_properties(client, seller):
    plain = make_token(seller, ["properties:read", "properties:write"])

    response = client.post(
        "/api/v1/properties",
        {"object_type": "contact", "name": "tier", "label": "Tier", "value_type": "text"},
        content_type="application/json",
        **bearer(plain),
    )

    assert response.status_code == 403
    assert response.json() == {
        "error": {"code": "forbidden", "message": "You may not create property records.", "fields": {}}
    }
    assert PropertyDefinition.objects.count() == 0


@override_settings(TANDEM_API_RATE_LIMIT=3)
def test_rate_limit_answers_429_with_retry_after(client, admin, admin_token):
    other_token = make_token(admin)
    # A fixed clock 30 s into a one-minute window, so the window cannot roll over mid-test.
    clock = mock.patch("tandem.api.auth.time.time", return_value=1_800_000_030.0)
    clock.start()

    statuses = [client.get("/api/v1/contacts", **bearer(admin_token)).status_code for _ in range(3)]
    limited = client.get("/api/v1/contacts", **bearer(admin_token))
    other = client.get("/api/v1/contacts", **bearer(other_token))

    assert statuses == [200, 200, 200]
    assert limited.status_code == 429
    clock.stop()
    assert limited["Retry-After"] == "30"
    assert limited.json() == {
        "error": {
            "code": "rate_limited",
            "message": "Too many requests. Try again in 30 seconds.",
            "fields": {},
        }
    }
    # The limit is per token: another token of the same user still gets through.
    assert other.status_code == 200


def test_openapi_is_3_1_with_bearer_auth_and_documented_errors(client):
    schema = client.get("/api/v1/openapi.json").json()

    assert schema["openapi"] == "3.1.0"
    assert schema["components"]["securitySchemes"] == {"TokenAuth": {"type": "http", "scheme": "bearer"}}
    operation = schema["paths"]["/api/v1/contacts"]["post"]
    assert operation["security"] == [{"TokenAuth": ["contacts:write"]}]
    assert sorted(operation["responses"]) == ["201", "400", "401", "403", "404", "429"]
    assert "team_id" not in schema["components"]["schemas"]["ContactWrite"]["properties"]
    assert "score" not in schema["components"]["schemas"]["ContactPatch"]["properties"]
    assert schema["components"]["schemas"]["ContactWrite"]["additionalProperties"] is False


def test_docs_page_is_rendered_here_without_third_party_scripts(client):
    response = client.get("/api/v1/docs")

    html = response.content.decode()
    assert response.status_code == 200
    assert '<code class="api-path">/api/v1/contacts/{contact_id}/notes</code>' in html
    assert "Add a note to a contact" in html
    assert "<code>contacts:write</code>" in html
    assert 'id="schema-ContactOut"' in html
    assert "cdn" not in html.lower()
    assert "swagger" not in html.lower()
