"""The 1:1 email's timeline kind: "Ana Ruiz emailed Ben Ode: Our call on Tuesday", the first lines of the body,
the delivery status as the ledger has it now (queued, scheduled, sent, failed, cancelled), and the replies
heard to it, threaded under it (each reply also has its own entry, at the time it came), all read for the
entries of a page at once."""

from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from tandem.contacts.models import Contact
from tandem.core import timeline
from tandem.core.display import isolated
from tandem.core.models import User
from tandem.core.timeline import TimelineKind, TimelinePage, note_text
from tandem.mail.models import InboundMessage, Message, Status

KIND = "personal_email"
SUBJECT_TYPE = "mail_message"


@dataclass
class Loaded:
    messages: dict[int, Message]
    users: dict[int, User]
    contacts: dict[int, Contact]
    replies: dict[int, list[InboundMessage]]


# Under one email the thread shows this many replies, the latest ones; the conversation page has them all.
REPLIES_SHOWN = 3
EXCERPT_LENGTH = 200


def load(page: TimelinePage, entries: list[Any]) -> Loaded:
    """The ledger rows, senders, recipients and replies behind one page of entries: four queries, whatever the
    page."""
    message_ids = {entry.subject_id for entry in entries if entry.subject_id}
    user_ids = {entry.actor_id for entry in entries if entry.actor_id}
    contact_ids = {entry.contact_id for entry in entries if entry.contact_id}
    return Loaded(
        messages=Message.objects.only("id", "status", "send_after_at", "sent_at").in_bulk(message_ids),
        users=User.objects.only("id", "first_name", "last_name", "email").in_bulk(user_ids),
        contacts=Contact.objects.only("id", "first_name", "last_name", "email").in_bulk(contact_ids),
        replies=_replies(message_ids),
    )


def _replies(message_ids: set[int]) -> dict[int, list[InboundMessage]]:
    replies: dict[int, list[InboundMessage]] = {}
    if not message_ids:
        return replies
    rows = (
        InboundMessage.objects.filter(answers_id__in=message_ids)
        .select_related("contact")
        .only(
            "id", "answers_id", "from_name", "from_address", "text", "received_at", "is_auto_reply",
            "is_internal", "contact__first_name", "contact__last_name", "contact__email",
        )
        .order_by("answers_id", "-received_at", "-id")
    )  # fmt: skip
    for reply in rows:
        replies.setdefault(reply.answers_id, []).append(reply)
    return replies


def _first_lines(text: str) -> str:
    """The reply's own words: what comes before the quoted email ("On … wrote:", "> …")."""
    kept = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith(">") or (stripped.startswith("On ") and stripped.endswith("wrote:")):
            break
        kept.append(stripped)
    words = " ".join(" ".join(kept).split())
    return words if len(words) <= EXCERPT_LENGTH else words[: EXCERPT_LENGTH - 1].rstrip() + "…"


def thread(replies: list[InboundMessage]) -> SafeString:
    """The replies to one email, newest first, as a list under its entry."""
    if not replies:
        return SafeString("")

    def item(reply: InboundMessage) -> tuple:
        who = reply.sender_name
        when = date_format(timezone.localtime(reply.received_at), "j M Y, H:i")
        verb = "replied automatically" if reply.is_auto_reply else "replied"
        if reply.is_internal:
            verb += " (internal)"
        return (isolated(who), verb, reply.received_at.isoformat(), when, isolated(_first_lines(reply.text)))

    shown = replies[:REPLIES_SHOWN]
    more = len(replies) - len(shown)
    return format_html(
        '<ul class="timeline-replies" aria-label="Replies">{}{}</ul>',
        format_html_join(
            "",
            '<li class="timeline-reply"><span class="timeline-reply-heading"><strong>{}</strong> {} · '
            '<time datetime="{}">{}</time></span><span class="timeline-reply-text">{}</span></li>',
            (item(reply) for reply in shown),
        ),
        format_html('<li class="timeline-reply muted">and {} earlier</li>', more) if more else SafeString(""),
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
    replies = loaded.replies.get(entry.subject_id, []) if loaded else []
    return format_html(
        '<p class="timeline-status">{}</p>{}{}', status_badge(message), note_text(entry.body), thread(replies)
    )


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
