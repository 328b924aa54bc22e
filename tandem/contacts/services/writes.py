"""How an update reaches a record's row, so that concurrent edits never undo each other.

An update writes only the columns it changes, in one UPDATE: custom properties key by key inside the
database (JSON set / remove of single keys, never the whole blob as read earlier), the team from the
owner's row in the same statement (so the team always follows the owner, whatever else runs), first-touch
fields only where they are still empty. With an expected version the UPDATE is conditional on the row's
version, so a client editing what it read earlier is refused instead of overwriting someone else's change.

The second half holds the steps every record type's single-record services share (contacts and companies
today): locking the live row for an update, diffing what an update proposes, saving a new row under a unique
index, and the timeline entry, audit row and event of an update, a trash and a restore. Each service keeps
what is really its own (its cleaning, first-touch fields, tags, stage moves).
"""

import datetime
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Case, F, Subquery, Value, When
from django.utils import timezone

from tandem.contacts.models import ActivityKind
from tandem.contacts.services.fields import check_reassignment, snapshot
from tandem.contacts.services.timeline import record_activity
from tandem.core import access, audit
from tandem.core.access import Verb
from tandem.core.events import publish
from tandem.core.models import User

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
ONE_MICROSECOND = datetime.timedelta(microseconds=1)


class StaleRecord(ValidationError):
    """The record changed since the client read it (its version is not the one the client sent)."""

    def __init__(self, record: models.Model, current_version: str) -> None:
        noun = record._meta.verbose_name
        super().__init__(
            f"Someone else changed this {noun} after you opened it. Reload it to see their changes, then "
            "make yours again.",
            code="stale",
        )
        self.current_version = current_version


