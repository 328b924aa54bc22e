"""Merging contacts and companies field by field, and undoing it exactly."""

import datetime

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tandem.contacts.models import (
    Activity,
    ActivityKind,
    Company,
    Consent,
    ConsentPurpose,
    ConsentStatus,
    Contact,
    ContactTag,
    LifecycleStage,
    MergeRecord,
    StageChange,
    Tag,
)
from tandem.contacts.services import merge as merge_services
from tandem.contacts.services.merge import merge_companies, merge_contacts, row_snapshot, undo_merge
from tandem.contacts.services.trash import purge_trash
from tandem.contacts.tests.factories import (
    CompanyFactory,
    ContactFactory,
    PropertyDefinitionFactory,
    TeamFactory,
    UserFactory,
)
from tandem.core.models import Event, Role

pytestmark = pytest.mark.django_db

MOMENT = datetime.datetime(2026, 3, 1, 12, 0, tzinfo=datetime.UTC)


def at(days: int) -> datetime.datetime:
    return MOMENT + datetime.timedelta(days=days)


def activity(contact=None, company=None, kind=ActivityKind.NOTE, days=0) -> Activity:
    return Activity.objects.create(contact=contact, company=company, kind=kind, occurred_at=at(days))


def tag(contact: Contact, name: str) -> None:
    ContactTag.objects.create(contact=contact, tag=Tag.objects.get_or_create(name=name)[0])


def consent(contact: Contact, purpose: str, status: str, days: int) -> Consent:
    return Consent.objects.create(
        contact=contact,
        purpose=purpose,
        status=status,
        method="form",
        recorded_at=at(days),
        source=f"d{days}",
    )


def state(contact: Contact) -> dict:
    """Everything a merge may touch on one contact: its columns and the ids of its rows."""
    contact = Contact.objects.get(pk=contact.pk)
    return {
        "row": row_snapshot(contact),
        "activities": set(Activity.objects.filter(contact=contact).values_list("id", flat=True)),
        "stage_changes": {row.pk: row_snapshot(row) for row in StageChange.objects.filter(contact=contact)},
        # Whole rows: an undo puts a replaced consent back with its id and every field.
        "consents": {row.pk: row_snapshot(row) for row in Consent.objects.filter(contact=contact)},
        "tags": set(ContactTag.objects.filter(contact=contact).values_list("tag__name", flat=True)),
    }


@pytest.fixture
def admin():
    return UserFactory(role=Role.ADMIN, first_name="Ada")


@pytest.fixture
def pair(admin):
    """Two records of one person: the survivor Ann (older, richer) and the other Anne (newer consent)."""
    PropertyDefinitionFactory(name="plan", label="Plan")
    PropertyDefinitionFactory(name="seats", label="Seats")
    acme = CompanyFactory(name="Acme", domain="acme.example")
    survivor = ContactFactory(
        email="ann@acme.example",
        first_name="Ann",
        last_name="Lee",
        phone="",
        job_title="CTO",
        company=acme,
        lifecycle_stage=LifecycleStage.LEAD,
        owner=admin,
        properties={"plan": "pro"},
        created_at=at(-100),
        updated_at=at(-50),
    )
    other = ContactFactory(
        email="ann.lee@acme.example",
        first_name="Anne",
        last_name="Lee",
        phone="+4930123456",
        job_title="",
        lifecycle_stage=LifecycleStage.MQL,
        owner=admin,
        properties={"plan": "basic", "seats": 12},
        created_at=at(-20),
        updated_at=at(-10),
    )
    activity(contact=survivor, days=1)
    activity(contact=other, days=2)
    activity(contact=other, kind=ActivityKind.EMAIL_OPENED, days=3)
    StageChange.objects.create(contact=survivor, from_stage="", to_stage="lead", changed_at=at(-100))
    StageChange.objects.create(contact=other, from_stage="", to_stage="mql", changed_at=at(-20))
    consent(survivor, ConsentPurpose.MARKETING_EMAIL, ConsentStatus.GRANTED, days=1)
    consent(other, ConsentPurpose.MARKETING_EMAIL, ConsentStatus.WITHDRAWN, days=5)
    consent(other, ConsentPurpose.TRACKING, ConsentStatus.GRANTED, days=2)
    tag(survivor, "webinar")
    tag(other, "webinar")
    tag(other, "partner")
    return survivor, other


