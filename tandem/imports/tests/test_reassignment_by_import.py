"""A new owner given by an import file may not widen what the importing user can do with the record
(access.can_reassign), as in the single-record services, bulk assignment and merge: otherwise a sales user
(change: team, delete: owned) could import a file making a teammate's contacts their own, then delete them."""

import html

import pytest

from tandem.contacts.models import Contact
from tandem.contacts.tests.factories import TeamFactory, UserFactory
from tandem.core import access
from tandem.core.access import Verb
from tandem.core.models import Role
from tandem.imports.models import ImportRowError
from tandem.imports.tests.test_files_from_other_products import import_through_the_pages

pytestmark = pytest.mark.django_db

DENIED = "You may not give this contact to that owner: it would let you do more with it than you may now."


@pytest.fixture(autouse=True)
def upload_directory(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path / "imports"


@pytest.fixture
def team():
    return TeamFactory(name="North")


@pytest.fixture
def teammate(team):
    return UserFactory(email="mate@example.com", role=Role.SALES, team=team)


@pytest.fixture
def teammates_contact(teammate):
    return Contact.objects.create(
        email="lead@example.com", first_name="Lena", owner=teammate, team_id=teammate.team_id
    )


def test_a_sales_user_cannot_take_a_teammates_contact_through_an_import(
    client, team, teammate, teammates_contact, django_capture_on_commit_callbacks
):
    seller = UserFactory(email="seller@example.com", role=Role.SALES, team=team)
    client.force_login(seller)
    before = Contact.objects.values().get(pk=teammates_contact.pk)
    data = (
        b"Email,First Name,Owner\n"
        b"lead@example.com,Lenka,seller@example.com\n"
        b"new@example.com,Nia,seller@example.com\n"
    )

    report, report_page, job = import_through_the_pages(client, data, django_capture_on_commit_callbacks)

    # the dry run already says so, and the run reports the row and leaves the contact exactly as it was
    assert (report["to_create"], report["to_update"], report["invalid_rows"]) == (1, 0, 1)
    assert DENIED in html.unescape(report_page)
    assert list(ImportRowError.objects.filter(job=job).values_list("row_number", "reason")) == [(2, DENIED)]
    assert DENIED in html.unescape(client.get(f"/imports/{job.pk}/").content.decode())
    assert Contact.objects.values().get(pk=teammates_contact.pk) == before
    assert not access.can(seller, Verb.DELETE, Contact.objects.get(pk=teammates_contact.pk))
    assert Contact.objects.get(email="new@example.com").owner_id == seller.pk
    # and the second step, deleting it, still fails
    client.post(f"/contacts/{teammates_contact.pk}/delete/")
    assert Contact.objects.filter(pk=teammates_contact.pk, deleted_at__isnull=True).exists()


def test_a_sales_user_may_still_import_their_own_contact_to_a_teammate(
    client, team, teammate, django_capture_on_commit_callbacks
):
    seller = UserFactory(email="seller@example.com", role=Role.SALES, team=team)
    client.force_login(seller)
    own = Contact.objects.create(email="mine@example.com", owner=seller, team_id=team.pk)
    data = b"Email,Owner\nmine@example.com,mate@example.com\n"

    report, _page, job = import_through_the_pages(client, data, django_capture_on_commit_callbacks)

    assert (report["to_update"], report["invalid_rows"]) == (1, 0)
    assert not ImportRowError.objects.filter(job=job).exists()
    assert Contact.objects.values_list("owner_id", "team_id").get(pk=own.pk) == (teammate.pk, team.pk)


def test_an_admin_importing_owners_reassigns_them(
    client, teammate, teammates_contact, django_capture_on_commit_callbacks
):
    other_team = TeamFactory(name="South")
    newcomer = UserFactory(email="newcomer@example.com", role=Role.SALES, team=other_team)
    admin = UserFactory(email="admin@example.com", role=Role.ADMIN, team=other_team)
    client.force_login(admin)
    data = b"Email,Owner\nlead@example.com,newcomer@example.com\n"

    report, _page, job = import_through_the_pages(client, data, django_capture_on_commit_callbacks)

    assert (report["to_update"], report["invalid_rows"]) == (1, 0)
    assert not ImportRowError.objects.filter(job=job).exists()
    assert Contact.objects.values_list("owner_id", "team_id").get(pk=teammates_contact.pk) == (
        newcomer.pk,
        other_team.pk,
    )
