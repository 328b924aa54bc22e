"""Forms of the contacts app's own pages (custom property settings). Record forms and list queries are
the record layer's (tandem.core.records.forms and .query), built from each type's declaration."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import capfirst

from tandem.contacts.models import PropertyDefinition, PropertyType
from tandem.core.records import registry


def _property_object_types() -> list[tuple[str, str]]:
    return [(item.object_type, capfirst(item.verbose_name)) for item in registry.with_properties()]


class PropertyCreateForm(forms.Form):
    object_type = forms.CharField(label="Applies to", widget=forms.Select())
    label = forms.CharField(label="Label", required=False, widget=forms.TextInput(attrs={"maxlength": "100"}))
    name = forms.CharField(
        label="Key",
        required=False,
        help_text="Used in imports and the API: lower-case letters, digits and underscores, e.g. plan_tier.",
        widget=forms.TextInput(attrs={"maxlength": "60", "autocomplete": "off"}),
    )
    value_type = forms.CharField(label="Type", widget=forms.Select(choices=PropertyType.choices))
    choices = forms.CharField(
        label="Options",
        required=False,
        help_text="For choice types: one option per line.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    help_text = forms.CharField(
        label="Help text", required=False, widget=forms.TextInput(attrs={"maxlength": "200"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Read per form, not at import: every record type that declares properties, whenever it registered.
        self.fields["object_type"].widget.choices = _property_object_types()

    def service_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "object_type": data.get("object_type") or "",
            "name": data.get("name") or "",
            "label": data.get("label") or "",
            "value_type": data.get("value_type") or "",
            "choices": (data.get("choices") or "").splitlines(),
            "help_text": data.get("help_text") or "",
        }

    def add_service_errors(self, error: ValidationError) -> None:
        add_errors(self, error)


class PropertyEditForm(forms.Form):
    label = forms.CharField(label="Label", required=False, widget=forms.TextInput(attrs={"maxlength": "100"}))
    choices = forms.CharField(
        label="Options",
        required=False,
        help_text="One option per line. Add new ones at the end; used options cannot be removed.",
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    help_text = forms.CharField(
        label="Help text", required=False, widget=forms.TextInput(attrs={"maxlength": "200"})
    )

    def __init__(self, *args, definition: PropertyDefinition, **kwargs):
        self.definition = definition
        super().__init__(*args, **kwargs)
        self.initial.update(
            label=definition.label, choices="\n".join(definition.choices), help_text=definition.help_text
        )
        if definition.value_type not in (PropertyType.CHOICE, PropertyType.MULTI_CHOICE):
            del self.fields["choices"]

    def service_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "label": data.get("label") or "",
            "choices": (data.get("choices") or "").splitlines(),
            "help_text": data.get("help_text") or "",
        }

    def add_service_errors(self, error: ValidationError) -> None:
        add_errors(self, error)


def add_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: keyed messages by field, the rest at the top."""
    if not hasattr(error, "error_dict"):
        for message in error.messages:
            form.add_error(None, message)
        return
    for key, messages in error.message_dict.items():
        for message in messages:
            form.add_error(key if key in form.fields else None, message)