def test_merge_moves_timeline_stages_consents_and_tags_to_the_survivor(admin, pair):
    survivor, other = pair
    survivor_activities = set(Activity.objects.filter(contact=survivor).values_list("id", flat=True))
    other_activities = set(Activity.objects.filter(contact=other).values_list("id", flat=True))
    other_stage_change = StageChange.objects.get(contact=other).pk
    newer_consent = Consent.objects.get(contact=other, purpose=ConsentPurpose.MARKETING_EMAIL).pk
    tracking_consent = Consent.objects.get(contact=other, purpose=ConsentPurpose.TRACKING).pk

    record = merge_contacts(actor=admin, survivor=survivor, other=other, choices={})

    survivor.refresh_from_db()
    other.refresh_from_db()
    merged_activity = Activity.objects.get(contact=survivor, kind=ActivityKind.MERGED)
    assert set(Activity.objects.filter(contact=survivor).values_list("id", flat=True)) == (
        survivor_activities
        | other_activities
        | {merged_activity.pk}
        | set(
            Activity.objects.filter(contact=survivor, kind=ActivityKind.STAGE_CHANGED).values_list(
                "id", flat=True
            )
        )
    )
    assert Activity.objects.filter(contact=other).count() == 0
    assert StageChange.objects.get(pk=other_stage_change).contact_id == survivor.pk
    # Default choices: the further stage (MQL) wins, which is a stage move caused by the merge.
    assert list(
        StageChange.objects.filter(contact=survivor)
        .order_by("id")
        .values_list("from_stage", "to_stage", "cause_type")
    ) == [("", "lead", ""), ("", "mql", ""), ("lead", "mql", "merge")]
    # The whole consent history moves; the newest decision per purpose holds.
    assert sorted(
        Consent.objects.filter(contact=survivor).current().values_list("id", "purpose", "status")
    ) == sorted(
        [
            (newer_consent, "marketing_email", "withdrawn"),
            (tracking_consent, "tracking", "granted"),
        ]
    )
    assert Consent.objects.filter(contact=survivor).count() == 3
    assert sorted(survivor.tags.values_list("name", flat=True)) == ["partner", "webinar"]
    assert other.deleted_at is not None
    assert record.survivor_id == survivor.pk and record.other_id == other.pk
    assert merged_activity.details["merged_with"] == "Anne Lee"
    assert list(Event.objects.filter(name="contacts.contact.merged").values_list("payload", flat=True)) == [
        {"merge_id": record.pk, "survivor_id": survivor.pk, "other_id": other.pk}
    ]


def test_default_choices_keep_the_survivors_values_and_fill_its_empty_ones(admin, pair):
    survivor, other = pair

    merge_contacts(actor=admin, survivor=survivor, other=other, choices={})

    survivor.refresh_from_db()
    assert (survivor.email, survivor.first_name, survivor.phone, survivor.job_title) == (
        "ann@acme.example",
        "Ann",
        "+4930123456",
        "CTO",
    )
    assert survivor.lifecycle_stage == LifecycleStage.MQL
    assert survivor.properties == {"plan": "pro", "seats": 12}


def test_field_choices_are_applied_including_email_and_properties(admin, pair):
    survivor, other = pair

    merge_contacts(
        actor=admin,
        survivor=survivor,
        other=other,
        choices={
            "email": "other",
            "first_name": "other",
            "company": "other",
            "lifecycle_stage": "survivor",
            "properties.plan": "other",
            "properties.seats": "survivor",
        },
    )

    survivor.refresh_from_db()
    assert (survivor.email, survivor.email_domain, survivor.first_name, survivor.company_id) == (
        "ann.lee@acme.example",
        "acme.example",
        "Anne",
        None,
    )
    assert survivor.lifecycle_stage == LifecycleStage.LEAD
    assert survivor.properties == {"plan": "basic"}
    entry = LogEntry.objects.filter(object_pk=str(survivor.pk), additional_data__event="merged").get()
    assert entry.changes["email"] == ["ann@acme.example", "ann.lee@acme.example"]
    assert entry.changes["first_name"] == ["Ann", "Anne"]
    assert entry.changes["properties.plan"] == ["pro", "basic"]


def test_unknown_choice_is_refused_and_nothing_changes(admin, pair):
    survivor, other = pair
    before = (state(survivor), state(other))

    with pytest.raises(ValidationError) as error:
        merge_contacts(actor=admin, survivor=survivor, other=other, choices={"score": "other"})

    assert error.value.message_dict == {"score": ["“score” cannot be chosen in a merge."]}
    assert (state(survivor), state(other)) == before
    assert MergeRecord.objects.count() == 0


def test_merge_without_permission_changes_nothing(pair):
    survivor, other = pair
    team = TeamFactory(name="Elsewhere")
    sales = UserFactory(role=Role.SALES, team=team)  # may change its team's contacts, delete its own only
    before = (state(survivor), state(other))
    events = Event.objects.count()

    with pytest.raises(PermissionDenied):
        merge_contacts(actor=sales, survivor=survivor, other=other, choices={})

    assert (state(survivor), state(other)) == before
    assert (MergeRecord.objects.count(), Event.objects.count(), LogEntry.objects.count()) == (0, events, 0)


