"""Sending a quote (a public link, optionally emailed to the deal's primary contact) and the buyer's answer
through that link: accept with their typed name, or decline with a reason. Each leaves timeline entries on
the deal's company and contacts, an audit row and an event; an acceptance can mark the deal won."""

import datetime
import logging
import uuid
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from tandem.contacts.models import Contact
from tandem.contacts.services.timeline import record_activity
from tandem.core import access, audit
from tandem.core.access import Verb
from tandem.core.events import publish
from tandem.sales.deals.models import Deal, DealContact, StageKind
from tandem.sales.quotes import events
from tandem.sales.quotes.models import Quote, QuoteStatus
from tandem.sales.quotes.services.lines import lock_quote

logger = logging.getLogger(__name__)

PURPOSE = "quote"
# The link outlives the quote's validity, so a buyer opening it late reads "this quote expired on …"
# rather than a bare "link expired".
LINK_GRACE = datetime.timedelta(days=90)
MAX_NAME = 200
MAX_REASON = 2000


def record_quote_activity(*, quote: Quote, kind: str, actor, details: dict | None = None) -> None:
    """One timeline entry on the deal's company and on each of its live contacts, with the quote as subject
    and the deal named in the details (the deal itself is the quote's `deal_id`)."""
    deal = quote.deal
    details = {"quote": quote.number, "deal": deal.name, **(details or {})}
    # Every copy at one moment: the deal's own timeline shows the copies of one event as one entry.
    occurred_at = timezone.now()
    if deal.company_id:
        record_activity(
            kind=kind, company=deal.company, actor=actor, subject_type="quote", subject_id=quote.pk,
            details=details, occurred_at=occurred_at,
        )  # fmt: skip
    contact_ids = DealContact.objects.filter(deal=deal).values("contact_id")
    for contact in Contact.objects.filter(pk__in=contact_ids, deleted_at__isnull=True).order_by("id"):
        record_activity(
            kind=kind,
            contact=contact,
            actor=actor,
            subject_type="quote",
            subject_id=quote.pk,
            details=details,
            occurred_at=occurred_at,
        )


def primary_contact(deal: Deal) -> Contact | None:
    link = (
        DealContact.objects.filter(deal=deal, is_primary=True, contact__deleted_at__isnull=True)
        .select_related("contact")
        .first()
    )
    return link.contact if link else None


@dataclass
class Shared:
    quote: Quote
    url: str  # "" when a repeated submit of an email form found the message already sent
    emailed_to: str = ""


def _link_expiry(quote: Quote) -> datetime.datetime:
    end_of_validity = datetime.datetime.combine(
        quote.valid_until, datetime.time.max, tzinfo=timezone.get_current_timezone()
    )
    return end_of_validity + LINK_GRACE


