"""The API's activity kinds come from the timeline-kind registry (tandem/core/timeline.py): the OpenAPI enum
lists what the installed apps register (here also the test-only Widget app's kind), and an entry of a kind no
installed app declares any more is still returned as stored, never a 500."""

import pytest

from tandem.api.tests.conftest import bearer
from tandem.contacts.models import Activity
from tandem.contacts.tests.factories import ContactFactory
from tandem.core import timeline

pytestmark = pytest.mark.django_db


def test_the_openapi_kind_enum_is_the_registry(client):
    schema = client.get("/api/v1/openapi.json").json()

    kind = schema["components"]["schemas"]["ActivityOut"]["properties"]["kind"]
    assert kind["enum"] == timeline.keys()
    assert {"note", "stage_changed", "merged", "widget_painted"} <= set(kind["enum"])
    assert "invoice_paid" not in kind["enum"]


def test_an_entry_of_an_undeclared_kind_is_returned_as_stored(client, admin, admin_token):
    contact = ContactFactory(owner=admin)
    old = Activity.objects.create(
        contact=contact, kind="invoice_paid", occurred_at=contact.created_at, body="old"
    )

    response = client.get(f"/api/v1/contacts/{contact.pk}/activities", **bearer(admin_token))

    assert response.status_code == 200
    assert [(row["id"], row["kind"], row["body"]) for row in response.json()["results"]] == [
        (old.pk, "invoice_paid", "old")
    ]
