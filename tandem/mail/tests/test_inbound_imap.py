"""Inbound mail against a real IMAP server (dovecot on loopback, see imap_server.py): threading, the
opt-in for other mail, large and malformed messages, a server that is down or refuses the login, an
auto-reply loop, restarts and a renumbered folder."""

import contextlib
import io
import socket
import time

import pytest
from django.core.management import call_command
from django.urls import reverse

from tandem.contacts.models import Activity
from tandem.contacts.tests.factories import ContactFactory, UserFactory
from tandem.core.models import Role
from tandem.mail.inbound import imap
from tandem.mail.inbound.tasks import poll_inbound_mailboxes
from tandem.mail.models import Identity, InboundKind, InboundMessage, Message, PollResult, SkippedMessage
from tandem.mail.services import inbound as services
from tandem.mail.tests.imap_server import dovecot, dovecot_tls  # noqa: F401 (the fixtures)
from tandem.mail.tests.inbound_helpers import PASSWORD, mail, mailbox_for, sent_message
from tandem.notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_a_reply_threaded_by_in_reply_to_is_kept_on_the_timeline_and_notifies_the_sender(dovecot):  # noqa: F811
    # Given a 1:1 email Sam sent to Dana, and Dana's reply in the mailbox
    message = sent_message()
    mailbox = mailbox_for(dovecot, "in-reply-to@tandem.example")
    dovecot.append(mailbox.username, PASSWORD, mail(in_reply_to=message.message_id))

    # When the mailbox is polled
    report = services.poll_mailbox(mailbox=mailbox)

    # Then the reply is kept, threaded to the message, on Dana's and Acme's timelines, and Sam is told
    assert report.error == ""
    assert (report.seen, report.replies) == (1, 1)
    inbound = InboundMessage.objects.get()
    assert (inbound.answers, inbound.contact, inbound.kind) == (message, message.contact, InboundKind.REPLY)
    assert (inbound.from_address, inbound.from_name, inbound.subject) == (
        "dana@customer.example", "Dana Reyes", "Re: Your quote",
    )  # fmt: skip
    assert inbound.text == "Thanks, that works for us.\n\nOn Monday Sam wrote:\n> here is the quote"
    assert inbound.is_auto_reply is False
    entry = Activity.objects.get(kind=services.EMAIL_REPLIED)
    assert (entry.contact, entry.company) == (message.contact, message.contact.company)
    assert (entry.subject_type, entry.subject_id) == ("inbound_email", inbound.pk)
    assert entry.body == "Thanks, that works for us."
    notification = Notification.objects.get()
    assert (notification.user, notification.kind, notification.key) == (
        message.sender, "mail.reply_received", f"reply:{inbound.pk}",
    )  # fmt: skip
    assert notification.title == "Dana Reyes replied: Re: Your quote"
    assert notification.url == f"/mail/conversations/{message.pk}/"
    mailbox.refresh_from_db()
    assert (mailbox.last_result, mailbox.last_uid) == (PollResult.OK, 1)
    assert mailbox.last_message == "1 new message, 1 reply."


def test_a_reply_threaded_only_by_references_is_kept(dovecot):  # noqa: F811
    # Given a reply whose In-Reply-To names a message of the contact's own thread, and whose References end
    # with... the message Tandem sent somewhere in the middle
    message = sent_message()
    mailbox = mailbox_for(dovecot, "references@tandem.example")
    references = f"<start@customer.example> {message.message_id} <colleague@customer.example>"
    dovecot.append(mailbox.username, PASSWORD, mail(in_reply_to=None, references=references))

    # When the mailbox is polled
    services.poll_mailbox(mailbox=mailbox)

    # Then the reply is threaded to the sent message
    inbound = InboundMessage.objects.get()
    assert inbound.answers == message
    assert Notification.objects.count() == 1


