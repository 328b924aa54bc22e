"""Which record field each column of an import fills: the list of targets, and a guess from the headers.

A mapping is `{column index as str: target key or ""}`; "" means the column is not imported. The targets
and the headers other products write for them come from the record type's field catalogue (`Field`
with `import_aliases`, in `tandem/contacts/records/` for contacts and companies); a target's key is the
field's model attribute, and `property:<name>` for a custom property.

The guess knows the export formats of HubSpot, Mailchimp and Salesforce, plain snake_case keys, our own
labels, and custom properties by name or label. Each target is given to one column at most: the column
whose header matches it best, and among equals the leftmost (so "Email" wins over "Email (2)").
"""

import re
from collections.abc import Iterable, Mapping
from typing import Any

from tandem.core.records import registry
from tandem.core.records.fields import Field, property_key


def importable_fields(object_type: str) -> list[Field]:
    """The record type's fields a column can fill, in catalogue order, then its import-only targets: every
    field that declares import aliases (its catalogue entry says which headers other products use)."""
    record_type = registry.get(object_type)
    return [item for item in [*record_type.fields, *record_type.import_only_fields] if item.import_aliases]


def normalise_header(text: str) -> str:
    """Lower case, every run of non-letters-or-digits a single space: "Country/Region" -> "country region"."""
    return re.sub(r"[^0-9a-z]+", " ", str(text).casefold()).strip()


def definition_list(definitions: Any) -> list[Any]:
    """Custom property definitions given as `definitions_for()`'s dict or as any iterable of definitions."""
    if not definitions:
        return []
    if isinstance(definitions, Mapping):
        return list(definitions.values())
    if isinstance(definitions, Iterable):
        return list(definitions)
    return []


# Tandem's own id, to match rows of a Tandem export to the records they came from. Chosen by hand only:
# it is not among the catalogue's import targets the guess reads, so another product's "ID" column never becomes it.
RECORD_ID_TARGET = ("id", "Record ID (Tandem's id, to match records)")


def target_fields(object_type: str, definitions: Any = None) -> list[tuple[str, str]]:
    """Every target a column can fill, as (key, label): the record's fields (keyed by their model
    attribute, "lifecycle_stage"), Tandem's record id, then its custom properties ("property:<name>")."""
    targets = [(item.attribute, item.import_label or item.label) for item in importable_fields(object_type)]
    targets.append(RECORD_ID_TARGET)
    for definition in definition_list(definitions):
        targets.append((property_key(definition.name), f"{definition.label} (custom property)"))
    return targets


def candidates(object_type: str, definitions: Any) -> dict[str, list[tuple[int, str]]]:
    """normalised header -> [(rank, target key)], lower rank is a better match."""
    table: dict[str, list[tuple[int, str]]] = {}

    def add(header: str, rank: int, key: str) -> None:
        table.setdefault(normalise_header(header), []).append((rank, key))

    for item in importable_fields(object_type):
        key = item.attribute
        # The key itself ("first_name") and our own labels ("First name", "Owner (by email)") are exact
        # matches; the aliases follow in the order the catalogue gives them.
        for exact in dict.fromkeys((key, item.label, item.import_label or item.label)):
            add(exact, 0, key)
        for rank, alias in enumerate(item.import_aliases, start=1):
            add(alias, rank, key)
    for definition in definition_list(definitions):
        key = property_key(definition.name)
        add(key, 0, key)
        add(definition.name, 0, key)
        add(definition.label, 0, key)
    return table


# Headers only Tandem's own export writes together (its "Record ID" is Tandem's id, not another product's).
TANDEM_EXPORT_HEADERS = {"record id", "owner email", "created at", "updated at"}


def is_tandem_export(headers: list[str]) -> bool:
    """Whether the file is an export from Tandem: then "Record ID" holds Tandem's own ids, which must never
    become external ids (HubSpot's "Record ID" is an external id)."""
    return {normalise_header(header) for header in headers} >= TANDEM_EXPORT_HEADERS


def guess_mapping(headers: list[str], object_type: str, definitions: Any = None) -> dict[str, str]:
    """{column index as str: target key or ""} for every column, each target used at most once.

    In Tandem's own export the "Record ID" column is left out (those are Tandem's ids) and "External ID"
    is the external id."""
    table = candidates(object_type, definitions)
    own_export = is_tandem_export(headers)
    proposals: list[tuple[int, int, str]] = []  # (rank, column index, target)
    for index, header in enumerate(headers):
        if own_export and normalise_header(header) == "record id":
            continue
        for rank, key in table.get(normalise_header(header), []):
            proposals.append((rank, index, key))
    mapping = {str(index): "" for index in range(len(headers))}
    taken: set[str] = set()
    for _rank, index, key in sorted(proposals):
        if key in taken or mapping[str(index)]:
            continue
        mapping[str(index)] = key
        taken.add(key)
    return mapping
