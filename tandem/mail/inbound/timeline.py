"""The timeline kinds of inbound mail, registered from MailConfig.ready():

- `email_replied`: a contact answered something Tandem sent ("Dana Reyes replied: Re: Your quote"), or
  their mail server did automatically ("Automatic reply from Dana Reyes: …"). Someone else answering in the
  conversation (a colleague copied in) is named by their own name and address, and marked "Internal" when
  the address is a Tandem user's.
- `email_received`: mail from a known contact that answers nothing (kept only by mailboxes that opt in).

The entry's subject is the InboundMessage; one `load` reads every such message of a page in one query.
"""

from typing import Any

from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from tandem.core.display import isolated
from tandem.core.timeline import TimelineKind, TimelinePage
from tandem.mail.models import InboundMessage

EMAIL_REPLIED = "email_replied"
EMAIL_RECEIVED = "email_received"


def load_inbound(page: TimelinePage, entries: list[Any]) -> dict[int, InboundMessage]:
    ids = {entry.subject_id for entry in entries if entry.subject_id}
    return InboundMessage.objects.select_related("contact").only(
        "id", "subject", "from_name", "from_address", "is_auto_reply", "is_internal", "answers_id",
        "contact__first_name", "contact__last_name", "contact__email",
    ).in_bulk(ids)  # fmt: skip


def _sender(inbound: InboundMessage | None, entry: Any) -> str:
    if inbound is None:
        return "A contact"
    return inbound.sender_name


def _internal(inbound: InboundMessage | None) -> SafeString:
    """A badge after the heading when one of our own people wrote it (a colleague answering in the thread)."""
    if inbound is None or not inbound.is_internal:
        return SafeString("")
    return format_html(' <span class="badge badge--muted">{}</span>', "Internal")


def _subject(inbound: InboundMessage | None, entry: Any) -> str:
    if inbound is not None:
        return inbound.subject or "(no subject)"
    details = entry.details if isinstance(entry.details, dict) else {}
    return str(details.get("subject") or "(no subject)")


def replied_heading(entry: Any, loaded: dict[int, InboundMessage]) -> SafeString:
    inbound = (loaded or {}).get(entry.subject_id)
    automatic = inbound.is_auto_reply if inbound is not None else bool((entry.details or {}).get("automatic"))
    who, subject = isolated(_sender(inbound, entry)), isolated(_subject(inbound, entry))
    if automatic:
        return format_html("Automatic reply from {}: {}{}", who, subject, _internal(inbound))
    return format_html("{} replied: {}{}", who, subject, _internal(inbound))


def received_heading(entry: Any, loaded: dict[int, InboundMessage]) -> SafeString:
    inbound = (loaded or {}).get(entry.subject_id)
    return format_html(
        "Email from {}: {}", isolated(_sender(inbound, entry)), isolated(_subject(inbound, entry))
    )


def excerpt_details(entry: Any, loaded: Any) -> SafeString:
    """The reply's first lines as a quote (not a note's yellow card: the contact wrote it, not a colleague)."""
    if not entry.body:
        return format_html("")
    return format_html(
        '<blockquote class="timeline-quote">{}</blockquote>',
        isolated(linebreaksbr(entry.body, autoescape=True)),
    )


def conversation_link(entry: Any, loaded: dict[int, InboundMessage]) -> str:
    inbound = (loaded or {}).get(entry.subject_id)
    if inbound is None or inbound.answers_id is None:
        return ""
    return reverse("mail:conversation", args=[inbound.answers_id])


def register() -> None:
    from tandem.core import timeline

    timeline.register_kind(
        TimelineKind(
            EMAIL_REPLIED, "Email replied", "mail", "accent", render=replied_heading, details=excerpt_details,
            link=conversation_link, load=load_inbound,
        )
    )  # fmt: skip
    timeline.register_kind(
        TimelineKind(
            EMAIL_RECEIVED, "Email received", "mail", "info", render=received_heading, details=excerpt_details,
            link=conversation_link, load=load_inbound,
        )
    )  # fmt: skip
