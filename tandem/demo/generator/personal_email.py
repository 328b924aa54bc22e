"""The reps' 1:1 emails: a year of conversations with the contacts they work, as sent ledger rows with their
timeline entries, plus the sending identity, a few saved templates and the reps' signatures.

Rows are written in bulk like every other history here (no services): the ledger row carries a plain text
MIME message built from a fixed layout, its key is "personal:<uuid>" with the uuid drawn from the step's own
random stream, and its Message-ID comes from the key as the ledger computes it.
"""

import datetime
import uuid

from tandem.contacts.models import Activity
from tandem.demo.generator.activities import ACTIVITY_COLUMNS
from tandem.demo.generator.company import next_id
from tandem.demo.generator.context import COMPANY_NAME, DAY, DEMO_EMAIL_DOMAIN, ContactPlan, GeneratorContext
from tandem.mail.compose.timeline import KIND, SUBJECT_TYPE
from tandem.mail.models import Identity, MailSignature, MailTemplate, Message
from tandem.mail.services.ledger import message_id_for

# The demo's one verified sending identity; the mail settings step (if it runs first) creates the same row.
SENDER_ADDRESS = f"hello@{DEMO_EMAIL_DOMAIN}"
WORKED_STAGES = ("mql", "sql", "opportunity", "customer", "evangelist")

# (subject, what the email says); each is written "Hi <first name>,", the text, then the rep's first name.
CONVERSATIONS = (
    ("Following up on your demo request",
     "Thanks for asking for a demo. Would Tuesday or Thursday afternoon work for a 30-minute call?"),
    ("Your Northwind trial",
     "How is the trial going? I can set up the forecasting module for your team if that helps."),
    ("Pricing for your team",
     "As promised, the pricing for 25 seats on the Growth plan is attached. Annual billing saves 15%."),
    ("Notes from today's call",
     "Thanks for your time today. Next steps: connect your warehouse, then a review with your finance lead."),
    ("Security questionnaire",
     "Our answers to your security questionnaire are in the shared folder. Happy to walk IT through SSO."),
    ("Checking in", "Just checking in before the quarter ends. Anything blocking the decision on your side?"),
    ("Welcome aboard", "Welcome to Northwind Analytics! Your onboarding kickoff is booked; the agenda is below."),
)  # fmt: skip

TEMPLATES = (
    ("Demo follow-up", "Following up on your demo request",
     "Hi {{ contact.first_name | default(\"there\") }},\n\nThanks for asking for a demo of Northwind Analytics. "
     "Would Tuesday or Thursday afternoon work for a 30-minute call?\n\nBest,\n{{ sender.first_name }}", True),
    ("Pricing", "Pricing for {{ company.name | default(\"your team\") }}",
     "Hi {{ contact.first_name | default(\"there\") }},\n\nAs promised, here is our pricing. "
     "Annual billing saves 15%.\n\n{{ sender.first_name }}", True),
    ("Check-in", "Checking in",
     "Hi {{ contact.first_name | default(\"there\") }},\n\nAnything blocking the decision on your side?\n\n"
     "{{ sender.first_name }}", False),
)  # fmt: skip

MESSAGE_COLUMNS = (
    "id", "key", "message_id", "category", "status", "identity_id", "from_address", "recipients", "subject",
    "raw", "contact_id", "about_type", "about_id", "sender_id", "created_at", "send_after_at", "attempts",
    "worker", "lease_until", "sent_at", "failed_at", "last_response", "delivered_via",
)  # fmt: skip