def test_merge_needs_delete_on_the_other(admin, pair):
    survivor, other = pair
    team = TeamFactory(name="Ops")
    sales = UserFactory(role=Role.SALES, team=team)
    colleague = UserFactory(role=Role.SALES, team=team)
    Contact.objects.filter(pk=survivor.pk).update(owner=sales, team=team)
    Contact.objects.filter(pk=other.pk).update(owner=colleague, team=team)
    survivor.refresh_from_db()
    other.refresh_from_db()
    before = (state(survivor), state(other))

    with pytest.raises(PermissionDenied):
        merge_contacts(actor=sales, survivor=survivor, other=other, choices={})

    assert (state(survivor), state(other)) == before


def test_a_record_cannot_be_merged_with_itself_or_a_trashed_one(admin, pair):
    survivor, other = pair

    with pytest.raises(ValidationError, match="two different records"):
        merge_contacts(actor=admin, survivor=survivor, other=survivor, choices={})
    Contact.objects.filter(pk=other.pk).update(deleted_at=timezone.now())
    with pytest.raises(ValidationError, match="live"):
        merge_contacts(actor=admin, survivor=survivor, other=other, choices={})


def test_undo_restores_both_contacts_exactly(admin, pair):
    survivor, other = pair
    survivor_before, other_before = state(survivor), state(other)
    record = merge_contacts(
        actor=admin,
        survivor=survivor,
        other=other,
        choices={"email": "other", "first_name": "other", "properties.plan": "other"},
    )
    merge_activities = {
        Activity.objects.get(contact=survivor, kind=ActivityKind.MERGED).pk,
        Activity.objects.get(contact=survivor, kind=ActivityKind.STAGE_CHANGED).pk,
    }

    undo_merge(actor=admin, merge=record)

    survivor_after, other_after = state(survivor), state(other)
    undone_activity = Activity.objects.get(contact=survivor, kind=ActivityKind.MERGE_UNDONE).pk
    assert survivor_after["activities"] == survivor_before["activities"] | merge_activities | {
        undone_activity
    }
    assert {**survivor_after, "activities": None} == {**survivor_before, "activities": None}
    assert other_after == other_before
    record.refresh_from_db()
    assert record.undone_at is not None and record.undone_by == admin
    assert Event.objects.filter(name="contacts.contact.merge_undone").count() == 1
    assert LogEntry.objects.filter(additional_data__event="merge_undone").count() == 2


def test_undo_is_refused_when_the_others_email_is_taken(admin, pair):
    survivor, other = pair
    record = merge_contacts(actor=admin, survivor=survivor, other=other, choices={})
    ContactFactory(email="ANN.LEE@acme.example")
    survivor_state = state(survivor)

    with pytest.raises(ValidationError) as error:
        undo_merge(actor=admin, merge=record)

    assert error.value.messages == [
        "Another contact now uses the email address ann.lee@acme.example, which Anne Lee would get back. "
        "Change that record first."
    ]
    assert state(survivor) == survivor_state
    assert MergeRecord.objects.get().undone_at is None


def test_undo_is_refused_once_the_other_was_purged(admin, pair):
    survivor, other = pair
    record = merge_contacts(actor=admin, survivor=survivor, other=other, choices={})
    purge_trash(now=timezone.now() + datetime.timedelta(days=31))

    with pytest.raises(ValidationError) as error:
        undo_merge(actor=admin, merge=record)

    assert error.value.messages == ["Anne Lee was purged from the trash; the merge cannot be undone."]


def test_merges_are_undone_newest_first(admin, pair):
    survivor, other = pair
    third = ContactFactory(first_name="Ann", last_name="Lee", email="a.lee@acme.example", owner=admin)
    first_merge = merge_contacts(actor=admin, survivor=survivor, other=other, choices={})
    merge_contacts(actor=admin, survivor=survivor, other=third, choices={})

    with pytest.raises(ValidationError, match="undo that one first"):
        undo_merge(actor=admin, merge=first_merge)
    with pytest.raises(ValidationError, match="already undone"):
        second = MergeRecord.objects.exclude(pk=first_merge.pk).get()
        undo_merge(actor=admin, merge=second)
        undo_merge(actor=admin, merge=second)


def test_undo_without_permission_changes_nothing(admin, pair):
    survivor, other = pair
    record = merge_contacts(actor=admin, survivor=survivor, other=other, choices={})
    reader = UserFactory(role=Role.READ_ONLY)
    before = (state(survivor), state(other))

    with pytest.raises(PermissionDenied):
        undo_merge(actor=reader, merge=record)

    assert (state(survivor), state(other)) == before
    assert MergeRecord.objects.get().undone_at is None


