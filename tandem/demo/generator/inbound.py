"""Replies in the demo company's 1:1 conversations: a share of the personal emails its people sent get an
answer a few hours later (and a few an out-of-office), as the inbound poller would have kept them —
InboundMessage rows and their timeline entries, written set-based.

It reads the outgoing personal messages already in the ledger (the compose step writes them), so it runs
after that step; with none, it writes nothing. Deterministic: the same ledger and seed give the same replies.
"""

import datetime

from django.db.models import Q

from tandem.contacts.models import Activity
from tandem.demo.generator.context import DEMO_EMAIL_DOMAIN, GeneratorContext
from tandem.mail.inbound import parsing
from tandem.mail.inbound.timeline import EMAIL_REPLIED
from tandem.mail.models import (
    Category,
    InboundKind,
    InboundMailbox,
    InboundMessage,
    Message,
    PollResult,
    Status,
)

# About a third of 1:1 emails are answered; one answer in eight is an automatic out-of-office.
REPLY_SHARE = 0.35
AUTO_REPLY_SHARE = 0.125
UIDVALIDITY = 1
ANSWERS = (
    "Thanks, that works for us. Could you send the updated quote by Friday?",
    "Good timing — we discussed this in our team meeting today. Let's set up a call next week.",
    "Thanks for the details. I have shared them with our finance lead and will come back to you.",
    "Looks good. Two questions: does the forecasting module include the API, and is SSO extra?",
    "Appreciate the follow-up. We are waiting on budget approval; I expect news by the end of the month.",
    "Could we move our call to Thursday afternoon? Tuesday no longer works on my side.",
    "Perfect, thank you! I will forward this to our IT team for the security review.",
)
OUT_OF_OFFICE = (
    "I am out of the office until Monday with limited access to email. "
    "For urgent matters, please call our office."
)


def create_replies(context: GeneratorContext) -> None:
    """Answer a deterministic share of the sent 1:1 emails (see the module's docstring)."""
    sent = list(
        Message.objects.filter(category=Category.PERSONAL, contact__isnull=False)
        .filter(~Q(status__in=[Status.FAILED, Status.CANCELLED, Status.SUPPRESSED]))
        .select_related("contact")
        .order_by("pk")
    )
    if not sent:
        return
    randomness = context.random("inbound_replies")
    mailbox = InboundMailbox.objects.create(
        name="Sales replies", host=f"imap.{DEMO_EMAIL_DOMAIN}", port=993, security="tls",
        username=f"replies@{DEMO_EMAIL_DOMAIN}", folder="INBOX",
        password="demo-only",  # noqa: S106 (never used: the mailbox is paused)
        reply_address=f"replies@{DEMO_EMAIL_DOMAIN}",
        # The demo's mail never leaves this machine, so its mailbox is paused rather than failing every minute.
        enabled=False, uidvalidity=UIDVALIDITY, last_polled_at=context.end_at, last_result=PollResult.OK,
    )  # fmt: skip
    replies = []
    for message in sent:
        answered = randomness.random() < REPLY_SHARE
        automatic = randomness.random() < AUTO_REPLY_SHARE
        delay = datetime.timedelta(minutes=randomness.randint(45, 9 * 60))
        answer = ANSWERS[randomness.randrange(len(ANSWERS))]
        received_at = (message.sent_at or message.created_at) + delay
        contact = message.contact
        if not answered or received_at >= context.end_at or not contact.email:
            continue
        name = f"{contact.first_name} {contact.last_name}".strip()
        subject = f"Automatic reply: {message.subject}" if automatic else f"Re: {message.subject}"
        text = OUT_OF_OFFICE if automatic else f"Hi,\n\n{answer}\n\nBest,\n{contact.first_name or name}"
        replies.append(
            InboundMessage(
                mailbox=mailbox, uidvalidity=UIDVALIDITY, uid=len(replies) + 1, kind=InboundKind.REPLY,
                message_id=f"<demo-reply-{message.pk}@{contact.email.rpartition('@')[2]}>",
                in_reply_to=message.message_id, from_address=contact.email.lower(), from_name=name,
                subject=subject[:2000], text=text, received_at=received_at, size=len(text) + 2400,
                is_auto_reply=automatic, auto_reply_reason="Auto-Submitted: auto-replied" if automatic else "",
                answers=message, contact=contact,
            )
        )  # fmt: skip
    InboundMessage.objects.bulk_create(replies, batch_size=1000)
    kept = InboundMessage.objects.filter(mailbox=mailbox).select_related("contact").order_by("uid")
    Activity.objects.bulk_create(
        [
            Activity(
                contact_id=inbound.contact_id, company_id=inbound.contact.company_id, kind=EMAIL_REPLIED,
                occurred_at=inbound.received_at, subject_type="inbound_email", subject_id=inbound.pk,
                body=parsing.excerpt(inbound.text),
                details={"automatic": inbound.is_auto_reply, "subject": inbound.subject[:300]},
            )
            for inbound in kept
        ],
        batch_size=1000,
    )  # fmt: skip
    automatic_count = sum(1 for reply in replies if reply.is_auto_reply)
    InboundMailbox.objects.filter(pk=mailbox.pk).update(
        last_uid=len(replies),
        last_message=f"{len(replies)} messages kept: {len(replies) - automatic_count} replies, "
        f"{automatic_count} automatic replies (demo data).",
    )
