"""Merging two contacts (or companies) into one, field by field, and undoing it.

The survivor takes the chosen values and everything that hangs off the other record: its timeline
(Activity rows), stage history, consent history (the newest decision per purpose holds), tags (union), and for companies
its contacts. The other record goes to the trash. A MergeRecord keeps the survivor's columns from before
and the ids of every row moved, so an undo puts both records back as they were.
"""

import datetime
from collections.abc import Iterator, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from tandem.contacts import events
from tandem.contacts.duplicates import undoable_merge_id
from tandem.contacts.models import (
    Activity,
    ActivityKind,
    Company,
    Consent,
    Contact,
    ContactTag,
    DismissedDuplicate,
    LifecycleStage,
    MergeRecord,
    StageChange,
)
from tandem.contacts.services import companies as company_services
from tandem.contacts.services import contacts as contact_services
from tandem.contacts.services.fields import check_reassignment, clean_owner, email_columns, raise_if, snapshot
from tandem.contacts.services.timeline import record_activity
from tandem.core import access, audit
from tandem.core.access import Verb
from tandem.core.events import publish
from tandem.core.models import User

SURVIVOR, OTHER = "survivor", "other"
# The fields a person chooses between, in the order the merge page shows them.
CONTACT_MERGE_FIELDS = [
    "email",
    "first_name",
    "last_name",
    "phone",
    "job_title",
    "company",
    "country",
    "lifecycle_stage",
    "lead_status",
    "owner",
    "external_id",
    "source",
    "source_medium",
    "source_campaign",
    "source_referrer",
    "source_landing_page",
]
COMPANY_MERGE_FIELDS = ["name", "domain", "industry", "size", "country", "phone", "owner", "external_id"]
# Ids are moved back in chunks: SQLite allows a limited number of parameters per statement.
CHUNK = 500


def merge_fields(object_type: str) -> list[str]:
    return CONTACT_MERGE_FIELDS if object_type == "contact" else COMPANY_MERGE_FIELDS


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def field_value(record: Contact | Company, name: str) -> Any:
    """A field's stored value (ids for foreign keys), or a custom property's value for "properties.<key>"."""
    if name.startswith("properties."):
        return (record.properties or {}).get(name.removeprefix("properties."))
    return getattr(record, record._meta.get_field(name).attname)


def _stage_rank(stage: str) -> int:
    # "Other" is off the funnel: any real stage is further along.
    return -1 if stage == LifecycleStage.OTHER else LifecycleStage.values.index(stage)


def choice_keys(object_type: str, survivor, other) -> list[str]:
    """Every choice the merge page offers: the fields, then each custom property either record has."""
    keys = sorted({*(survivor.properties or {}), *(other.properties or {})})
    return [*merge_fields(object_type), *(f"properties.{key}" for key in keys)]


def default_choices(object_type: str, survivor, other) -> dict[str, str]:
    """The survivor's value, or the other's where the survivor has none; the further lifecycle stage."""
    choices = {}
    for name in choice_keys(object_type, survivor, other):
        mine, theirs = field_value(survivor, name), field_value(other, name)
        take_other = _is_empty(mine) and not _is_empty(theirs)
        if name == "lifecycle_stage":
            take_other = _stage_rank(theirs) > _stage_rank(mine)
        choices[name] = OTHER if take_other else SURVIVOR
    return choices


def _clean_choices(object_type: str, survivor, other, choices: Mapping[str, str]) -> dict[str, str]:
    keys = choice_keys(object_type, survivor, other)
    unknown = sorted(set(choices) - set(keys))
    if unknown:
        raise ValidationError({unknown[0]: f"“{unknown[0][:60]}” cannot be chosen in a merge."})
    bad = sorted(name for name, side in choices.items() if side not in (SURVIVOR, OTHER))
    if bad:
        raise ValidationError({bad[0]: "Choose the value of one of the two records."})
    return {**default_choices(object_type, survivor, other), **choices}


