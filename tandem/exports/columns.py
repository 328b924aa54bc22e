"""What an export can hold: its columns, built from the record type's field catalogue (`Field.export`,
`export_label`, `export_source`) and custom properties, and how a fetched row becomes the cells of a line.

Rows are read with `values_list` (a tuple per record, joins done by the database), so a column names the
field it reads and a converter for its value. Every text cell goes through `neutralise` (formula injection,
OWASP "CSV injection"); numbers stay numbers; dates are ISO 8601.
"""

import datetime
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import repeat
from operator import attrgetter, methodcaller
from typing import Any

from django.db import models
from django_countries import countries
from django_countries.fields import CountryField

from tandem.contacts.models import PropertyDefinition, PropertyType
from tandem.core.records import registry
from tandem.core.records.fields import Field, property_key, property_name
from tandem.core.spreadsheets import FORMULA_PREFIXES, neutralise

TAGS = "tags"
LIST_SEPARATOR = "; "


@dataclass(frozen=True)
class ExportColumn:
    key: str
    label: str
    # The values_list field read for this column ("" for tags, which are loaded once per chunk).
    field: str
    # Turns one column of a chunk (the field's values, one per row) into the cells (None for empty).
    convert: Callable[[Sequence[Any]], Sequence[Any]]


# Cells are converted a column of a chunk at a time, with map() and C-level methods wherever possible: a
# Python call per cell was most of the export's time at a million rows (docs/benchmarks.md, export_1m).
_starts_like_formula = methodcaller("startswith", FORMULA_PREFIXES)
_tzinfo = attrgetter("tzinfo")


def _text(values: Sequence[Any]) -> Sequence[Any]:
    """Text cells, neutralised; the column is returned as it is when no cell needs it (the common case)."""
    try:
        if not any(map(_starts_like_formula, filter(None, values))):
            return values
    except (AttributeError, TypeError):  # a value that is not text (a custom property holding a number)
        values = [None if value is None else str(value) for value in values]
    return [neutralise(value) for value in values]


def _number(values: Sequence[Any]) -> Sequence[Any]:
    return values


def _datetime_cell(value: Any) -> str | None:
    """ISO 8601 in UTC. Rows are read without the ORM's converters (selectors.export_chunks): SQLite's driver
    gives the stored UTC time as a naive datetime (or text), PostgreSQL's an aware datetime in UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.replace(" ", "T", 1) + "+00:00"
    if value.tzinfo is None:
        return value.isoformat() + "+00:00"
    return value.isoformat()


def _datetime(values: Sequence[Any]) -> Sequence[Any]:
    """The column's cells; when all are naive UTC datetimes (SQLite), without a Python call per cell."""
    if (
        values
        and None not in values
        and all(map(isinstance, values, repeat(datetime.datetime)))
        and not any(map(_tzinfo, values))
    ):
        return list(map(str.__add__, map(datetime.datetime.isoformat, values), repeat("+00:00")))
    return [_datetime_cell(value) for value in values]


def _labels(choices: list[tuple[str, str]]) -> Callable[[Sequence[Any]], Sequence[Any]]:
    labels = {value: label for value, label in choices if value}
    return lambda values: list(map(labels.get, values, values))


_COUNTRY_NAMES: dict[str, str] = {}


def _country(values: Sequence[Any]) -> Sequence[Any]:
    if not _COUNTRY_NAMES:
        _COUNTRY_NAMES.update({code: str(name) for code, name in countries})
    return list(map(_COUNTRY_NAMES.get, values, values))


_YES_NO = {True: "Yes", False: "No"}


def _multi_choice_cell(value: Any) -> Any:
    if isinstance(value, list):
        return neutralise(LIST_SEPARATOR.join(str(item) for item in value)) if value else None
    return value


def _property(definition: PropertyDefinition) -> Callable[[Sequence[Any]], Sequence[Any]]:
    """A custom property's cells, from the chunk's parsed properties (RowShape parses each row's JSON once)."""
    name = definition.name
    value_type = definition.value_type

    def convert(properties: Sequence[dict]) -> Sequence[Any]:
        values = list(map(dict.get, properties, repeat(name)))
        if value_type == PropertyType.NUMBER:
            return values
        if value_type == PropertyType.BOOLEAN:
            return [None if value is None else _YES_NO[bool(value)] for value in values]
        if value_type == PropertyType.MULTI_CHOICE:
            values = [_multi_choice_cell(value) for value in values]
        return _text(values)

    return convert


def parse_properties(value: Any) -> dict:
    """A properties column as read without converters: JSON text (most often "{}"), or a dict already."""
    if isinstance(value, dict):
        return value
    if not value or value == "{}":
        return {}
    parsed = json.loads(value)
    return parsed if isinstance(parsed, dict) else {}


def _tags(values: Sequence[Any]) -> Sequence[Any]:
    return values  # filled in per chunk, already joined and neutralised


# The columns every export has whatever was ticked: the id, and what names the record. A type not listed
# here always has its id.
ALWAYS_INCLUDED = {"contact": ("id", "first_name", "last_name", "email"), "company": ("id", "name", "domain")}
ID_COLUMN = ExportColumn("id", "Record ID", "id", _number)


