"""The hand-off: after commit only, the mailbox when no relay is configured, suppression and consent at
hand-off, and the events the worker publishes."""

import pytest
from django.db import transaction
from huey.contrib.djhuey import HUEY

from tandem.contacts.models import ConsentPurpose, ConsentStatus, SuppressionReason
from tandem.contacts.services import create_contact, record_consent, suppress_address
from tandem.core.models import Event
from tandem.mail import events as mail_events
from tandem.mail.delivery import deliver_due
from tandem.mail.models import Category, Message, Relay, RelayKind, Security, Status
from tandem.mail.relay import MAILBOX, current_relay
from tandem.mail.services import queue_message
from tandem.mail.testing import running_smtp_server
from tandem.mail.tests.support import make_identity


def _queue(key="handoff:1", to="ada@example.com", category=Category.PERSONAL, **options) -> Message:
    return queue_message(key=key, category=category, to=[to], subject="Hi", text="Hello", **options)


@pytest.fixture
def immediate_tasks():
    HUEY.immediate = True
    yield
    HUEY.immediate = False


@pytest.mark.django_db(transaction=True)
def test_a_message_queued_in_a_transaction_that_rolls_back_is_never_sent(immediate_tasks):
    # given a relay, and the worker run right after each commit
    with running_smtp_server() as server:
        Relay.objects.create(
            pk=1, kind=RelayKind.SMTP, host=server.host, port=server.port, security=Security.NONE
        )

        # when one message is queued in a transaction that rolls back, and another in one that commits
        with pytest.raises(RuntimeError), transaction.atomic():
            _queue(key="handoff:rolled-back")
            raise RuntimeError("the caller changed its mind")
        with transaction.atomic():
            _queue(key="handoff:committed", to="bo@example.com")

        # then only the committed one exists and was handed over after its commit
        received = server.messages
    assert list(Message.objects.values_list("key", "status")) == [("handoff:committed", Status.SENT)]
    assert [item.recipients for item in received] == [["bo@example.com"]]


@pytest.mark.django_db
def test_without_a_relay_mail_is_kept_in_the_mailbox(settings):
    # given no Relay row and no TANDEM_SMTP_HOST
    settings.TANDEM_SMTP_HOST = ""
    message = _queue()

    # when the worker runs
    summary = deliver_due(worker="test")

    # then the message is marked delivered to the in-app mailbox
    message.refresh_from_db()
    assert summary.sent == 1
    assert (message.status, message.delivered_via, message.last_response) == (
        Status.SENT,
        "mailbox",
        "Kept in the in-app mailbox; nothing left this machine.",
    )


@pytest.mark.django_db
def test_keep_in_mailbox_wins_over_a_configured_relay(settings):
    # given a saved SMTP relay and the demo's setting
    Relay.objects.create(pk=1, kind=RelayKind.SMTP, host="relay.example.com")
    settings.TANDEM_MAIL_KEEP_IN_MAILBOX = True

    # then the relay in use is the mailbox
    assert current_relay() == MAILBOX


@pytest.mark.django_db
def test_the_environment_describes_the_relay_when_no_row_is_saved(settings):
    # given TANDEM_SMTP_* settings and no Relay row
    settings.TANDEM_SMTP_HOST, settings.TANDEM_SMTP_PORT = "smtp.example.net", 2525
    settings.TANDEM_SMTP_USER, settings.TANDEM_SMTP_STARTTLS = "tandem", False

    # then they describe an SMTP relay
    relay = current_relay()
    assert (relay.kind, relay.host, relay.port, relay.security, relay.username, relay.label) == (
        RelayKind.SMTP,
        "smtp.example.net",
        2525,
        Security.NONE,
        "tandem",
        "smtp:smtp.example.net",
    )


@pytest.mark.django_db
def test_marketing_mail_to_a_suppressed_address_is_suppressed_at_hand_off():
    # given marketing, transactional and personal mail to an unsubscribed address
    suppress_address(email="Ada@Example.com", reason=SuppressionReason.UNSUBSCRIBED)
    marketing = _queue(key="m:1", category=Category.MARKETING)
    transactional = _queue(key="t:1", category=Category.TRANSACTIONAL)
    personal = _queue(key="p:1", category=Category.PERSONAL)

    # when the worker runs
    with running_smtp_server() as server:
        deliver_due(worker="test", relay=server.relay_settings())
        received = server.messages

    # then the marketing message was not sent; the transactional and the 1:1 were
    statuses = dict(Message.objects.values_list("pk", "status"))
    assert statuses == {
        marketing.pk: Status.SUPPRESSED,
        transactional.pk: Status.SENT,
        personal.pk: Status.SENT,
    }
    assert Message.objects.get(pk=marketing.pk).last_response == (
        "Not sent: ada@example.com is on the suppression list (unsubscribed)."
    )
    assert len(received) == 2


@pytest.mark.django_db
@pytest.mark.parametrize("reason", [SuppressionReason.HARD_BOUNCE, SuppressionReason.COMPLAINT])
def test_personal_mail_to_a_hard_bounced_or_complaining_address_is_suppressed(reason):
    # given 1:1 and transactional mail to an address that bounced hard or complained
    suppress_address(email="ada@example.com", reason=reason)
    personal = _queue(key="p:1", category=Category.PERSONAL)
    transactional = _queue(key="t:1", category=Category.TRANSACTIONAL)

    # when the worker runs
    with running_smtp_server() as server:
        deliver_due(worker="test", relay=server.relay_settings())
        received = server.messages

    # then the 1:1 message is suppressed, the transactional one still goes
    personal.refresh_from_db()
    transactional.refresh_from_db()
    assert (personal.status, transactional.status) == (Status.SUPPRESSED, Status.SENT)
    assert len(received) == 1