def create_mail_setup(context: GeneratorContext) -> None:
    """The verified identity the reps send from, three saved templates and every rep's signature."""
    now = datetime.datetime.combine(context.config.today, datetime.time.min, tzinfo=datetime.UTC)
    verified_at = datetime.datetime.combine(
        context.config.today - datetime.timedelta(days=365), datetime.time(9), tzinfo=datetime.UTC
    )
    identity, _ = Identity.objects.get_or_create(
        address=SENDER_ADDRESS,
        defaults={
            "from_name": COMPANY_NAME,
            "reply_to": "",
            "verified_at": verified_at,
            "created_at": verified_at,
            "is_default": not Identity.objects.filter(is_default=True).exists(),
        },
    )
    context.mail_identity_id = identity.pk
    owner = context.users.get("sales")
    if not MailTemplate.objects.exists():
        MailTemplate.objects.bulk_create(
            MailTemplate(name=name, subject=subject, body=body, is_shared=shared, owner=owner, created_at=now,
                         updated_at=now)
            for name, subject, body, shared in TEMPLATES
        )  # fmt: skip
    signed = set(MailSignature.objects.values_list("user_id", flat=True))
    MailSignature.objects.bulk_create(
        MailSignature(user=user, text=f"{user.get_full_name()}\n{COMPANY_NAME}", updated_at=now)
        for user in context.users.values()
        if user.pk not in signed
    )


def _raw(*, message_id: str, sender: str, to: str, subject: str, text: str, at: datetime.datetime) -> bytes:
    date = at.strftime("%a, %d %b %Y %H:%M:%S +0000")
    head = (
        f'Content-Type: text/plain; charset="utf-8"\r\nMIME-Version: 1.0\r\nContent-Transfer-Encoding: 8bit\r\n'
        f"Subject: {subject}\r\nFrom: {sender}\r\nTo: {to}\r\nDate: {date}\r\nMessage-ID: {message_id}\r\n\r\n"
    )
    return (head + text.replace("\n", "\r\n") + "\r\n").encode()


def write_personal_emails(context: GeneratorContext, chunk: list[ContactPlan]) -> None:
    """One to four emails from its owner to every contact sales works (MQL and beyond), between the contact's
    qualification and today, each a sent ledger row and a timeline entry on the contact and its company."""
    # The large seeds (an activity budget, for the benchmarks) keep to their budget of timeline rows.
    if context.mail_identity_id is None or context.config.activities is not None:
        return
    rng = context.random("personal_email")
    users = {user.pk: user for user in context.users.values()}
    end = context.end_at
    message_table = Message._meta.db_table
    activity_table = Activity._meta.db_table
    sender_header = f"{COMPANY_NAME} <{SENDER_ADDRESS}>"
    next_message_id = next_id(Message)
    for plan in chunk:
        rep = users.get(plan.owner_id)
        if rep is None or plan.stage not in WORKED_STAGES or not plan.email:
            continue
        qualified_at = next((at for _, to, at, _ in plan.stage_path if to in ("mql", "sql")), plan.created_at)
        room = max((end - qualified_at).total_seconds() - DAY, 60)
        for _ in range(rng.randint(1, 4)):
            at = qualified_at + datetime.timedelta(seconds=int(rng.random() * room))
            subject, text = CONVERSATIONS[rng.randrange(len(CONVERSATIONS))]
            body = f"Hi {plan.first_name or 'there'},\n\n{text}\n\nBest,\n{rep.first_name}"
            key = f"personal:{uuid.UUID(int=rng.getrandbits(128), version=4)}"
            message_id = message_id_for(key, DEMO_EMAIL_DOMAIN)
            sent_at = at + datetime.timedelta(seconds=rng.randint(2, 40))
            context.writer.add(
                message_table,
                MESSAGE_COLUMNS,
                (next_message_id, key, message_id, "personal", "sent", context.mail_identity_id, sender_header,
                 [plan.email], subject,
                 _raw(message_id=message_id, sender=sender_header, to=plan.email, subject=subject, text=body, at=at),
                 plan.id, "", None, rep.pk, at, at, 1, "", None, min(sent_at, end), None,
                 "250 2.0.0 Kept in the in-app mailbox", "mailbox"),
            )  # fmt: skip
            excerpt = "\n".join([line for line in body.splitlines() if line.strip()][:4])
            context.writer.add(
                activity_table,
                ACTIVITY_COLUMNS,
                (plan.id, plan.company.id if plan.company else None, KIND, at, rep.pk, SUBJECT_TYPE,
                 next_message_id, None, excerpt, {"subject": subject}),
            )  # fmt: skip
            next_message_id += 1
