"""A relay that refuses authentication or TLS: the mail waits (not failed), the relay shows an alert, admins
are notified once, and the alert clears when mail flows again."""

import pytest
from django.utils import timezone

from tandem.core.models import Role, User
from tandem.mail.delivery import deliver_due
from tandem.mail.models import Category, Message, Relay, RelayKind, Security, Status
from tandem.mail.relay import relay_alert
from tandem.mail.services import queue_message
from tandem.mail.testing import running_smtp_server, self_signed_certificate, server_tls_context
from tandem.mail.tests.support import assert_well_formed, make_identity
from tandem.notifications.models import Notification

pytestmark = pytest.mark.django_db


def _relay_row(server, **changes) -> Relay:
    options = {
        "kind": RelayKind.SMTP,
        "host": server.host,
        "port": server.port,
        "security": Security.NONE,
        "timeout_seconds": 5,
        **changes,
    }
    return Relay.objects.create(pk=1, **options)


def _queue() -> Message:
    return queue_message(
        key="alert:1",
        category=Category.PERSONAL,
        to=["ada@example.com"],
        subject="Hi",
        text="Hello",
        identity=make_identity(),
    )


@pytest.fixture
def certificate(tmp_path):
    return self_signed_certificate(tmp_path)


def test_refused_authentication_keeps_the_mail_queued_alerts_once_and_clears_on_success():
    # given a relay that wants other credentials, an admin and a non-admin
    admin = User.objects.create_user("admin@example.com", "x", role=Role.ADMIN)
    User.objects.create_user("rep@example.com", "x", role=Role.SALES)
    with running_smtp_server(credentials=("tandem", "right")) as server:
        relay = _relay_row(server, username="tandem", password="wrong")
        message = _queue()

        # when the worker runs twice
        first = deliver_due(worker="test")
        Message.objects.filter(pk=message.pk).update(send_after_at=timezone.now())
        deliver_due(worker="test")

        # then the message is still queued, its attempt not counted, and the relay shows the alert
        message.refresh_from_db()
        assert (message.status, message.attempts) == (Status.QUEUED, 0)
        expected = (
            f"The relay 127.0.0.1:{server.port} refused the user name and password"
            " (535 5.7.8 Authentication credentials invalid). Check them in the mail settings."
        )
        assert first.relay_problem == expected
        assert relay_alert().message == expected
        # and the admin alone was notified, once
        assert list(Notification.objects.values_list("user__email", "kind", "body")) == [
            ("admin@example.com", "mail.relay_problem", expected)
        ]
        assert server.messages == []

        # when someone fixes the password and the worker runs again
        Relay.objects.filter(pk=relay.pk).update(password="right")
        Message.objects.filter(pk=message.pk).update(send_after_at=timezone.now())
        deliver_due(worker="test")

        # then the message went out and the alert is gone
        message.refresh_from_db()
        assert message.status == Status.SENT
        assert relay_alert() is None
        assert len(server.messages) == 1
    assert admin.pk


def test_an_untrusted_certificate_is_an_alert_not_a_failure(certificate):
    # given a relay offering STARTTLS with a self-signed certificate Tandem does not trust
    with running_smtp_server(starttls=server_tls_context(*certificate)) as server:
        _relay_row(server, security=Security.STARTTLS)
        message = _queue()

        # when the worker runs
        deliver_due(worker="test")

        # then nothing was sent, the message waits, and the alert says why
        message.refresh_from_db()
        assert message.status == Status.QUEUED
        assert relay_alert().message == (
            f"The certificate of the relay 127.0.0.1:{server.port} could not be verified"
            " (self-signed certificate)."
        )
        assert server.messages == []


def test_starttls_with_a_trusted_certificate_delivers(certificate, settings):
    # given the relay's certificate trusted through TANDEM_SMTP_CA_FILE, and a relay wanting AUTH
    settings.TANDEM_SMTP_CA_FILE = str(certificate[0])
    with running_smtp_server(
        starttls=server_tls_context(*certificate), credentials=("tandem", "right")
    ) as server:
        _relay_row(server, security=Security.STARTTLS, username="tandem", password="right")
        message = _queue()

        # when the worker runs
        deliver_due(worker="test")

        # then the message went out over TLS
        message.refresh_from_db()
        assert message.status == Status.SENT
        [received] = server.messages
        assert_well_formed(received.data)


def test_implicit_tls_delivers(certificate, settings):
    # given a relay speaking TLS from the first byte (SMTPS)
    settings.TANDEM_SMTP_CA_FILE = str(certificate[0])
    with running_smtp_server(implicit_tls=server_tls_context(*certificate)) as server:
        _relay_row(server, security=Security.TLS)
        message = _queue()

        # when the worker runs
        deliver_due(worker="test")

        # then the message went out
        message.refresh_from_db()
        assert message.status == Status.SENT
        assert len(server.messages) == 1


def test_a_relay_refusing_starttls_is_an_alert(certificate):
    # given a relay that offers STARTTLS and then answers 454
    with running_smtp_server(starttls=server_tls_context(*certificate), refuse_starttls=True) as server:
        _relay_row(server, security=Security.STARTTLS)
        message = _queue()

        # when the worker runs
        deliver_due(worker="test")

        # then the message waits and the alert quotes the relay
        message.refresh_from_db()
        assert message.status == Status.QUEUED
        assert relay_alert().message == (
            f"The relay 127.0.0.1:{server.port} refused to start TLS"
            " (454 4.7.0 TLS not available due to temporary reason)."
        )


