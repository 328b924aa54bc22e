"""Mailbox and relay passwords and the provider's API key are encrypted at rest: the raw columns never hold
them in plain text, the pages never show them back, a key change asks for them again (never a 500), and the
migration encrypts what was stored before."""

import json
import socket

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from tandem.contacts.tests.factories import UserFactory
from tandem.core import secrets
from tandem.core.models import Role
from tandem.mail.models import InboundMailbox, Relay, RelayKind
from tandem.mail.relay import current_relay
from tandem.mail.services import inbound as inbound_services
from tandem.mail.services.relay_settings import update_relay

pytestmark = pytest.mark.django_db

ROTATED_KEY = "the encryption key after a rotation"
MAILBOX_FORM = {
    "name": "Sales replies", "host": "imap.example.com", "security": "tls", "port": "993",
    "username": "sales@example.com", "password": "s3cret-imap", "folder": "INBOX", "enabled": "on",
}  # fmt: skip


def raw_column(table: str, column: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table}")  # noqa: S608 (test constants)
        [(value,)] = cursor.fetchall()
    return value if isinstance(value, str) else json.dumps(value)


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(role=Role.ADMIN))
    return client


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_mailbox_password_is_encrypted_in_its_column_and_never_shown(admin_client):
    # When an admin connects a mailbox
    response = admin_client.post(reverse("mail:inbound_list"), MAILBOX_FORM)
    mailbox = InboundMailbox.objects.get()
    assert response.status_code == 302

    # Then the column holds a token, not the password, and the model reads the password
    stored = raw_column("mail_inboundmailbox", "password")
    assert stored.startswith("fernet:")
    assert "s3cret-imap" not in stored
    assert mailbox.password == "s3cret-imap"
    # and the page shows neither
    page = admin_client.get(reverse("mail:inbound_detail", args=[mailbox.pk])).content.decode()
    assert "s3cret-imap" not in page
    assert stored[7:40] not in page
    assert "Leave empty to keep the stored password." in page


def test_relay_password_and_provider_key_are_encrypted_and_the_worker_reads_them():
    admin = UserFactory(role=Role.ADMIN)
    update_relay(
        actor=admin, kind=RelayKind.SMTP, host="smtp.example.com", port="587", security="starttls",
        username="tandem", password="smtp-s3cret", connections="1", timeout_seconds="30",
    )  # fmt: skip
    stored = raw_column("mail_relay", "password")
    assert stored.startswith("fernet:") and "smtp-s3cret" not in stored
    assert current_relay().password == "smtp-s3cret"

    update_relay(actor=admin, kind=RelayKind.PROVIDER, provider="postmark", provider_api_key="pm-key-123")
    settings_column = raw_column("mail_relay", "provider_settings")
    assert "pm-key-123" not in settings_column
    assert json.loads(settings_column)["api_key"].startswith("fernet:")
    assert current_relay().provider_settings == {"api_key": "pm-key-123"}
    # the same key entered again is no change (compared with what it decrypts to, not with the token)
    before = LogEntry.objects.count()
    update_relay(actor=admin, kind=RelayKind.PROVIDER, provider="postmark", provider_api_key="pm-key-123")
    assert LogEntry.objects.count() == before


def test_after_a_key_change_the_pages_ask_for_the_secrets_again_and_nothing_fails(admin_client, settings):
    settings.TANDEM_ENCRYPTION_KEY = "the encryption key the secrets were written with"
    # Given a mailbox (on a port where nothing listens) and an SMTP relay with a password and a provider key
    mailbox = InboundMailbox.objects.create(
        name="Local", host="127.0.0.1", port=unused_port(), security="none", username="u", password="imap-pw"
    )
    Relay.objects.create(
        pk=1, kind=RelayKind.SMTP, host="smtp.example.com", password="smtp-pw",
        provider_settings={"api_key": secrets.encrypt("pm-key")},
    )  # fmt: skip
    stored = raw_column("mail_inboundmailbox", "password")

    # When the key they were encrypted with changes
    settings.TANDEM_ENCRYPTION_KEY = ROTATED_KEY

    # Then the pages open and say to re-enter them
    mailbox_page = admin_client.get(reverse("mail:inbound_detail", args=[mailbox.pk]))
    relay_page = admin_client.get(reverse("mail:settings"))
    assert (mailbox_page.status_code, relay_page.status_code) == (200, 200)
    message = "The stored password can no longer be read (Tandem&#x27;s encryption key changed): re-enter the password."
    assert message in mailbox_page.content.decode()
    assert message in relay_page.content.decode()
    assert "re-enter the API key." in relay_page.content.decode()
    # a poll does not try to log in with nothing: it records why on the mailbox
    report = inbound_services.poll_mailbox(mailbox=mailbox)
    assert report.error == secrets.unreadable_message("password")
    mailbox.refresh_from_db()
    assert (mailbox.last_result, mailbox.last_message) == ("failed", secrets.unreadable_message("password"))
    # saving the mailbox's other settings with the password left blank keeps the stored token as it was
    form = {
        **MAILBOX_FORM,
        "host": "127.0.0.1",
        "security": "none",
        "port": str(mailbox.port),
        "password": "",
    }
    assert admin_client.post(reverse("mail:inbound_detail", args=[mailbox.pk]), form).status_code == 302
    assert raw_column("mail_inboundmailbox", "password") == stored
    # and a password entered again is stored with the new key
    admin_client.post(reverse("mail:inbound_detail", args=[mailbox.pk]), {**form, "password": "new-imap-pw"})
    mailbox.refresh_from_db()
    assert mailbox.password == "new-imap-pw"


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_the_secrets_stored_before_and_decrypts_them_backwards():
    # Given the mail app before encryption, with plain-text secrets stored
    executor = MigrationExecutor(connection)
    before = [("mail", "0009_inbound_check_requested")]
    executor.migrate(before)
    old_apps = executor.loader.project_state(before).apps
    old_apps.get_model("mail", "InboundMailbox").objects.create(
        name="Old", host="imap.example.com", username="u", password="plain-imap"
    )
    old_apps.get_model("mail", "Relay").objects.create(
        pk=1,
        kind="provider",
        password="plain-smtp",
        provider="postmark",
        provider_settings={"api_key": "plain-key"},
    )

    # When it migrates forward
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())  # every app: going back unapplied mail's dependents too

    # Then every secret is a token in its column, and reads as it was
    assert raw_column("mail_inboundmailbox", "password").startswith("fernet:")
    assert raw_column("mail_relay", "password").startswith("fernet:")
    assert "plain-key" not in raw_column("mail_relay", "provider_settings")
    relay = Relay.objects.get()
    assert (InboundMailbox.objects.get().password, relay.password, relay.provider_api_key) == (
        "plain-imap", "plain-smtp", "plain-key",
    )  # fmt: skip

    # and backwards, the plain values come back
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    assert raw_column("mail_inboundmailbox", "password") == "plain-imap"
    assert raw_column("mail_relay", "password") == "plain-smtp"
    assert json.loads(raw_column("mail_relay", "provider_settings")) == {"api_key": "plain-key"}
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())  # every app: going back unapplied mail's dependents too
