"""Undoing a batch of an import: delete what it created, put back what it changed."""

from typing import Any

from django.db.models import Q
from django.utils import timezone

from tandem.contacts.models import (
    Activity,
    ActivityKind,
    Company,
    Contact,
    ContactTag,
    StageChange,
    Tag,
)
from tandem.contacts.services.bulk.rows import PROPERTY_PREFIX
from tandem.contacts.services.consent import remove_bulk_consents
from tandem.core.models import User


def restore_records(
    *,
    object_type: str,
    changes: list[tuple[int, bool, dict[str, Any]]],
    actor: User | None,
    source: tuple[str, int | None],
) -> tuple[int, int]:
    """Undo a batch of an import: delete the records it created (their consents go with them), put back
    each field it changed, and remove the consent evidence it appended to the contacts it updated.

    `changes` are (record id, created, previous values). Returns (deleted, restored).
    """
    import datetime

    model = Contact if object_type == "contact" else Company
    created_ids = [pk for pk, created, _ in changes if created]
    updated = {pk: previous for pk, created, previous in changes if not created}
    deleted = 0
    if created_ids:
        # Deleted for good: they did not exist before the import. Their timeline and tags go with them.
        deleted = model.objects.filter(pk__in=created_ids).count()
        model.objects.filter(pk__in=created_ids).delete()
    restored_records = list(model.objects.filter(pk__in=list(updated)))
    names: set[str] = set()
    restore_tags: dict[int, list[str]] = {}
    for record in restored_records:
        previous = updated[record.pk]
        properties_now = dict(record.properties or {})
        for name, value in previous.items():
            if name == "tags":
                restore_tags[record.pk] = value
            elif name.startswith(PROPERTY_PREFIX):
                if value is None:
                    properties_now.pop(name[len(PROPERTY_PREFIX) :], None)
                else:
                    properties_now[name[len(PROPERTY_PREFIX) :]] = value
                names.add("properties")
            elif name == "updated_at":
                record.updated_at = datetime.datetime.fromisoformat(value)
                names.add("updated_at")
            else:
                setattr(record, name, value)
                names.add(name)
        record.properties = properties_now
    if restored_records and names:
        model.objects.bulk_update(restored_records, sorted(names), batch_size=500)
    if restore_tags:
        wanted = {(pk, name) for pk, tag_names in restore_tags.items() for name in tag_names}
        current = set(
            ContactTag.objects.filter(contact_id__in=list(restore_tags)).values_list(
                "contact_id", "tag__name"
            )
        )
        extra = current - wanted
        if extra:
            condition = Q()
            for pk, name in extra:
                condition |= Q(contact_id=pk, tag__name=name)
            ContactTag.objects.filter(condition).delete()
        missing = wanted - current
        if missing:
            tag_ids = dict(
                Tag.objects.filter(name__in={name for _, name in missing}).values_list("name", "pk")
            )
            ContactTag.objects.bulk_create(
                [ContactTag(contact_id=pk, tag_id=tag_ids[name]) for pk, name in missing if name in tag_ids],
                ignore_conflicts=True,
            )
    source_type, source_id = source
    if model is Contact and updated:
        # Consent is append-only history, but the evidence this import appended did not happen either.
        remove_bulk_consents(contact_ids=list(updated), source_type=source_type, source_id=source_id)
    if model is Contact and restored_records:
        StageChange.objects.filter(
            contact_id__in=[record.pk for record in restored_records],
            cause_type=source_type,
            cause_id=source_id,
        ).delete()
    now = timezone.now()
    actor_id = actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None
    record_field = "contact_id" if model is Contact else "company_id"
    Activity.objects.bulk_create(
        [
            Activity(
                **{record_field: record.pk},
                kind=ActivityKind.IMPORT_UNDONE,
                occurred_at=now,
                actor_id=actor_id,
                subject_type=source_type,
                subject_id=source_id,
                details={"fields": sorted(name for name in updated[record.pk] if name != "updated_at")},
            )
            for record in restored_records
        ],
        batch_size=1000,
    )
    return deleted, len(restored_records)
