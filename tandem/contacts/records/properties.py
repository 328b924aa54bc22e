"""Custom properties as the record layer sees them: list columns and cells, form fields, the list filter
(`property`, `property_value`, `property_from`, `property_to`), the facts panel, and the cleaning and
filtering a type's services and selectors call, for any record type that declares a `properties_field`
(its model's JSON column). Definitions live in PropertyDefinition, keyed by the type's object type.

`PropertySupport.for_record_type` is registered with the record layer from ContactsConfig.ready, so a type
defined anywhere (a hub, the tests' widget) gets all of this by declaring the column."""

from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict

from tandem.contacts import selectors
from tandem.contacts.models import PropertyDefinition, PropertyType
from tandem.contacts.properties import clean_value, clean_values
from tandem.contacts.selectors import PropertyFilter
from tandem.core.records.fields import PROPERTY_PREFIX, Cell, Column, property_key
from tandem.core.records.query import SEARCH_MAX_LENGTH, Chip

# Special values of the property filter's select: "has any value" and "is empty".
PROPERTY_SET, PROPERTY_UNSET = "__set__", "__unset__"
PARAMETERS = ("property", "property_value", "property_from", "property_to")


def display_property(definition: PropertyDefinition, value: Any) -> str:
    """A custom property's stored value as a person reads it."""
    if value is None or value == "" or value == []:
        return ""
    if definition.value_type == PropertyType.BOOLEAN:
        return "Yes" if value else "No"
    if definition.value_type == PropertyType.MULTI_CHOICE and isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if definition.value_type == PropertyType.NUMBER and isinstance(value, int | float):
        return f"{value:,}"
    return str(value)


def _without_property(query: QueryDict) -> str:
    copy = query.copy()
    for name in ("cursor", *PARAMETERS):
        copy.pop(name, None)
    return copy.urlencode()


