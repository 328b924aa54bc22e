"""Django's mail API writes into the send ledger: `EMAIL_BACKEND = "tandem.mail.backends.LedgerBackend"`.

So allauth's password reset and every `send_mail` call show in the mailbox and leave through the relay like
any other message, with the ledger's guarantees: written in the current transaction (a rollback sends
nothing), handed over by the worker after commit, retried on transient errors. Each EmailMessage becomes
one TRANSACTIONAL row. Its key is the message's `ledger_key` attribute when the sender set one (a
notification's email is "notification:<id>:email": the same key twice is one message, so a notification is
emailed at most once), else `django:<uuid4>` (Django's mail API has no idea of "the same message").
"""

import uuid
from email.utils import getaddresses

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage

from tandem.mail.models import Category
from tandem.mail.services.ledger import InvalidMessage, queue_message

# Headers Django's message carries that the ledger writes itself.
LEDGER_WRITES = {"from", "to", "cc", "bcc", "reply-to", "subject", "date", "message-id", "mime-version"}
LEDGER_WRITES |= {"content-type", "content-transfer-encoding"}


class LedgerBackend(BaseEmailBackend):
    """Queue each message into the ledger; `send_messages` returns how many were queued."""

    def send_messages(self, email_messages: list[EmailMessage]) -> int:
        queued = 0
        for message in email_messages:
            try:
                self._queue(message)
            except InvalidMessage:
                if not self.fail_silently:
                    raise
                continue
            queued += 1
        return queued

    def _queue(self, message: EmailMessage) -> None:
        html = None
        for content, mimetype in getattr(message, "alternatives", []) or []:
            if mimetype == "text/html":
                html = content
        if getattr(message, "content_subtype", "plain") == "html":
            text, html = "", message.body
        else:
            text = message.body

        def addresses(values) -> list[str]:
            return [address for _name, address in getaddresses(list(values or [])) if address]

        reply_to = [address for _name, address in getaddresses(message.reply_to) if address]
        headers = {
            name: str(value)
            for name, value in (message.extra_headers or {}).items()
            if name.lower() not in LEDGER_WRITES
        }
        queue_message(
            key=getattr(message, "ledger_key", None) or f"django:{uuid.uuid4()}",
            category=Category.TRANSACTIONAL,
            to=addresses(message.to),
            cc=addresses(message.cc),
            bcc=addresses(message.bcc),
            subject=str(message.subject),
            text=text,
            html=html,
            from_address=message.from_email or None,
            reply_to=reply_to[0] if reply_to else None,
            headers=headers,
        )
