import datetime

from django import forms
from django.utils import timezone

from tandem.api.models import ApiScope


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What uses this token, e.g. “Website sync” or “Zapier”.")
    scopes = forms.MultipleChoiceField(
        choices=lambda: ApiScope.choices,  # read when the form is built: record types add their scopes
        widget=forms.CheckboxSelectMultiple,
        help_text="A token never does more than your role allows, whatever its scopes.",
    )
    expires_on = forms.DateField(
        required=False,
        label="Expires on",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Optional. The token stops working at the end of this day (UTC).",
    )

    def clean_expires_on(self):
        day = self.cleaned_data.get("expires_on")
        if day is not None and day < timezone.now().date():
            raise forms.ValidationError("Choose today or a later day.")
        return day

    def expires_at(self) -> datetime.datetime | None:
        day = self.cleaned_data.get("expires_on")
        if day is None:
            return None
        return datetime.datetime.combine(
            day + datetime.timedelta(days=1), datetime.time.min, tzinfo=datetime.UTC
        )
