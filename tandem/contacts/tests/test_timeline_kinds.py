"""Timeline kinds on a contact's and a company's page (issue 6 §2): each kind shows with the icon, heading,
details and link its owning app registered. The test-only Widget app (tandem/core/tests/recordapp) registers
its own kind and icon from its ready(); a contact's timeline shows it with no change in contacts. An entry
of a kind no installed app declares (old data) still shows, and an unregistered kind is never written."""

import pytest
from django.urls import reverse

from tandem.contacts import services
from tandem.contacts.models import Activity, ActivityKind
from tandem.contacts.services.merge import merge_contacts
from tandem.contacts.tests.factories import CompanyFactory, ContactFactory
from tandem.core import navigation, timeline
from tandem.core.models import Role, Team, User
from tandem.core.tests.recordapp.models import Widget
from tandem.core.tests.recordapp.records import WIDGET_ICON

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    team = Team.objects.create(name="North")
    return User.objects.create_user("admin@example.com", "pw", role=Role.ADMIN, team=team, first_name="Ada")


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


def _timeline_items(html: str) -> list[str]:
    start = html.index('<ol class="timeline" id="timeline-list">')
    return html[start : html.index("</ol>", start)].split('<li class="timeline-item">')[1:]


@pytest.mark.urls("tandem.core.tests.recordapp.urls")
def test_a_kind_registered_by_another_app_shows_on_a_contact_timeline_with_its_icon_and_link(
    admin_client, admin
):
    contact = ContactFactory(first_name="Wendy", last_name="Widget", owner=admin)
    widget = Widget.objects.create(name="Sprocket", colour="blue", owner=admin)
    services.record_activity(
        kind="widget_painted",
        contact=contact,
        actor=admin,
        subject_type="widget",
        subject_id=widget.pk,
        body="Second <coat>",
        details={"colour": "blue"},
    )

    response = admin_client.get(reverse("contacts:contact_detail", args=[contact.pk]))

    [item] = _timeline_items(response.content.decode())
    assert 'class="timeline-icon timeline-icon--success" data-kind="widget_painted"' in item
    assert WIDGET_ICON in item
    assert f'<a class="link" href="/widgets/{widget.pk}/">Widget painted blue</a>' in item
    assert '<div class="timeline-note"><bdi>Second &lt;coat&gt;</bdi></div>' in item
    assert [entry.url for entry in response.context["timeline_entries"]] == [f"/widgets/{widget.pk}/"]
    assert navigation.icon_markup("widget") == WIDGET_ICON


def test_without_the_widget_pages_the_widget_entry_shows_without_a_link(admin_client, admin):
    contact = ContactFactory(owner=admin)
    services.record_activity(
        kind="widget_painted", contact=contact, actor=admin, subject_type="widget", subject_id=5
    )

    response = admin_client.get(reverse("contacts:contact_detail", args=[contact.pk]))

    [item] = _timeline_items(response.content.decode())
    assert '<span class="timeline-title">Widget painted an unknown colour</span>' in item


def test_an_unregistered_kind_is_refused_and_nothing_is_written(admin):
    contact = ContactFactory(owner=admin)

    with pytest.raises(ValueError, match="Unknown timeline kind 'invoice_paid'"):
        services.record_activity(kind="invoice_paid", contact=contact, actor=admin)
    with pytest.raises(ValueError, match="Unknown timeline kind 'invoice_paid'"):
        services.timeline.record_activities(
            kind="invoice_paid",
            object_type="contact",
            record_ids=[contact.pk],
            actor=admin,
            occurred_at=contact.created_at,
            subject_type="bulk",
            details={},
        )

    assert Activity.objects.count() == 0


