"""The events the mail layer publishes (through tandem.core.events), with their payloads (ids, small values).

mail.message.sent         message_id, contact_id, category, about_type, about_id: the relay accepted it
mail.message.failed       same, and reason: the relay refused it for good, or the retries ran out
mail.message.suppressed   same, and reason: not sent, the address is suppressed or consent withdrawn

`message_id` is the ledger row's id (mail.Message.pk), not the Message-ID header.
"""

from typing import Any

MESSAGE_SENT = "mail.message.sent"
MESSAGE_FAILED = "mail.message.failed"
MESSAGE_SUPPRESSED = "mail.message.suppressed"


def payload(message: Any) -> dict[str, Any]:
    return {
        "message_id": message.pk,
        "contact_id": message.contact_id,
        "category": message.category,
        "about_type": message.about_type,
        "about_id": message.about_id,
    }
