"""Builders shared by the inbound tests: a sent 1:1 message in the ledger, an IMAP mailbox row, and replies."""

from email.message import EmailMessage
from email.utils import format_datetime

from django.utils import timezone

from tandem.contacts.tests.factories import CompanyFactory, ContactFactory, UserFactory
from tandem.core.models import Role
from tandem.mail.models import Category, InboundMailbox, InboundSecurity, Message
from tandem.mail.services.ledger import queue_message
from tandem.mail.tests.imap_server import PASSWORD


def sent_message(
    *,
    key: str = "personal:1",
    contact=None,
    sender=None,
    subject: str = "Your quote",
    reply_to: str | None = None,
    identity=None,
) -> Message:
    """A 1:1 email a sales user sent to a contact (with a company), as the compose page writes it."""
    sender = sender or UserFactory(role=Role.SALES, first_name="Sam", last_name="Seller")
    if contact is None:
        contact = ContactFactory(
            first_name="Dana",
            last_name="Reyes",
            email="dana@customer.example",
            company=CompanyFactory(name="Acme"),
        )
    return queue_message(
        key=key, category=Category.PERSONAL, to=[contact.email], subject=subject,
        text="Hello Dana,\nhere is the quote we talked about.\nSam", identity=identity,
        from_address=None if identity else "Sam <sam@tandem.example>",
        contact=contact, sender=sender, reply_to=reply_to or None,
    )  # fmt: skip


def mailbox_for(server, username: str, **fields) -> InboundMailbox:
    values = {
        "name": "Replies", "host": server.host, "port": server.port, "security": InboundSecurity.NONE,
        "username": username, "password": PASSWORD, "folder": "INBOX", **fields,
    }  # fmt: skip
    return InboundMailbox.objects.create(**values)


def mail(
    *,
    from_: str = "Dana Reyes <dana@customer.example>",
    subject: str = "Re: Your quote",
    text: str = "Thanks, that works for us.\n\nOn Monday Sam wrote:\n> here is the quote",
    message_id: str | None = "<reply-1@customer.example>",
    in_reply_to: str | None = None,
    references: str | None = None,
    to: str = "sam@tandem.example",
    headers: dict[str, str] | None = None,
    attachment: bytes | None = None,
) -> bytes:
    email = EmailMessage()
    email["From"] = from_
    email["To"] = to
    email["Subject"] = subject
    email["Date"] = format_datetime(timezone.now())
    if message_id:
        email["Message-ID"] = message_id
    if in_reply_to:
        email["In-Reply-To"] = in_reply_to
    if references:
        email["References"] = references
    for name, value in (headers or {}).items():
        email[name] = value
    email.set_content(text)
    if attachment is not None:
        email.add_attachment(attachment, maintype="application", subtype="octet-stream", filename="big.bin")
    return email.as_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