def test_an_entry_of_a_kind_no_app_declares_any_more_shows_as_a_generic_line(admin_client, admin):
    contact = ContactFactory(owner=admin)
    # Old data written by a hub that is no longer installed: the table takes any kind, the page still shows it.
    Activity.objects.create(
        contact=contact,
        kind="invoice_paid",
        occurred_at=contact.created_at,
        subject_type="invoice",
        subject_id=12,
        details={"amount": "1,200 EUR"},
    )

    response = admin_client.get(reverse("contacts:contact_detail", args=[contact.pk]))

    assert response.status_code == 200
    [item] = _timeline_items(response.content.decode())
    assert 'class="timeline-icon timeline-icon--neutral" data-kind="invoice_paid"' in item
    assert '<span class="timeline-title">Invoice paid · invoice #12</span>' in item
    assert "<li>Amount: <bdi>1,200 EUR</bdi></li>" in item
    assert Activity.objects.get().kind_label == "Invoice paid"


def test_the_spine_kinds_are_registered_and_the_hubs_kinds_are_not():
    spine = {value for name, value in vars(ActivityKind).items() if name.isupper()}

    assert spine <= set(timeline.keys())
    assert "note" in spine and "email_opened" in spine
    # hubs not built yet register theirs when they come (quote_sent is the quotes app's, registered by it)
    assert not {"invoice_paid", "ticket_opened", "survey_answered"} & set(timeline.keys())
    assert "quote_sent" in set(timeline.keys()) and "quote_sent" not in spine


def test_an_imported_entry_links_to_its_import(admin_client, admin):
    contact = ContactFactory(owner=admin)
    services.record_activity(
        kind=ActivityKind.IMPORTED,
        contact=contact,
        subject_type="import",
        subject_id=41,
        details={"created": False, "fields": ["job_title", "owner"]},
    )

    response = admin_client.get(reverse("contacts:contact_detail", args=[contact.pk]))

    [item] = _timeline_items(response.content.decode())
    assert '<a class="link" href="/imports/41/">Imported · import #41</a>' in item
    assert "<li>Fields: <bdi>Job title, Owner</bdi></li>" in item


def test_a_merged_entry_links_to_the_record_merged_in_for_a_reader_who_may_see_it(client, admin):
    survivor = ContactFactory(first_name="Ann", last_name="Lee", owner=admin)
    other = ContactFactory(first_name="Anne", last_name="Lee", owner=admin)
    merge_contacts(actor=admin, survivor=survivor, other=other, choices={})
    south = Team.objects.create(name="South")
    stranger = User.objects.create_user("reader@example.com", "pw", role=Role.READ_ONLY, team=south)
    # The reader sees the survivor (shared with their team), not the other record (the admin's team's).
    survivor.team = south
    survivor.save(update_fields=["team"])

    client.force_login(admin)
    mine = client.get(reverse("contacts:contact_detail", args=[survivor.pk]))
    client.force_login(stranger)
    theirs = client.get(reverse("contacts:contact_detail", args=[survivor.pk]))

    merged_of = {
        name: next(
            entry for entry in response.context["timeline_entries"] if entry.kind == ActivityKind.MERGED
        )
        for name, response in (("admin", mine), ("stranger", theirs))
    }
    assert (merged_of["admin"].url, merged_of["stranger"].url) == (f"/contacts/{other.pk}/", "")
    assert str(merged_of["admin"].heading) == "Merged with <bdi>Anne Lee</bdi>"


def test_a_company_timeline_shows_the_kinds_of_its_contacts_entries(admin_client, admin):
    company = CompanyFactory(name="Acme", owner=admin)
    contact = ContactFactory(first_name="Cy", last_name="Acme", company=company, owner=admin)
    services.add_note(actor=admin, body="Renewal due", contact=contact)

    response = admin_client.get(reverse("contacts:company_detail", args=[company.pk]))

    [item] = _timeline_items(response.content.decode())
    assert 'class="timeline-icon timeline-icon--note" data-kind="note"' in item
    assert (
        f'<span class="timeline-title">Note</span> · <a class="link" href="/contacts/{contact.pk}/">' in item
    )
