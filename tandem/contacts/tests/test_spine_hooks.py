"""The spine's hooks for the hubs (issue 6 §2): contacts.contact.stage_changed on every path that moves a
stage, merge events with both ids, suppression leaving a timeline entry, an audit row and an event,
write-once first touch, consent history, and "everyone but the suppressed" as one indexed join."""

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.db import connection

from tandem.contacts import events, selectors, services
from tandem.contacts.models import Activity, ActivityKind, Contact, StageChange, Suppression
from tandem.contacts.normalize import address_hash
from tandem.contacts.services.merge import merge_contacts, undo_merge
from tandem.contacts.tests.factories import ContactFactory, UserFactory
from tandem.core.models import Event, Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return UserFactory(email="admin@example.com", role=Role.ADMIN)


def stage_events() -> list[dict]:
    return list(
        Event.objects.filter(name=events.CONTACT_STAGE_CHANGED)
        .order_by("id")
        .values_list("payload", flat=True)
    )


def test_a_single_update_publishes_stage_changed_with_from_to_and_cause(admin):
    contact = ContactFactory(owner=admin, lifecycle_stage="lead")

    services.update_contact(actor=admin, contact=contact, values={"lifecycle_stage": "mql"}, cause_type="api")

    change = StageChange.objects.get(contact=contact)
    assert stage_events() == [
        {
            "contact_id": contact.pk,
            "from_stage": "lead",
            "to_stage": "mql",
            "stage_change_id": change.pk,
            "cause_type": "api",
            "cause_id": None,
        }
    ]


def test_bulk_set_stage_publishes_one_stage_changed_per_contact_moved(admin):
    first, second = ContactFactory(owner=admin, lifecycle_stage="lead"), ContactFactory(owner=admin)
    already = ContactFactory(owner=admin, lifecycle_stage="customer")
    second.lifecycle_stage = "mql"
    second.save(update_fields=["lifecycle_stage"])

    changed = services.bulk_update_contacts(
        actor=admin, contact_ids=[first.pk, second.pk, already.pk], action="set_stage", value="customer"
    )

    changes = {change.contact_id: change.pk for change in StageChange.objects.all()}
    assert changed == 2
    assert sorted(stage_events(), key=lambda payload: payload["contact_id"]) == [
        {
            "contact_id": first.pk,
            "from_stage": "lead",
            "to_stage": "customer",
            "stage_change_id": changes[first.pk],
            "cause_type": "bulk",
            "cause_id": None,
        },
        {
            "contact_id": second.pk,
            "from_stage": "mql",
            "to_stage": "customer",
            "stage_change_id": changes[second.pk],
            "cause_type": "bulk",
            "cause_id": None,
        },
    ]


def test_merge_and_its_undo_publish_the_stage_moves_and_both_ids(admin):
    survivor = ContactFactory(owner=admin, lifecycle_stage="lead", email="ann@example.com")
    other = ContactFactory(owner=admin, lifecycle_stage="sql", email="ann.lee@example.com")

    record = merge_contacts(actor=admin, survivor=survivor, other=other, choices={})
    merge_change = StageChange.objects.get(contact=survivor, cause_type="merge").pk
    undo_merge(actor=admin, merge=record)

    assert stage_events() == [
        {
            "contact_id": survivor.pk,
            "from_stage": "lead",
            "to_stage": "sql",
            "stage_change_id": merge_change,
            "cause_type": "merge",
            "cause_id": record.pk,
        },
        {
            "contact_id": survivor.pk,
            "from_stage": "sql",
            "to_stage": "lead",
            "stage_change_id": None,
            "cause_type": "merge_undone",
            "cause_id": record.pk,
        },
    ]
    both = {"merge_id": record.pk, "survivor_id": survivor.pk, "other_id": other.pk}
    assert list(
        Event.objects.filter(name__in=[events.CONTACT_MERGED, events.CONTACT_MERGE_UNDONE])
        .order_by("id")
        .values_list("name", "payload")
    ) == [(events.CONTACT_MERGED, both), (events.CONTACT_MERGE_UNDONE, both)]


def test_suppressing_an_address_writes_a_timeline_entry_an_audit_row_and_an_event_once(admin):
    contact = ContactFactory(owner=admin, email="Ann@Example.com")
    bystander = ContactFactory(owner=admin, email="bob@example.com")

    suppression = services.suppress_address(
        email=" ann@example.COM ", reason="unsubscribed", source="footer link", actor=admin
    )
    again = services.suppress_address(email="ann@example.com", reason="hard_bounce")

    assert again.pk == suppression.pk
    assert suppression.address_hash == address_hash("ann@example.com")
    assert list(
        Activity.objects.values_list("contact_id", "kind", "subject_type", "subject_id", "details")
    ) == [
        (
            contact.pk,
            ActivityKind.SUPPRESSED,
            "suppression",
            suppression.pk,
            {"reason": "unsubscribed", "source": "footer link"},
        )
    ]
    audit = LogEntry.objects.get()
    assert (audit.object_pk, audit.changes, audit.additional_data, audit.actor_id) == (
        str(suppression.pk),
        {"reason": [None, "unsubscribed"], "source": [None, "footer link"]},
        {"event": "suppressed", "contact_ids": [contact.pk]},
        admin.pk,
    )
    assert list(Event.objects.filter(name=events.SUPPRESSION_ADDED).values_list("payload", flat=True)) == [
        {"suppression_id": suppression.pk, "reason": "unsubscribed", "contact_ids": [contact.pk]}
    ]
    assert list(Contact.objects.not_suppressed().values_list("pk", flat=True)) == [bystander.pk]
    assert list(Contact.objects.suppressed().values_list("pk", flat=True)) == [contact.pk]


