"""Writing a message into the send ledger (ARCHITECTURE §7).

`queue_message` runs inside the caller's transaction: the row exists exactly when what decided to send it
committed. The message is built and checked here, once — addresses through email-validator, header values
refused when they hold a line break — so what the worker hands to the relay later is what the mailbox shows.
"""

import hashlib
from collections.abc import Iterable, Mapping
from datetime import datetime
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import models
from django.utils import timezone
from email_validator import EmailNotValidError, validate_email

from tandem.mail.models import Category, Identity, Message


class InvalidMessage(ValidationError):
    """A message that cannot be sent as asked (a bad address, a line break in a header); says which and why."""


# Headers a caller may not set: the ledger writes them, or they would let content choose recipients.
RESERVED_HEADERS = frozenset(
    {"from", "to", "cc", "bcc", "message-id", "date", "subject", "sender", "return-path"}
)


def message_id_for(key: str, domain: str) -> str:
    """The Message-ID of the ledger row with `key`: the same for every attempt, so duplicates are countable."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"<{digest}@{domain}>"


def _checked_address(address: str, *, field: str) -> str:
    if any(character in address for character in "\r\n\0"):
        raise InvalidMessage(f"The {field} address contains a line break.", code="header_injection")
    try:
        checked = validate_email(address, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError as error:
        message = f"The {field} address “{address}” is not valid: {error}"
        raise InvalidMessage(message, code="invalid_address") from error
    return checked.normalized


def _checked_header(name: str, value: str) -> str:
    if any(character in value for character in "\r\n\0"):
        raise InvalidMessage(f"The {name} contains a line break.", code="header_injection")
    return value


def _sender(identity: Identity | None, from_address: str | None) -> tuple[str, str]:
    """(From header, the domain of the Message-ID)."""
    if identity is not None:
        address = _checked_address(identity.address, field="sender")
        header = formataddr((_checked_header("sender name", identity.from_name), address))
        return header, identity.domain
    # The configured default sender is the operator's setting (it may be tandem@localhost on a laptop), so it
    # is only parsed, not validated like an address a user typed.
    header = _checked_header("sender", from_address or settings.DEFAULT_FROM_EMAIL)
    address = parseaddr(header)[1]
    if "@" not in address:
        raise InvalidMessage(f"The sender “{header}” has no address.", code="invalid_address")
    return header, address.rpartition("@")[2].lower()


def queue_message(
    *,
    key: str,
    category: str,
    to: Iterable[str],
    subject: str,
    text: str,
    html: str | None = None,
    identity: Identity | None = None,
    from_address: str | None = None,
    reply_to: str | None = None,
    headers: Mapping[str, str] | None = None,
    contact: models.Model | None = None,
    about: tuple[str, int] | None = None,
    sender: models.Model | None = None,
    send_after_at: datetime | None = None,
) -> Message:
    """Write one message into the ledger, in the caller's transaction, and return its row.

    `key` names what the message is for; queueing a key that is already in the ledger returns the existing
    row and writes nothing (a retried request or a re-delivered event sends once). The message comes from
    `identity`, or else from `from_address` (default: DEFAULT_FROM_EMAIL). Raises InvalidMessage for an
    address email-validator refuses, a header value with a line break, or a header the ledger owns.
    """
    if category not in Category.values:
        raise InvalidMessage(f"Unknown mail category “{category}”.", code="invalid_category")
    existing = Message.objects.filter(key=key).first()
    if existing is not None:
        return existing
    recipients = [_checked_address(address, field="recipient") for address in to]
    if not recipients:
        raise InvalidMessage("A message needs at least one recipient.", code="no_recipient")
    from_header, domain = _sender(identity, from_address)
    extra_headers: dict[str, str] = {}
    for name, value in (headers or {}).items():
        if name.lower() in RESERVED_HEADERS:
            raise InvalidMessage(f"The {name} header is written by the ledger.", code="reserved_header")
        extra_headers[_checked_header("header name", name)] = _checked_header(f"{name} header", value)
    reply_to = reply_to or (identity.reply_to if identity is not None else "")
    message_id = message_id_for(key, domain)
    email = EmailMultiAlternatives(
        subject=_checked_header("subject", subject),
        body=text,
        from_email=from_header,
        to=recipients,
        reply_to=[_checked_address(reply_to, field="reply-to")] if reply_to else None,
        headers={**extra_headers, "Message-ID": message_id},
    )
    if html is not None:
        email.attach_alternative(html, "text/html")
    raw = email.message().as_bytes(linesep="\r\n")
    about_type, about_id = about if about is not None else ("", None)
    return Message.objects.create(
        key=key,
        message_id=message_id,
        category=category,
        identity=identity,
        from_address=from_header,
        recipients=recipients,
        subject=subject,
        raw=raw,
        contact=contact,
        about_type=about_type,
        about_id=about_id,
        sender=sender,
        send_after_at=send_after_at or timezone.now(),
    )
