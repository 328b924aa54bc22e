"""Delivery to a real SMTP server (aiosmtpd on loopback): what arrives, and what each misbehaviour does."""

import pytest
from django.utils import timezone

from tandem.mail.delivery import deliver_due
from tandem.mail.models import Category, Message, Status
from tandem.mail.services import queue_message
from tandem.mail.testing import running_smtp_server
from tandem.mail.tests.support import DOMAIN, assert_well_formed, make_identity

pytestmark = pytest.mark.django_db


@pytest.fixture
def relay():
    with running_smtp_server() as server:
        yield server


def _queue(identity, to="ada@example.com", key="test:1", **options) -> Message:
    return queue_message(
        key=key,
        category=options.pop("category", Category.PERSONAL),
        to=[to] if isinstance(to, str) else to,
        subject=options.pop("subject", "Our meeting on Tuesday"),
        text=options.pop("text", "Hello Ada,\nsee you Tuesday.\n"),
        identity=identity,
        **options,
    )


def test_a_message_arrives_signed_with_date_message_id_and_from_in_the_identity_domain(relay):
    # given a queued message from an identity with a DKIM key
    identity = make_identity()
    message = _queue(identity, html="<p>Hello Ada</p>")

    # when the worker runs against the relay
    summary = deliver_due(worker="test", relay=relay.relay_settings())

    # then the server received it once, signed, and the ledger says sent with the relay's answer
    assert summary.sent == 1
    [received] = relay.messages
    assert received.mail_from == f"sales@{DOMAIN}"
    assert received.recipients == ["ada@example.com"]
    parsed = assert_well_formed(received.data)
    assert parsed["Message-ID"] == message.message_id
    assert parsed["Subject"] == "Our meeting on Tuesday"
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_response, message.delivered_via) == (
        Status.SENT,
        1,
        "250 2.0.0 Ok: queued as TEST1",
        "smtp:127.0.0.1",
    )
    assert message.sent_at is not None


def test_an_identity_without_a_key_sends_unsigned(relay):
    # given an identity without a DKIM key
    _queue(make_identity(signed=False))

    # when delivered
    deliver_due(worker="test", relay=relay.relay_settings())

    # then the message arrives without a signature, otherwise well formed
    [received] = relay.messages
    assert_well_formed(received.data, signed=False)


@pytest.mark.parametrize(
    "reply", ["421 4.3.2 Shutting down", "451 4.3.0 Try later", "452 4.3.1 Full", "454 4.7.0 Later"]
)
def test_a_transient_answer_is_retried_after_the_backoff_and_delivered_once(relay, reply):
    # given a relay that answers a transient code to the first attempt
    message = _queue(make_identity())
    relay.misbehave(reply)

    # when the worker runs
    deliver_due(worker="test", relay=relay.relay_settings())

    # then the message is back in the queue for a minute later, with the relay's answer
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_response) == (Status.QUEUED, 1, reply)
    assert 55 <= (message.send_after_at - timezone.now()).total_seconds() <= 60
    assert relay.messages == []

    # when the backoff has passed and the worker runs again
    Message.objects.filter(pk=message.pk).update(send_after_at=timezone.now())
    deliver_due(worker="test", relay=relay.relay_settings())

    # then it was delivered exactly once
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.SENT, 2)
    assert [received.message_id for received in relay.messages] == [message.message_id]


@pytest.mark.parametrize(
    "reply", ["550 5.1.1 No such user", "552 5.3.4 Message too big", "554 5.7.1 Rejected as spam"]
)
def test_a_permanent_answer_fails_the_message_with_the_reason(relay, reply):
    # given a relay that refuses the message for good
    message = _queue(make_identity())
    relay.misbehave(reply)

    # when the worker runs
    deliver_due(worker="test", relay=relay.relay_settings())

    # then it failed with the relay's reason, and nothing was received
    message.refresh_from_db()
    assert (message.status, message.last_response) == (Status.FAILED, reply)
    assert message.failed_at is not None and message.sent_at is None
    assert relay.messages == []


def test_a_refused_recipient_at_rcpt_fails_with_the_address_and_the_reason(relay):
    # given a relay that refuses one recipient at RCPT
    message = _queue(make_identity(), to="gone@example.com")
    relay.misbehave("550 5.1.1 Mailbox unavailable", stage="rcpt", recipient="gone@example.com")

    # when the worker runs
    deliver_due(worker="test", relay=relay.relay_settings())

    # then the message failed, naming the address
    message.refresh_from_db()
    assert (message.status, message.last_response) == (
        Status.FAILED,
        "gone@example.com: 550 5.1.1 Mailbox unavailable",
    )


