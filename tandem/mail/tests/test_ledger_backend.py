"""Django's own mail (send_mail, allauth's password reset) goes through the ledger."""

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse

from tandem.core.models import Role, User
from tandem.mail.models import Category, Message, Status
from tandem.mail.services.ledger import message_id_for
from tandem.mail.testing import ledger_messages, sent_messages

pytestmark = pytest.mark.django_db


def test_send_mail_writes_a_transactional_ledger_row_in_the_current_transaction():
    # when Django's send_mail is called
    sent = mail.send_mail("Welcome", "Hello Ada", None, ["ada@example.com"], html_message="<p>Hello Ada</p>")

    # then one transactional row is queued, from the default sender, with both parts
    assert sent == 1
    [row] = Message.objects.all()
    assert (row.category, row.status, row.recipients, row.subject) == (
        Category.TRANSACTIONAL,
        Status.QUEUED,
        ["ada@example.com"],
        "Welcome",
    )
    assert row.key.startswith("django:") and len(row.key) == len("django:") + 36
    assert row.message_id.endswith("@localhost>")
    [message] = ledger_messages(to="ada@example.com")
    assert str(message["From"]) == "Tandem <tandem@localhost>"
    assert message.get_body(("plain",)).get_content() == "Hello Ada"
    assert message.get_body(("html",)).get_content() == "<p>Hello Ada</p>"


def test_an_email_message_keeps_its_recipients_reply_to_and_extra_headers():
    # given a Django message with cc, bcc, reply-to and a header of its own
    message = EmailMultiAlternatives(
        subject="Report ready",
        body="Your export is ready.",
        from_email="Exports <exports@tandem.example>",
        to=["Ada Lovelace <ada@example.com>"],
        cc=["bo@example.com"],
        bcc=["audit@example.com"],
        reply_to=["help@tandem.example"],
        headers={"X-Tandem-Kind": "export", "Message-ID": "<ignored@x>"},
    )

    # when it is sent
    message.send()

    # then every recipient is on the envelope, Bcc on no header, and the ledger wrote its own Message-ID
    [row] = Message.objects.all()
    assert row.recipients == ["ada@example.com", "bo@example.com", "audit@example.com"]
    [parsed] = ledger_messages()
    assert (str(parsed["To"]), str(parsed["Cc"]), parsed["Bcc"]) == (
        "ada@example.com",
        "bo@example.com",
        None,
    )
    assert b"audit@example.com" not in bytes(row.raw)
    assert (str(parsed["Reply-To"]), parsed["X-Tandem-Kind"]) == (
        "help@tandem.example",
        "export",
    )
    assert parsed["Message-ID"] == row.message_id and row.message_id.endswith("@tandem.example>")


def test_a_bad_address_raises_a_clear_error_unless_fail_silently():
    # when Django mail is sent to a broken address
    with pytest.raises(Exception, match="The recipient address “not-an-address” is not valid"):
        mail.send_mail("Hi", "Hello", None, ["not-an-address"])
    # and with fail_silently
    assert mail.send_mail("Hi", "Hello", None, ["not-an-address"], fail_silently=True) == 0

    # then nothing is queued
    assert Message.objects.count() == 0


def test_allauths_password_reset_shows_in_the_ledger(client):
    # given a user
    User.objects.create_user("ada@example.com", "an old password", role=Role.SALES)

    # when they ask for a password reset
    response = client.post(reverse("account_reset_password"), {"email": "ada@example.com"})

    # then the reset mail is a queued transactional message with the reset link
    assert response.status_code == 302
    [row] = Message.objects.all()
    assert (row.category, row.recipients) == (Category.TRANSACTIONAL, ["ada@example.com"])
    [message] = ledger_messages(to="ada@example.com")
    assert "/accounts/password/reset/key/" in message.get_body(("plain",)).get_content()


def test_sent_messages_read_like_djangos_outbox():
    # given a Django message with an HTML alternative
    message = EmailMultiAlternatives(
        subject="Call <Acme> back",
        body="Hello Ada,\n\nplease call Acme back.\n",
        to=["ada@example.com"],
        cc=["bo@example.com"],
    )
    message.attach_alternative("<p>Hello Ada</p>", "text/html")
    message.send()

    # when a test reads it the way it read mail.outbox
    [sent] = sent_messages(to="ada@example.com")

    # then the attributes are Django's
    assert (sent.subject, sent.body, sent.to, sent.cc, sent.from_email) == (
        "Call <Acme> back",
        "Hello Ada,\n\nplease call Acme back.\n",
        ["ada@example.com"],
        ["bo@example.com"],
        "Tandem <tandem@localhost>",
    )
    assert sent.alternatives == [("<p>Hello Ada</p>", "text/html")]
    assert (sent.status, sent.category) == (Status.QUEUED, Category.TRANSACTIONAL)
    assert [copy.subject for copy in sent_messages(to="bo@example.com")] == ["Call <Acme> back"]


def test_a_message_that_names_its_ledger_key_is_queued_once_under_that_key():
    # given a Django message that says what it is for (a notification's email does)
    def message() -> EmailMultiAlternatives:
        built = EmailMultiAlternatives(subject="Your import finished", body="Done.", to=["ada@example.com"])
        built.ledger_key = "notification:42:email"
        return built

    # when it is sent twice (a retried task)
    assert message().send() == 1
    assert message().send() == 1

    # then the ledger holds one row under that key, its Message-ID derived from it
    [row] = Message.objects.all()
    assert (row.key, row.subject, row.recipients) == (
        "notification:42:email",
        "Your import finished",
        ["ada@example.com"],
    )
    assert row.message_id == message_id_for("notification:42:email", "localhost")
