"""The relay settings: validation, write-only secrets, the audit row, the test message and its live status."""

from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tandem.contacts.tests.factories import UserFactory
from tandem.core.models import Role
from tandem.mail.models import Category, Message, Relay, RelayKind, Status
from tandem.mail.selectors import relay_settings
from tandem.mail.services.relay_settings import send_test_message, update_relay

pytestmark = pytest.mark.django_db

SMTP = {
    "kind": RelayKind.SMTP,
    "host": "smtp.example.com",
    "port": "587",
    "security": "starttls",
    "username": "tandem",
    "password": "s3cret-pass",
    "connections": "2",
    "timeout_seconds": "30",
}


def test_saving_an_smtp_relay_stores_it_and_audits_it_without_the_password():
    admin = UserFactory(email="admin@example.com")

    relay = update_relay(actor=admin, **SMTP)

    assert (relay.kind, relay.host, relay.port, relay.password, relay.connections) == (
        "smtp",
        "smtp.example.com",
        587,
        "s3cret-pass",
        2,
    )
    entry = LogEntry.objects.get(additional_data__event="mail_relay_changed")
    assert entry.changes["password"] == ["not set", "changed"]
    assert entry.changes["host"] == ["", "smtp.example.com"]
    assert "s3cret-pass" not in str(entry.changes)


def test_no_tls_is_allowed_with_a_password_only_to_a_relay_on_this_machine():
    admin = UserFactory()

    relay = update_relay(actor=admin, **{**SMTP, "host": "localhost", "port": "25", "security": "none"})

    assert (relay.host, relay.security, relay.password) == ("localhost", "none", "s3cret-pass")


def test_switching_to_the_mailbox_keeps_the_smtp_settings_whatever_the_hidden_fields_sent():
    admin = UserFactory()
    update_relay(actor=admin, **SMTP)

    relay = update_relay(actor=admin, **{**SMTP, "kind": RelayKind.MAILBOX, "port": "", "host": "not a host"})

    assert (relay.kind, relay.host, relay.port, relay.password) == (
        "mailbox",
        "smtp.example.com",
        587,
        "s3cret-pass",
    )


def test_a_blank_password_keeps_the_stored_one():
    admin = UserFactory()
    update_relay(actor=admin, **SMTP)

    relay = update_relay(actor=admin, **{**SMTP, "password": "", "host": "smtp2.example.com"})

    assert (relay.host, relay.password) == ("smtp2.example.com", "s3cret-pass")


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"host": ""}, {"host": ["Enter the SMTP relay's host name, e.g. smtp.example.com."]}),
        (
            {"host": "smtp://x.example"},
            {"host": ["Enter a host name like smtp.example.com (no scheme, no port)."]},
        ),
        ({"port": "0"}, {"port": ["The port is a number from 1 to 65535 (usually 587 or 465)."]}),
        ({"port": "70000"}, {"port": ["The port is a number from 1 to 65535 (usually 587 or 465)."]}),
        ({"port": "abc"}, {"port": ["The port is a number from 1 to 65535 (usually 587 or 465)."]}),
        ({"connections": "11"}, {"connections": ["Use 1 to 10 connections."]}),
        ({"timeout_seconds": "0"}, {"timeout_seconds": ["The timeout is 1 to 300 seconds."]}),
        ({"username": "a\r\nb"}, {"username": ["This field cannot contain a line break."]}),
        ({"username": ""}, {"username": ["A password needs a username."]}),
        (
            {"security": "none"},
            {
                "security": [
                    "A password is never sent unencrypted to another machine: choose STARTTLS or TLS, "
                    "or remove the password."
                ]
            },
        ),
    ],
)
def test_bad_smtp_settings_are_refused_with_a_clear_message_and_nothing_changes(changes, errors):
    admin = UserFactory()

    with pytest.raises(ValidationError) as raised:
        update_relay(actor=admin, **{**SMTP, **changes})

    assert raised.value.message_dict == errors
    assert (relay_settings().kind, LogEntry.objects.count()) == ("mailbox", 0)