@dataclass(frozen=True)
class PropertySupport:
    object_type: str
    column: str = "properties"  # the model's JSON column holding the values
    parameter_names: tuple[str, ...] = PARAMETERS
    # Any number of conditions, one parameter each: `property:plan=Pro`, `property:seats.gte=10`,
    # `property:renewal.lte=2026-12-31`, `property:plan=__unset__` (the API's and a link's form; the
    # list page's panel edits one condition with the four parameters above).
    key_prefix: str = PROPERTY_PREFIX

    @classmethod
    def for_record_type(cls, record_type) -> "PropertySupport":
        return cls(record_type.object_type, column=record_type.properties_field)

    def definitions(self) -> list[PropertyDefinition]:
        return selectors.property_definitions(self.object_type)

    def values(self, record) -> dict[str, Any]:
        return getattr(record, self.column, None) or {}

    def clean(self, current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
        """`current` with `changes` applied, each value validated by its definition (the one cleaning path
        of custom properties); raises ValidationError keyed `properties.<name>`."""
        return clean_values(self.object_type, current, changes)

    def filter(self, queryset, conditions: list[PropertyFilter]):
        """`queryset` narrowed by the list's property conditions, in the database."""
        return selectors.filter_properties(queryset, self.object_type, conditions, column=self.column)

    def columns(self, definitions: list[PropertyDefinition]) -> list[Column]:
        return [
            Column(property_key(item.name), item.label, numeric=item.value_type == PropertyType.NUMBER)
            for item in definitions
        ]

    def cell(self, record, *, name: str, definitions: dict[str, PropertyDefinition]) -> Cell:
        definition = definitions.get(name)
        if definition is None:
            return Cell()
        value = self.values(record).get(name)
        return Cell(display_property(definition, value), numeric=definition.value_type == PropertyType.NUMBER)

    def facts(self, record, definitions: list[PropertyDefinition]) -> list[tuple[str, str]]:
        """(label, value) for every defined property; empty values shown as a dash."""
        properties = self.values(record)
        return [
            (item.label, display_property(item, properties.get(item.name)) or "—") for item in definitions
        ]

    # --- the form ---------------------------------------------------------------------------------

    def form_field(self, definition: PropertyDefinition) -> forms.Field:
        """A form field for a custom property, with a control suited to its type."""
        common = {"required": False, "label": definition.label, "help_text": definition.help_text}
        value_type = definition.value_type
        if value_type == PropertyType.NUMBER:
            return forms.CharField(widget=forms.TextInput(attrs={"inputmode": "decimal"}), **common)
        if value_type == PropertyType.DATE:
            return forms.CharField(widget=forms.DateInput(attrs={"type": "date"}), **common)
        if value_type == PropertyType.BOOLEAN:
            return forms.BooleanField(**common)
        if value_type == PropertyType.CHOICE:
            choices = [("", "—")] + [(choice, choice) for choice in definition.choices]
            return forms.CharField(widget=forms.Select(choices=choices), **common)
        if value_type == PropertyType.MULTI_CHOICE:
            choices = [(choice, choice) for choice in definition.choices]
            return forms.Field(widget=forms.CheckboxSelectMultiple(choices=choices), **common)
        return forms.CharField(**common)

    def initial(self, definition: PropertyDefinition, value: Any) -> Any:
        if value is None:
            return [] if definition.value_type == PropertyType.MULTI_CHOICE else ""
        return value

    def service_value(self, definition: PropertyDefinition, raw: Any, recorded: bool) -> Any:
        if definition.value_type == PropertyType.BOOLEAN:
            # An unticked box means "no" only where a value was recorded; otherwise it stays unset.
            return True if raw else (False if recorded else None)
        return raw

    # --- the list filter --------------------------------------------------------------------------

    def filter_context(self, definition: PropertyDefinition | None, query: QueryDict) -> dict:
        value_type = definition.value_type if definition is not None else None
        options: list[tuple[str, str]] = []
        if value_type == PropertyType.BOOLEAN:
            options = [("yes", "Yes"), ("no", "No")]
        elif definition is not None:
            options = [(choice, choice) for choice in definition.choices]
        return {
            "property_definition": definition,
            "property_value": query.get("property_value", ""),
            "property_from": query.get("property_from", ""),
            "property_to": query.get("property_to", ""),
            "property_set": PROPERTY_SET,
            "property_unset": PROPERTY_UNSET,
            "property_input_type": "date" if value_type == PropertyType.DATE else "text",
            "property_is_range": value_type in (PropertyType.NUMBER, PropertyType.DATE),
            "property_has_options": value_type
            in (PropertyType.CHOICE, PropertyType.MULTI_CHOICE, PropertyType.BOOLEAN),
            "property_options": options,
        }

    def parse_filter(
        self, query: QueryDict, definitions: list[PropertyDefinition], errors: list[str], chips: list[Chip]
    ) -> tuple[list[PropertyFilter], PropertyDefinition | None]:
        """The panel's condition (`property` names it, the value parameters depend on its type) and every
        `property:<name>[.gte|.lte]` condition."""
        conditions, definition = self._panel_condition(query, definitions, errors, chips)
        return conditions + self._keyed_conditions(query, definitions, errors, chips), definition

    def _keyed_conditions(
        self, query: QueryDict, definitions: list[PropertyDefinition], errors: list[str], chips: list[Chip]
    ) -> list[PropertyFilter]:
        by_name = {item.name: item for item in definitions}
        result: list[PropertyFilter] = []
        for parameter in query:
            if not parameter.startswith(self.key_prefix):
                continue
            name, _, operator = parameter[len(self.key_prefix) :].partition(".")
            definition = by_name.get(name)
            raw = query.get(parameter, "").strip()
            if definition is None:
                errors.append(f"There is no property “{name[:60]}”; that filter was ignored.")
                continue
            if operator not in ("", "gte", "lte"):
                errors.append(
                    f"“{parameter[:60]}”: use .gte or .lte after the property; that filter was ignored."
                )
                continue
            if not raw:
                continue
            remove = query.copy()
            remove.pop(parameter, None)
            remove.pop("cursor", None)
            label = definition.label
            if raw in (PROPERTY_SET, PROPERTY_UNSET) and not operator:
                chips.append(
                    Chip(f"{label}: {'has a value' if raw == PROPERTY_SET else 'empty'}", remove.urlencode())
                )
                result.append(PropertyFilter(name, None, "set" if raw == PROPERTY_SET else "unset"))
                continue
            value_type = definition.value_type
            if operator:
                if value_type not in (PropertyType.NUMBER, PropertyType.DATE):
                    errors.append(f"{label}: only numbers and dates take a range; that filter was ignored.")
                    continue
                try:
                    cleaned = clean_value(definition, raw)
                except ValidationError as error:
                    errors.append(f"{error.messages[0]} That filter was ignored.")
                    continue
                chips.append(
                    Chip(f"{label} {'≥' if operator == 'gte' else '≤'} {raw[:40]}", remove.urlencode())
                )
                result.append(PropertyFilter(name, cleaned, operator))
                continue
            if value_type == PropertyType.BOOLEAN:
                if raw not in ("yes", "no"):
                    errors.append(f"{label}: choose yes or no; that filter was ignored.")
                    continue
                chips.append(Chip(f"{label}: {raw}", remove.urlencode()))
                result.append(PropertyFilter(name, raw == "yes"))
                continue
            if (
                value_type in (PropertyType.CHOICE, PropertyType.MULTI_CHOICE)
                and raw not in definition.choices
            ):
                errors.append(f"{label}: “{raw[:40]}” is not one of its options; that filter was ignored.")
                continue
            if value_type in (PropertyType.NUMBER, PropertyType.DATE):
                try:
                    value = clean_value(definition, raw)
                except ValidationError as error:
                    errors.append(f"{error.messages[0]} That filter was ignored.")
                    continue
            else:
                value = raw[:SEARCH_MAX_LENGTH]
            chips.append(Chip(f"{label}: {raw[:60]}", remove.urlencode()))
            result.append(
                PropertyFilter(name, value, "contains" if value_type == PropertyType.MULTI_CHOICE else "eq")
            )
        return result

    def _panel_condition(
        self, query: QueryDict, definitions: list[PropertyDefinition], errors: list[str], chips: list[Chip]
    ) -> tuple[list[PropertyFilter], PropertyDefinition | None]:
        name = query.get("property", "").strip()
        if not name:
            for parameter in PARAMETERS[1:]:
                if query.get(parameter, "").strip():
                    errors.append(f"“{parameter}” needs “property” (which property?); it was ignored.")
            return [], None
        definition = next((item for item in definitions if item.name == name), None)
        if definition is None:
            errors.append(f"There is no property “{name[:60]}”; that filter was ignored.")
            return [], None
        label = definition.label
        remove = _without_property(query)
        value = query.get("property_value", "").strip()
        if value == PROPERTY_SET:
            chips.append(Chip(f"{label}: has a value", remove))
            return [PropertyFilter(name, None, "set")], definition
        if value == PROPERTY_UNSET:
            chips.append(Chip(f"{label}: empty", remove))
            return [PropertyFilter(name, None, "unset")], definition
        value_type = definition.value_type
        if value_type in (PropertyType.NUMBER, PropertyType.DATE):
            result = []
            for parameter, operator, word in (("property_from", "gte", "≥"), ("property_to", "lte", "≤")):
                raw = query.get(parameter, "").strip()
                if not raw:
                    continue
                try:
                    cleaned = clean_value(definition, raw)
                except ValidationError as error:
                    errors.append(f"{error.messages[0]} That filter was ignored.")
                    continue
                result.append(PropertyFilter(name, cleaned, operator))
                chips.append(Chip(f"{label} {word} {raw[:40]}", remove))
            return result, definition
        if not value:
            return [], definition
        if value_type == PropertyType.BOOLEAN:
            if value not in ("yes", "no"):
                errors.append(f"{label}: choose yes or no; that filter was ignored.")
                return [], definition
            chips.append(Chip(f"{label}: {value}", remove))
            return [PropertyFilter(name, value == "yes")], definition
        if value_type in (PropertyType.CHOICE, PropertyType.MULTI_CHOICE) and value not in definition.choices:
            errors.append(f"{label}: “{value[:40]}” is not one of its options; that filter was ignored.")
            return [], definition
        operator = "contains" if value_type == PropertyType.MULTI_CHOICE else "eq"
        chips.append(Chip(f"{label}: {value[:60]}", remove))
        return [PropertyFilter(name, value[:SEARCH_MAX_LENGTH], operator)], definition
