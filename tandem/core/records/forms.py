"""The record form, built from a record type's field catalogue: it shapes input and shows the service's
errors, and declares no rules of its own (the service has them). Values for the service come from the
declared fields only, so a POST carrying `team`, `score` or `deleted_at` has nothing to attach to."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django_countries import countries

from tandem.core.models import User
from tandem.core.records.fields import Field, property_key, property_name
from tandem.core.records.registry import RecordType

# The hidden field carrying the version of the record the form was opened on (stale-form warning).
VERSION_FIELD = "record_version"


def active_users():
    return User.objects.filter(is_active=True).order_by("first_name", "last_name", "email")


def owner_choices() -> list[tuple[str, str]]:
    return [("", "— No owner —")] + [(str(user.pk), user.display_name) for user in active_users()]


def country_choices() -> list[tuple[str, str]]:
    return [("", "—")] + [(code, name) for code, name in countries]


def _form_field(field: Field, record_type: RecordType) -> forms.Field:
    length = field.max_length(record_type.model)
    attrs: dict[str, str] = {}
    if field.autocomplete_off:
        attrs["autocomplete"] = "off"
    common = {"required": False, "label": field.label, "help_text": field.help}
    widget = field.widget
    if widget == "select":
        return forms.CharField(widget=forms.Select(choices=list(field.choices), attrs=attrs), **common)
    if widget == "country":
        return forms.CharField(widget=forms.Select(choices=country_choices()), **common)
    if widget == "owner":
        return forms.CharField(widget=forms.Select(choices=owner_choices()), **common)
    if widget == "checkbox":
        return forms.BooleanField(**common)
    if widget == "textarea":
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 4, **attrs}), **common)
    if length:
        attrs["maxlength"] = str(length)
    if widget == "email":
        return forms.CharField(widget=forms.EmailInput(attrs=attrs), **common)
    if widget == "tel":
        return forms.CharField(widget=forms.TextInput(attrs={"type": "tel", **attrs}), **common)
    return forms.CharField(widget=forms.TextInput(attrs=attrs), **common)


class RecordForm(forms.Form):
    def __init__(
        self,
        *args,
        record_type: RecordType,
        user: User,
        record=None,
        definitions: list,
        version: str = "",
        **kwargs,
    ):
        self.record_type = record_type
        self.user = user
        self.record = record
        self.definitions = definitions
        super().__init__(*args, **kwargs)
        self.catalogue = record_type.form_fields()
        for field in self.catalogue:
            factory = field.form_field
            self.fields[field.attribute] = factory(self) if factory else _form_field(field, record_type)
        properties = record_type.properties
        if properties is not None:
            for definition in definitions:
                self.fields[property_key(definition.name)] = properties.form_field(definition)
        self.fields[VERSION_FIELD] = forms.CharField(required=False, widget=forms.HiddenInput)
        self.initial[VERSION_FIELD] = version
        if record is None:
            for field in self.catalogue:
                if field.widget == "owner":
                    self.initial.setdefault(field.attribute, str(user.pk))
                elif field.initial is not None:
                    self.initial.setdefault(field.attribute, field.initial)
        else:
            for field in self.catalogue:
                self.initial[field.attribute] = _initial(field, record)
            if properties is not None:
                for definition in definitions:
                    self.initial[property_key(definition.name)] = properties.initial(
                        definition, properties.values(record).get(definition.name)
                    )

    def sections(self) -> list[tuple[str, str, list]]:
        """(key, title, bound fields with their declaration) per form section, in the declared order."""
        result = []
        for key, title in self.record_type.form_sections:
            members = [(self[field.attribute], field) for field in self.catalogue if field.section == key]
            if members:
                result.append((key, title, members))
        return result

    @property
    def property_fields(self):
        return [self[property_key(definition.name)] for definition in self.definitions]

    def service_arguments(self) -> dict[str, Any]:
        """The keyword arguments for the create/update service: `values` from the declared fields, plus
        the declared extra arguments (e.g. `tags`)."""
        data = self.cleaned_data
        values: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        for field in self.catalogue:
            raw = data.get(field.attribute)
            if field.widget == "owner":
                # The owner only goes to the service when it changes, so that someone who may not reassign
                # records can still save other fields; if they do change it, the service's refusal is shown.
                current = str(self.record.owner_id or "") if self.record is not None else str(self.user.pk)
                if (raw or "") != current:
                    values[field.attribute] = raw or None
                continue
            argument, convert = field.service_argument, field.to_service
            value = convert(raw) if convert else (raw if field.widget == "checkbox" else raw or "")
            if argument:
                extra[argument] = value
            else:
                values[field.attribute] = value
        properties = self.record_type.properties
        if properties is not None and self.definitions:
            current = properties.values(self.record) if self.record is not None else {}
            values["properties"] = {
                definition.name: properties.service_value(
                    definition, data.get(property_key(definition.name)), definition.name in current
                )
                for definition in self.definitions
            }
        return {"values": values, **extra}

    def add_service_errors(self, error: ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            for message in error.messages:
                self.add_error(None, message)
            return
        for key, messages in error.message_dict.items():
            name = property_name(key)
            target = property_key(name) if name is not None else key
            for message in messages:
                self.add_error(target if target in self.fields else None, message)


def _initial(field: Field, record) -> Any:
    if field.initial_from is not None:
        return field.initial_from(record)
    if field.widget == "owner":
        return str(getattr(record, f"{field.attribute}_id", None) or "")
    value = getattr(record, field.attribute, "")
    if field.widget == "country":
        return str(value or "")
    return value
