from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tandem.contacts import properties
from tandem.contacts.models import PropertyDefinition, PropertyType
from tandem.core import access, audit
from tandem.core.access import Verb
from tandem.core.records import registry


def property_object_types() -> list[str]:
    """The object types custom properties can be defined for: the registered record types that declare
    a properties column."""
    return [record_type.object_type for record_type in registry.with_properties()]


def _alternatives(words: list[str]) -> str:
    """ "contact, company or widget" """
    return " or ".join(filter(None, [", ".join(words[:-1]), *words[-1:]]))


def _has_values(definition: PropertyDefinition) -> bool:
    try:
        record_type = registry.get(definition.object_type)
    except LookupError:  # a type no longer installed: nothing to look at
        return False
    column = record_type.properties_field
    return record_type.model._default_manager.filter(**{f"{column}__has_key": definition.name}).exists()


def _check_admin(actor, verb: str) -> None:
    if actor is not None:
        access.require_allowed(actor, "property", verb)


@transaction.atomic
def create_property(
    *,
    actor,
    object_type: str,
    name: str,
    label: str,
    value_type: str,
    choices: list[str] | None = None,
    help_text: str = "",
) -> PropertyDefinition:
    _check_admin(actor, Verb.CREATE)
    errors: dict[str, str] = {}
    if object_type not in property_object_types():
        names = [record_type.verbose_name for record_type in registry.with_properties()]
        errors["object_type"] = f"Choose {_alternatives(names)}."
    if value_type not in PropertyType.values:
        errors["value_type"] = "Choose a property type."
    key = (name or "").strip().lower()
    if not key or not key.replace("_", "").isalnum() or not key[0].isalpha() or len(key) > 60:
        errors["name"] = "Use lower-case letters, digits and underscores, starting with a letter."
    if not (label or "").strip():
        errors["label"] = "Give the property a label."
    if errors:
        raise ValidationError(errors)
    cleaned_choices = properties.validate_definition(value_type=value_type, choices=choices or [])
    try:
        with transaction.atomic():
            definition = PropertyDefinition.objects.create(
                object_type=object_type,
                name=key,
                label=label.strip()[:100],
                value_type=value_type,
                choices=cleaned_choices,
                help_text=help_text.strip()[:200],
            )
    except IntegrityError as error:
        raise ValidationError({"name": f"A {object_type} property named “{key}” already exists."}) from error
    audit.record(
        actor=actor,
        action=audit.Action.CREATE,
        target=definition,
        changes={"name": [None, key], "value_type": [None, value_type]},
    )
    return definition


@transaction.atomic
def update_property(
    *,
    actor,
    definition: PropertyDefinition,
    label: str,
    choices: list[str] | None = None,
    help_text: str = "",
) -> PropertyDefinition:
    """Relabel a property or extend its options. Its key and type never change: values depend on them."""
    _check_admin(actor, Verb.CHANGE)
    if not (label or "").strip():
        raise ValidationError({"label": "Give the property a label."})
    before: dict[str, Any] = {
        "label": definition.label,
        "choices": definition.choices,
        "help_text": definition.help_text,
    }
    cleaned_choices = properties.validate_definition(value_type=definition.value_type, choices=choices or [])
    removed = [choice for choice in definition.choices if choice not in cleaned_choices]
    if removed:
        raise ValidationError({"choices": f"Options cannot be removed once used: {', '.join(removed)}."})
    definition.label, definition.choices, definition.help_text = (
        label.strip()[:100],
        cleaned_choices,
        help_text.strip()[:200],
    )
    definition.save(update_fields=["label", "choices", "help_text"])
    after = {"label": definition.label, "choices": definition.choices, "help_text": definition.help_text}
    audit.record(
        actor=actor, action=audit.Action.UPDATE, target=definition, changes=audit.diff(before, after)
    )
    return definition


@transaction.atomic
def delete_property(*, actor, definition: PropertyDefinition) -> None:
    """Remove the definition; stored values stay in the JSON but are no longer shown or filterable."""
    _check_admin(actor, Verb.DELETE)
    in_use = _has_values(definition)
    audit.record(actor=actor, action=audit.Action.DELETE, target=definition, extra={"had_values": in_use})
    definition.delete()
