"""A company's timeline gathers its contacts' touches: it shows only those of contacts the reader may see,
on the page (the API: tandem/api/tests/test_company_timeline_access.py) (issue 7, "Access, integrity and faults")."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tandem.contacts import selectors, services
from tandem.contacts.tests.factories import CompanyFactory, ContactFactory, TeamFactory, UserFactory
from tandem.core.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def timeline_scene():
    """A South company with a South contact, a North contact and a trashed South contact, each with a note;
    the reader is read-only in South (sees South's records only)."""
    south, north = TeamFactory(name="South"), TeamFactory(name="North")
    admin = UserFactory(email="admin@example.com", role=Role.ADMIN, team=north)
    south_owner = UserFactory(email="sam@example.com", role=Role.SALES, team=south)
    north_owner = UserFactory(email="nina@example.com", role=Role.SALES, team=north)
    reader = UserFactory(email="reader@example.com", role=Role.READ_ONLY, team=south)
    company = CompanyFactory(name="Acme", owner=south_owner)
    seen = ContactFactory(first_name="Sue", last_name="South", owner=south_owner, company=company)
    hidden = ContactFactory(first_name="Ned", last_name="North", owner=north_owner, company=company)
    trashed = ContactFactory(first_name="Tom", last_name="Trash", owner=south_owner, company=company)
    services.add_note(actor=admin, body="Company note", company=company)
    services.add_note(actor=admin, body="Sue: renewal in May", contact=seen)
    services.add_note(actor=admin, body="Ned: secret discount", contact=hidden)
    services.add_note(actor=admin, body="Tom: trashed later", contact=trashed)
    services.delete_contact(actor=admin, contact=trashed)
    return {"reader": reader, "admin": admin, "company": company}


def test_company_page_timeline_leaves_out_contacts_the_reader_may_not_see(client, timeline_scene):
    client.force_login(timeline_scene["reader"])

    response = client.get(reverse("contacts:company_detail", args=[timeline_scene["company"].pk]))

    assert response.status_code == 200
    content = response.content.decode()
    assert "Sue: renewal in May" in content
    assert "Company note" in content
    assert "Ned: secret discount" not in content
    assert "Tom: trashed later" not in content
    assert [entry.contact_name for entry in response.context["timeline_entries"]] == ["Sue South", ""]


def test_an_admin_sees_every_live_contact_on_the_company_timeline_in_one_query(timeline_scene):
    with CaptureQueriesContext(connection) as queries:
        page = selectors.timeline(reader=timeline_scene["admin"], company=timeline_scene["company"])

    assert [row.body for row in page.rows if row.kind == "note"] == [
        "Ned: secret discount",
        "Sue: renewal in May",
        "Company note",
    ]
    assert len(queries) == 1


def test_a_company_timeline_without_a_reader_is_refused(timeline_scene):
    with pytest.raises(TypeError):
        selectors.timeline(company=timeline_scene["company"])
