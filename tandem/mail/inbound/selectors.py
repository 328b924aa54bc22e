"""Reads of the inbound pages: the mailboxes, and one conversation (a sent message and its replies)."""

from dataclasses import dataclass

from django.db.models import Count, QuerySet

from tandem.contacts.models import Contact
from tandem.core import access
from tandem.core.access import Verb
from tandem.core.models import Role
from tandem.mail.inbound import parsing
from tandem.mail.models import InboundMailbox, InboundMessage, Message, SkippedMessage

RECENT_SKIPPED = 10


def mailbox_list() -> QuerySet[InboundMailbox]:
    return (
        InboundMailbox.objects.select_related("identity")
        .annotate(kept=Count("messages"))
        .order_by("name", "pk")
    )


def recent_skipped(mailbox: InboundMailbox) -> list[SkippedMessage]:
    return list(
        SkippedMessage.objects.filter(mailbox=mailbox).order_by("-created_at", "-pk")[:RECENT_SKIPPED]
    )


def recent_messages(mailbox: InboundMailbox, *, limit: int = 10) -> list[InboundMessage]:
    return list(
        InboundMessage.objects.filter(mailbox=mailbox)
        .select_related("contact")
        .order_by("-received_at", "-pk")[:limit]
    )


def may_view_conversation(user, message: Message) -> bool:
    """The sender of the message, admins, and whoever may view the contact it was sent to."""
    if not user.is_authenticated or not user.is_active:
        return False
    if message.sender_id == user.pk or user.role == Role.ADMIN:
        return True
    if message.contact_id is None:
        return False
    contact = Contact.objects.filter(pk=message.contact_id).only("id", "owner_id", "team_id").first()
    return contact is not None and access.can(user, Verb.VIEW, contact)


@dataclass(frozen=True)
class ConversationEntry:
    inbound: InboundMessage
    depth: int  # 1 for an answer to the sent message, 2 for an answer to that answer, …


@dataclass(frozen=True)
class Conversation:
    message: Message
    text: str
    entries: list[ConversationEntry]


def conversation(message: Message) -> Conversation:
    """The sent message's text and its replies in the order they arrived, each indented under the reply it
    answers when it answers one of them (In-Reply-To), else under the sent message."""
    replies = list(
        InboundMessage.objects.filter(answers=message)
        .select_related("contact", "from_contact")
        .order_by("received_at", "pk")
    )
    depth_by_id: dict[str, int] = {message.message_id: 0}
    entries = []
    for reply in replies:
        depth = depth_by_id.get(reply.in_reply_to, 0) + 1
        depth_by_id.setdefault(reply.message_id, depth)
        entries.append(ConversationEntry(inbound=reply, depth=min(depth, 4)))
    try:
        text = parsing.parse(bytes(message.raw)).text
    except parsing.MalformedMessage:
        text = ""
    return Conversation(message=message, text=text, entries=entries)
