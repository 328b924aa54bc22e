"""The worker's small rules: the backoff steps, the relay resolution, the foreground command."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from tandem.mail.delivery.worker import MAX_ATTEMPTS, backoff
from tandem.mail.models import Category, Message, Relay, RelayKind, Status
from tandem.mail.relay import MAILBOX, current_relay
from tandem.mail.services import queue_message


def test_the_backoff_grows_from_a_minute_to_eighteen_hours_about_two_days_in_all():
    # when each of the transient failures before the last is followed by its wait
    waits = [backoff(attempt) for attempt in range(1, MAX_ATTEMPTS)]

    # then the waits are these, and the last attempt comes about two days after the first
    assert waits == [
        timedelta(minutes=1),
        timedelta(minutes=5),
        timedelta(minutes=15),
        timedelta(hours=1),
        timedelta(hours=4),
        timedelta(hours=8),
        timedelta(hours=12),
        timedelta(hours=18),
    ]
    assert sum(waits, timedelta()) == timedelta(hours=43, minutes=21)


@pytest.mark.django_db
def test_a_row_that_only_carries_the_environment_relays_alert_does_not_replace_it(settings):
    # given the environment's relay and the row written to carry its alert
    settings.TANDEM_SMTP_HOST = "smtp.example.net"
    Relay.objects.create(pk=1, kind=RelayKind.SMTP, host="smtp.example.net", from_environment=True, alert="x")

    # then the relay in use is still the environment's
    relay = current_relay()
    assert (relay.host, relay.from_environment) == ("smtp.example.net", True)


@pytest.mark.django_db
def test_a_saved_row_without_a_host_means_the_mailbox(settings):
    # given an SMTP row saved without a host, and no environment relay
    settings.TANDEM_SMTP_HOST = ""
    Relay.objects.create(pk=1, kind=RelayKind.SMTP, host="")

    # then mail stays in the mailbox
    assert current_relay() == MAILBOX


@pytest.mark.django_db
def test_send_mail_queue_once_delivers_what_is_due_and_says_so(settings):
    # given two queued messages and no relay (the mailbox)
    settings.TANDEM_SMTP_HOST = ""
    for number in range(2):
        queue_message(
            key=f"command:{number}",
            category=Category.TRANSACTIONAL,
            to=[f"person{number}@example.com"],
            subject="Hi",
            text="Hello",
        )

    # when the command runs once
    output = StringIO()
    call_command("send_mail_queue", "--once", "--worker", "ops", stdout=output)

    # then it delivered both and printed the tally
    assert output.getvalue() == "2 sent, 0 to retry, 0 failed, 0 suppressed\n"
    assert set(Message.objects.values_list("status", "delivered_via")) == {(Status.SENT, "mailbox")}
