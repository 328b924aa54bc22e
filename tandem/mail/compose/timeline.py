"""The 1:1 email's timeline kind: "Ana Ruiz emailed Ben Ode: Our call on Tuesday", the first lines of the body,
and the delivery status as the ledger has it now (queued, scheduled, sent, failed, cancelled), read for all the
entries of a page at once."""

from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString

from tandem.contacts.models import Contact
from tandem.core import timeline
from tandem.core.display import isolated
from tandem.core.models import User
from tandem.core.timeline import TimelineKind, TimelinePage, note_text
from tandem.mail.models import Message, Status

KIND = "personal_email"
SUBJECT_TYPE = "mail_message"


@dataclass
class Loaded:
    messages: dict[int, Message]
    users: dict[int, User]
    contacts: dict[int, Contact]


def load(page: TimelinePage, entries: list[Any]) -> Loaded:
    """The ledger rows, senders and recipients behind one page of entries: three queries, whatever the page."""
    message_ids = {entry.subject_id for entry in entries if entry.subject_id}
    user_ids = {entry.actor_id for entry in entries if entry.actor_id}
    contact_ids = {entry.contact_id for entry in entries if entry.contact_id}
    return Loaded(
        messages=Message.objects.only("id", "status", "send_after_at", "sent_at").in_bulk(message_ids),
        users=User.objects.only("id", "first_name", "last_name", "email").in_bulk(user_ids),
        contacts=Contact.objects.only("id", "first_name", "last_name", "email").in_bulk(contact_ids),
    )


def _contact_name(contact: Contact | None) -> str:
    if contact is None:
        return "a contact"
    return (
        " ".join(part for part in (contact.first_name, contact.last_name) if part)
        or contact.email
        or "a contact"
    )


def heading(entry: Any, loaded: Loaded | None) -> SafeString:
    sender = loaded.users.get(entry.actor_id) if loaded else None
    contact = loaded.contacts.get(entry.contact_id) if loaded else None
    subject = (entry.details or {}).get("subject", "") if isinstance(entry.details, dict) else ""
    return format_html(
        "{} emailed {}: {}",
        isolated(sender.display_name if sender else "Someone"),
        isolated(_contact_name(contact)),
        isolated(subject or "(no subject)"),
    )


STATUS_BADGES = {
    Status.QUEUED: ("badge--info", "Queued"),
    Status.SENDING: ("badge--info", "Sending"),
    Status.SENT: ("badge--success", "Sent"),
    Status.FAILED: ("badge--danger", "Failed"),
    Status.SUPPRESSED: ("badge--danger", "Not sent: suppressed"),
    Status.CANCELLED: ("badge--muted", "Cancelled"),
}


def status_badge(message: Message | None) -> SafeString:
    """The ledger's status as a badge; a queued message not yet due shows when it is scheduled for."""
    if message is None:
        return format_html('<span class="badge badge--muted">{}</span>', "Removed from the ledger")
    if message.status == Status.QUEUED and message.send_after_at > timezone.now():
        when = date_format(timezone.localtime(message.send_after_at), "j M Y, H:i")
        return format_html('<span class="badge badge--warning">Scheduled for {}</span>', when)
    tone, label = STATUS_BADGES.get(message.status, ("badge--muted", message.status))
    return format_html('<span class="badge {}">{}</span>', tone, label)


def details(entry: Any, loaded: Loaded | None) -> SafeString:
    message = loaded.messages.get(entry.subject_id) if loaded else None
    return format_html('<p class="timeline-status">{}</p>{}', status_badge(message), note_text(entry.body))


def register() -> None:
    # The link goes to the conversation (the email and its replies, /mail/conversations/<id>/), which everyone
    # who may see the contact may open; the mailbox's message page is only for admins and the sender.
    timeline.register_kind(
        TimelineKind(
            key=KIND,
            label="1:1 email",
            icon="mail",
            tone="info",
            render=heading,
            details=details,
            link=timeline.url_link("mail:conversation", subject_type=SUBJECT_TYPE),
            load=load,
        )
    )