@transaction.atomic
def share_quote(
    *, actor, quote: Quote, email: bool = False, identity=None, form_token: str | None = None, request=None
) -> Shared:
    """Make a new public link for the quote (older ones are withdrawn: the newest link is the one that
    works) and mark a draft sent. With `email`, the link goes to the deal's primary contact as a 1:1 email
    from `identity`; the ledger key comes from `form_token`, so a form submitted twice sends once and makes
    one link."""
    from tandem.mail.models import Message
    from tandem.mail.services import compose
    from tandem.public import services as public_services

    current = lock_quote(actor, quote)
    if current.valid_until < timezone.localdate():
        raise ValidationError(
            {"valid_until": "This quote's validity date has passed. Give it a new date before sending it."}
        )
    contact = None
    if email:
        key = compose.personal_key(form_token)
        if Message.objects.filter(key=key).exists():
            # The same form again (a double click): the first submit made the link and sent it.
            recipients = Message.objects.filter(key=key).values_list("recipients", flat=True).first() or []
            return Shared(quote=current, url="", emailed_to=recipients[0] if recipients else "")
        contact = primary_contact(current.deal)
        if contact is None:
            raise ValidationError(
                {
                    "email": "The deal has no primary contact to send the quote to. Add one on the deal, or "
                    "share the link yourself."
                }
            )
        if identity is None:
            raise ValidationError(
                {"identity": "Set up a verified sending address (Mail → Identities) to email quotes."}
            )
    public_services.revoke_links(purpose=PURPOSE, target=current)
    _, token = public_services.create_link(purpose=PURPOSE, target=current, expires_at=_link_expiry(current))
    url = public_services.link_url(PURPOSE, token)
    now = timezone.now()
    first_send = current.status == QuoteStatus.DRAFT
    if first_send:
        Quote.objects.filter(pk=current.pk).update(status=QuoteStatus.SENT, sent_at=now, sent_by=actor)
        current.status, current.sent_at, current.sent_by = QuoteStatus.SENT, now, actor
    emailed_to = ""
    if contact is not None:
        subject = f"Quote {current.number}"
        # The body is a sandbox template: only the number (our own format) and the URL (ours, token in
        # base64url) are written into it; the contact's name comes from the merge fields.
        body = (
            'Hello {{ contact.first_name | default("there") }},\n\n'
            f"here is our quote {current.number}. You can read it, download it as a PDF and accept or "
            f"decline it here:\n\n{url}\n\n"
            f"It is valid until {current.valid_until:%d %B %Y}.\n"
        )
        message = compose.send_one_to_one(
            actor=actor, contact=contact, identity=identity, subject=subject, body=body,
            about=("quote", current.pk), form_token=form_token,
        )  # fmt: skip
        emailed_to = message.recipients[0] if message.recipients else contact.email
    record_quote_activity(
        quote=current,
        kind="quote_sent",
        actor=actor,
        details={"emailed_to": emailed_to} if emailed_to else {},
    )
    status = current.get_status_display()
    changes = {"status": [QuoteStatus.DRAFT.label if first_send else status, status]}
    if emailed_to:
        changes["emailed_to"] = [None, emailed_to]
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        target=current,
        request=request,
        event="quote_shared",
        changes=changes,
    )
    publish(events.QUOTE_SENT, quote_id=current.pk, deal_id=current.deal_id)
    return Shared(quote=current, url=url, emailed_to=emailed_to)


# --- the buyer's answer (no actor: a person with the link) ---------------------------------------------------


def _lock_for_answer(quote: Quote) -> Quote:
    """The quote's row locked for the buyer's answer: refused, with a sentence, once it was answered, when it
    was withdrawn, or past its validity date (then it is marked expired, and says so)."""
    current = Quote.objects.select_for_update().filter(pk=quote.pk).first()
    if current is None or current.deleted_at is not None:
        raise ValidationError("This quote was withdrawn by the seller. Ask them for a new one.")
    if current.status == QuoteStatus.ACCEPTED:
        raise ValidationError(f"You already accepted this quote on {current.accepted_at:%d %B %Y}.")
    if current.status == QuoteStatus.DECLINED:
        raise ValidationError(f"This quote was declined on {current.declined_at:%d %B %Y}.")
    if current.status == QuoteStatus.EXPIRED or current.valid_until < timezone.localdate():
        if current.status != QuoteStatus.EXPIRED:
            Quote.objects.filter(pk=current.pk).update(status=QuoteStatus.EXPIRED)
        raise ValidationError(
            f"This quote expired on {current.valid_until:%d %B %Y}. Ask the seller for a new one."
        )
    if current.status != QuoteStatus.SENT:
        raise ValidationError("This quote is not open for an answer.")
    return current


def _clean_ip(ip: str) -> str | None:
    import ipaddress

    try:
        return str(ipaddress.ip_address(ip))
    except ValueError:
        return None


def _notify_owner(quote: Quote, *, kind: str, title: str, body: str) -> None:
    """Tell the deal's owner; a failure to notify is logged and never undoes the buyer's answer."""
    from tandem.notifications.services import notify

    deal = quote.deal
    owner = deal.owner
    if owner is None or not owner.is_active or not access.can(owner, Verb.VIEW, quote):
        return
    try:
        with transaction.atomic():
            notify(
                user=owner, kind=kind, title=title, body=body, url=f"/sales/quotes/{quote.pk}/",
                key=f"quote:{quote.pk}:{kind}",
            )  # fmt: skip
    except Exception:  # a notice must never roll back the answer it reports
        logger.exception("Could not notify the owner of quote %s", quote.pk)


def _closing_actor(quote: Quote):
    """Who marks the deal won on the buyer's acceptance: the deal's owner, else whoever sent the quote, if
    they may change the deal (the buyer is not a user; the audit row names the person the deal belongs to)."""
    for user in (quote.deal.owner, quote.sent_by, quote.created_by):
        if user is not None and user.is_active and access.can(user, Verb.CHANGE, quote.deal):
            return user
    return None


