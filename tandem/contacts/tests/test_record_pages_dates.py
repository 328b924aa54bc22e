"""Dates on the record pages read the same everywhere ("6 Dec 2026, 14:05" in a <time> with the exact moment
as its tooltip): the timeline, stage history, consent, the trash and a trashed record's page."""

import datetime

import pytest

from tandem.contacts.models import Activity, Consent, Contact, StageChange
from tandem.contacts.services import contacts as contact_services
from tandem.contacts.services.timeline import add_note
from tandem.contacts.tests.factories import UserFactory
from tandem.core.models import Role

pytestmark = pytest.mark.django_db

MOMENT = datetime.datetime(2026, 12, 6, 14, 5, 9, tzinfo=datetime.UTC)
SHOWN = '<time datetime="2026-12-06T14:05:09+00:00" title="6 Dec 2026, 14:05:09 UTC">6 Dec 2026, 14:05</time>'


def test_record_pages_show_dates_with_the_shared_filters(client):
    admin = UserFactory(role=Role.ADMIN)
    contact = contact_services.create_contact(
        actor=admin, values={"first_name": "Ana", "last_name": "Lee", "email": "ana@example.com"}
    )
    add_note(actor=admin, body="Called back", contact=contact)
    Consent.objects.create(
        contact=contact, purpose="marketing_email", status="granted", method="form", recorded_at=MOMENT
    )
    Activity.objects.filter(contact=contact).update(occurred_at=MOMENT)
    StageChange.objects.filter(contact=contact).update(changed_at=MOMENT)
    gone = contact_services.create_contact(
        actor=admin, values={"first_name": "Gone", "email": "gone@example.com"}
    )
    contact_services.delete_contact(actor=admin, contact=gone)
    Contact.objects.filter(pk=gone.pk).update(deleted_at=MOMENT)
    client.force_login(admin)

    page = client.get(f"/contacts/{contact.pk}/").content.decode()
    trash = client.get("/contacts/trash/").content.decode()
    trashed = client.get(f"/contacts/{gone.pk}/").content.decode()

    # The timeline's three entries (created, first stage, the note), the stage history and the consent row.
    assert page.count(SHOWN) == 5
    assert "|date" not in page and "2026-12-06 14:05" not in page
    purge = '<time datetime="2027-01-05T14:05:09+00:00" title="5 Jan 2027, 14:05:09 UTC">5 Jan 2027</time>'
    assert f"<td>{SHOWN}</td>" in trash and f"<td>{purge}</td>" in trash
    assert f"moved to the trash on {SHOWN}. It will be deleted for good on {purge}." in trashed