def test_a_relay_without_starttls_is_an_alert_when_starttls_is_required():
    # given a relay that does not offer STARTTLS while the settings require it
    with running_smtp_server() as server:
        _relay_row(server, security=Security.STARTTLS)
        message = _queue()

        # when the worker runs
        deliver_due(worker="test")

        # then nothing leaves in clear text
        message.refresh_from_db()
        assert message.status == Status.QUEUED
        assert relay_alert().message.startswith(f"The relay 127.0.0.1:{server.port} does not offer STARTTLS")
        assert server.messages == []


def test_after_a_refused_login_the_rest_of_the_batch_waits_untried():
    # given a relay refusing the credentials and three queued messages
    identity = make_identity()
    with running_smtp_server(credentials=("tandem", "right")) as server:
        _relay_row(server, username="tandem", password="wrong")
        for number in range(3):
            queue_message(
                key=f"batch:{number}",
                category=Category.PERSONAL,
                to=[f"person{number}@example.com"],
                subject="Hi",
                text="Hello",
                identity=identity,
            )

        # when the worker runs
        summary = deliver_due(worker="test")

        # then all three wait for the relay, their attempts not counted, and nothing reached it
        assert (summary.waiting_for_relay, summary.sent, summary.retried) == (3, 0, 0)
        assert server.handler.transactions == 0
    assert set(Message.objects.values_list("status", "attempts")) == {(Status.QUEUED, 0)}


def test_a_relay_refusing_the_connection_at_its_greeting_is_an_alert_not_a_failure():
    # given a relay that greets with 554 (a plain socket server: aiosmtpd always greets with 220)
    import socket
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]

    def refuse() -> None:
        connection, _address = listener.accept()
        connection.sendall(b"554 5.7.1 No SMTP service here\r\n")
        connection.close()

    thread = threading.Thread(target=refuse, daemon=True)
    thread.start()
    Relay.objects.create(
        pk=1, kind=RelayKind.SMTP, host="127.0.0.1", port=port, security=Security.NONE, timeout_seconds=5
    )
    message = _queue()

    # when the worker runs
    deliver_due(worker="test")
    thread.join(timeout=5)
    listener.close()

    # then the message waits for the relay, and the alert quotes it
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.QUEUED, 0)
    assert (
        relay_alert().message
        == f"The relay 127.0.0.1:{port} refused the connection (554 5.7.1 No SMTP service here)."
    )


def test_an_unreadable_relay_password_holds_the_mail_without_a_login_alerts_once_and_resumes(settings):
    # given an SMTP relay with auth whose password was stored under another encryption key
    admin = User.objects.create_user("admin@example.com", "x", role=Role.ADMIN)
    settings.TANDEM_ENCRYPTION_KEY = "the key the password was written with"
    with running_smtp_server(credentials=("tandem", "right")) as server:
        relay = _relay_row(server, username="tandem", password="right")
        message = _queue()
        settings.TANDEM_ENCRYPTION_KEY = "another key altogether"

        # when the worker runs twice
        first = deliver_due(worker="test")
        Message.objects.filter(pk=message.pk).update(send_after_at=timezone.now())
        second = deliver_due(worker="test")

        # then it never tried to log in, the message waits untried, and the alert says why, once
        expected = (
            "The relay's stored password can no longer be read (Tandem's encryption key changed): re-enter the"
            " password in the mail settings. Mail waits in the queue until then."
        )
        assert server.logins == []
        assert server.messages == []
        message.refresh_from_db()
        assert (message.status, message.attempts, message.worker) == (Status.QUEUED, 0, "")
        assert (first.relay_problem, second.relay_problem, first.handled) == (expected, expected, 0)
        assert relay_alert().message == expected
        assert list(Notification.objects.values_list("user__email", "kind", "body")) == [
            ("admin@example.com", "mail.relay_problem", expected)
        ]

        # when an admin enters the password again and the worker runs
        relay.refresh_from_db()
        relay.password = "right"
        relay.save(update_fields=["password"])
        deliver_due(worker="test")

        # then it logs in with it, the message goes out and the alert is gone
        message.refresh_from_db()
        assert message.status == Status.SENT
        assert server.logins == [("tandem", "right")]
        assert len(server.messages) == 1
        assert relay_alert() is None
    assert admin.pk


def test_an_unreadable_provider_api_key_holds_the_mail_too(settings):
    from tandem.core import secrets

    settings.TANDEM_ENCRYPTION_KEY = "the key the API key was written with"
    Relay.objects.create(
        pk=1,
        kind=RelayKind.PROVIDER,
        provider="postmark",
        provider_settings={"api_key": secrets.encrypt("k")},
    )
    message = _queue()
    settings.TANDEM_ENCRYPTION_KEY = "another key altogether"

    summary = deliver_due(worker="test")

    assert summary.relay_problem == (
        "The relay's stored API key can no longer be read (Tandem's encryption key changed): re-enter the"
        " API key in the mail settings. Mail waits in the queue until then."
    )
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.QUEUED, 0)