def test_mail_from_a_known_contact_that_is_no_reply_is_kept_only_when_the_mailbox_opts_in(dovecot):  # noqa: F811
    # Given a contact, and two mailboxes that receive the same mail from them, one opted in
    contact = ContactFactory(first_name="Lee", last_name="Park", email="lee@customer.example")
    opted_out = mailbox_for(dovecot, "opted-out@tandem.example")
    opted_in = mailbox_for(dovecot, "opted-in@tandem.example", log_unsolicited=True)
    note = mail(
        from_="Lee <LEE@customer.example>", subject="Question about pricing", message_id="<q@c.example>"
    )
    dovecot.append(opted_out.username, PASSWORD, note)
    dovecot.append(opted_in.username, PASSWORD, note)

    # When both are polled
    report_out = services.poll_mailbox(mailbox=opted_out)
    report_in = services.poll_mailbox(mailbox=opted_in)

    # Then only the opted-in mailbox keeps it, on the contact's timeline, and nobody is notified
    assert (report_out.ignored, report_in.other_mail) == (1, 1)
    inbound = InboundMessage.objects.get()
    assert (inbound.mailbox, inbound.contact, inbound.kind, inbound.answers) == (
        opted_in, contact, InboundKind.UNSOLICITED, None,
    )  # fmt: skip
    assert list(Activity.objects.values_list("kind", "contact")) == [(services.EMAIL_RECEIVED, contact.pk)]
    assert Notification.objects.count() == 0
    opted_out.refresh_from_db()
    assert opted_out.last_uid == 1


def test_mail_from_an_unknown_sender_is_not_kept(dovecot):  # noqa: F811
    # Given an opted-in mailbox and mail from nobody Tandem knows, answering nothing
    mailbox = mailbox_for(dovecot, "unknown@tandem.example", log_unsolicited=True)
    dovecot.append(mailbox.username, PASSWORD, mail(from_="stranger@elsewhere.example", subject="Hello"))

    # When it is polled
    report = services.poll_mailbox(mailbox=mailbox)

    # Then nothing is kept, and the UID is past
    assert (report.seen, report.ignored) == (1, 1)
    assert InboundMessage.objects.count() == Activity.objects.count() == 0
    mailbox.refresh_from_db()
    assert mailbox.last_uid == 1


def test_a_30_mb_reply_is_handled_from_its_headers_only(dovecot):  # noqa: F811
    # Given a reply with a 30 MB attachment (above the 10 MB default)
    message = sent_message()
    mailbox = mailbox_for(dovecot, "large@tandem.example")
    big = mail(in_reply_to=message.message_id, attachment=b"x" * (30 * 1024 * 1024))
    dovecot.append(mailbox.username, PASSWORD, big)

    # When the mailbox is polled
    report = services.poll_mailbox(mailbox=mailbox)

    # Then it is threaded from its headers and noted as too large, without its text
    assert (report.too_large, report.replies) == (1, 1)
    inbound = InboundMessage.objects.get()
    assert (inbound.answers, inbound.too_large, inbound.text) == (message, True, "")
    assert inbound.size > 40 * 1024 * 1024  # base64 grows the 30 MB by a third
    assert Notification.objects.count() == 1


def test_a_malformed_message_is_skipped_with_its_uid_and_the_next_one_is_handled(dovecot):  # noqa: F811
    # Given a message without headers, one with broken encodings, then a good reply
    message = sent_message()
    mailbox = mailbox_for(dovecot, "malformed@tandem.example")
    no_headers = b"\r\nthis message has no headers at all\r\n"
    bad_encodings = (
        b"From: =?utf-8?B?!!!not-base64?= <dana@customer.example>\r\nSubject: =?x-unknown?Q?=FF=FE?=\r\n"
        b"Message-ID: <bad@customer.example>\r\nIn-Reply-To: " + message.message_id.encode() + b"\r\n"
        b'Content-Type: multipart/alternative; boundary="missing"\r\n\r\n--other\r\n'
        b"Content-Type: text/plain; charset=x-no-such-charset\r\n\r\n\xff\xfe caf\xe9\r\n"
    )
    good = mail(in_reply_to=message.message_id, message_id="<good@customer.example>")
    dovecot.append(mailbox.username, PASSWORD, no_headers, bad_encodings, good)

    # When the mailbox is polled
    report = services.poll_mailbox(mailbox=mailbox)

    # Then the headerless message is skipped by UID, the badly encoded one is still read, and so is the good one
    assert report.error == ""
    assert (report.seen, report.skipped, report.replies) == (3, 1, 2)
    skipped = SkippedMessage.objects.get()
    assert (skipped.uid, skipped.mailbox) == (1, mailbox)
    assert skipped.reason == "The message has no headers."
    assert sorted(InboundMessage.objects.values_list("uid", flat=True)) == [2, 3]
    mailbox.refresh_from_db()
    assert (mailbox.last_uid, mailbox.last_result) == (3, PollResult.OK)