def _close_won(quote: Quote) -> str:
    """Mark the deal won through the deals service; returns "" or why it could not be."""
    from tandem.sales.deals import services as deal_services

    deal = Deal.objects.get(pk=quote.deal_id)
    if deal.status == StageKind.WON:
        return ""
    if deal.deleted_at is not None:
        return "the deal is in the trash"
    actor = _closing_actor(quote)
    if actor is None:
        return "nobody who may change the deal is left to mark it won"
    try:
        with transaction.atomic():
            if deal.amount is None:
                # A won stage often requires an amount: the accepted total is the deal's amount.
                deal = deal_services.update_deal(actor=actor, deal=deal, values={"amount": quote.total})
            deal_services.close_deal(
                actor=actor, deal=deal, outcome=StageKind.WON, reason=f"Quote {quote.number} accepted"
            )
    except (ValidationError, PermissionDenied) as refusal:
        messages = refusal.messages if isinstance(refusal, ValidationError) else [str(refusal)]
        return " ".join(messages)
    return ""


@transaction.atomic
def accept_quote(*, quote: Quote, name: str, ip: str, request=None) -> Quote:
    """The buyer accepts, typing their full name; the time and their address are kept. Once only. Marks the
    deal won when the quote says so (through the deals service, as the deal's owner), and tells the owner."""
    typed = " ".join(str(name or "").split())
    if len(typed) < 2:
        raise ValidationError({"name": "Type your full name to accept the quote."})
    if len(typed) > MAX_NAME:
        raise ValidationError({"name": f"At most {MAX_NAME} characters."})
    if any(ord(character) < 32 for character in typed):
        raise ValidationError({"name": "Type your name as plain text."})
    current = _lock_for_answer(quote)
    now = timezone.now()
    current.status, current.accepted_at, current.accepted_name = QuoteStatus.ACCEPTED, now, typed
    current.accepted_ip = _clean_ip(ip)
    Quote.objects.filter(pk=current.pk).update(
        status=current.status, accepted_at=now, accepted_name=typed, accepted_ip=current.accepted_ip
    )
    record_quote_activity(quote=current, kind="quote_accepted", actor=None, details={"by": typed})
    audit.record(
        actor=None, action=audit.Action.UPDATE, target=current, request=request, event="quote_accepted",
        changes={"status": ["Sent", "Accepted"], "accepted_by": [None, typed]},
    )  # fmt: skip
    publish(events.QUOTE_ACCEPTED, quote_id=current.pk, deal_id=current.deal_id)
    problem = _close_won(current) if current.close_deal_on_accept else ""
    body = f"{typed} accepted quote {current.number} for {current.deal.name}."
    if current.close_deal_on_accept:
        body += f" The deal could not be marked won: {problem}" if problem else " The deal is marked won."
    _notify_owner(
        current, kind="sales.quote_accepted", title=f"Quote {current.number} was accepted", body=body
    )
    quote.refresh_from_db()
    return quote


@transaction.atomic
def decline_quote(*, quote: Quote, reason: str, ip: str, request=None) -> Quote:
    """The buyer declines, saying why. Once only; the deal stays as it is (the owner decides what next)."""
    text = str(reason or "").strip().replace("\r\n", "\n")
    if not text:
        raise ValidationError({"reason": "Tell us briefly why you are declining."})
    if len(text) > MAX_REASON:
        raise ValidationError({"reason": f"At most {MAX_REASON:,} characters."})
    current = _lock_for_answer(quote)
    now = timezone.now()
    Quote.objects.filter(pk=current.pk).update(
        status=QuoteStatus.DECLINED, declined_at=now, decline_reason=text, declined_ip=_clean_ip(ip)
    )
    current.refresh_from_db()
    record_quote_activity(quote=current, kind="quote_declined", actor=None, details={"reason": text[:300]})
    audit.record(
        actor=None, action=audit.Action.UPDATE, target=current, request=request, event="quote_declined",
        changes={"status": ["Sent", "Declined"]},
    )  # fmt: skip
    publish(events.QUOTE_DECLINED, quote_id=current.pk, deal_id=current.deal_id)
    _notify_owner(
        current, kind="sales.quote_declined", title=f"Quote {current.number} was declined",
        body=f"The buyer declined quote {current.number} for {current.deal.name}: {text[:300]}",
    )  # fmt: skip
    quote.refresh_from_db()
    return quote


def new_form_token() -> str:
    return str(uuid.uuid4())
