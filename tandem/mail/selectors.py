"""Every read of the mail pages: the relay settings, sending identities, and the mailbox (the ledger)."""

import email
import email.policy
import json
from dataclasses import dataclass, field
from email.message import EmailMessage

from django.db.models import Q, QuerySet
from django.http import Http404

from tandem.core.pagination import Page, SortKey, paginate
from tandem.mail import access
from tandem.mail.models import Identity, Message, Relay

MAILBOX_PAGE_SIZE = 50
# The mailbox's order is the `mail_message_newest` index: created_at then id, both descending.
NEWEST_FIRST = SortKey(fields=("created_at", "id"), descending=True)


def relay_settings() -> Relay:
    """The one relay row; before anyone saved settings, an unsaved row with the defaults ("keep in the
    mailbox"), so reading never writes. `update_relay` saves it."""
    return Relay.objects.filter(pk=1).first() or Relay(pk=1)


# --- identities ----------------------------------------------------------------------------------------


def identity_list() -> list[Identity]:
    """Every sending identity, the default first, then by address."""
    return list(Identity.objects.order_by("-is_default", "address"))


def default_identity() -> Identity | None:
    """The default identity when it is verified (mail is sent only from a verified address)."""
    return Identity.objects.filter(is_default=True, verified_at__isnull=False).first()


def identities_of_domain(domain: str) -> QuerySet[Identity]:
    return Identity.objects.filter(address__iendswith=f"@{domain}")


def domain_key(domain: str) -> Identity | None:
    """An identity of `domain` that carries the domain's DKIM key (identities of one domain share it)."""
    return identities_of_domain(domain).exclude(dkim_public_key="").order_by("pk").first()


# --- the mailbox ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MailboxFilters:
    status: str = ""
    category: str = ""
    search: str = ""

    @property
    def active(self) -> bool:
        return bool(self.status or self.category or self.search)


def readable_messages(user) -> QuerySet[Message]:
    """The ledger rows `user` may read: all for an admin, otherwise the ones they sent."""
    messages = Message.objects.all()
    if not access.can_manage(user):
        messages = messages.filter(sender_id=user.pk) if user.is_authenticated else messages.none()
    return messages


def mailbox_page(user, filters: MailboxFilters, cursor: str | None = None) -> Page:
    """One page of the mailbox, newest first, from `cursor`. No count: the ledger grows without bound and a
    COUNT(*) over it on every view would be the slowest part of the page. Raises InvalidCursor."""
    messages = readable_messages(user).defer("raw")
    if filters.status:
        messages = messages.filter(status=filters.status)
    if filters.category:
        messages = messages.filter(category=filters.category)
    if filters.search:
        # Recipients are a JSON list: searching its text finds an address or a part of one on both databases.
        # SQLite keeps the JSON text ASCII-escaped ("b\u00fccher"), so a Unicode term is also looked for that way.
        condition = Q(subject__icontains=filters.search) | Q(recipients__icontains=filters.search)
        escaped = json.dumps(filters.search)[1:-1]
        if escaped != filters.search:
            condition |= Q(recipients__icontains=escaped)
        messages = messages.filter(condition)
    return paginate(messages, NEWEST_FIRST, cursor, MAILBOX_PAGE_SIZE)


def message_for(user, message_id: int) -> Message:
    """The ledger row for the message page: 404 when it does not exist or `user` may not read it."""
    message = (
        readable_messages(user).select_related("identity", "sender", "contact").filter(pk=message_id).first()
    )
    if message is None:
        raise Http404("No such message.")
    return message


@dataclass
class MessageParts:
    """A ledger message taken apart for reading: its headers in order, the text and HTML bodies, and the
    names of any attachments."""

    headers: list[tuple[str, str]]
    text: str | None
    html: str | None
    attachments: list[str] = field(default_factory=list)
    unreadable: str = ""


def message_parts(message: Message) -> MessageParts:
    raw = bytes(message.raw)
    try:
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        headers = [(name, str(value)) for name, value in parsed.items()]
        text_part = parsed.get_body(preferencelist=("plain",))
        html_part = parsed.get_body(preferencelist=("html",))
        attachments = [part.get_filename() or "(unnamed)" for part in parsed.iter_attachments()]
        return MessageParts(
            headers=headers,
            text=text_part.get_content() if text_part is not None else None,
            html=html_part.get_content() if html_part is not None else None,
            attachments=attachments,
        )
    except Exception as error:  # noqa: BLE001 (a message we cannot parse is still shown as its raw source)
        return MessageParts(
            headers=[], text=None, html=None, unreadable=f"This message cannot be read: {error}"
        )