def record_version(record: models.Model) -> str:
    """The version a client sends back to say "change it only if it is still as I read it": the row's
    `updated_at` in microseconds. Every update moves `updated_at` forward (see `next_updated_at`)."""
    return str((record.updated_at - EPOCH) // ONE_MICROSECOND)


def next_updated_at(current: datetime.datetime) -> datetime.datetime:
    """Now, but always after `current`: two updates within one clock tick still get two versions."""
    return max(timezone.now(), current + ONE_MICROSECOND)


class PatchJSON(models.Func):
    """A JSON column with some keys set and others removed, computed by the database from the row's own
    current value: concurrent updates of different keys all survive.

    SQLite: json_set(json_remove(col, '$."a"'), '$."b"', json(?)); PostgreSQL: jsonb_set((col - 'a'), '{b}', ?).
    Keys are property names (slugs, checked when the property was defined); values are bound parameters.
    """

    output_field = models.JSONField()

    def __init__(self, column: str, *, set_values: Mapping[str, Any], remove: list[str]) -> None:
        super().__init__(F(column))
        self.set_values = dict(set_values)
        self.remove = list(remove)

    def as_sqlite(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        params = list(params)
        if self.remove:
            sql = f"json_remove({sql}, {', '.join(['%s'] * len(self.remove))})"
            params += [f'$."{key}"' for key in self.remove]
        if self.set_values:
            sql = f"json_set({sql}, {', '.join(['%s, json(%s)'] * len(self.set_values))})"
            for key, value in self.set_values.items():
                params += [f'$."{key}"', json.dumps(value)]
        return sql, params

    def as_postgresql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        sql, params = f"COALESCE({sql}, '{{}}'::jsonb)", list(params)
        for key in self.remove:
            sql = f"({sql} - %s)"
            params.append(key)
        for key, value in self.set_values.items():
            sql = f"jsonb_set({sql}, ARRAY[%s]::text[], %s::jsonb, true)"
            params += [key, json.dumps(value)]
        return sql, params


def properties_patch(before: Mapping[str, Any], after: Mapping[str, Any]) -> PatchJSON | None:
    """The key-by-key change from `before` to `after` as one expression; None when nothing differs."""
    changed = {
        key: value for key, value in after.items() if before.get(key, None) != value or key not in before
    }
    removed = sorted(key for key in before if key not in after)
    if not changed and not removed:
        return None
    return PatchJSON("properties", set_values=changed, remove=removed)


def owner_assignments(owner: User | None) -> dict[str, Any]:
    """Owner and team for one UPDATE: the team is read from the owner's row by the same statement."""
    if owner is None:
        return {"owner_id": None, "team_id": None}
    return {
        "owner_id": owner.pk,
        "team_id": Subquery(User.objects.filter(pk=owner.pk).values("team_id")[:1]),
    }


def fill_if_empty(name: str, value: str) -> Case:
    """A write-once text column: the new value only where the column is still empty."""
    return Case(When(**{name: ""}, then=Value(value)), default=F(name), output_field=models.CharField())


def write_row(
    model: type[models.Model],
    current: models.Model,
    assignments: dict[str, Any],
    *,
    expected_version: str | None,
) -> datetime.datetime:
    """One UPDATE of `current`'s row with `assignments` and a new `updated_at`; returns that time.

    With `expected_version`, the UPDATE only matches while the row still has that version: a stale write
    changes nothing and raises StaleRecord, even if another writer got in between the read and this write.
    """
    now = next_updated_at(current.updated_at)
    rows = model.objects.filter(pk=current.pk)
    if expected_version is not None:
        rows = rows.filter(updated_at=current.updated_at)
    if rows.update(**assignments, updated_at=now) != 1:
        fresh = model.objects.filter(pk=current.pk).first()
        raise StaleRecord(current, record_version(fresh) if fresh is not None else "")
    return now


def check_version(record: models.Model, expected_version: str | None) -> None:
    if expected_version is not None and record_version(record) != str(expected_version).strip():
        raise StaleRecord(record, record_version(record))


# ---------------------------------------------------------------------------------------------------------
# Steps the record types' services share.


def _object_type(record: models.Model) -> str:
    """ "contact" or "company": the Activity foreign key, the access object type and the events' id prefix."""
    return record.access_object_type


def audit_ready(changes: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """JSON-safe copy of a diff for the timeline's details."""
    return {
        name: [None if v is None else v if isinstance(v, int | float | bool | list) else str(v) for v in pair]
        for name, pair in changes.items()
    }


def new_record(model: type[models.Model], cleaned: dict[str, Any], actor: User | None, **columns: Any):
    """An unsaved record of `cleaned` values, owned by the actor unless an owner was given; the team
    follows the owner."""
    cleaned.setdefault("owner", actor)
    record = model(**cleaned, **columns)
    record.team_id = record.owner.team_id if record.owner else None
    return record


def save_new(record: models.Model, duplicate_error: dict[str, str]) -> None:
    """Insert `record`. Two writers can race past a service's duplicate check: the unique index decides,
    and the loser gets `duplicate_error` (field → sentence) instead of an IntegrityError."""
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError as error:
        raise ValidationError(duplicate_error) from error


def lock_live(actor: User | None, record: models.Model):
    """The record's row as it is now, locked until commit (PostgreSQL; SQLite's IMMEDIATE transaction
    already holds the write lock), so an update's diff, audit row and stage move describe what it really
    changes. Refused when the actor may not change it, when it is gone or when it is in the trash."""
    model = type(record)
    noun = model._meta.verbose_name
    if actor is not None:
        access.require(actor, Verb.CHANGE, record)
    current = model.objects.select_for_update().filter(pk=record.pk).first()
    if current is None:
        raise ValidationError(f"This {noun} no longer exists.")
    if actor is not None:
        access.require(actor, Verb.CHANGE, current)
    if current.deleted_at is not None:
        raise ValidationError(f"This {noun} is in the trash. Restore it before editing.")
    return current


@dataclass
class ProposedUpdate:
    """What an update would do to `current`: the row as it would be (`proposed`, never saved itself), the
    audited values and custom properties before and after, and their diff (`changes`)."""

    current: models.Model
    proposed: models.Model
    cleaned: dict[str, Any]
    before: dict[str, Any]
    before_properties: dict[str, Any]
    after_properties: dict[str, Any]
    changes: dict[str, list[Any]]


def propose_update(
    actor: User | None, current: models.Model, cleaned: dict[str, Any], audited: list[str]
) -> ProposedUpdate:
    """Apply `cleaned` to a copy of `current` and diff it; a new owner is checked against what the actor
    may do (check_reassignment)."""
    model = type(current)
    before = snapshot(current, audited)
    before_properties = dict(current.properties or {})
    after_properties = cleaned.get("properties", before_properties)
    proposed = model(
        **{field.attname: getattr(current, field.attname) for field in model._meta.concrete_fields}
    )
    for name, value in cleaned.items():
        if name != "properties":
            setattr(proposed, name, value)
    if "owner" in cleaned:
        proposed.team_id = proposed.owner.team_id if proposed.owner else None
        check_reassignment(actor, current, proposed.owner)
    changes = audit.diff(before, snapshot(proposed, audited))
    changes.update(
        audit.diff(
            {f"properties.{k}": v for k, v in before_properties.items()},
            {f"properties.{k}": after_properties.get(k) for k in {*before_properties, *after_properties}},
        )
    )
    return ProposedUpdate(current, proposed, cleaned, before, before_properties, after_properties, changes)


def update_assignments(update: ProposedUpdate, *, write_once: Iterable[str] = ()) -> dict[str, Any]:
    """The columns the update changes, for one UPDATE: the owner with its team, `write_once` columns only
    where still empty, custom properties key by key."""
    current, proposed = update.current, update.proposed
    write_once = set(write_once)
    assignments: dict[str, Any] = {}
    for name, value in update.cleaned.items():
        if name == "properties":
            continue
        attname = type(current)._meta.get_field(name).attname
        if getattr(current, attname) == getattr(proposed, attname):
            continue
        if name == "owner":
            assignments.update(owner_assignments(proposed.owner))
        elif name in write_once:
            assignments[name] = fill_if_empty(name, value)
        else:
            assignments[attname] = getattr(proposed, attname)
    patch = properties_patch(update.before_properties, update.after_properties)
    if patch is not None:
        assignments["properties"] = patch
    return assignments


def save_update(
    current: models.Model,
    assignments: dict[str, Any],
    *,
    expected_version: str | None,
    duplicate_error: dict[str, str],
) -> None:
    """write_row, with a unique index's refusal turned into `duplicate_error` (as save_new)."""
    try:
        with transaction.atomic():
            write_row(type(current), current, assignments, expected_version=expected_version)
    except IntegrityError as error:
        raise ValidationError(duplicate_error) from error


def record_update(
    *,
    actor: User | None,
    record: models.Model,
    changes: dict[str, list[Any]],
    timeline_changes: dict[str, list[Any]],
    event: str,
    request=None,
    subject_type: str = "",
    subject_id: int | None = None,
) -> None:
    """An update's traces: the timeline entry (when `timeline_changes` holds anything), the audit row
    with every change, and the event naming the fields changed."""
    object_type = _object_type(record)
    if timeline_changes:
        record_activity(
            kind=ActivityKind.UPDATED,
            actor=actor,
            subject_type=subject_type,
            subject_id=subject_id,
            details={"changes": audit_ready(timeline_changes)},
            **{object_type: record},
        )
    audit.record(actor=actor, action=audit.Action.UPDATE, target=record, changes=changes, request=request)
    publish(event, **{f"{object_type}_id": record.pk}, fields=sorted(changes))


def trash(*, actor: User | None, record: models.Model, event: str, request=None) -> models.Model:
    """Move a record to the trash (hidden everywhere, restorable until purged), with its timeline entry,
    audit row and event; a record already there is left as it is."""
    if actor is not None:
        access.require(actor, Verb.DELETE, record)
    if record.deleted_at is not None:
        return record
    object_type = _object_type(record)
    record.deleted_at = timezone.now()
    record.save(update_fields=["deleted_at"])
    record_activity(kind=ActivityKind.DELETED, actor=actor, **{object_type: record})
    audit.record(actor=actor, action=audit.Action.DELETE, target=record, request=request)
    publish(event, **{f"{object_type}_id": record.pk})
    return record


def restore(
    *, actor: User | None, record: models.Model, conflict: Callable[[], str], event: str, request=None
) -> models.Model:
    """Bring a record back from the trash, with its timeline entry, audit row and event. `conflict` says
    why it may not come back (a live record has taken its unique value meanwhile), or ""."""
    if actor is not None:
        access.require(actor, Verb.DELETE, record)
    if record.deleted_at is None:
        return record
    refusal = conflict()
    if refusal:
        raise ValidationError(refusal)
    object_type = _object_type(record)
    record.deleted_at = None
    record.updated_at = timezone.now()
    record.save(update_fields=["deleted_at", "updated_at"])
    record_activity(kind=ActivityKind.RESTORED, actor=actor, **{object_type: record})
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        target=record,
        request=request,
        changes={"deleted_at": ["trash", None]},
        event="restored",
    )
    publish(event, **{f"{object_type}_id": record.pk})
    return record