@pytest.mark.django_db
def test_marketing_mail_to_a_contact_who_withdrew_consent_is_suppressed():
    # given a contact who withdrew consent to marketing email after the message was queued
    contact = create_contact(actor=None, values={"email": "ada@example.com", "first_name": "Ada"})
    message = _queue(key="m:1", category=Category.MARKETING, contact=contact)
    record_consent(
        actor=None,
        contact=contact,
        purpose=ConsentPurpose.MARKETING_EMAIL,
        status=ConsentStatus.WITHDRAWN,
        method="unsubscribe link",
    )

    # when the worker runs
    with running_smtp_server() as server:
        deliver_due(worker="test", relay=server.relay_settings())
        received = server.messages

    # then it was never sent
    message.refresh_from_db()
    assert (message.status, message.last_response) == (
        Status.SUPPRESSED,
        "Not sent: the contact withdrew their consent to marketing email.",
    )
    assert received == []


@pytest.mark.django_db
def test_the_worker_publishes_sent_and_failed_events_with_ids():
    # given two messages, the second refused by the relay
    identity = make_identity()
    sent = _queue(key="e:1", identity=identity, about=("company", 12))
    failed = _queue(key="e:2", to="gone@example.com", identity=identity)

    # when the worker runs
    with running_smtp_server() as server:
        server.misbehave("550 5.1.1 No such user", recipient="gone@example.com")
        deliver_due(worker="test", relay=server.relay_settings())

    # then one event each, with the ledger ids
    events = list(
        Event.objects.filter(name__startswith="mail.").order_by("id").values_list("name", "payload")
    )
    common = {"contact_id": None, "category": "personal"}
    assert events == [
        (
            mail_events.MESSAGE_SENT,
            {"message_id": sent.pk, "about_type": "company", "about_id": 12, **common},
        ),
        (
            mail_events.MESSAGE_FAILED,
            {
                "message_id": failed.pk,
                "about_type": "",
                "about_id": None,
                "reason": "550 5.1.1 No such user",
                **common,
            },
        ),
    ]


@pytest.mark.django_db
def test_a_scheduled_message_waits_for_its_time():
    # given a message scheduled for later
    from datetime import timedelta

    from django.utils import timezone

    message = _queue(send_after_at=timezone.now() + timedelta(hours=1))

    # when the worker runs now
    summary = deliver_due(worker="test")

    # then it is left alone
    message.refresh_from_db()
    assert (summary.handled, message.status, message.attempts) == (0, Status.QUEUED, 0)


@pytest.mark.django_db
def test_a_row_held_by_a_dead_worker_is_taken_over_after_its_lease():
    # given a message a worker claimed and never finished (its lease ran out)
    from datetime import timedelta

    from django.utils import timezone

    message = _queue()
    Message.objects.filter(pk=message.pk).update(
        status=Status.SENDING, worker="dead", lease_until=timezone.now() - timedelta(seconds=1), attempts=1
    )

    # when another worker runs
    deliver_due(worker="alive")

    # then it delivered the message
    message.refresh_from_db()
    assert (message.status, message.attempts, message.worker) == (Status.SENT, 2, "")


@pytest.mark.django_db
def test_a_row_under_a_live_lease_of_another_worker_is_left_alone():
    # given a message another worker is sending right now
    from datetime import timedelta

    from django.utils import timezone

    message = _queue()
    Message.objects.filter(pk=message.pk).update(
        status=Status.SENDING, worker="busy", lease_until=timezone.now() + timedelta(minutes=4), attempts=1
    )

    # when this worker runs
    summary = deliver_due(worker="other")

    # then it does not touch it
    message.refresh_from_db()
    assert (summary.handled, message.status, message.worker) == (0, Status.SENDING, "busy")


@pytest.mark.django_db(transaction=True)
def test_one_transaction_queueing_many_messages_asks_for_one_delivery_run():
    # given a transaction that queues three messages
    from unittest import mock

    with mock.patch("tandem.mail.tasks.deliver_mail") as deliver_mail:
        with transaction.atomic():
            for number in range(3):
                _queue(key=f"many:{number}", to=f"person{number}@example.com")
            # then nothing is asked before the commit
            assert deliver_mail.call_count == 0
        # and one run is asked after it
        assert deliver_mail.call_count == 1


@pytest.mark.django_db(transaction=True)
def test_a_delivery_run_asks_for_one_outbox_delivery_not_one_per_message():
    # given three queued messages
    from unittest import mock

    for number in range(3):
        _queue(key=f"outbox:{number}", to=f"person{number}@example.com")

    # when the worker records three results, each in its own commit
    with mock.patch("tandem.core.tasks.deliver_events") as deliver_events:
        summary = deliver_due(worker="test")

    # then three events are in the outbox and one delivery was asked for
    assert summary.sent == 3
    assert Event.objects.filter(name=mail_events.MESSAGE_SENT).count() == 3
    assert deliver_events.call_count == 1
