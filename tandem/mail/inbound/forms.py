"""The form of the inbound mailbox settings page. It parses; the service validates and says why."""

from django import forms

from tandem.core import secrets
from tandem.mail.models import Identity, InboundSecurity


class MailboxForm(forms.Form):
    name = forms.CharField(
        max_length=100, label="Name", help_text="For you: “Sales replies”, “Support inbox”."
    )
    host = forms.CharField(max_length=253, label="IMAP server", help_text="Such as imap.example.com.")
    security = forms.ChoiceField(
        choices=InboundSecurity.choices, label="Encryption", initial=InboundSecurity.TLS
    )
    port = forms.IntegerField(min_value=1, max_value=65535, label="Port", initial=993)
    username = forms.CharField(max_length=254, label="User name")
    password = forms.CharField(
        max_length=254, label="Password", required=False, strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )  # fmt: skip
    folder = forms.CharField(max_length=200, label="Folder", initial="INBOX")
    identity = forms.ModelChoiceField(
        queryset=Identity.objects.order_by("address"), required=False, label="Sending identity",
        empty_label="Shared by every identity",
        help_text="The address whose replies arrive here; shared mailboxes serve every identity.",
    )  # fmt: skip
    reply_address = forms.EmailField(
        max_length=254, required=False, label="Reply address (optional)",
        help_text="The address this mailbox receives, such as reply@example.com. With it, 1:1 emails ask for "
        "replies at reply+<code>@example.com, which threads them even when a mail program drops the headers.",
    )  # fmt: skip
    enabled = forms.BooleanField(required=False, initial=True, label="Check this mailbox every minute")
    log_unsolicited = forms.BooleanField(
        required=False,
        label="Also log mail from known contacts that is not a reply",
    )

    def __init__(self, *args, editing: bool = False, password_unreadable: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if password_unreadable:
            self.fields["password"].help_text = secrets.unreadable_message("password")
        elif editing:
            self.fields["password"].help_text = "Leave empty to keep the stored password."
        else:
            self.fields["password"].required = True
        self.fields["log_unsolicited"].help_text = (
            "Off: only replies to mail sent from Tandem are kept. On: mail from an address that belongs to a "
            "contact goes on their timeline too."
        )
