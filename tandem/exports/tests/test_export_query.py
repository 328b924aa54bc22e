"""Exports read the list's filter with the record layer's one query grammar: a filter they cannot read
is refused, never widened to "everything"; ids past 64 bits and the last day are not 500s."""

import pytest

from tandem.contacts.tests.factories import ContactFactory, UserFactory
from tandem.core.models import Role
from tandem.exports.models import ExportJob

pytestmark = pytest.mark.django_db

TOO_BIG = str(2**63)


@pytest.fixture
def admin(client):
    admin = UserFactory(role=Role.ADMIN)
    client.force_login(admin)
    return admin


def test_an_export_for_one_owner_with_a_misspelled_parameter_is_refused(client, admin):
    mine = ContactFactory(owner=admin)
    ContactFactory(owner=UserFactory())

    page = client.get("/exports/contacts/new/", {"ownr": str(admin.pk)})
    posted = client.post(
        "/exports/contacts/new/", {"file_format": "csv", "columns": [], "query": f"ownr={admin.pk}"}
    )
    correct = client.post(
        "/exports/contacts/new/", {"file_format": "csv", "columns": [], "query": f"owner={admin.pk}"}
    )

    assert "“ownr” is not a filter of the contacts list; it was ignored." in page.content.decode()
    assert posted.status_code == 200
    assert "so it was not started: it could export more than you meant" in posted.content.decode()
    assert ExportJob.objects.count() == 1  # only the correct one
    lines = b"".join(correct.streaming_content).decode("utf-8-sig").splitlines()
    assert [line.split(",")[0] for line in lines[1:]] == [str(mine.pk)]


def test_a_bad_value_in_an_export_filter_is_refused_too(client, admin):
    ContactFactory(owner=admin)

    posted = client.post(
        "/exports/contacts/new/", {"file_format": "csv", "columns": [], "query": "owner=bob"}
    )

    assert posted.status_code == 200
    assert "“bob” is not a valid owner; that filter was ignored." in posted.content.decode()
    assert ExportJob.objects.count() == 0


@pytest.mark.parametrize(
    "query",
    [f"owner={TOO_BIG}", f"team={TOO_BIG}", f"company={TOO_BIG}", "created_to=9999-12-31"],
)
def test_the_export_page_answers_for_huge_ids_and_the_last_day(client, admin, query):
    ContactFactory(owner=admin)

    contacts = client.get(f"/exports/contacts/new/?{query}")
    companies = client.get(f"/exports/companies/new/?{query.replace('company', 'owner')}")

    assert contacts.status_code == 200
    assert companies.status_code == 200
    if query.startswith("created_to"):
        assert (contacts.context["count"], contacts.context["filter_errors"]) == (1, [])
    else:
        assert f"“{TOO_BIG}” is not a valid" in contacts.content.decode()
