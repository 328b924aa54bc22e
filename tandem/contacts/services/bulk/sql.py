"""The SQL of the bulk path: batch lookups by a unique field, executemany inserts and updates."""

from functools import cache
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.db.models.functions import Lower

from tandem.contacts.services.bulk.rows import Spec


def unique_value(field_name: str, value: Any) -> Any:
    return value.lower() if field_name == "email" and value else value


def lookup(spec: Spec, field_name: str, values: set, lock: bool) -> dict[Any, Any]:
    """Live records by one unique field, one query for the whole batch: {normalised value: record}."""
    if not values:
        return {}
    queryset = spec.model.objects.filter(deleted_at__isnull=True)
    if field_name == "email":
        queryset = queryset.annotate(unique_email=Lower("email")).filter(unique_email__in=values)
    else:
        queryset = queryset.filter(**{f"{field_name}__in": values})
    if lock and connection.features.has_select_for_update:
        # Two imports updating the same record take turns instead of overwriting each other's fields.
        queryset = queryset.select_for_update(of=("self",))
    return {unique_value(field_name, getattr(record, field_name)): record for record in queryset}


@cache
def _insert_plan(model: type, columns: tuple[str, ...], vendor: str) -> tuple[str, tuple]:
    fields = {field.attname: field for field in model._meta.concrete_fields}
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(fields[name].column) for name in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    # Only dates and JSON need the field's own conversion; text, numbers and ids go to the driver as they are.
    converters = tuple(
        fields[name] if isinstance(fields[name], models.DateTimeField | models.JSONField) else None
        for name in columns
    )
    return sql, converters


def insert_rows(model: type, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """INSERT many rows with one executemany: Django's bulk_create builds a model instance and prepares
    every value through its field, which is most of an import's time at a million rows. Values must be
    valid already (they are: cleaned here); ids are not returned."""
    if not rows:
        return
    database = connections[DEFAULT_DB_ALIAS]
    sql, converters = _insert_plan(model, columns, database.vendor)
    positions = [
        (position, converter) for position, converter in enumerate(converters) if converter is not None
    ]
    if positions:
        operations = database.ops
        # A batch shares one timestamp: convert each distinct datetime once.
        datetimes: dict[Any, Any] = {}
        converted = []
        for row in rows:
            values = list(row)
            for position, converter in positions:
                value = values[position]
                if value is None:
                    continue
                if isinstance(converter, models.JSONField):
                    values[position] = operations.adapt_json_value(value, converter.encoder)
                else:
                    adapted = datetimes.get(value)
                    if adapted is None:
                        adapted = datetimes[value] = converter.get_db_prep_save(value, database)
                    values[position] = adapted
            converted.append(values)
        rows = converted
    with database.cursor() as cursor:
        cursor.executemany(sql, rows)


def update_rows(model: type, changed: list[tuple[Any, tuple[str, ...]]]) -> None:
    """UPDATE records by id, one executemany per set of changed fields (not Django's CASE per field)."""
    groups: dict[tuple[str, ...], list[Any]] = {}
    for instance, names in changed:
        groups.setdefault(names, []).append(instance)
    fields = {field.attname: field for field in model._meta.concrete_fields}
    quote = connection.ops.quote_name
    for names, instances in groups.items():
        sql = (
            f"UPDATE {quote(model._meta.db_table)} SET "
            + ", ".join(f"{quote(fields[name].column)} = %s" for name in names)
            + f" WHERE {quote('id')} = %s"
        )
        rows = [
            (
                *(fields[name].get_db_prep_save(instance.__dict__[name], connection) for name in names),
                instance.pk,
            )
            for instance in instances
        ]
        with connection.cursor() as cursor:
            cursor.executemany(sql, rows)


@cache
def _defaults_cached(model: type) -> tuple[tuple[str, Any], ...]:
    return tuple(
        (field.attname, field.get_default()) for field in model._meta.concrete_fields if not field.primary_key
    )


def defaults_for(model: type) -> dict[str, Any]:
    """Every column of a new row with the model's default (fresh mutable defaults each call)."""
    return {
        name: (dict(value) if isinstance(value, dict) else value) for name, value in _defaults_cached(model)
    }


def ids_by_key(spec: Spec, key: str, values: set) -> dict[Any, int]:
    if not values:
        return {}
    queryset = spec.model.objects.filter(deleted_at__isnull=True)
    if key == "email":
        pairs = queryset.annotate(unique_email=Lower("email")).filter(unique_email__in=values)
        return dict(pairs.values_list("unique_email", "pk"))
    return dict(queryset.filter(**{f"{key}__in": values}).values_list(key, "pk"))


def stored_value(instance: Any, attribute: str) -> Any:
    # The stored value, not the descriptor's: a CountryField reads back as a Country object.
    return instance.__dict__.get(attribute)


def is_empty(value: Any) -> bool:
    return value in (None, "", [], {})
