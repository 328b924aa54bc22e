"""Undoing a merge: both records back as they were, every moved row back on the other, when nothing
since stands in the way."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone

from tandem.contacts import events
from tandem.contacts.duplicates import undoable_merge_id
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
from tandem.contacts.services.merge.choices import merge_changes
from tandem.contacts.services.merge.rows import chunks, move_back, python_values
from tandem.contacts.services.timeline import record_activity
from tandem.core import access, audit
from tandem.core.access import Verb
from tandem.core.events import publish
from tandem.core.models import User


def _taken(model, field: str, value: Any, exclude_ids: list[int]) -> bool:
    if not value:
        return False
    queryset = model.objects.filter(deleted_at__isnull=True).exclude(pk__in=exclude_ids)
    if field == "email":
        return queryset.annotate(email_lower=Lower("email")).filter(email_lower=value.lower()).exists()
    return queryset.filter(**{field: value}).exists()


UNIQUE_FIELDS = {"contact": ("email", "external_id"), "company": ("domain", "external_id")}
FIELD_NAMES = {"email": "email address", "external_id": "external id", "domain": "domain"}


@transaction.atomic
def undo_merge(*, actor: User | None, merge: MergeRecord, request=None) -> MergeRecord:
    """Put both records back as they were before `merge`: the survivor's columns exactly, every moved row
    back on the other, the other out of the trash. Refused (ValidationError) when the other was purged or
    restored meanwhile, when a later merge into the survivor is still in place, or when another record now
    uses the email, domain or external id one of the two would get back."""
    merge = MergeRecord.objects.select_for_update().get(pk=merge.pk)
    object_type = merge.object_type
    model = Contact if object_type == "contact" else Company
    if merge.undone_at is not None:
        raise ValidationError("This merge was already undone.")
    records = model.objects.select_for_update().in_bulk([merge.survivor_id, merge.other_id])
    survivor, other = records.get(merge.survivor_id), records.get(merge.other_id)
    if survivor is None or survivor.deleted_at is not None:
        raise ValidationError(f"The {object_type} this merge kept is in the trash or gone; restore it first.")
    if other is None:
        raise ValidationError(
            f"{merge.other_name or 'The merged record'} was purged from the trash; the merge cannot be undone."
        )
    if actor is not None:
        access.require(actor, Verb.CHANGE, survivor)
        access.require(actor, Verb.DELETE, other)
    if other.deleted_at is None:
        raise ValidationError(
            f"{merge.other_name} was restored from the trash since; the merge cannot be undone."
        )
    if undoable_merge_id(object_type, survivor.pk) != merge.pk:
        raise ValidationError("A later merge into this record is still in place: undo that one first.")
    restored = python_values(model, merge.survivor_before)
    for field in UNIQUE_FIELDS[object_type]:
        for name, value in ((merge.other_name, getattr(other, field)), (str(survivor), restored.get(field))):
            if _taken(model, field, value, [survivor.pk, other.pk]):
                raise ValidationError(
                    f"Another {object_type} now uses the {FIELD_NAMES[field]} {value}, which {name} would "
                    "get back. Change that record first."
                )
    audited_before = snapshot(survivor, audited_fields(object_type))
    properties_before = dict(survivor.properties or {})
    for attname, value in restored.items():
        setattr(survivor, attname, value)
    if object_type == "contact":
        # A merge recorded before the suppression key existed has none in its snapshot: derive it again.
        for name, value in email_columns(survivor.email).items():
            setattr(survivor, name, value)
            restored.setdefault(name, value)
    survivor.save(update_fields=list(restored))
    moved = merge.moved or {}
    column = f"{object_type}_id"
    move_back(Activity, moved.get("activities", []), column, survivor.pk, other.pk)
    if object_type == "contact":
        _undo_contact_rows(survivor, other, moved)
    else:
        move_back(Contact, moved.get("contacts", []), "company_id", survivor.pk, other.pk)
    other.deleted_at = None
    other.save(update_fields=["deleted_at"])
    merge.undone_at = timezone.now()
    merge.undone_by = actor if getattr(actor, "is_authenticated", False) else None
    merge.save(update_fields=["undone_at", "undone_by"])
    changes = merge_changes(audited_before, properties_before, survivor, audited_fields(object_type))
    record_activity(
        kind=ActivityKind.MERGE_UNDONE,
        actor=actor,
        subject_type="merge",
        subject_id=merge.pk,
        details={"restored": merge.other_name, "changes": writes.audit_ready(changes)},
        **{object_type: survivor},
    )
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        target=survivor,
        changes=changes,
        event="merge_undone",
        extra={"merge_id": merge.pk, "other_id": other.pk},
        request=request,
    )
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        target=other,
        changes={"deleted_at": ["trash", None]},
        event="merge_undone",
        extra={"merge_id": merge.pk, "survivor_id": survivor.pk},
        request=request,
    )
    if object_type == "contact" and audited_before["lifecycle_stage"] != survivor.lifecycle_stage:
        # The merge's own stage move was taken back with the stage itself (its StageChange row is gone):
        # say so, so that whoever followed the move follows it back.
        publish(
            events.CONTACT_STAGE_CHANGED,
            **events.stage_changed_payload(
                contact_id=survivor.pk,
                from_stage=audited_before["lifecycle_stage"],
                to_stage=survivor.lifecycle_stage,
                stage_change_id=None,
                cause_type="merge_undone",
                cause_id=merge.pk,
            ),
        )
    publish(events.MERGE_UNDONE[object_type], merge_id=merge.pk, survivor_id=survivor.pk, other_id=other.pk)
    return merge


def audited_fields(object_type: str) -> list[str]:
    return (
        contact_services.audited_fields() if object_type == "contact" else company_services.audited_fields()
    )


def _undo_contact_rows(survivor: Contact, other: Contact, moved: dict[str, Any]) -> None:
    move_back(StageChange, moved.get("stage_changes", []), "contact_id", survivor.pk, other.pk)
    if moved.get("created_stage_change"):
        # The merge's own stage move is taken back with the stage itself; its timeline entry stays.
        StageChange.objects.filter(pk=moved["created_stage_change"], contact=survivor).delete()
    move_back(Consent, moved.get("consents", []), "contact_id", survivor.pk, other.pk)
    # Merges made before consent kept its history removed the survivor's older rows; they come back as
    # history (a decision recorded since is newer, so it still holds).
    for row in moved.get("removed_consents", []):
        if not Consent.objects.filter(pk=row["id"]).exists():
            Consent.objects.create(pk=row["id"], **python_values(Consent, row))
    for chunk in chunks(moved.get("tags", [])):
        ContactTag.objects.filter(contact=survivor, tag_id__in=chunk).delete()
