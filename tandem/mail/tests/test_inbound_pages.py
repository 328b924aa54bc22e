"""The inbound pages: mailbox settings (admins only, the password write-only, plain text only to
localhost), "Check now", the conversation page (the sender, admins, whoever may view the contact) and the
timeline entry a reply writes."""

import socket

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tandem.contacts.models import Activity
from tandem.contacts.tests.factories import ContactFactory, TeamFactory, UserFactory
from tandem.core import leases, timeline
from tandem.core.models import Role
from tandem.mail.models import InboundMailbox, InboundMessage
from tandem.mail.services import inbound as services
from tandem.mail.tests.inbound_helpers import mail, sent_message

pytestmark = pytest.mark.django_db

FORM = {
    "name": "Sales replies", "host": "imap.example.com", "security": "tls", "port": "993",
    "username": "sales@example.com", "password": "s3cret-imap", "folder": "INBOX", "enabled": "on",
}  # fmt: skip


def received_reply(message, **mail_fields) -> InboundMessage:
    """A reply to `message`, handled by the same service the poller calls (the IMAP part is tested in
    test_inbound_imap.py)."""
    mailbox = InboundMailbox.objects.first() or InboundMailbox.objects.create(
        name="Replies", host="127.0.0.1", port=143, security="none", username="u", password="p"
    )
    leases.claim(InboundMailbox.objects.filter(pk=mailbox.pk), worker="test")
    uid = InboundMessage.objects.count() + 1
    return services.receive_message(
        mailbox=mailbox, uidvalidity=7, uid=uid, raw=mail(in_reply_to=message.message_id, **mail_fields),
        size=1000, worker="test",
    )  # fmt: skip


def test_an_admin_connects_a_mailbox_and_the_password_is_never_shown_back(client):
    # Given an admin
    admin = UserFactory(role=Role.ADMIN)
    client.force_login(admin)

    # When they connect a mailbox
    response = client.post(reverse("mail:inbound_list"), FORM)

    # Then it is stored and audited without the password, and the settings page does not show it
    mailbox = InboundMailbox.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("mail:inbound_detail", args=[mailbox.pk])
    assert (mailbox.host, mailbox.port, mailbox.security, mailbox.password) == (
        "imap.example.com", 993, "tls", "s3cret-imap",
    )  # fmt: skip
    assert (mailbox.enabled, mailbox.log_unsolicited) == (True, False)
    entry = LogEntry.objects.get(object_pk=str(mailbox.pk), content_type__model="inboundmailbox")
    assert "password" not in entry.changes
    page = client.get(reverse("mail:inbound_detail", args=[mailbox.pk])).content.decode()
    assert "s3cret-imap" not in page
    assert "Not checked yet" in page


def test_saving_without_a_password_keeps_the_stored_one(client):
    # Given a connected mailbox
    admin = UserFactory(role=Role.ADMIN)
    client.force_login(admin)
    client.post(reverse("mail:inbound_list"), FORM)
    mailbox = InboundMailbox.objects.get()

    # When an admin renames it and leaves the password empty
    client.post(reverse("mail:inbound_detail", args=[mailbox.pk]), {**FORM, "name": "Sales", "password": ""})

    # Then the password stays
    mailbox.refresh_from_db()
    assert (mailbox.name, mailbox.password) == ("Sales", "s3cret-imap")


def test_an_unencrypted_connection_to_another_machine_is_refused_with_a_reason(client):
    # Given an admin
    client.force_login(UserFactory(role=Role.ADMIN))

    # When they choose no encryption for a remote server
    response = client.post(reverse("mail:inbound_list"), {**FORM, "security": "none", "port": "143"})

    # Then the form says why, and nothing is stored
    assert response.status_code == 200
    assert response.context["form"].errors["security"] == [
        "An unencrypted connection is allowed only to a server on this machine (localhost): the password "
        "would cross the network in clear text. Choose TLS or STARTTLS."
    ]
    assert InboundMailbox.objects.count() == 0


@pytest.mark.parametrize("role", [Role.MARKETING, Role.SALES, Role.SERVICE, Role.READ_ONLY])
def test_only_admins_may_connect_mailboxes(client, role):
    # Given a user who is not an admin
    client.force_login(UserFactory(role=role))

    # When they open the page or post the form
    page = client.get(reverse("mail:inbound_list"))
    post = client.post(reverse("mail:inbound_list"), FORM)

    # Then both are refused, and nothing was stored
    assert (page.status_code, post.status_code) == (403, 403)
    assert InboundMailbox.objects.count() == 0