def _model_field(model: type[models.Model], path: str) -> models.Field:
    """The model field a values_list path ends at ("owner__email" -> User.email)."""
    *relations, last = path.split("__")
    for name in relations:
        model = model._meta.get_field(name).related_model
    return model._meta.get_field(last)


def _converter(model_field: models.Field) -> Callable[[Sequence[Any]], Sequence[Any]]:
    """How the cells of a column reading `model_field` are written: choices as their labels, countries by
    name, numbers as numbers, date-times in ISO 8601, everything else as neutralised text."""
    if model_field.choices:
        return _labels(list(model_field.flatchoices))
    if model_field.many_to_one:  # a foreign key read without a path to one of its fields: its id
        return _converter(model_field.target_field)
    if isinstance(model_field, CountryField):
        return _country
    if isinstance(model_field, models.DateTimeField):
        return _datetime
    if isinstance(
        model_field, models.IntegerField | models.AutoField | models.DecimalField | models.FloatField
    ):
        return _number
    return _text


def _field_column(model: type[models.Model], item: Field) -> ExportColumn:
    label = item.export_label or item.label
    source = item.export_source or item.attribute
    model_field = _model_field(model, source)
    if model_field.many_to_many:  # tags: read once per chunk, not through values_list
        return ExportColumn(item.attribute, label, "", _tags)
    return ExportColumn(item.attribute, label, source, _converter(model_field))


def _property_column(column: str, definition: PropertyDefinition) -> ExportColumn:
    return ExportColumn(property_key(definition.name), definition.label, column, _property(definition))


def catalogue(object_type: str, definitions: list[PropertyDefinition]) -> list[ExportColumn]:
    """Every column an export of `object_type` can have, in file order: the id, the fields the record
    type's catalogue exports (`Field.export`), then its custom properties."""
    record_type = registry.get(object_type)
    columns = [ID_COLUMN]
    columns += [_field_column(record_type.model, item) for item in record_type.fields if item.export]
    if record_type.properties_field:
        columns += [_property_column(record_type.properties_field, item) for item in definitions]
    return columns


def always_included(object_type: str) -> tuple[str, ...]:
    return ALWAYS_INCLUDED.get(object_type, ("id",))


def from_list_columns(object_type: str, list_keys: list[str]) -> list[str]:
    """The export column keys matching a list's column choice, plus the ones every export has. A list
    column is its field's attribute ("stage" -> "lifecycle_stage"); a column that heads a group of the
    record page other than the first ("Source" for the first touch) brings the group's other fields."""
    record_type = registry.get(object_type)
    fields = {item.key: item for item in record_type.fields}
    main_group = record_type.fact_groups[0][0] if record_type.fact_groups else ""
    keys = list(always_included(object_type))
    for key in list_keys:
        item = fields.get(key)
        if item is None:
            keys.append(key)  # a custom property's "property:<name>" is the same key in both
            continue
        keys.append(item.attribute)
        if item.fact_group != main_group:
            keys.extend(
                other.attribute
                for other in record_type.fields
                if other.fact_group == item.fact_group and not other.column and other.export
            )
    return list(dict.fromkeys(keys))


def choose(object_type: str, keys: list[str], definitions: list[PropertyDefinition]) -> list[ExportColumn]:
    """The catalogue's columns named in `keys` (unknown ones dropped) plus the always-included ones, in
    catalogue order, so a file's layout does not depend on the order boxes were ticked."""
    wanted = set(keys) | set(always_included(object_type))
    return [column for column in catalogue(object_type, definitions) if column.key in wanted]


def headers(columns: list[ExportColumn]) -> list[str]:
    """The header line as labels; the writers neutralise it like every cell (a property's label is user text)."""
    return [column.label for column in columns]


@dataclass(frozen=True)
class RowShape:
    """How to read and convert rows for a set of columns: the values_list fields (the id first, for the
    keyset) and, per column, the position of its field and its converter."""

    fields: tuple[str, ...]
    positions: tuple[tuple[int, Callable[[Sequence[Any]], Sequence[Any]]], ...]
    tags_position: int | None  # where the tags cell goes, if tags were chosen
    properties_position: int | None  # where the properties JSON is in a fetched row, if read

    @classmethod
    def for_columns(cls, columns: list[ExportColumn]) -> "RowShape":
        fields = ["id"]
        positions = []
        tags_position = properties_position = None
        for index, column in enumerate(columns):
            if column.key == TAGS:
                tags_position = index
                positions.append((0, _tags))
                continue
            if column.field not in fields:
                fields.append(column.field)
            positions.append((fields.index(column.field), column.convert))
            if property_name(column.key) is not None:
                properties_position = fields.index(column.field)
        return cls(tuple(fields[1:]), tuple(positions), tags_position, properties_position)

    def convert(self, rows: list[tuple], tags: dict[int, str] | None = None) -> list[tuple]:
        """Cells for a chunk of values_list rows (the id first, then `fields`), a tuple per row."""
        if not rows:
            return []
        fetched = list(zip(*rows, strict=True))
        if self.properties_position is not None:
            # Parse each row's JSON once, not once per property column.
            fetched[self.properties_position] = list(map(parse_properties, fetched[self.properties_position]))
        cells = [convert(fetched[position]) for position, convert in self.positions]
        if self.tags_position is not None:
            cells[self.tags_position] = list(map((tags or {}).get, fetched[0]))
        return list(zip(*cells, strict=True))
