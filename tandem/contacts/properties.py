"""Custom properties: admins define typed fields; every write path validates values through `clean_values`.

Values live in the record's `properties` JSON as plain JSON types: text and choice as strings, number as a
number, date as an ISO string (so it sorts and compares as text), yes/no as a boolean, multiple choice as
a list of strings. Unknown keys are refused so that a typo never silently creates data.
"""

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError

from tandem.contacts.models import PropertyDefinition, PropertyType

TRUE_WORDS = {"true", "yes", "y", "1", "on"}
FALSE_WORDS = {"false", "no", "n", "0", "off"}


def definitions_for(object_type: str) -> dict[str, PropertyDefinition]:
    return {d.name: d for d in PropertyDefinition.objects.filter(object_type=object_type)}


def clean_value(definition: PropertyDefinition, raw: Any) -> Any:
    """One value in its stored form, or None for empty; raises ValidationError naming the property."""
    if raw is None or raw == "" or raw == []:
        return None
    label = definition.label
    value_type = definition.value_type
    if value_type == PropertyType.TEXT:
        text = str(raw).strip()
        if len(text) > 2000:
            raise ValidationError(f"{label}: at most 2,000 characters.")
        return text or None
    if value_type == PropertyType.NUMBER:
        if isinstance(raw, bool):
            raise ValidationError(f"{label}: “{raw}” is not a number.")
        try:
            number = Decimal(str(raw).strip().replace(",", ""))
        except InvalidOperation as error:
            raise ValidationError(f"{label}: “{str(raw)[:40]}” is not a number.") from error
        if not number.is_finite() or abs(number) >= Decimal("1e15"):
            raise ValidationError(f"{label}: “{str(raw)[:40]}” is out of range.")
        return int(number) if number == number.to_integral_value() else float(number)
    if value_type == PropertyType.DATE:
        if isinstance(raw, datetime.datetime):
            raw = raw.date()
        if isinstance(raw, datetime.date):
            return raw.isoformat()
        try:
            return datetime.date.fromisoformat(str(raw).strip()).isoformat()
        except ValueError as error:
            raise ValidationError(f"{label}: “{str(raw)[:40]}” is not a date (use YYYY-MM-DD).") from error
    if value_type == PropertyType.BOOLEAN:
        if isinstance(raw, bool):
            return raw
        word = str(raw).strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ValidationError(f"{label}: “{str(raw)[:40]}” is not yes or no.")
    if value_type == PropertyType.CHOICE:
        text = str(raw).strip()
        if text not in definition.choices:
            raise ValidationError(f"{label}: “{text[:40]}” is not one of {', '.join(definition.choices)}.")
        return text
    if value_type == PropertyType.MULTI_CHOICE:
        items = raw if isinstance(raw, list | tuple) else str(raw).split(";")
        values = [str(item).strip() for item in items if str(item).strip()]
        unknown = [value for value in values if value not in definition.choices]
        if unknown:
            raise ValidationError(
                f"{label}: “{unknown[0][:40]}” is not one of {', '.join(definition.choices)}."
            )
        return sorted(set(values), key=definition.choices.index) or None
    raise ValidationError(f"{label}: unknown property type {value_type}.")


def clean_values(object_type: str, current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """Apply `changes` to `current` properties, validated; None or empty removes a value.

    Raises ValidationError with a message per offending property (keyed `properties.<name>`).
    """
    if not isinstance(changes, dict):
        raise ValidationError({"properties": "Properties must be an object of name: value."})
    definitions = definitions_for(object_type)
    errors: dict[str, str] = {}
    result = dict(current)
    for name, raw in changes.items():
        definition = definitions.get(name)
        if definition is None:
            errors[f"properties.{name}"] = f"“{str(name)[:60]}” is not a {object_type} property."
            continue
        try:
            value = clean_value(definition, raw)
        except ValidationError as error:
            errors[f"properties.{name}"] = error.messages[0]
            continue
        if value is None:
            result.pop(name, None)
        else:
            result[name] = value
    if errors:
        raise ValidationError(errors)
    return result


def validate_definition(*, value_type: str, choices: list[str]) -> list[str]:
    """Check a definition's choices; returns them cleaned (trimmed, unique, in order)."""
    cleaned = list(dict.fromkeys(str(choice).strip() for choice in choices if str(choice).strip()))
    if value_type in (PropertyType.CHOICE, PropertyType.MULTI_CHOICE) and not cleaned:
        raise ValidationError({"choices": "A choice property needs at least one option."})
    if value_type not in (PropertyType.CHOICE, PropertyType.MULTI_CHOICE):
        return []
    if any(";" in choice for choice in cleaned):
        raise ValidationError({"choices": "Options cannot contain “;” (it separates values in imports)."})
    return cleaned
