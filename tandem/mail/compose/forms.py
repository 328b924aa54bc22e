"""The compose, template and signature forms. They only parse; the services check and write."""

import uuid

from django import forms
from django.utils import timezone

from tandem.mail.models.templates import (
    BODY_MAX_LENGTH,
    SIGNATURE_MAX_LENGTH,
    SUBJECT_MAX_LENGTH,
    TEMPLATE_NAME_MAX_LENGTH,
)

DATETIME_INPUT_FORMAT = "%Y-%m-%dT%H:%M"


def add_service_errors(form: forms.Form, error) -> None:
    """A service's ValidationError on the form: by field where the form has that field, above it otherwise."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


class ComposeForm(forms.Form):
    """One 1:1 email. `to` is the contact (a hidden field on a contact's page, a choice on a company's)."""

    form_token = forms.UUIDField(widget=forms.HiddenInput)
    to = forms.ChoiceField(label="To")
    identity = forms.ChoiceField(label="From")
    template = forms.ChoiceField(label="Start from a template", required=False)
    subject = forms.CharField(label="Subject", max_length=SUBJECT_MAX_LENGTH, required=False, strip=False)
    body = forms.CharField(
        label="Message",
        max_length=BODY_MAX_LENGTH,
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 12}),
    )
    when = forms.ChoiceField(
        label="When",
        choices=[("now", "Send now"), ("later", "Schedule")],
        initial="now",
        widget=forms.RadioSelect,
    )
    send_after_at = forms.DateTimeField(
        label="Send at",
        required=False,
        input_formats=[DATETIME_INPUT_FORMAT],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_INPUT_FORMAT),
    )

    def __init__(self, *args, recipients, identities, templates, fixed_recipient: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = recipients
        if fixed_recipient:
            self.fields["to"].widget = forms.HiddenInput()
        self.fields["identity"].choices = identities
        self.fields["template"].choices = [("", "— No template —"), *templates]
        self.fields[
            "send_after_at"
        ].help_text = f"In your time zone ({timezone.get_current_timezone_name()})."
        self.fields["subject"].widget.attrs["data-merge-target"] = "subject"
        self.fields["body"].widget.attrs["data-merge-target"] = "body"
        self.initial.setdefault("form_token", uuid.uuid4())

    def clean(self):
        data = super().clean()
        if (
            data.get("when") == "later"
            and not data.get("send_after_at")
            and "send_after_at" not in self.errors
        ):
            self.add_error("send_after_at", "Choose when to send it.")
        if data.get("when") != "later":
            data["send_after_at"] = None
        return data


class TemplateForm(forms.Form):
    name = forms.CharField(label="Name", max_length=TEMPLATE_NAME_MAX_LENGTH, required=False)
    subject = forms.CharField(label="Subject", max_length=SUBJECT_MAX_LENGTH, required=False)
    body = forms.CharField(
        label="Message",
        max_length=BODY_MAX_LENGTH,
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 14}),
    )
    is_shared = forms.BooleanField(
        label="Share with everyone", required=False, help_text="Others can use it; only you can change it."
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["subject"].widget.attrs["data-merge-target"] = "subject"
        self.fields["body"].widget.attrs["data-merge-target"] = "body"


class SignatureForm(forms.Form):
    text = forms.CharField(
        label="Signature",
        max_length=SIGNATURE_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Plain text; line breaks are kept. It goes under every 1:1 email you send.",
    )