def company_state(company: Company) -> dict:
    company = Company.objects.get(pk=company.pk)
    return {
        "row": row_snapshot(company),
        "activities": set(Activity.objects.filter(company=company).values_list("id", flat=True)),
        "contacts": set(Contact.objects.filter(company=company).values_list("id", flat=True)),
    }


def test_company_merge_moves_contacts_and_undo_restores_both(admin):
    PropertyDefinitionFactory(object_type="company", name="tier", label="Tier")
    survivor = CompanyFactory(name="Acme", domain="acme.example", phone="", owner=admin, properties={})
    other = CompanyFactory(
        name="ACME", domain="acme-corp.example", phone="+4930999", owner=admin, properties={"tier": "gold"}
    )
    kept = ContactFactory(company=survivor)
    moved = ContactFactory(company=other)
    trashed = ContactFactory(company=other, deleted_at=timezone.now())
    activity(company=other, days=1)
    activity(company=survivor, days=2)
    survivor_before, other_before = company_state(survivor), company_state(other)

    record = merge_companies(actor=admin, survivor=survivor, other=other, choices={"domain": "other"})

    survivor.refresh_from_db()
    assert (survivor.name, survivor.domain, survivor.phone, survivor.properties) == (
        "Acme",
        "acme-corp.example",
        "+4930999",
        {"tier": "gold"},
    )
    assert set(Contact.objects.filter(company=survivor).values_list("id", flat=True)) == {
        kept.pk,
        moved.pk,
        trashed.pk,
    }
    assert Company.objects.get(pk=other.pk).deleted_at is not None
    assert record.moved["contacts"] == sorted([moved.pk, trashed.pk])

    undo_merge(actor=admin, merge=record)

    survivor_after = company_state(survivor)
    new_activities = set(
        Activity.objects.filter(company=survivor, kind__in=["merged", "merge_undone"]).values_list(
            "id", flat=True
        )
    )
    assert survivor_after["activities"] == survivor_before["activities"] | new_activities
    assert len(new_activities) == 2
    assert {**survivor_after, "activities": None} == {**survivor_before, "activities": None}
    assert company_state(other) == other_before


def test_choosing_an_inactive_owner_is_refused_and_nothing_changes(admin, pair):
    survivor, other = pair
    departed = UserFactory(role=Role.SALES, is_active=False)
    Contact.objects.filter(pk=other.pk).update(owner=departed, team=departed.team)
    other.refresh_from_db()
    before = (state(survivor), state(other))

    with pytest.raises(ValidationError) as error:
        merge_contacts(actor=admin, survivor=survivor, other=other, choices={"owner": "other"})

    assert error.value.message_dict == {"owner": ["Choose an active user as the owner."]}
    assert (state(survivor), state(other)) == before
    assert merge_services.default_choices("contact", survivor, other)["owner"] == "survivor"


def test_the_survivors_newer_consent_still_holds_and_the_others_older_one_is_kept_as_history(admin, pair):
    survivor, other = pair
    Consent.objects.filter(contact=survivor).update(recorded_at=at(9))
    survivor_consent = Consent.objects.get(contact=survivor).pk
    older = Consent.objects.get(contact=other, purpose=ConsentPurpose.MARKETING_EMAIL).pk

    record = merge_contacts(actor=admin, survivor=survivor, other=other, choices={})

    current = Consent.objects.filter(contact=survivor, purpose=ConsentPurpose.MARKETING_EMAIL).current()
    assert [row.pk for row in current] == [survivor_consent]
    assert Consent.objects.get(pk=older).contact_id == survivor.pk
    assert "removed_consents" not in record.moved

    undo_merge(actor=admin, merge=record)

    assert Consent.objects.get(pk=older).contact_id == other.pk
    assert Consent.objects.get(pk=survivor_consent).contact_id == survivor.pk


def test_undo_is_refused_when_the_other_was_restored_from_the_trash_meanwhile(admin, pair):
    survivor, other = pair
    record = merge_contacts(actor=admin, survivor=survivor, other=other, choices={})
    Contact.objects.filter(pk=other.pk).update(deleted_at=None)

    with pytest.raises(ValidationError) as error:
        undo_merge(actor=admin, merge=record)

    assert error.value.messages == ["Anne Lee was restored from the trash since; the merge cannot be undone."]


def test_undo_is_refused_while_the_survivor_is_merged_into_another(admin, pair):
    survivor, other = pair
    record = merge_contacts(actor=admin, survivor=survivor, other=other, choices={})
    keeper = ContactFactory(first_name="Keeper", owner=admin)
    merge_contacts(actor=admin, survivor=keeper, other=survivor, choices={})

    with pytest.raises(ValidationError) as error:
        undo_merge(actor=admin, merge=record)

    assert error.value.messages == ["The contact this merge kept is in the trash or gone; restore it first."]
