"""The demo's 1:1 emails: sent ledger rows from the reps with their timeline entries, the same every run."""

import datetime
import email

import pytest
from django.db import transaction

from tandem.contacts.models import Activity
from tandem.demo.generator import GeneratorConfig, generate
from tandem.mail.models import Identity, MailSignature, MailTemplate, Message

SMALL = GeneratorConfig(today=datetime.date(2026, 1, 1), contacts=300, companies=30, chunk_size=120)


class RolledBack(Exception):
    pass


def generated_emails() -> list[tuple]:
    try:
        with transaction.atomic():
            generate(SMALL)
            rows = list(
                Message.objects.order_by("key").values_list(
                    "key", "subject", "recipients", "contact__email", "sender__email", "sent_at"
                )
            )
            raise RolledBack
    except RolledBack:
        return rows


@pytest.mark.django_db(transaction=True)
def test_the_demo_writes_the_same_one_to_one_emails_every_run():
    first = generated_emails()
    assert len(first) > 50
    assert first == generated_emails()


@pytest.mark.django_db
def test_every_demo_email_is_sent_by_the_contacts_owner_and_on_the_timeline():
    generate(SMALL)
    messages = list(Message.objects.filter(category="personal").select_related("contact"))
    assert len(messages) > 0
    entries = {entry.subject_id: entry for entry in Activity.objects.filter(kind="personal_email")}
    assert len(entries) == len(messages)
    identity = Identity.objects.get(address="hello@demo.tandem.test")
    assert identity.verified_at is not None
    for message in messages:
        assert (message.category, message.status, message.identity_id) == ("personal", "sent", identity.pk)
        # as the worker records a message it kept in the mailbox (the column is NOT NULL)
        assert message.delivered_via == "mailbox"
        assert message.sender_id == message.contact.owner_id
        assert message.contact.lifecycle_stage in ("mql", "sql", "opportunity", "customer", "evangelist")
        parsed = email.message_from_bytes(bytes(message.raw))
        # (a few contacts are turned into planted duplicates later, with a new address: the ledger keeps the old)
        assert (parsed["To"], parsed["Subject"], parsed["Message-ID"]) == (
            message.recipients[0],
            message.subject,
            message.message_id,
        )
        entry = entries[message.pk]
        assert (entry.contact_id, entry.actor_id) == (message.contact_id, message.sender_id)
        assert entry.details == {"subject": message.subject}
        assert entry.occurred_at == message.created_at
    # on the company's timeline too, for contacts at a company
    assert sum(1 for entry in entries.values() if entry.company_id) > len(entries) / 2
    assert MailTemplate.objects.count() == 3
    assert MailSignature.objects.count() == 12
