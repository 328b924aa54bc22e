"""Merging two contacts (or two companies): lock both, apply the choices, move what hangs off the other,
trash it, and write the MergeRecord, timeline entry, audit rows and event."""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tandem.contacts import events
from tandem.contacts.models import (
    Activity,
    ActivityKind,
    Company,
    Consent,
    Contact,
    ContactTag,
    MergeRecord,
    StageChange,
)
from tandem.contacts.services import companies as company_services
from tandem.contacts.services import contacts as contact_services
from tandem.contacts.services import writes
from tandem.contacts.services.fields import email_columns, snapshot
from tandem.contacts.services.merge.choices import apply_choices, clean_choices, merge_changes
from tandem.contacts.services.merge.rows import move, row_snapshot
from tandem.contacts.services.timeline import record_activity
from tandem.core import access, audit
from tandem.core.access import Verb
from tandem.core.events import publish
from tandem.core.models import User


def _lock_pair(model, survivor, other):
    """Lock both rows for the merge (an insert referencing them waits) and read them fresh."""
    if survivor.pk == other.pk:
        raise ValidationError("Choose two different records to merge.")
    locked = model.objects.select_for_update().in_bulk([survivor.pk, other.pk])
    if len(locked) != 2 or any(record.deleted_at is not None for record in locked.values()):
        raise ValidationError("Both records must be live (not in the trash) to be merged.")
    return locked[survivor.pk], locked[other.pk]


def _check_merge_access(actor: User | None, survivor, other) -> None:
    if actor is not None:
        access.require(actor, Verb.CHANGE, survivor)
        access.require(actor, Verb.DELETE, other)


def _merge_consents(survivor: Contact, other: Contact) -> list[int]:
    """Move the other's whole consent history to the survivor; returns the ids moved. Consent rows are
    history (the latest per purpose holds), so nothing is removed: the newest decision of either record
    is the survivor's current one, and an undo moves the other's rows back."""
    return move(Consent.objects.filter(contact=other), "contact_id", survivor.pk)


@transaction.atomic
def merge_contacts(
    *, actor: User | None, survivor: Contact, other: Contact, choices: Mapping[str, str], request=None
) -> MergeRecord:
    """Merge `other` into `survivor` with the values chosen per field ("survivor" or "other"; fields not
    named take the default). Needs change on the survivor and delete on the other; nothing is written
    when either is refused."""
    _check_merge_access(actor, survivor, other)
    survivor, other = _lock_pair(Contact, survivor, other)
    _check_merge_access(actor, survivor, other)
    choices = clean_choices("contact", survivor, other, choices)
    now = timezone.now()
    survivor_before = row_snapshot(survivor)
    audited_before = snapshot(survivor, contact_services.audited_fields())
    properties_before = dict(survivor.properties or {})
    # The other goes to the trash first, so the survivor may take its email or external id.
    other.deleted_at = now
    other.save(update_fields=["deleted_at"])
    record = MergeRecord.objects.create(
        object_type=MergeRecord.ObjectType.CONTACT,
        survivor_id=survivor.pk,
        other_id=other.pk,
        other_name=other.display_name[:320],
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        merged_at=now,
        choices=choices,
        survivor_before=survivor_before,
    )
    moved: dict[str, Any] = {
        "activities": move(Activity.objects.filter(contact=other), "contact_id", survivor.pk),
        "stage_changes": move(StageChange.objects.filter(contact=other), "contact_id", survivor.pk),
    }
    moved["consents"] = _merge_consents(survivor, other)
    survivor_tags = set(ContactTag.objects.filter(contact=survivor).values_list("tag_id", flat=True))
    added_tags = sorted(
        set(ContactTag.objects.filter(contact=other).values_list("tag_id", flat=True)) - survivor_tags
    )
    ContactTag.objects.bulk_create([ContactTag(contact=survivor, tag_id=tag_id) for tag_id in added_tags])
    moved["tags"] = added_tags
    columns = apply_choices(actor, "contact", survivor, other, choices)
    if "email" in columns:
        for name, value in email_columns(survivor.email).items():
            setattr(survivor, name, value)
            columns.append(name)
    survivor.updated_at = now
    survivor.save(update_fields=[*columns, "updated_at"])
    if audited_before["lifecycle_stage"] != survivor.lifecycle_stage:
        change = contact_services.record_stage_change(
            contact=survivor,
            from_stage=audited_before["lifecycle_stage"],
            to_stage=survivor.lifecycle_stage,
            actor=actor,
            cause_type="merge",
            cause_id=record.pk,
        )
        moved["created_stage_change"] = change.pk
    record.moved = moved
    record.save(update_fields=["moved"])
    changes = merge_changes(audited_before, properties_before, survivor, contact_services.audited_fields())
    if added_tags:
        changes["tags"] = [None, f"{len(added_tags)} added"]
    _record_merge(actor, record, survivor, other, changes, request)
    return record


@transaction.atomic
def merge_companies(
    *, actor: User | None, survivor: Company, other: Company, choices: Mapping[str, str], request=None
) -> MergeRecord:
    """Merge `other` into `survivor`; the other's contacts and timeline move to the survivor."""
    _check_merge_access(actor, survivor, other)
    survivor, other = _lock_pair(Company, survivor, other)
    _check_merge_access(actor, survivor, other)
    choices = clean_choices("company", survivor, other, choices)
    now = timezone.now()
    survivor_before = row_snapshot(survivor)
    audited_before = snapshot(survivor, company_services.audited_fields())
    properties_before = dict(survivor.properties or {})
    other.deleted_at = now
    other.save(update_fields=["deleted_at"])
    record = MergeRecord.objects.create(
        object_type=MergeRecord.ObjectType.COMPANY,
        survivor_id=survivor.pk,
        other_id=other.pk,
        other_name=other.name[:320],
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        merged_at=now,
        choices=choices,
        survivor_before=survivor_before,
    )
    record.moved = {
        "activities": move(Activity.objects.filter(company=other), "company_id", survivor.pk),
        "contacts": move(Contact.objects.filter(company=other), "company_id", survivor.pk),
    }
    record.save(update_fields=["moved"])
    columns = apply_choices(actor, "company", survivor, other, choices)
    survivor.updated_at = now
    survivor.save(update_fields=[*columns, "updated_at"])
    changes = merge_changes(audited_before, properties_before, survivor, company_services.audited_fields())
    if record.moved["contacts"]:
        changes["contacts"] = [None, f"{len(record.moved['contacts'])} moved"]
    _record_merge(actor, record, survivor, other, changes, request)
    return record


def _record_merge(actor, record: MergeRecord, survivor, other, changes, request) -> None:
    object_type = record.object_type
    lookup = {object_type: survivor}
    record_activity(
        kind=ActivityKind.MERGED,
        actor=actor,
        subject_type="merge",
        subject_id=record.pk,
        details={"merged_with": record.other_name, "changes": writes.audit_ready(changes)},
        **lookup,
    )
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        target=survivor,
        changes=changes,
        event="merged",
        extra={"merge_id": record.pk, "other_id": other.pk},
        request=request,
    )
    audit.record(
        actor=actor,
        action=audit.Action.DELETE,
        target=other,
        event="merged_into",
        extra={"merge_id": record.pk, "survivor_id": survivor.pk},
        request=request,
    )
    publish(events.MERGED[object_type], merge_id=record.pk, survivor_id=survivor.pk, other_id=other.pk)