def test_a_server_that_is_down_is_recorded_on_the_mailbox_and_retried(dovecot):  # noqa: F811
    # Given a mailbox whose server port is closed
    mailbox = mailbox_for(dovecot, "down@tandem.example")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    mailbox.port = closed_port
    mailbox.save()

    # When it is polled
    report = services.poll_mailbox(mailbox=mailbox)

    # Then the error is on the row, and the next poll (once the server is back) reads the mail
    mailbox.refresh_from_db()
    assert report.error == f"127.0.0.1:{closed_port} refused the connection (is the IMAP server running?)."
    assert (mailbox.last_result, mailbox.last_message) == (PollResult.FAILED, report.error)
    assert mailbox.lease_until is None  # released: the next poll claims it at once
    message = sent_message()
    dovecot.append(mailbox.username, PASSWORD, mail(in_reply_to=message.message_id))
    mailbox.port = dovecot.port
    mailbox.save()
    assert services.poll_mailbox(mailbox=mailbox).replies == 1
    mailbox.refresh_from_db()
    assert mailbox.last_result == PollResult.OK


def test_a_wrong_password_is_recorded_on_the_mailbox(dovecot):  # noqa: F811
    # Given a mailbox with the wrong password
    mailbox = mailbox_for(dovecot, "wrong@tandem.example")
    mailbox.password = "not-the-password"  # noqa: S105
    mailbox.save()

    # When it is polled
    report = services.poll_mailbox(mailbox=mailbox)

    # Then the refusal is recorded and nothing else happened
    mailbox.refresh_from_db()
    assert report.error.startswith(f"127.0.0.1:{dovecot.port} refused the login of wrong@tandem.example: ")
    assert (mailbox.last_result, mailbox.uidvalidity, mailbox.last_uid) == (PollResult.FAILED, None, 0)


def test_a_server_that_never_answers_times_out_and_is_recorded(settings):
    # Given a socket that accepts connections but never greets (a hung server)
    settings.TANDEM_INBOUND_TIMEOUT = 1
    with socket.socket() as hung:
        hung.bind(("127.0.0.1", 0))
        hung.listen(5)
        from tandem.mail.models import InboundMailbox

        mailbox = InboundMailbox.objects.create(
            name="Hung",
            host="127.0.0.1",
            port=hung.getsockname()[1],
            security="none",
            username="u",
            password="p",
        )

        # When it is polled
        started = time.monotonic()
        report = services.poll_mailbox(mailbox=mailbox)

    # Then the poll gave up after the timeout and said so
    assert time.monotonic() - started < 5
    assert report.error == f"127.0.0.1:{mailbox.port} did not answer within 1 seconds."
    mailbox.refresh_from_db()
    assert mailbox.last_result == PollResult.FAILED


def test_a_loop_of_200_auto_replies_creates_no_storm(dovecot):  # noqa: F811
    # Given one sent message and 200 automatic replies to it (an out-of-office answering itself)
    message = sent_message()
    mailbox = mailbox_for(dovecot, "loop@tandem.example")
    replies = [
        mail(
            in_reply_to=message.message_id, message_id=f"<auto-{number}@customer.example>",
            subject="Automatic reply: Your quote", headers={"Auto-Submitted": "auto-replied"},
            text="I am out of the office until Monday.",
        )
        for number in range(200)
    ]  # fmt: skip
    dovecot.append(mailbox.username, PASSWORD, *replies)
    ledger_before = Message.objects.count()

    # When the mailbox is polled
    report = services.poll_mailbox(mailbox=mailbox)

    # Then all are kept as automatic, one timeline line, no notification, and no mail goes out
    assert (report.seen, report.automatic) == (200, 200)
    assert InboundMessage.objects.filter(is_auto_reply=True).count() == 200
    assert InboundMessage.objects.first().auto_reply_reason == "Auto-Submitted: auto-replied"
    assert Activity.objects.filter(kind=services.EMAIL_REPLIED).count() == 1
    assert Notification.objects.count() == 0
    assert Message.objects.count() == ledger_before == 1


