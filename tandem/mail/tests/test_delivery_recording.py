"""Recording the relay's answers: several in one commit, each with its own answer, only for rows still this
worker's; the in-flight bound; suppression at hand-off hashing the addresses as stored."""

import pytest
from django.utils import timezone

from tandem.contacts.models import SuppressionReason
from tandem.contacts.services import suppress_address
from tandem.core.models import Event
from tandem.mail import events as mail_events
from tandem.mail.delivery import deliver_due
from tandem.mail.delivery.outcomes import Outcome
from tandem.mail.delivery.worker import RunSummary, _record, in_flight_limit
from tandem.mail.models import Category, Message, Status
from tandem.mail.relay import MAILBOX
from tandem.mail.services import queue_message
from tandem.mail.testing import running_smtp_server
from tandem.mail.tests.support import make_identity

pytestmark = pytest.mark.django_db


def _queue(key: str, to: str, category=Category.PERSONAL, **options) -> Message:
    return queue_message(key=key, category=category, to=[to], subject="Hi", text="Hello", **options)


def test_the_in_flight_bound_is_two_per_connection_and_one_more():
    # what a worker killed at the worst moment can send twice (the kill test holds the worker to it)
    assert [in_flight_limit(connections) for connections in (1, 2, 4, 10)] == [3, 5, 9, 21]


def test_each_accepted_message_keeps_its_own_answer_and_event_over_four_connections():
    # given 40 queued messages
    identity = make_identity()
    queued = [
        _queue(f"answers:{number}", f"person{number}@example.com", identity=identity) for number in range(40)
    ]

    # when the worker delivers them over four connections (answers recorded several to a commit)
    with running_smtp_server() as server:
        summary = deliver_due(worker="test", relay=server.relay_settings(connections=4))
        received = server.messages

    # then every row holds the answer the relay gave to that very message
    answer_by_message_id = {
        message.message_id.strip(): f"250 2.0.0 Ok: queued as TEST{number}"
        for number, message in enumerate(received, start=1)
    }
    rows = list(Message.objects.order_by("pk").values_list("message_id", "status", "last_response", "worker"))
    assert summary.sent == 40
    assert len(received) == 40
    assert rows == [
        (message_id, Status.SENT, answer_by_message_id[message_id], "") for message_id, *_rest in rows
    ]
    # and one event per message
    sent_events = Event.objects.filter(name=mail_events.MESSAGE_SENT).values_list("payload", flat=True)
    assert sorted(payload["message_id"] for payload in sent_events) == [message.pk for message in queued]


def test_a_batch_records_only_the_rows_still_this_workers():
    # given three messages this worker holds, and a fourth another worker took over after this one's lease
    messages = [_queue(f"mine:{number}", f"person{number}@example.com") for number in range(4)]
    lease = timezone.now() + timezone.timedelta(minutes=5)
    Message.objects.filter(pk__in=[message.pk for message in messages[:3]]).update(
        status=Status.SENDING, worker="this", lease_until=lease, attempts=1
    )
    Message.objects.filter(pk=messages[3].pk).update(
        status=Status.SENDING, worker="other", lease_until=lease, attempts=2
    )
    for message in messages:
        message.refresh_from_db()

    # when this worker records its answers: three accepted, the third by another relay answer, one refused
    summary = RunSummary()
    _record(
        [
            (messages[0], Outcome.sent("250 queued as A")),
            (messages[1], Outcome.permanent("550 5.1.1 No such user")),
            (messages[2], Outcome.sent("250 queued as C")),
            (messages[3], Outcome.sent("250 queued as D")),
        ],
        worker="this",
        relay=MAILBOX,
        summary=summary,
    )

    # then its own rows hold their own answers, and the other worker's row is untouched
    rows = list(
        Message.objects.order_by("pk").values_list("status", "last_response", "worker", "delivered_via")
    )
    assert rows == [
        (Status.SENT, "250 queued as A", "", "mailbox"),
        (Status.FAILED, "550 5.1.1 No such user", "", ""),
        (Status.SENT, "250 queued as C", "", "mailbox"),
        (Status.SENDING, "", "other", ""),
    ]
    assert (summary.sent, summary.failed) == (2, 1)
    events = list(Event.objects.order_by("id").values_list("name", "payload__message_id"))
    assert events == [
        (mail_events.MESSAGE_SENT, messages[0].pk),
        (mail_events.MESSAGE_SENT, messages[2].pk),
        (mail_events.MESSAGE_FAILED, messages[1].pk),
    ]


@pytest.mark.parametrize(
    ("suppressed", "recipient"),
    [
        ("ada@example.com", "Ada@EXAMPLE.com"),
        ("USER@xn--bcher-kva.example", "user@bücher.example"),
        ("user@bücher.example", "User@BÜCHER.example"),
        ("josé@example.com", "JOSÉ@example.com"),
    ],
)
def test_a_suppressed_address_is_found_however_either_side_spelled_it(suppressed, recipient):
    # given an unsubscribed address, and marketing mail to it spelled otherwise
    suppress_address(email=suppressed, reason=SuppressionReason.UNSUBSCRIBED)
    message = _queue("spelling:1", recipient, category=Category.MARKETING)

    # when the worker runs
    deliver_due(worker="test", relay=MAILBOX)

    # then it was not sent
    message.refresh_from_db()
    assert message.status == Status.SUPPRESSED


def test_personal_mail_to_a_test_domain_outside_production_is_delivered(settings):
    # given a 1:1 message to a .test address (the demo's), accepted outside production
    settings.TANDEM_MAIL_ALLOW_TEST_DOMAINS = True
    message = _queue("demo:1", "ada@demo.tandem.test", identity=make_identity())

    # when the worker runs (the suppression check reads the address as stored)
    with running_smtp_server() as server:
        summary = deliver_due(worker="test", relay=server.relay_settings())
        received = server.messages

    # then it went out
    message.refresh_from_db()
    assert (summary.sent, message.status) == (1, Status.SENT)
    assert [item.recipients for item in received] == [["ada@demo.tandem.test"]]
