"""The one place these tests read sent mail. Today Django's locmem backend keeps it in `mail.outbox`; when
EMAIL_BACKEND becomes the mail ledger's backend, only this function changes (no tests here)."""

from django.core import mail


def sent_to(address: str) -> list[mail.EmailMultiAlternatives]:
    """The messages sent to `address`, oldest first."""
    return [message for message in mail.outbox if address in message.to]


def html_of(message) -> str:
    return next(content for content, mimetype in message.alternatives if mimetype == "text/html")
