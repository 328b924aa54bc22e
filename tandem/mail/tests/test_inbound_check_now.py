""" "Check now" on a mailbox's page: the request queues the poll (a Huey task, under the mailbox's lease like
the periodic poll) and the status panel follows it with htmx until it ends, against a real IMAP server."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tandem.contacts.tests.factories import UserFactory
from tandem.core import leases
from tandem.core.models import Role
from tandem.mail.models import InboundMailbox, InboundMessage
from tandem.mail.tests.imap_server import dovecot  # noqa: F401 (the fixture)
from tandem.mail.tests.inbound_helpers import PASSWORD, mail, mailbox_for, sent_message

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(role=Role.ADMIN))
    return client


def test_check_now_answers_at_once_and_the_panel_follows_the_queued_poll(
    admin_client,
    dovecot,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    # Given a mailbox with a reply waiting on the server
    message = sent_message()
    mailbox = mailbox_for(dovecot, "check-now@tandem.example")
    dovecot.append(mailbox.username, PASSWORD, mail(in_reply_to=message.message_id))
    status_url = reverse("mail:inbound_check_status", args=[mailbox.pk])

    # When the admin presses Check now (htmx)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = admin_client.post(reverse("mail:inbound_check", args=[mailbox.pk]), **HTMX)

    # Then the panel says it is checking and asks again in two seconds; nothing was read in the request
    panel = response.content.decode()
    assert response.status_code == 200
    assert "Checking…" in panel
    assert f'hx-get="{status_url}" hx-trigger="load delay:2s"' in panel
    assert InboundMessage.objects.count() == 0
    assert len(queued) == 1
    # and until the worker has run, the panel keeps asking
    assert "Checking…" in admin_client.get(status_url, **HTMX).content.decode()

    # When the worker runs the queued poll
    queued[0]()

    # Then the reply is kept and the panel shows the outcome and stops asking
    assert InboundMessage.objects.get().answers == message
    panel = admin_client.get(status_url, **HTMX).content.decode()
    assert "1 new message, 1 reply." in panel
    assert "Working" in panel
    assert "hx-get" not in panel


def test_a_check_asked_while_another_worker_polls_leaves_the_mailbox_to_it(
    admin_client,
    dovecot,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    # Given a mailbox another worker is reading right now (its lease is live)
    message = sent_message()
    mailbox = mailbox_for(dovecot, "leased@tandem.example")
    dovecot.append(mailbox.username, PASSWORD, mail(in_reply_to=message.message_id))
    assert leases.claim(InboundMailbox.objects.filter(pk=mailbox.pk), worker="periodic-poll")

    # When Check now's poll runs
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("mail:inbound_check", args=[mailbox.pk]), **HTMX)

    # Then it read nothing and took nothing over: the other worker's poll answers the check
    assert InboundMessage.objects.count() == 0
    mailbox.refresh_from_db()
    assert (mailbox.worker, mailbox.last_polled_at) == ("periodic-poll", None)
    status = admin_client.get(reverse("mail:inbound_check_status", args=[mailbox.pk]), **HTMX)
    assert "Checking…" in status.content.decode()

    # and once that worker's poll ends, the panel shows its outcome
    leases.release(
        InboundMailbox.objects.filter(pk=mailbox.pk), worker="periodic-poll", last_polled_at=timezone.now(),
        last_result="ok", last_message="No new mail.",
    )  # fmt: skip
    status = admin_client.get(reverse("mail:inbound_check_status", args=[mailbox.pk]), **HTMX)
    assert "No new mail." in status.content.decode()
    assert "Checking…" not in status.content.decode()


def test_a_check_nobody_ran_for_two_minutes_stops_polling_and_says_why(admin_client):
    mailbox = InboundMailbox.objects.create(
        name="Idle", host="127.0.0.1", port=143, security="none", username="u", password="p",
        check_requested_at=timezone.now() - timedelta(minutes=3),
    )  # fmt: skip

    panel = admin_client.get(reverse("mail:inbound_check_status", args=[mailbox.pk]), **HTMX).content.decode()

    assert "Still waiting after two minutes" in panel
    assert "hx-get" not in panel


def test_only_admins_may_check_a_mailbox(client):
    mailbox = InboundMailbox.objects.create(
        name="Locked", host="127.0.0.1", port=143, security="none", username="u", password="p"
    )
    client.force_login(UserFactory(role=Role.SALES))

    post = client.post(reverse("mail:inbound_check", args=[mailbox.pk]), **HTMX)
    status = client.get(reverse("mail:inbound_check_status", args=[mailbox.pk]), **HTMX)

    assert (post.status_code, status.status_code) == (403, 403)
    mailbox.refresh_from_db()
    assert mailbox.check_requested_at is None