def test_a_connection_dropped_after_data_is_not_reported_sent_and_is_retried(relay):
    # given a relay that drops the connection after DATA, once, then a second message behind it
    first = _queue(make_identity(), key="test:1")
    second = _queue(Message.objects.get(pk=first.pk).identity, to="bo@example.com", key="test:2")
    relay.misbehave(action="drop", recipient="ada@example.com")

    # when the worker runs
    deliver_due(worker="test", relay=relay.relay_settings())

    # then the first is queued again (the relay never said 250), and the second went out on a new connection
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Status.QUEUED
    assert first.last_response.startswith("The relay closed the connection before accepting the message")
    assert second.status == Status.SENT
    assert [received.message_id for received in relay.messages] == [second.message_id]


def test_a_relay_stalling_past_the_timeout_is_a_transient_failure(relay):
    # given a relay that stalls after DATA for longer than the client's timeout
    message = _queue(make_identity())
    relay.misbehave(action="stall", seconds=3)

    # when the worker runs with a one-second timeout
    deliver_due(worker="test", relay=relay.relay_settings(timeout_seconds=1))

    # then the message waits for a retry, nothing is reported sent
    message.refresh_from_db()
    assert (message.status, message.last_response) == (
        Status.QUEUED,
        f"The relay 127.0.0.1:{relay.port} did not answer in time.",
    )
    assert relay.messages == []


def test_after_the_last_retry_the_message_fails_with_the_attempts_and_the_last_answer(relay):
    # given a message on its last attempt, and a relay that defers it again
    message = _queue(make_identity())
    Message.objects.filter(pk=message.pk).update(attempts=8)
    relay.misbehave("451 4.3.0 Try later")

    # when the worker runs
    deliver_due(worker="test", relay=relay.relay_settings())

    # then the ledger gives up, saying why
    message.refresh_from_db()
    assert (message.status, message.last_response) == (
        Status.FAILED,
        "gave up after 9 attempts: 451 4.3.0 Try later",
    )


def test_four_connections_deliver_every_message_once(relay):
    # given 60 queued messages
    identity = make_identity()
    for number in range(60):
        _queue(identity, to=f"person{number}@example.com", key=f"test:{number}")

    # when the worker runs with four connections
    summary = deliver_due(worker="test", relay=relay.relay_settings(connections=4))

    # then each arrived once
    assert summary.sent == 60
    assert len({received.message_id for received in relay.messages}) == 60
    assert len(relay.messages) == 60
    assert Message.objects.filter(status=Status.SENT).count() == 60


def test_an_rset_after_a_refusal_keeps_the_connection_for_the_next_message(relay):
    # given two messages, the first refused by the relay
    identity = make_identity()
    first = _queue(identity, key="test:1")
    second = _queue(identity, to="bo@example.com", key="test:2")
    relay.misbehave("550 5.7.1 No", recipient="ada@example.com")

    # when the worker runs on one connection
    deliver_due(worker="test", relay=relay.relay_settings())

    # then the first failed and the second was delivered
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (Status.FAILED, Status.SENT)
    assert [received.recipients for received in relay.messages] == [["bo@example.com"]]


def test_copies_and_blind_copies_are_on_the_envelope_and_blind_ones_on_no_header(relay):
    # given a message with a copy and a blind copy
    message = _queue(make_identity(), cc=["bo@example.com"], bcc=["audit@example.com"])

    # when delivered
    deliver_due(worker="test", relay=relay.relay_settings())

    # then the relay was asked to deliver to all three, and the blind copy shows in no header
    [received] = relay.messages
    assert received.recipients == ["ada@example.com", "bo@example.com", "audit@example.com"]
    parsed = assert_well_formed(received.data)
    assert (str(parsed["To"]), str(parsed["Cc"]), parsed["Bcc"]) == (
        "ada@example.com",
        "bo@example.com",
        None,
    )
    assert b"audit@example.com" not in received.data
    assert message.recipients == ["ada@example.com", "bo@example.com", "audit@example.com"]


def test_an_error_while_recording_stops_the_run_without_hanging_and_leaves_rows_to_retake(relay):
    # given ten queued messages, and a database error while the first answer is recorded
    from unittest import mock

    identity = make_identity()
    for number in range(10):
        _queue(identity, to=f"person{number}@example.com", key=f"test:{number}")

    # when the worker runs
    with (
        mock.patch("tandem.mail.delivery.worker._record", side_effect=RuntimeError("disk full")),
        pytest.raises(RuntimeError, match="disk full"),
    ):
        deliver_due(worker="test", relay=relay.relay_settings())

    # then the run ended (no thread waits forever), and the rows stay this worker's, to be taken again
    assert set(Message.objects.values_list("status", "worker")) == {(Status.SENDING, "test")}
    assert len(relay.messages) <= 3
