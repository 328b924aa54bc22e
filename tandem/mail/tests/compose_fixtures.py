"""What the 1:1 email tests share: a verified identity and a parsed ledger message."""

import email
from email.message import Message as EmailMessage

from django.utils import timezone

from tandem.mail.models import Identity, Message


def verified_identity(address: str = "sales@tandem.example", *, is_default: bool = True) -> Identity:
    return Identity.objects.create(
        from_name="Tandem Sales", address=address, is_default=is_default, verified_at=timezone.now()
    )


def parsed(message: Message) -> EmailMessage:
    return email.message_from_bytes(bytes(message.raw))


def part(parsed_message: EmailMessage, content_type: str) -> str:
    for piece in parsed_message.walk():
        if piece.get_content_type() == content_type:
            return piece.get_payload(decode=True).decode(piece.get_content_charset() or "utf-8")
    raise AssertionError(f"No {content_type} part")