def test_the_same_message_seen_again_after_a_restart_is_handled_once(dovecot):  # noqa: F811
    # Given a reply that was polled once
    message = sent_message()
    mailbox = mailbox_for(dovecot, "restart@tandem.example")
    dovecot.append(mailbox.username, PASSWORD, mail(in_reply_to=message.message_id))
    services.poll_mailbox(mailbox=mailbox, worker="worker-1")

    # When another worker polls (a restart), and then one that lost the state starts from UID 0
    again = services.poll_mailbox(mailbox=mailbox, worker="worker-2")
    mailbox.last_uid = 0
    mailbox.save()
    lost_state = services.poll_mailbox(mailbox=mailbox, worker="worker-3")

    # Then the message was handled once: one row, one timeline entry, one notification
    assert again.seen == 0
    assert (lost_state.seen, lost_state.duplicates) == (1, 1)
    assert InboundMessage.objects.count() == 1
    assert Activity.objects.filter(kind=services.EMAIL_REPLIED).count() == 1
    assert Notification.objects.count() == 1


def test_a_renumbered_folder_is_read_again_without_duplicates(dovecot):  # noqa: F811
    # Given a folder that was polled, then deleted and created again with the old message and a new one
    message = sent_message()
    mailbox = mailbox_for(dovecot, "renumbered@tandem.example", folder="Replies")
    first = mail(in_reply_to=message.message_id, message_id="<first@customer.example>")
    dovecot.append(mailbox.username, PASSWORD, first, folder="Replies")
    services.poll_mailbox(mailbox=mailbox)
    mailbox.refresh_from_db()
    old_uidvalidity = mailbox.uidvalidity
    time.sleep(1.1)  # dovecot derives a new UIDVALIDITY from the clock
    with dovecot.session(mailbox.username, PASSWORD) as client:
        client.delete("Replies")
    second = mail(in_reply_to=message.message_id, message_id="<second@customer.example>")
    dovecot.append(mailbox.username, PASSWORD, first, second, folder="Replies")
    new_uidvalidity = dovecot.uidvalidity(mailbox.username, PASSWORD, "Replies")
    assert new_uidvalidity != old_uidvalidity

    # When it is polled again
    report = services.poll_mailbox(mailbox=mailbox)

    # Then both messages are read under the new UIDVALIDITY, and the old one is not kept twice
    assert (report.seen, report.duplicates, report.replies) == (2, 1, 1)
    assert sorted(InboundMessage.objects.values_list("message_id", "uidvalidity")) == [
        ("<first@customer.example>", old_uidvalidity), ("<second@customer.example>", new_uidvalidity),
    ]  # fmt: skip
    mailbox.refresh_from_db()
    assert (mailbox.uidvalidity, mailbox.last_uid) == (new_uidvalidity, 2)
    assert Notification.objects.count() == 2


def test_a_reply_to_a_plus_address_is_threaded_without_headers(dovecot):  # noqa: F811
    # Given a mailbox with a reply address, a message queued with the Reply-To it gives, and a reply that
    # names nothing but that address
    identity = Identity.objects.create(from_name="Sam", address="sam@sales.example")
    mailbox = mailbox_for(
        dovecot, "plus@tandem.example", reply_address="reply@tandem.example", identity=identity
    )
    address = services.reply_address_for(key="personal:plus", identity=identity)
    message = sent_message(key="personal:plus", reply_to=address, identity=identity)
    dovecot.append(mailbox.username, PASSWORD, mail(to=address))

    # When it is polled
    services.poll_mailbox(mailbox=mailbox)

    # Then it is threaded to the message the token names, and the sent message asked for replies there
    assert InboundMessage.objects.get().answers == message
    assert f"Reply-To: {address}".encode() in bytes(message.raw)
    assert address.startswith("reply+") and address.endswith("@tandem.example")


def test_a_forged_plus_address_threads_nothing(dovecot):  # noqa: F811
    # Given a reply to a plus address whose signature was changed
    mailbox = mailbox_for(dovecot, "forged@tandem.example", reply_address="reply@tandem.example")
    address = services.reply_address_for(key="personal:forged", identity=None)
    sent_message(key="personal:forged", reply_to=address)
    local, _, domain = address.partition("@")
    forged = f"{local[:-1]}{'0' if local[-1] != '0' else '1'}@{domain}"
    dovecot.append(mailbox.username, PASSWORD, mail(to=forged))

    # When it is polled
    report = services.poll_mailbox(mailbox=mailbox)

    # Then nothing is kept
    assert report.ignored == 1
    assert InboundMessage.objects.count() == 0


def test_an_unencrypted_connection_to_another_host_is_refused_before_connecting():
    # Given a server address that is not this machine
    address = imap.ServerAddress(
        host="imap.example.com", port=143, security="none", username="u", password="p", folder="INBOX"
    )

    # When a session is opened, Then the password is never sent
    with pytest.raises(imap.MailboxUnavailable) as refused, imap.connect(address):
        pass
    assert str(refused.value) == (
        "Refusing to send the password to imap.example.com:143 unencrypted: choose TLS or STARTTLS."
    )


