"""The "Log activity" forms: what the panel asks for each kind. Cleaning and every rule live in the services;
these only draw the fields and carry the service's errors back to them."""

import secrets

from django import forms
from django.utils import timezone

from tandem.engagements.models import CallOutcome, Priority, TaskType

DURATION_HELP = "Minutes, e.g. 15."


def _now_local() -> str:
    return timezone.localtime().strftime("%Y-%m-%dT%H:%M")


class LogForm(forms.Form):
    form_token = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, prefix_id: str = "log", **kwargs):
        super().__init__(*args, **kwargs)
        self.id_prefix = prefix_id
        if not self.is_bound:
            self.initial.setdefault("form_token", secrets.token_urlsafe(24))
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("id", f"{prefix_id}-{name}")

    def add_service_errors(self, error) -> None:
        if not hasattr(error, "error_dict"):
            for message in error.messages:
                self.add_error(None, message)
            return
        for key, messages in error.message_dict.items():
            for message in messages:
                self.add_error(key if key in self.fields else None, message)


class CallForm(LogForm):
    outcome = forms.ChoiceField(choices=CallOutcome.choices, initial=CallOutcome.CONNECTED)
    duration_minutes = forms.CharField(
        label="Duration",
        required=False,
        help_text=DURATION_HELP,
        widget=forms.NumberInput(attrs={"min": 0, "max": 1440, "inputmode": "numeric"}),
    )
    occurred_at = forms.CharField(
        label="When", required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("occurred_at", _now_local())


class MeetingForm(LogForm):
    starts_at = forms.CharField(
        label="Starts", required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    duration_minutes = forms.CharField(
        label="Duration",
        required=False,
        help_text=DURATION_HELP,
        initial="30",
        widget=forms.NumberInput(attrs={"min": 0, "max": 1440, "inputmode": "numeric"}),
    )
    attendees = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"].choices = [(str(contact.pk), contact.display_name) for contact in people]
        if not people:
            del self.fields["attendees"]
        self.initial.setdefault("starts_at", _now_local())


class EmailForm(LogForm):
    email_subject = forms.CharField(label="Subject", required=False, max_length=300)
    body = forms.CharField(label="Email text", required=False, widget=forms.Textarea(attrs={"rows": 4}))
    sent_at = forms.CharField(
        label="Sent", required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("sent_at", _now_local())


class TaskForm(LogForm):
    title = forms.CharField(
        label="Task",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": "e.g. Send the proposal"}),
    )
    due_date = forms.CharField(
        label="Due date", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    due_time = forms.CharField(label="Time", required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    task_type = forms.ChoiceField(label="Type", choices=TaskType.choices, initial=TaskType.TODO)
    priority = forms.ChoiceField(choices=Priority.choices, initial=Priority.NORMAL)
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("due_date", (timezone.localdate()).isoformat())


FORMS = {"call": CallForm, "meeting": MeetingForm, "email": EmailForm, "task": TaskForm}
TITLES = {"call": "Log a call", "meeting": "Log a meeting", "email": "Log an email", "task": "Add a task"}
BUTTONS = {"call": "Log call", "meeting": "Log meeting", "email": "Log email", "task": "Add task"}
