"""Concurrent edits keep every change (issue 7): updates write only what they change, custom properties key
by key in the database, the team from the owner in the same statement, and a client that sends the
version it read is refused (StaleRecord) when someone changed the record meanwhile.

The races run in real threads on PostgreSQL (SQLite serialises writers, so there they cannot happen); the
rest runs on both engines.
"""

import threading

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from tandem.contacts import services
from tandem.contacts.models import Activity, Company, Contact, PropertyType
from tandem.contacts.tests.factories import (
    CompanyFactory,
    ContactFactory,
    PropertyDefinitionFactory,
    TeamFactory,
    UserFactory,
)
from tandem.core.models import Event, Role

CLIENTS = 20


def run_at_once(work: list) -> list[BaseException]:
    """Run each callable in its own thread, all released together; returns what they raised."""
    start = threading.Barrier(len(work))
    failures: list[BaseException] = []

    def runner(job) -> None:
        try:
            start.wait()
            job()
        except BaseException as error:  # reported by the test; a thread's exception would otherwise vanish
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(job,)) for job in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return failures


def needs_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent writers (PostgreSQL)")


@pytest.mark.django_db(transaction=True)
def test_twenty_clients_each_setting_their_own_property_all_keep_theirs():
    needs_postgresql()
    admin = UserFactory(email="admin@example.com", role=Role.ADMIN)
    for number in range(CLIENTS):
        PropertyDefinitionFactory(object_type="contact", name=f"p{number}", label=f"P{number}")
    PropertyDefinitionFactory(object_type="company", name="c0", label="C0")
    contact = ContactFactory(properties={"kept": "before"})
    # every client read the contact before any wrote, as a form or an API client would
    copies = [Contact.objects.get(pk=contact.pk) for _ in range(CLIENTS)]

    failures = run_at_once(
        [
            lambda number=number: services.update_contact(
                actor=admin, contact=copies[number], values={"properties": {f"p{number}": f"value {number}"}}
            )
            for number in range(CLIENTS)
        ]
    )

    assert failures == []
    contact.refresh_from_db()
    assert contact.properties == {"kept": "before", **{f"p{n}": f"value {n}" for n in range(CLIENTS)}}
    assert Activity.objects.filter(contact=contact, kind="updated").count() == CLIENTS


@pytest.mark.django_db(transaction=True)
def test_owner_reassignments_racing_with_other_edits_keep_the_team_with_the_owner():
    needs_postgresql()
    blue, green = TeamFactory(name="Blue"), TeamFactory(name="Green")
    admin = UserFactory(email="admin@example.com", role=Role.ADMIN, team=blue)
    new_owner = UserFactory(email="greta@example.com", role=Role.SALES, team=green)
    contacts = [ContactFactory(owner=admin) for _ in range(CLIENTS)]
    companies = [CompanyFactory(owner=admin) for _ in range(CLIENTS)]
    # the editors read every record before the reassignments run
    stale_contacts = [Contact.objects.get(pk=contact.pk) for contact in contacts]
    stale_companies = [Company.objects.get(pk=company.pk) for company in companies]

    def reassign(index: int) -> None:
        services.update_contact(actor=admin, contact=contacts[index], values={"owner": new_owner.pk})
        services.update_company(actor=admin, company=companies[index], values={"owner": new_owner.pk})

    def edit(index: int) -> None:
        services.update_contact(actor=admin, contact=stale_contacts[index], values={"job_title": "CTO"})
        services.update_company(actor=admin, company=stale_companies[index], values={"industry": "Energy"})

    failures = run_at_once(
        [lambda index=index, job=job: job(index) for index in range(CLIENTS) for job in (reassign, edit)]
    )

    assert failures == []
    assert set(Contact.objects.values_list("owner_id", "team_id", "job_title")) == {
        (new_owner.pk, green.pk, "CTO")
    }
    assert set(Company.objects.values_list("owner_id", "team_id", "industry")) == {
        (new_owner.pk, green.pk, "Energy")
    }


@pytest.mark.django_db
def test_an_update_writes_only_the_columns_it_changes():
    admin = UserFactory(email="admin@example.com", role=Role.ADMIN)
    PropertyDefinitionFactory(object_type="contact", name="plan", label="Plan")
    contact = ContactFactory(owner=admin, properties={"plan": "free", "other": 1})

    with CaptureQueriesContext(connection) as queries:
        services.update_contact(
            actor=admin, contact=contact, values={"job_title": "CTO", "first_name": "Ann"}
        )

    updates = [query["sql"] for query in queries if query["sql"].startswith("UPDATE")]
    assert len(updates) == 1
    set_clause = updates[0].split(" SET ")[1].split(" WHERE ")[0]
    assert sorted(part.split(" = ")[0].strip('"') for part in set_clause.split(", ")) == [
        "first_name",
        "job_title",
        "updated_at",
    ]