def test_a_provider_needs_its_api_key_which_is_write_only():
    admin = UserFactory()
    with pytest.raises(ValidationError) as raised:
        update_relay(actor=admin, kind=RelayKind.PROVIDER, provider="postmark")
    assert raised.value.message_dict == {"provider_api_key": ["Enter the Postmark API key."]}

    update_relay(actor=admin, kind=RelayKind.PROVIDER, provider="postmark", provider_api_key="pm-key")
    relay = update_relay(actor=admin, kind=RelayKind.PROVIDER, provider="postmark", provider_api_key="")

    assert (relay.provider, relay.provider_api_key) == ("postmark", "pm-key")
    # kept encrypted in the settings (tandem.core.secrets), never as typed
    assert list(relay.provider_settings) == ["api_key"]
    assert relay.provider_settings["api_key"].startswith("fernet:")


def test_amazon_ses_needs_a_key_id_and_a_region():
    admin = UserFactory()

    with pytest.raises(ValidationError) as raised:
        update_relay(
            actor=admin,
            kind=RelayKind.PROVIDER,
            provider="amazon_ses",
            provider_api_key="x",
            provider_region="mars",
        )

    assert raised.value.message_dict == {
        "provider_key_id": ["Enter the access key ID."],
        "provider_region": ["Enter the AWS region, e.g. eu-west-1."],
    }


def test_a_non_admin_cannot_change_the_relay_or_send_a_test_and_nothing_happens():
    marketer = UserFactory(role=Role.MARKETING)
    client = Client()
    client.force_login(marketer)
    log_count = LogEntry.objects.count()

    with pytest.raises(PermissionDenied):
        update_relay(actor=marketer, **SMTP)
    responses = [
        client.get(reverse("mail:settings")).status_code,
        client.post(reverse("mail:settings"), SMTP).status_code,
        client.post(reverse("mail:relay_test")).status_code,
    ]

    assert responses == [403, 403, 403]
    assert (relay_settings().kind, Message.objects.count(), LogEntry.objects.count()) == (
        "mailbox",
        0,
        log_count,
    )


def test_the_settings_page_never_shows_the_password_and_shows_the_relay_alert():
    admin = UserFactory()
    update_relay(actor=admin, **SMTP)
    Relay.objects.filter(pk=1).update(alert="535 5.7.8 Authentication credentials invalid")
    client = Client()
    client.force_login(admin)

    html = client.get(reverse("mail:settings")).content.decode()

    assert "s3cret-pass" not in html
    assert "A password is set. Leave blank to keep it." in html
    assert "535 5.7.8 Authentication credentials invalid" in html


def test_the_settings_form_shows_the_service_messages_on_their_fields():
    admin = UserFactory()
    client = Client()
    client.force_login(admin)

    response = client.post(reverse("mail:settings"), {**SMTP, "port": "99999"})

    assert response.status_code == 200
    assert "The port is a number from 1 to 65535 (usually 587 or 465)." in response.content.decode()
    assert relay_settings().kind == "mailbox"


def test_the_test_message_is_transactional_to_the_admin_and_its_status_panel_polls_until_final():
    admin = UserFactory(email="admin@example.com")
    client = Client()
    client.force_login(admin)

    queued = client.post(reverse("mail:relay_test"), headers={"HX-Request": "true"})
    message = Message.objects.get()
    status_url = reverse("mail:relay_test_status", args=[message.pk])
    polling = client.get(status_url, headers={"HX-Request": "true"}).content.decode()
    Message.objects.filter(pk=message.pk).update(status=Status.FAILED, last_response="550 5.1.1 no such user")
    final = client.get(status_url, headers={"HX-Request": "true"}).content.decode()

    assert (message.category, message.recipients, message.sender_id) == (
        Category.TRANSACTIONAL,
        ["admin@example.com"],
        admin.pk,
    )
    assert queued.status_code == 200
    assert f'hx-get="{status_url}"' in polling
    assert "hx-get" not in final
    assert "550 5.1.1 no such user" in final


def test_the_status_panel_stops_polling_a_test_message_still_queued_after_two_minutes():
    admin = UserFactory(email="admin@example.com")
    message = send_test_message(actor=admin)
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(minutes=3))
    client = Client()
    client.force_login(admin)

    html = client.get(reverse("mail:relay_test_status", args=[message.pk]), headers={"HX-Request": "true"})

    assert "hx-get" not in html.content.decode()
    assert "Still waiting after two minutes." in html.content.decode()


def test_send_test_message_service_refuses_a_non_admin():
    with pytest.raises(PermissionDenied):
        send_test_message(actor=UserFactory(role=Role.SALES))
    assert Message.objects.count() == 0