def test_check_now_queues_the_poll_and_the_page_shows_why_a_mailbox_cannot_be_read(
    client, django_capture_on_commit_callbacks
):
    # Given a mailbox on a port where nothing listens
    client.force_login(UserFactory(role=Role.ADMIN))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    mailbox = InboundMailbox.objects.create(
        name="Local", host="127.0.0.1", port=port, security="none", username="u", password="p"
    )

    # When an admin presses Check now (no script): the request only queues the poll
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(reverse("mail:inbound_check", args=[mailbox.pk]), follow=True)
    content = response.content.decode()
    assert response.status_code == 200
    assert "Checking “<bdi>Local</bdi>”: the result shows here in a moment." in content
    assert "Checking…" in content
    mailbox.refresh_from_db()
    assert (mailbox.last_polled_at, mailbox.last_result) == (None, "")
    assert mailbox.check_requested_at is not None

    # and when the worker runs it, the page shows the server's error, and the mailbox row holds it
    for callback in queued:
        callback()
    content = client.get(reverse("mail:inbound_detail", args=[mailbox.pk])).content.decode()
    assert "refused the connection (is the IMAP server running?)" in content
    assert "Failing" in content
    assert "Checking…" not in content
    mailbox.refresh_from_db()
    assert mailbox.last_result == "failed"


def test_the_conversation_shows_the_sent_message_and_its_replies_in_order(client):
    # Given a sent message with a reply and an automatic reply
    message = sent_message()
    received_reply(message, message_id="<a@c>", text="Thanks, that works.")
    received_reply(
        message, message_id="<b@c>", subject="Automatic reply: Your quote", text="I am away until Monday.",
        headers={"Auto-Submitted": "auto-replied"},
    )  # fmt: skip
    client.force_login(message.sender)

    # When the sender opens the conversation
    response = client.get(reverse("mail:conversation", args=[message.pk]))

    # Then it shows the message, then both replies, the second marked automatic
    content = response.content.decode()
    assert response.status_code == 200
    assert [entry.inbound.message_id for entry in response.context["thread"].entries] == ["<a@c>", "<b@c>"]
    assert (
        content.index("here is the quote") < content.index("Thanks, that works.") < content.index("I am away")
    )
    assert "Automatic reply</span>" in content


def test_the_conversation_is_shown_to_whoever_may_view_the_contact_and_hidden_from_others(client):
    # Given a message to a contact owned in the South team, and readers in South and North
    south, north = TeamFactory(name="South"), TeamFactory(name="North")
    owner = UserFactory(role=Role.SALES, team=south)
    contact = ContactFactory(owner=owner, team=south, email="dana@customer.example")
    message = sent_message(contact=contact, sender=owner)
    received_reply(message, text="Secret reply text")
    south_reader = UserFactory(role=Role.READ_ONLY, team=south)
    north_reader = UserFactory(role=Role.READ_ONLY, team=north)

    # When each opens the conversation
    client.force_login(south_reader)
    seen = client.get(reverse("mail:conversation", args=[message.pk]))
    client.force_login(north_reader)
    hidden = client.get(reverse("mail:conversation", args=[message.pk]))

    # Then the reader of the contact sees it; the other gets a 404 without the text
    assert seen.status_code == 200
    assert hidden.status_code == 404
    assert "Secret reply text" not in hidden.content.decode()


def test_a_reply_shows_on_the_contact_timeline_with_a_link_to_the_conversation(client):
    # Given a reply whose subject holds markup
    message = sent_message()
    received_reply(message, subject="Re: <b>Your</b> quote", text="Sounds <good>.\n> quoted")
    client.force_login(UserFactory(role=Role.ADMIN))

    # When the contact's page is opened
    response = client.get(reverse("contacts:contact_detail", args=[message.contact.pk]))

    # Then the timeline says who replied, escaped, with the first line and a link to the conversation
    content = response.content.decode()
    assert "replied: " in content
    assert "Re: &lt;b&gt;Your&lt;/b&gt; quote" in content
    assert "Sounds &lt;good&gt;." in content
    assert reverse("mail:conversation", args=[message.pk]) in content


def test_the_conversation_escapes_what_the_reply_says(client):
    # Given a reply whose text and sender name hold markup
    message = sent_message()
    received_reply(message, from_='"<img src=x>" <dana@customer.example>', text="<script>alert(1)</script>")
    client.force_login(message.sender)

    # When the conversation is opened
    content = client.get(reverse("mail:conversation", args=[message.pk])).content.decode()

    # Then the markup shows as text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content
    assert "<script>alert(1)" not in content
    assert "<img src=x>" not in content


def test_the_timeline_loads_every_reply_of_a_page_in_one_query():
    # Given a contact with five replies on the timeline
    message = sent_message()
    for number in range(5):
        received_reply(message, message_id=f"<r{number}@c>", subject=f"Re: Your quote ({number})")
    entries = list(Activity.objects.filter(kind="email_replied").order_by("pk"))
    reader = UserFactory(role=Role.ADMIN)

    # When the page's lines are built
    with CaptureQueriesContext(connection) as queries:
        lines = timeline.lines(reader, entries)

    # Then one query loaded them all, and each line names its reply
    assert len(queries) == 1
    assert [str(line.heading) for line in lines] == [
        f"<bdi>Dana Reyes</bdi> replied: <bdi>Re: Your quote ({number})</bdi>" for number in range(5)
    ]
    assert {line.url for line in lines} == {f"/mail/conversations/{message.pk}/"}