def _json_ready(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if value is not None and not isinstance(value, str | int | float | bool | list | dict):
        return str(value)  # a Country, a Decimal
    return value


def row_snapshot(instance: models.Model) -> dict[str, Any]:
    """Every column but the id, JSON-ready: what an undo writes back."""
    return {
        field.attname: _json_ready(getattr(instance, field.attname))
        for field in instance._meta.concrete_fields
        if not field.primary_key
    }


def _python_values(model: type[models.Model], row: dict[str, Any]) -> dict[str, Any]:
    values = {}
    for field in model._meta.concrete_fields:
        if field.primary_key or field.attname not in row:
            continue
        value = row[field.attname]
        if isinstance(field, models.DateTimeField) and isinstance(value, str):
            value = parse_datetime(value)
        elif not isinstance(field, models.JSONField):
            value = field.to_python(value)
        values[field.attname] = value
    return values


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _move(queryset: models.QuerySet, column: str, to_id: int) -> list[int]:
    """Point every row of `queryset` at `to_id`, in one statement; returns the ids moved."""
    ids = sorted(queryset.values_list("id", flat=True))
    if ids:
        queryset.update(**{column: to_id})
    return ids


def _move_back(model: type[models.Model], ids: list[int], column: str, from_id: int, to_id: int) -> None:
    """Return moved rows, but only those still where the merge put them."""
    for chunk in _chunks(ids):
        model.objects.filter(pk__in=chunk, **{column: from_id}).update(**{column: to_id})


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


def _apply_choices(actor, object_type: str, survivor, other, choices: dict[str, str]) -> list[str]:
    """Set the chosen values on the survivor (not saved); returns the columns to save."""
    columns = []
    for name in merge_fields(object_type):
        if choices[name] != OTHER:
            continue
        attname = survivor._meta.get_field(name).attname
        value = getattr(other, attname)
        if name == "owner" and value != survivor.owner_id and actor is not None:
            errors: dict[str, str] = {}
            clean_owner(actor, other.owner, object_type, errors)
            raise_if(errors)
            check_reassignment(actor, survivor, other.owner)
        setattr(survivor, attname, value)
        columns.append(attname)
    if "owner_id" in columns:
        survivor.team_id = survivor.owner.team_id if survivor.owner_id else None
        columns.append("team_id")
    merged_properties = {}
    for key in sorted({*(survivor.properties or {}), *(other.properties or {})}):
        source = other if choices[f"properties.{key}"] == OTHER else survivor
        value = (source.properties or {}).get(key)
        if value is not None:
            merged_properties[key] = value
    if merged_properties != survivor.properties:
        survivor.properties = merged_properties
        columns.append("properties")
    return columns


def _changes(before: dict, before_properties: dict, record, audited: list[str]) -> dict[str, list[Any]]:
    changes = audit.diff(before, snapshot(record, audited))
    changes.update(
        audit.diff(
            {f"properties.{key}": value for key, value in before_properties.items()},
            {
                f"properties.{key}": record.properties.get(key)
                for key in {*before_properties, *record.properties}
            },
        )
    )
    return changes


def _merge_consents(survivor: Contact, other: Contact) -> list[int]:
    """Move the other's whole consent history to the survivor; returns the ids moved. Consent rows are
    history (the latest per purpose holds), so nothing is removed: the newest decision of either record
    is the survivor's current one, and an undo moves the other's rows back."""
    return _move(Consent.objects.filter(contact=other), "contact_id", survivor.pk)


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
    choices = _clean_choices("contact", survivor, other, choices)
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
        "activities": _move(Activity.objects.filter(contact=other), "contact_id", survivor.pk),
        "stage_changes": _move(StageChange.objects.filter(contact=other), "contact_id", survivor.pk),
    }
    moved["consents"] = _merge_consents(survivor, other)
    survivor_tags = set(ContactTag.objects.filter(contact=survivor).values_list("tag_id", flat=True))
    added_tags = sorted(
        set(ContactTag.objects.filter(contact=other).values_list("tag_id", flat=True)) - survivor_tags
    )
    ContactTag.objects.bulk_create([ContactTag(contact=survivor, tag_id=tag_id) for tag_id in added_tags])
    moved["tags"] = added_tags
    columns = _apply_choices(actor, "contact", survivor, other, choices)
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
    changes = _changes(audited_before, properties_before, survivor, contact_services.audited_fields())
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
    choices = _clean_choices("company", survivor, other, choices)
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
        "activities": _move(Activity.objects.filter(company=other), "company_id", survivor.pk),
        "contacts": _move(Contact.objects.filter(company=other), "company_id", survivor.pk),
    }
    record.save(update_fields=["moved"])
    columns = _apply_choices(actor, "company", survivor, other, choices)
    survivor.updated_at = now
    survivor.save(update_fields=[*columns, "updated_at"])
    changes = _changes(audited_before, properties_before, survivor, company_services.audited_fields())
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
        details={"merged_with": record.other_name, "changes": contact_services.audit_ready(changes)},
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
    restored = _python_values(model, merge.survivor_before)
    for field in UNIQUE_FIELDS[object_type]:
        for name, value in ((merge.other_name, getattr(other, field)), (str(survivor), restored.get(field))):
            if _taken(model, field, value, [survivor.pk, other.pk]):
                raise ValidationError(
                    f"Another {object_type} now uses the {FIELD_NAMES[field]} {value}, which {name} would "
                    "get back. Change that record first."
                )
    audited_before = snapshot(survivor, _audited(object_type))
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
    _move_back(Activity, moved.get("activities", []), column, survivor.pk, other.pk)
    if object_type == "contact":
        _undo_contact_rows(survivor, other, moved)
    else:
        _move_back(Contact, moved.get("contacts", []), "company_id", survivor.pk, other.pk)
    other.deleted_at = None
    other.save(update_fields=["deleted_at"])
    merge.undone_at = timezone.now()
    merge.undone_by = actor if getattr(actor, "is_authenticated", False) else None
    merge.save(update_fields=["undone_at", "undone_by"])
    changes = _changes(audited_before, properties_before, survivor, _audited(object_type))
    record_activity(
        kind=ActivityKind.MERGE_UNDONE,
        actor=actor,
        subject_type="merge",
        subject_id=merge.pk,
        details={"restored": merge.other_name, "changes": contact_services.audit_ready(changes)},
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


def _audited(object_type: str) -> list[str]:
    return (
        contact_services.audited_fields() if object_type == "contact" else company_services.audited_fields()
    )


def _undo_contact_rows(survivor: Contact, other: Contact, moved: dict[str, Any]) -> None:
    _move_back(StageChange, moved.get("stage_changes", []), "contact_id", survivor.pk, other.pk)
    if moved.get("created_stage_change"):
        # The merge's own stage move is taken back with the stage itself; its timeline entry stays.
        StageChange.objects.filter(pk=moved["created_stage_change"], contact=survivor).delete()
    _move_back(Consent, moved.get("consents", []), "contact_id", survivor.pk, other.pk)
    # Merges made before consent kept its history removed the survivor's older rows; they come back as
    # history (a decision recorded since is newer, so it still holds).
    for row in moved.get("removed_consents", []):
        if not Consent.objects.filter(pk=row["id"]).exists():
            Consent.objects.create(pk=row["id"], **_python_values(Consent, row))
    for chunk in _chunks(moved.get("tags", [])):
        ContactTag.objects.filter(contact=survivor, tag_id__in=chunk).delete()


def dismiss_duplicate(*, actor: User | None, object_type: str, first, second) -> DismissedDuplicate:
    """Remember that two records are not the same, so the duplicates page stops suggesting the pair.
    Anyone who may see both and may change records of the type may say so; idempotent."""
    if first.pk == second.pk or object_type not in MergeRecord.ObjectType.values:
        raise ValidationError("Choose two different records.")
    if actor is not None:
        access.require(actor, Verb.VIEW, first)
        access.require(actor, Verb.VIEW, second)
        access.require_allowed(actor, object_type, Verb.CHANGE)
    low, high = sorted([first.pk, second.pk])
    dismissal, _ = DismissedDuplicate.objects.get_or_create(
        object_type=object_type,
        first_id=low,
        second_id=high,
        defaults={"dismissed_by": actor if getattr(actor, "is_authenticated", False) else None},
    )
    return dismissal