def test_first_touch_is_write_once_in_the_single_record_service(admin):
    contact = ContactFactory(owner=admin, source="google", source_medium="")

    services.update_contact(
        actor=admin, contact=contact, values={"source": "google", "source_medium": "cpc", "job_title": "CTO"}
    )
    with pytest.raises(ValidationError) as refused:
        services.update_contact(
            actor=admin, contact=contact, values={"source": "newsletter", "job_title": "CEO"}
        )

    contact.refresh_from_db()
    assert (contact.source, contact.source_medium, contact.job_title) == ("google", "cpc", "CTO")
    assert refused.value.message_dict == {
        "source": ["The first touch is kept as first recorded; it cannot be changed."]
    }


def test_the_consent_panel_reads_the_latest_decision_per_purpose(admin):
    contact = ContactFactory(owner=admin)
    services.record_consent(
        actor=admin, contact=contact, purpose="marketing_email", status="pending", method="form"
    )
    confirmed = services.record_consent(
        actor=admin, contact=contact, purpose="marketing_email", status="granted", method="double opt-in"
    )
    tracking = services.record_consent(
        actor=admin, contact=contact, purpose="tracking", status="withdrawn", method="banner"
    )

    overview = selectors.consent_overview(contact)

    assert overview["consents"] == {"marketing_email": confirmed, "tracking": tracking}
    assert contact.consents.count() == 3
    assert list(
        Event.objects.filter(name=events.CONSENT_CHANGED).order_by("id").values_list("payload", flat=True)
    )[-1] == {
        "contact_id": contact.pk,
        "consent_id": tracking.pk,
        "purpose": "tracking",
        "status": "withdrawn",
    }


def test_not_suppressed_is_one_join_on_an_index(admin):
    """A segment (one owner's contacts) against a large suppression list: each engine answers the anti-join
    from the unique index of the suppression hashes, never by scanning the list."""
    owner = UserFactory(email="owner@example.com", role=Role.SALES)
    segment = [ContactFactory(owner=owner, email=f"s{number}@example.com") for number in range(20)]
    Contact.objects.bulk_create(
        [
            Contact(email=f"c{number}@example.com", address_hash=address_hash(f"c{number}@example.com"))
            for number in range(200)
        ]
    )
    Suppression.objects.bulk_create(
        [
            Suppression(address_hash=address_hash(f"c{number}@example.com"), reason="manual")
            for number in range(20_000)
        ]
        + [
            Suppression(address_hash=address_hash(f"s{number}@example.com"), reason="manual")
            for number in range(5)
        ],
        batch_size=2000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    queryset = Contact.objects.filter(owner=owner).not_suppressed()

    plan = queryset.explain()

    assert sorted(queryset.values_list("pk", flat=True)) == sorted(contact.pk for contact in segment[5:])
    if connection.vendor == "sqlite":
        # For each contact of the segment, one lookup in the covering unique index of the hashes.
        assert (
            "SEARCH U0 USING COVERING INDEX sqlite_autoindex_contacts_suppression_1 (address_hash=?)" in plan
        )
        assert "SCAN U0" not in plan
    else:
        assert "Nested Loop Anti Join" in plan
        assert "Index Only Scan using contacts_suppression_address_hash" in plan
        assert "Seq Scan on contacts_suppression" not in plan


def test_contacts_written_without_their_suppression_key_get_it_from_the_sweep(admin):
    # given a bulk insert that forgot the key (as a raw import or generator might)
    Contact.objects.bulk_create(
        [Contact(email=f"raw{number}@example.com", first_name=f"Raw{number}") for number in range(5)]
        + [Contact(first_name="No email")]
    )
    services.suppress_address(email="RAW3@example.com", reason="complaint")
    missed = Contact.objects.filter(first_name__startswith="Raw").not_suppressed().count()

    filled = services.fill_missing_address_hashes(batch_size=2)

    assert (missed, filled) == (5, 5)
    assert list(
        Contact.objects.filter(first_name__startswith="Raw").suppressed().values_list("email", flat=True)
    ) == ["raw3@example.com"]
    assert Contact.objects.get(first_name="No email").address_hash == ""
    assert services.fill_missing_address_hashes() == 0