@pytest.mark.django_db
def test_properties_change_key_by_key_in_the_database():
    # given a copy read before another writer set "seats": a whole-blob write from it would drop "seats"
    admin = UserFactory(email="admin@example.com", role=Role.ADMIN)
    PropertyDefinitionFactory(object_type="contact", name="plan", label="Plan")
    PropertyDefinitionFactory(object_type="contact", name="note", label="Note")
    PropertyDefinitionFactory(
        object_type="contact", name="seats", label="Seats", value_type=PropertyType.NUMBER
    )
    contact = ContactFactory(owner=admin, properties={"plan": "free", "note": "old"})
    read_earlier = Contact.objects.get(pk=contact.pk)
    Contact.objects.filter(pk=contact.pk).update(properties={"plan": "free", "note": "old", "seats": 5})

    with CaptureQueriesContext(connection) as queries:
        services.update_contact(
            actor=admin, contact=read_earlier, values={"properties": {"plan": "pro", "note": None}}
        )

    contact.refresh_from_db()
    assert contact.properties == {"plan": "pro", "seats": 5}
    assert read_earlier.properties == {"plan": "pro", "seats": 5}
    # one UPDATE that sets one key and removes another inside the database; the blob is never sent
    (update,) = [query["sql"] for query in queries if query["sql"].startswith("UPDATE")]
    if connection.vendor == "sqlite":
        assert "json_set(json_remove(" in update
    else:
        assert "jsonb_set((" in update and " - " in update
    assert "seats" not in update


@pytest.mark.django_db
def test_a_stale_version_is_refused_and_nothing_changes():
    admin = UserFactory(email="admin@example.com", role=Role.ADMIN)
    contact = ContactFactory(owner=admin, job_title="CEO")
    version_read = services.record_version(contact)
    services.update_contact(actor=admin, contact=contact, values={"job_title": "CTO"})
    activities, events = Activity.objects.count(), Event.objects.count()

    with pytest.raises(services.StaleRecord) as stale:
        services.update_contact(
            actor=admin, contact=contact, values={"job_title": "CFO"}, expected_version=version_read
        )

    contact.refresh_from_db()
    assert contact.job_title == "CTO"
    assert stale.value.current_version == services.record_version(contact)
    assert stale.value.current_version != version_read
    assert (Activity.objects.count(), Event.objects.count()) == (activities, events)
    assert isinstance(stale.value, services.StaleRecord.__mro__[1])  # a ValidationError


@pytest.mark.django_db
def test_the_current_version_is_accepted_and_moves_on():
    admin = UserFactory(email="admin@example.com", role=Role.ADMIN)
    contact = ContactFactory(owner=admin)
    company = CompanyFactory(owner=admin)
    contact_version, company_version = services.record_version(contact), services.record_version(company)

    services.update_contact(
        actor=admin, contact=contact, values={"job_title": "CTO"}, expected_version=contact_version
    )
    services.update_company(
        actor=admin, company=company, values={"industry": "Energy"}, expected_version=company_version
    )

    assert services.record_version(contact) != contact_version
    assert services.record_version(company) != company_version
    with pytest.raises(services.StaleRecord):
        services.update_company(
            actor=admin, company=company, values={"industry": "Solar"}, expected_version=company_version
        )
    assert Company.objects.get(pk=company.pk).industry == "Energy"


@pytest.mark.django_db
def test_the_team_is_read_from_the_owner_row_by_the_update_itself():
    # given the new owner moved team after the caller loaded them
    blue, green = TeamFactory(name="Blue"), TeamFactory(name="Green")
    admin = UserFactory(email="admin@example.com", role=Role.ADMIN, team=blue)
    owner = UserFactory(email="olga@example.com", role=Role.SALES, team=blue)
    loaded_owner = type(owner).objects.get(pk=owner.pk)
    type(owner).objects.filter(pk=owner.pk).update(team=green)
    contact = ContactFactory(owner=admin)

    services.update_contact(actor=admin, contact=contact, values={"owner": loaded_owner})

    assert Contact.objects.values_list("owner_id", "team_id").get(pk=contact.pk) == (owner.pk, green.pk)
