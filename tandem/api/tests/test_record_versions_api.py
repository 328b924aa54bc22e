"""Optimistic concurrency in the API (issue 7): GET and PATCH of a contact or company answer an ETag; a
PATCH with a stale If-Match answers 412 in the one error format and writes nothing."""

import pytest

from tandem.api.tests.conftest import bearer
from tandem.contacts import services
from tandem.contacts.models import Activity, Company, Contact
from tandem.contacts.tests.factories import CompanyFactory, ContactFactory

pytestmark = pytest.mark.django_db

KINDS = [("contacts", ContactFactory, "job_title"), ("companies", CompanyFactory, "industry")]


@pytest.mark.parametrize(("path", "factory", "field"), KINDS)
def test_etag_then_if_match_then_stale_if_match(client, admin, admin_token, path, factory, field):
    record = factory(owner=admin)
    url = f"/api/v1/{path}/{record.pk}"

    version_stored = services.record_version(type(record).objects.get(pk=record.pk))
    read = client.get(url, **bearer(admin_token))
    first_tag = read["ETag"]
    changed = client.patch(
        url, {field: "First"}, content_type="application/json", HTTP_IF_MATCH=first_tag, **bearer(admin_token)
    )
    activities = Activity.objects.count()
    stale = client.patch(
        url,
        {field: "Second"},
        content_type="application/json",
        HTTP_IF_MATCH=first_tag,
        **bearer(admin_token),
    )

    record.refresh_from_db()
    assert read.status_code == 200
    assert first_tag == f'"{version_stored}"'
    assert changed.status_code == 200
    assert changed["ETag"] == f'"{services.record_version(record)}"'
    assert changed["ETag"] != first_tag
    assert stale.status_code == 412
    assert stale.json() == {
        "error": {
            "code": "precondition_failed",
            "message": stale.json()["error"]["message"],
            "fields": {},
        }
    }
    assert stale.json()["error"]["message"].startswith("Someone else changed this")
    assert stale["ETag"] == changed["ETag"]
    assert getattr(record, field) == "First"
    assert Activity.objects.count() == activities


def test_patch_without_if_match_or_with_a_star_still_works(client, admin, admin_token):
    contact = ContactFactory(owner=admin)

    plain = client.patch(
        f"/api/v1/contacts/{contact.pk}",
        {"job_title": "CTO"},
        content_type="application/json",
        **bearer(admin_token),
    )
    star = client.patch(
        f"/api/v1/contacts/{contact.pk}",
        {"job_title": "CEO"},
        content_type="application/json",
        HTTP_IF_MATCH="*",
        **bearer(admin_token),
    )

    assert (plain.status_code, star.status_code) == (200, 200)
    assert Contact.objects.get(pk=contact.pk).job_title == "CEO"


def test_schema_declares_if_match_and_412(client):
    schema = client.get("/api/v1/openapi.json").json()

    for path in ("/api/v1/contacts/{contact_id}", "/api/v1/companies/{company_id}"):
        patch = schema["paths"][path]["patch"]
        assert "412" in patch["responses"]
        assert [p["name"] for p in patch["parameters"] if p["in"] == "header"] == ["If-Match"]


def test_a_company_patch_with_a_garbage_if_match_is_refused_as_stale(client, admin, admin_token):
    company = CompanyFactory(owner=admin, industry="Solar")

    response = client.patch(
        f"/api/v1/companies/{company.pk}",
        {"industry": "Wind"},
        content_type="application/json",
        HTTP_IF_MATCH='"not-a-version"',
        **bearer(admin_token),
    )

    assert response.status_code == 412
    assert Company.objects.get(pk=company.pk).industry == "Solar"


def test_a_weak_etag_never_matches(client, admin, admin_token):
    contact = ContactFactory(owner=admin, job_title="CEO")
    current = client.get(f"/api/v1/contacts/{contact.pk}", **bearer(admin_token))["ETag"]

    response = client.patch(
        f"/api/v1/contacts/{contact.pk}",
        {"job_title": "CTO"},
        content_type="application/json",
        HTTP_IF_MATCH=f"W/{current}",
        **bearer(admin_token),
    )

    assert response.status_code == 412
    assert response["ETag"] == current
    assert Contact.objects.get(pk=contact.pk).job_title == "CEO"