@pytest.mark.parametrize("security", ["tls", "starttls"])
def test_a_server_whose_certificate_cannot_be_verified_is_refused_with_a_reason(dovecot_tls, security):  # noqa: F811
    # Given a server with a self-signed certificate, over IMAPS and over STARTTLS
    port = dovecot_tls.tls_port if security == "tls" else dovecot_tls.port
    mailbox = mailbox_for(dovecot_tls, f"{security}@tandem.example", security=security, port=port)

    # When it is polled
    report = services.poll_mailbox(mailbox=mailbox)

    # Then the password was never sent, and the page says the certificate is the problem
    assert report.error.startswith(f"127.0.0.1:{port}: the TLS certificate could not be verified")
    mailbox.refresh_from_db()
    assert (mailbox.last_result, mailbox.uidvalidity) == (PollResult.FAILED, None)


def test_the_command_polls_every_enabled_mailbox_once(dovecot):  # noqa: F811
    # Given an enabled mailbox with a reply, and a paused one
    message = sent_message()
    mailbox = mailbox_for(dovecot, "command@tandem.example", name="Sales replies")
    mailbox_for(dovecot, "paused@tandem.example", name="Paused", enabled=False)
    dovecot.append(mailbox.username, PASSWORD, mail(in_reply_to=message.message_id))
    output = io.StringIO()

    # When `manage.py poll_mailboxes --once` runs
    call_command("poll_mailboxes", "--once", stdout=output)

    # Then the enabled one was read and reported
    assert output.getvalue() == "Sales replies: 1 new message, 1 reply.\n"
    assert InboundMessage.objects.count() == 1


def test_the_periodic_task_polls_the_enabled_mailboxes(dovecot):  # noqa: F811
    # Given an enabled mailbox with two messages
    message = sent_message()
    mailbox = mailbox_for(dovecot, "task@tandem.example")
    dovecot.append(
        mailbox.username, PASSWORD, mail(in_reply_to=message.message_id), mail(message_id="<other@c.example>")
    )

    # When the worker's every-minute task runs
    seen = poll_inbound_mailboxes.call_local()

    # Then it read both
    assert seen == 2


def test_only_the_headers_of_mail_that_is_not_for_tandem_are_downloaded(dovecot):  # noqa: F811
    # Given a newsletter nobody in Tandem sent anything to, then a reply
    message = sent_message()
    mailbox = mailbox_for(dovecot, "headers-first@tandem.example")
    newsletter = mail(from_="news@shop.example", subject="Sale!", message_id="<news@shop.example>")
    dovecot.append(mailbox.username, PASSWORD, newsletter, mail(in_reply_to=message.message_id))
    fetched = []

    @contextlib.contextmanager
    def recording_connect(address):
        with imap.connect(address) as session:
            real_fetch = session.fetch

            def fetch(uid, *, headers_only=False):
                fetched.append((uid, "headers" if headers_only else "whole"))
                return real_fetch(uid, headers_only=headers_only)

            session.fetch = fetch
            yield session

    # When the mailbox is polled
    services.poll_mailbox(mailbox=mailbox, connect=recording_connect)

    # Then the newsletter's body stayed on the server; the reply was read whole
    assert fetched == [(1, "headers"), (2, "headers"), (2, "whole")]
    assert InboundMessage.objects.get().uid == 2


def test_check_now_reads_the_mailbox_and_says_what_it_found(
    client,
    dovecot,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    # Given a mailbox with a reply, and an admin on its page
    message = sent_message()
    mailbox = mailbox_for(dovecot, "check-now@tandem.example", name="Sales replies")
    dovecot.append(mailbox.username, PASSWORD, mail(in_reply_to=message.message_id))
    client.force_login(UserFactory(role=Role.ADMIN))

    # When they press Check now and the worker runs the poll it queued
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("mail:inbound_check", args=[mailbox.pk]))

    # Then the page says what was read, and the reply is listed as kept
    content = client.get(reverse("mail:inbound_detail", args=[mailbox.pk])).content.decode()
    assert "<bdi>1 new message, 1 reply.</bdi>" in content
    assert "Working" in content
    assert reverse("mail:conversation", args=[message.pk]) in content
