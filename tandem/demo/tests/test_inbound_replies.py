"""The demo's replies to 1:1 emails (tandem/demo/generator/inbound.py): a deterministic share of the sent
personal messages answered a few hours later, set-based, with their timeline entries. The compose step
that writes the sent messages lives on another branch, so this test writes a few itself."""

import datetime

import pytest

from tandem.contacts.models import Activity
from tandem.contacts.tests.factories import ContactFactory, UserFactory
from tandem.core.models import Role
from tandem.demo.generator import GeneratorConfig, GeneratorContext
from tandem.demo.generator.inbound import create_replies
from tandem.demo.writer import RowWriter
from tandem.mail.models import InboundMailbox, InboundMessage, Message, Status
from tandem.mail.tests.inbound_helpers import sent_message

pytestmark = pytest.mark.django_db

END = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)


def demo_context() -> GeneratorContext:
    config = GeneratorConfig(today=END.date())
    return GeneratorContext(
        config=config, writer=RowWriter(), start_at=END - datetime.timedelta(days=365), end_at=END
    )


def replies_written() -> list[tuple]:
    return list(
        InboundMessage.objects.order_by("answers__key").values_list(
            "answers__key", "subject", "text", "received_at", "is_auto_reply"
        )
    )


def test_a_share_of_sent_personal_emails_gets_a_deterministic_reply_on_the_timeline():
    # Given 40 personal emails sent over the year
    seller = UserFactory(role=Role.SALES)
    for number in range(40):
        contact = ContactFactory(email=f"buyer{number}@customer.example")
        message = sent_message(
            key=f"personal:{number}", contact=contact, sender=seller, subject=f"Quote {number}"
        )
        Message.objects.filter(pk=message.pk).update(
            status=Status.SENT, sent_at=END - datetime.timedelta(days=number + 1)
        )

    # When the demo step runs twice from the same seed (the second time after removing the first's rows)
    create_replies(demo_context())
    first = replies_written()
    Activity.objects.all().delete()
    InboundMailbox.objects.all().delete()
    create_replies(demo_context())
    second = replies_written()

    # Then about a third are answered, the same ones each time, hours after sending, one timeline entry each
    assert first == second
    assert 6 <= len(first) <= 24
    for key, subject, _text, received_at, automatic in first:
        sent_at = Message.objects.get(key=key).sent_at
        assert datetime.timedelta(minutes=45) <= received_at - sent_at <= datetime.timedelta(hours=9)
        assert subject.startswith("Automatic reply: " if automatic else "Re: ")
    assert Activity.objects.filter(kind="email_replied", subject_type="inbound_email").count() == len(first)
    assert InboundMailbox.objects.get().last_uid == len(first)


def test_without_sent_personal_emails_the_step_writes_nothing():
    create_replies(demo_context())
    assert InboundMailbox.objects.count() == InboundMessage.objects.count() == 0
