"""Bulk actions on selected contacts (the list's bulk bar, the API): one set-based statement per step."""

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tandem.contacts import events, normalize
from tandem.contacts.models import (
    ActivityKind,
    Contact,
    ContactTag,
    LifecycleStage,
    StageChange,
    Tag,
)
from tandem.contacts.services import writes
from tandem.contacts.services.fields import clean_owner, parse_ids
from tandem.contacts.services.timeline import record_activities
from tandem.core import access, audit
from tandem.core.access import Verb
from tandem.core.events import publish, publish_many
from tandem.core.models import User


class BulkAction:
    ASSIGN_OWNER = "assign_owner"
    SET_STAGE = "set_stage"
    ADD_TAG = "add_tag"
    REMOVE_TAG = "remove_tag"
    DELETE = "delete"
    ALL = (ASSIGN_OWNER, SET_STAGE, ADD_TAG, REMOVE_TAG, DELETE)


@transaction.atomic
def bulk_update_contacts(
    *, actor: User, contact_ids: Iterable[int], action: str, value: Any = None, request=None
) -> int:
    """Apply one action to many contacts in set-based statements; returns how many were changed.

    Only contacts the actor may change (or delete) are touched; the rest are skipped silently, and the
    count tells the caller how many that was. Each changed contact gets a timeline entry and an audit row.
    """
    if action not in BulkAction.ALL:
        raise ValidationError({"action": "Choose what to do with the selected contacts."})
    ids = parse_ids(contact_ids, "contact_ids")
    if not ids:
        raise ValidationError({"contact_ids": "Select at least one contact."})
    verb = Verb.DELETE if action == BulkAction.DELETE else Verb.CHANGE
    scoped = access.scope_queryset(actor, verb, Contact.objects.filter(deleted_at__isnull=True))
    now = timezone.now()
    changes: dict[str, list[Any]]
    details_by_id: dict[int, dict[str, Any]] = {}
    if action == BulkAction.ASSIGN_OWNER:
        errors: dict[str, str] = {}
        owner = clean_owner(actor, value, "contact", errors)
        if owner is None:
            raise ValidationError(errors or {"value": "Choose the new owner."})
        # Only the contacts this reassignment grants the actor nothing new on (access.can_reassign).
        targets = list(
            access.scope_reassignable(actor, Contact.objects.filter(deleted_at__isnull=True), owner)
            .filter(pk__in=ids)
            .exclude(owner=owner)
            .values_list("pk", "first_name", "last_name", "owner_id", "team_id")
        )
        target_ids = [row[0] for row in targets]
        # The team is read from the owner's row by the same statement: it follows the owner even if the
        # owner changes team meanwhile.
        Contact.objects.filter(pk__in=target_ids).update(**writes.owner_assignments(owner), updated_at=now)
        # Each contact's own before/after, as a single update records it (ids; the timeline names them).
        details_by_id = {
            pk: {"changes": {"owner": [old, owner.pk], "team": [old_team, owner.team_id]}}
            for pk, _, _, old, old_team in targets
        }
        rows = [
            (pk, f"{first} {last}".strip(), details_by_id[pk]["changes"]) for pk, first, last, _, _ in targets
        ]
        kind, details = ActivityKind.UPDATED, {}
    elif action == BulkAction.SET_STAGE:
        if value not in LifecycleStage.values:
            raise ValidationError({"value": "Choose a lifecycle stage."})
        # Locked until commit, so each recorded move starts from the stage the contact really had.
        targets = list(
            scoped.filter(pk__in=ids)
            .exclude(lifecycle_stage=value)
            .select_for_update()
            .values_list("pk", "first_name", "last_name", "lifecycle_stage")
        )
        target_ids = [row[0] for row in targets]
        Contact.objects.filter(pk__in=target_ids).update(lifecycle_stage=value, updated_at=now)
        stage_changes = StageChange.objects.bulk_create(
            [
                StageChange(
                    contact_id=pk,
                    from_stage=old,
                    to_stage=value,
                    changed_at=now,
                    actor=actor,
                    cause_type="bulk",
                )
                for pk, _, _, old in targets
            ],
            batch_size=1000,
        )
        # One stage_changed per contact, as a single update publishes it, in one INSERT.
        publish_many(
            events.CONTACT_STAGE_CHANGED,
            (
                events.stage_changed_payload(
                    contact_id=change.contact_id,
                    from_stage=change.from_stage,
                    to_stage=change.to_stage,
                    stage_change_id=change.pk,
                    cause_type="bulk",
                )
                for change in stage_changes
            ),
        )
        rows = [
            (pk, f"{first} {last}".strip(), {"lifecycle_stage": [old, value]})
            for pk, first, last, old in targets
        ]
        details_by_id = {pk: {"from": old, "to": value} for pk, _, _, old in targets}
        kind, details = ActivityKind.STAGE_CHANGED, {}
    elif action in (BulkAction.ADD_TAG, BulkAction.REMOVE_TAG):
        name = normalize.normalize_tag(value or "")
        if not name:
            raise ValidationError({"value": "Type the tag."})
        # The tag row is only created once a contact will carry it: a refused or empty action leaves no trace.
        tag = Tag.objects.filter(name=name).first()
        tagged = ContactTag.objects.filter(tag=tag, contact_id__in=ids).values_list("contact_id", flat=True)
        if action == BulkAction.ADD_TAG:
            targets = list(
                scoped.filter(pk__in=ids).exclude(pk__in=tagged).values_list("pk", "first_name", "last_name")
            )
            if targets and tag is None:
                tag, _ = Tag.objects.get_or_create(name=name)
            ContactTag.objects.bulk_create(
                [ContactTag(contact_id=row[0], tag=tag) for row in targets],
                batch_size=1000,
                ignore_conflicts=True,
            )
            changes = {"tags": [None, name]}
        else:
            targets = list(
                scoped.filter(pk__in=ids).filter(pk__in=tagged).values_list("pk", "first_name", "last_name")
            )
            ContactTag.objects.filter(tag=tag, contact_id__in=[row[0] for row in targets]).delete()
            changes = {"tags": [name, None]}
        target_ids = [row[0] for row in targets]
        Contact.objects.filter(pk__in=target_ids).update(updated_at=now)
        rows = [(row[0], f"{row[1]} {row[2]}".strip(), changes) for row in targets]
        kind, details = ActivityKind.UPDATED, {"changes": changes}
    else:
        targets = list(scoped.filter(pk__in=ids).values_list("pk", "first_name", "last_name"))
        target_ids = [row[0] for row in targets]
        Contact.objects.filter(pk__in=target_ids).update(deleted_at=now)
        rows = [(row[0], f"{row[1]} {row[2]}".strip(), None) for row in targets]
        kind, details = ActivityKind.DELETED, {}
    record_activities(
        kind=kind,
        object_type="contact",
        record_ids=target_ids,
        actor=actor,
        occurred_at=now,
        subject_type="bulk",
        details=details,
        details_by_id=details_by_id,
    )
    audit.record_many(
        actor=actor,
        action=audit.Action.DELETE if action == BulkAction.DELETE else audit.Action.UPDATE,
        model=Contact,
        targets=rows,
        event=f"bulk_{action}",
    )
    if target_ids:
        publish(events.CONTACT_BULK_UPDATED, contact_ids=target_ids, action=action)
    return len(target_ids)
