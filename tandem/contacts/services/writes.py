"""How an update reaches a record's row, so that concurrent edits never undo each other.

An update writes only the columns it changes, in one UPDATE: custom properties key by key inside the
database (JSON set / remove of single keys, never the whole blob as read earlier), the team from the
owner's row in the same statement (so the team always follows the owner, whatever else runs), first-touch
fields only where they are still empty. With an expected version the UPDATE is conditional on the row's
version, so a client editing what it read earlier is refused instead of overwriting someone else's change.
"""

import datetime
import json
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, F, Subquery, Value, When
from django.utils import timezone

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
