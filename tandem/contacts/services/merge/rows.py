"""Moving the rows that hang off a merged record, and the snapshots an undo needs to put them back."""

import datetime
from collections.abc import Iterator
from typing import Any

from django.db import models
from django.utils.dateparse import parse_datetime

# Ids are moved back in chunks: SQLite allows a limited number of parameters per statement.
CHUNK = 500


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


def python_values(model: type[models.Model], row: dict[str, Any]) -> dict[str, Any]:
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


def chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def move(queryset: models.QuerySet, column: str, to_id: int) -> list[int]:
    """Point every row of `queryset` at `to_id`, in one statement; returns the ids moved."""
    ids = sorted(queryset.values_list("id", flat=True))
    if ids:
        queryset.update(**{column: to_id})
    return ids


def move_back(model: type[models.Model], ids: list[int], column: str, from_id: int, to_id: int) -> None:
    """Return moved rows, but only those still where the merge put them."""
    for chunk in chunks(ids):
        model.objects.filter(pk__in=chunk, **{column: from_id}).update(**{column: to_id})
