"""The one place these tests read sent mail. Django's mail API writes into the mail ledger (the mail app's
`LedgerBackend`), tests included; this app sits below the mail app in the layers, so it reads the ledger's
rows through the app registry instead of importing the mail app."""

import email
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage

from django.apps import apps


@dataclass
class Sent:
    """A sent message as these tests read it."""

    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"] or "")

    @property
    def body(self) -> str:
        part = self.message.get_body(("plain",))
        return part.get_content() if part is not None else ""

    @property
    def to(self) -> list[str]:
        return [address.addr_spec for address in self.message["To"].addresses]


def sent_to(address: str) -> list[Sent]:
    """The messages queued to `address`, oldest first."""
    rows = apps.get_model("mail", "Message").objects.order_by("id")
    return [
        Sent(email.message_from_bytes(bytes(row.raw).replace(b"\r\n", b"\n"), policy=policy.default))
        for row in rows
        if address.lower() in [recipient.lower() for recipient in row.recipients]
    ]


def html_of(message: Sent) -> str:
    part = message.message.get_body(("html",))
    return part.get_content() if part is not None else ""
