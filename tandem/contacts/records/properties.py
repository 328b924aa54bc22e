"""Custom properties as the record layer sees them: list columns and cells, form fields, the list filter
(`property`, `property_value`, `property_from`, `property_to`), the facts panel, and the cleaning and
filtering the record layer applies for any record type that declares a `properties_field` (its model's
JSON column). Definitions live in PropertyDefinition, keyed by the type's object type.

A filter value is read by `read_condition`, the one reading for the web list, exports, bulk "all matching"
(all three through the query grammar's `parse_filter`) and the API (`read`): the same input gives the same
condition or the same message, naming its parameter.

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
        """The list's conditions: the panel's one (`property` names it, the value parameters depend on its
        type) and every `property:<name>[.gte|.lte]`, each read by `read_condition`. What cannot be read
        becomes a message naming its parameter (the list shows it and ignores the condition)."""
        conditions, definition = self._panel_condition(query, definitions, errors, chips)
        read, failed = read_conditions(
            query, definitions, object_noun=self.object_noun, prefixes=(self.key_prefix,)
        )
        by_name = {item.name: item for item in definitions}
        for parameter, condition in read:
            remove = query.copy()
            remove.pop(parameter, None)
            remove.pop("cursor", None)
            chips.append(Chip(chip_label(by_name[condition.name], condition), remove.urlencode()))
            conditions.append(condition)
        errors.extend(ignored_message(parameter, message) for parameter, message in failed.items())
        return conditions, definition

    def read(
        self, query: QueryDict, *, prefixes: tuple[str, ...] = (PROPERTY_PREFIX,)
    ) -> tuple[list[PropertyFilter], dict[str, str]]:
        """Every `<prefix><name>[.gte|.lte]` condition of `query` (the API's reading: it refuses the
        request when the second item, {parameter: message}, is not empty)."""
        read, failed = read_conditions(
            query, self.definitions(), object_noun=self.object_noun, prefixes=prefixes
        )
        return [condition for _parameter, condition in read], failed

    @property
    def object_noun(self) -> str:
        return self.object_type.replace("_", " ")

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
            message = f"“{name[:60]}” is not a {self.object_noun} property."
            errors.append(ignored_message("property", message))
            return [], None
        remove = _without_property(query)
        if definition.value_type in RANGE_TYPES and query.get("property_value", "").strip() not in (
            PROPERTY_SET,
            PROPERTY_UNSET,
        ):
            values = (("property_from", "gte"), ("property_to", "lte"))
        else:
            values = (("property_value", "eq"),)
        result = []
        for parameter, operator in values:
            try:
                condition = read_condition(
                    definition, parameter=parameter, operator=operator, raw=query.get(parameter, "")
                )
            except ValidationError as error:
                errors.append(ignored_message(parameter, error.messages[0]))
                continue
            if condition is not None:
                result.append(condition)
                chips.append(Chip(chip_label(definition, condition), remove))
        return result, definition


RANGE_TYPES = (PropertyType.NUMBER, PropertyType.DATE)
RANGE_OPERATORS = ("gte", "lte")


def read_condition(
    definition: PropertyDefinition, *, parameter: str, operator: str, raw: Any
) -> PropertyFilter | None:
    """The one reading of a custom-property filter value, for the web list, exports, bulk "all matching"
    and the API: `raw` in the property's own type (numbers compare as numbers, dates as dates; booleans as
    true/false, yes/no or 1/0; a choice must be one of the options), `__set__`/`__unset__` for "has a
    value"/"is empty". `operator` is "eq", "gte" or "lte" (ranges: numbers and dates only). None when
    `raw` is empty (no condition); raises ValidationError with a message naming the property."""
    text = str(raw if raw is not None else "").strip()
    label = definition.label
    if not text:
        return None
    if "\x00" in text:
        raise ValidationError(f"{label}: the text cannot contain the NUL character.")
    if operator not in ("eq", *RANGE_OPERATORS):
        raise ValidationError(f"Use {parameter.partition('.')[0]}, its .gte or its .lte.")
    if operator == "eq" and text in (PROPERTY_SET, PROPERTY_UNSET):
        return PropertyFilter(definition.name, None, "set" if text == PROPERTY_SET else "unset")
    value_type = definition.value_type
    if operator != "eq" and value_type not in RANGE_TYPES:
        raise ValidationError(f"{label}: only numbers and dates take a range.")
    if value_type == PropertyType.MULTI_CHOICE:
        if ";" in text:
            raise ValidationError(f"{label}: filter by one option at a time.")
        if text not in definition.choices:
            raise ValidationError(f"{label}: “{text[:40]}” is not one of {', '.join(definition.choices)}.")
        return PropertyFilter(definition.name, text, "contains")
    value = clean_value(definition, text)  # the type's own reading (and its messages)
    if value_type == PropertyType.TEXT:
        value = value[:SEARCH_MAX_LENGTH]
    return PropertyFilter(definition.name, value, operator)


def read_conditions(
    query: QueryDict,
    definitions: list[PropertyDefinition],
    *,
    object_noun: str,
    prefixes: tuple[str, ...] = (PROPERTY_PREFIX,),
) -> tuple[list[tuple[str, PropertyFilter]], dict[str, str]]:
    """Every `<prefix><name>[.gte|.lte]` parameter of `query` read by `read_condition`: the
    (parameter, condition) pairs read, and {parameter: message} for the ones that could not be."""
    by_name = {item.name: item for item in definitions}
    read: list[tuple[str, PropertyFilter]] = []
    failed: dict[str, str] = {}
    for parameter in query:
        prefix = next((item for item in prefixes if parameter.startswith(item)), None)
        if prefix is None:
            continue
        name, _, operator = parameter[len(prefix) :].partition(".")
        definition = by_name.get(name)
        if definition is None:
            failed[parameter] = f"“{name[:60]}” is not a {object_noun} property."
            continue
        try:
            condition = read_condition(
                definition, parameter=parameter, operator=operator or "eq", raw=query.get(parameter, "")
            )
        except ValidationError as error:
            failed[parameter] = error.messages[0]
            continue
        if condition is not None:
            read.append((parameter, condition))
    return read, failed


def ignored_message(parameter: str, message: str) -> str:
    """A condition's error as the list shows it: naming the parameter, saying the filter was ignored."""
    return f"{parameter[:60]}: {message.rstrip('.')}; that filter was ignored."


def chip_label(definition: PropertyDefinition, condition: PropertyFilter) -> str:
    label = definition.label
    if condition.operator == "set":
        return f"{label}: has a value"
    if condition.operator == "unset":
        return f"{label}: empty"
    value = display_property(definition, condition.value) if condition.value is not None else ""
    if condition.operator in RANGE_OPERATORS:
        return f"{label} {'≥' if condition.operator == 'gte' else '≤'} {str(value)[:40]}"
    return f"{label}: {str(value)[:60]}"
