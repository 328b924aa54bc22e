"""The mail pages' forms. They only collect text: the services check it (ports, host names, addresses through
email-validator) and their messages are shown on the fields."""

from django import forms

from tandem.core import secrets
from tandem.mail.models import Category, RelayKind, Security, Status
from tandem.mail.services.relay_settings import MAX_CONNECTIONS, MAX_TIMEOUT_SECONDS, PROVIDERS


def _number(label: str, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=10,
        help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )


class RelayForm(forms.Form):
    kind = forms.ChoiceField(label="How mail leaves", choices=RelayKind.choices, widget=forms.RadioSelect)
    host = forms.CharField(label="Host", max_length=253, required=False)
    port = _number("Port", "587 for STARTTLS, 465 for TLS.")
    security = forms.ChoiceField(label="Security", choices=Security.choices)
    username = forms.CharField(
        label="Username",
        max_length=254,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    password = forms.CharField(
        label="Password",
        max_length=254,
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    clear_password = forms.BooleanField(label="Remove the stored password", required=False)
    connections = _number(
        "Connections", f"How many messages are handed over at once (1 to {MAX_CONNECTIONS})."
    )
    timeout_seconds = _number(
        "Timeout (seconds)", f"How long to wait for the relay (1 to {MAX_TIMEOUT_SECONDS})."
    )
    provider = forms.ChoiceField(
        label="Provider", choices=[("", "Choose a provider")] + list(PROVIDERS.items()), required=False
    )
    provider_api_key = forms.CharField(
        label="API key",
        max_length=500,
        required=False,
        strip=True,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    provider_key_id = forms.CharField(label="Access key ID", max_length=128, required=False)
    provider_region = forms.CharField(label="Region", max_length=32, required=False)

    def __init__(self, *args, relay, **kwargs):
        initial = {
            "kind": relay.kind,
            "host": relay.host,
            "port": relay.port,
            "security": relay.security,
            "username": relay.username,
            "connections": relay.connections,
            "timeout_seconds": relay.timeout_seconds,
            "provider": relay.provider,
            "provider_key_id": relay.provider_settings.get("access_key_id", ""),
            "provider_region": relay.provider_settings.get("region", ""),
        }
        super().__init__(*args, initial=initial, **kwargs)
        # Write-only secrets: the page says whether one is stored; a blank field keeps it.
        if secrets.is_unreadable(relay.password):
            self.fields["password"].help_text = secrets.unreadable_message("password")
        elif relay.password:
            self.fields["password"].help_text = "A password is set. Leave blank to keep it."
            self.fields["password"].widget.attrs["placeholder"] = "•••••••• (set)"
        else:
            del self.fields["clear_password"]
        if secrets.is_unreadable(relay.provider_api_key):
            self.fields["provider_api_key"].help_text = secrets.unreadable_message("API key")
        elif relay.provider_api_key:
            self.fields["provider_api_key"].help_text = "A key is set. Leave blank to keep it."
            self.fields["provider_api_key"].widget.attrs["placeholder"] = "•••••••• (set)"


class IdentityForm(forms.Form):
    from_name = forms.CharField(
        label="From name",
        max_length=200,
        help_text="What people see as the sender, e.g. “Ada at Northwind”.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    address = forms.CharField(
        label="Address",
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "email"}),
    )
    reply_to = forms.CharField(
        label="Reply-to",
        max_length=254,
        required=False,
        help_text="Optional: where replies go, when not to the address above.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "email"}),
    )


class MailboxFilterForm(forms.Form):
    q = forms.CharField(
        label="Search",
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "Recipient or subject", "class": "search-input"}
        ),
    )
    status = forms.ChoiceField(label="Status", required=False, choices=[("", "Any status"), *Status.choices])
    category = forms.ChoiceField(
        label="Category", required=False, choices=[("", "Any category"), *Category.choices]
    )
