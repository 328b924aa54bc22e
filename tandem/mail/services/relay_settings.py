"""Changing how mail leaves (the one Relay row) and sending a test message through it.

Secrets are write-only: the relay password and the provider's API key are never shown back, a blank value
keeps the stored one, and the audit row says only that they changed.
"""

import re
import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from tandem.core import audit, secrets
from tandem.mail import access
from tandem.mail.models import Category, Message, Relay, RelayKind, Security
from tandem.mail.selectors import default_identity, relay_settings
from tandem.mail.services.ledger import InvalidMessage, queue_message

# The providers offered, by django-anymail's ESP name, with what each needs besides the API key.
PROVIDERS: dict[str, str] = {
    "postmark": "Postmark",
    "sendgrid": "SendGrid",
    "mailgun": "Mailgun",
    "amazon_ses": "Amazon SES",
    "brevo": "Brevo",
}
# Amazon SES signs requests with an access key pair and a region; the others take one API key.
PROVIDERS_WITH_KEY_ID = frozenset({"amazon_ses"})

# Without TLS, credentials cross the network in the clear: allowed only to a relay on this machine.
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]", "::1"})
MAX_CONNECTIONS = 10
MAX_TIMEOUT_SECONDS = 300
_HOST_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
# How the audit diff shows a new secret (never its value).
SECRET_CHANGED_LABEL = "changed"  # noqa: S105 (a label, not a secret)


def _valid_host(host: str) -> bool:
    if len(host) > 253:
        return False
    if host.startswith("[") and host.endswith("]"):  # an IPv6 literal
        return ":" in host
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return False
    return all(_HOST_LABEL.match(label) for label in ascii_host.rstrip(".").split("."))


def _snapshot(relay: Relay) -> dict:
    """The relay's settings as the audit diff shows them (secrets never)."""
    return {
        "kind": relay.kind,
        "host": relay.host,
        "port": relay.port,
        "security": relay.security,
        "username": relay.username,
        "connections": relay.connections,
        "timeout_seconds": relay.timeout_seconds,
        "provider": relay.provider,
        "provider_key_id": relay.provider_settings.get("access_key_id", ""),
        "provider_region": relay.provider_settings.get("region", ""),
    }


def _int_in(value, low: int, high: int, field: str, message: str, errors: dict) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        errors[field] = message
        return low
    if not low <= number <= high:
        errors[field] = message
    return number


def _check_smtp(
    relay: Relay, host, port, security, username, password, clear_password, connections, errors: dict
) -> tuple[int, int]:
    """Check the SMTP fields into `errors`; returns the port and connection count as numbers."""
    if security not in Security.values:
        errors["security"] = "Choose STARTTLS, TLS or none."
    port = _int_in(
        port, 1, 65535, "port", "The port is a number from 1 to 65535 (usually 587 or 465).", errors
    )
    connections = _int_in(
        connections, 1, MAX_CONNECTIONS, "connections", f"Use 1 to {MAX_CONNECTIONS} connections.", errors
    )
    for name, value in (("host", host), ("username", username), ("password", password)):
        if any(character in value for character in "\r\n\0"):
            errors[name] = "This field cannot contain a line break."
    if not host:
        errors.setdefault("host", "Enter the SMTP relay's host name, e.g. smtp.example.com.")
    elif not _valid_host(host):
        errors.setdefault("host", "Enter a host name like smtp.example.com (no scheme, no port).")
    if password and not username:
        errors.setdefault("username", "A password needs a username.")
    will_have_password = (bool(password) or bool(relay.password)) and not clear_password
    if security == Security.NONE and will_have_password and host.lower() not in LOOPBACK_HOSTS:
        errors.setdefault(
            "security",
            "A password is never sent unencrypted to another machine: choose STARTTLS or TLS, "
            "or remove the password.",
        )
    return port, connections


def update_relay(
    *,
    actor,
    kind: str,
    host: str = "",
    port: int | str = 587,
    security: str = Security.STARTTLS,
    username: str = "",
    password: str = "",
    clear_password: bool = False,
    connections: int | str = 1,
    timeout_seconds: int | str = 30,
    provider: str = "",
    provider_api_key: str = "",
    provider_key_id: str = "",
    provider_region: str = "",
    request=None,
) -> Relay:
    """Save the relay settings (admins only). A blank `password` or `provider_api_key` keeps the stored one;
    `clear_password` removes it. Raises ValidationError with a message per field."""
    access.require_manage(actor)
    errors: dict[str, str] = {}
    host = (host or "").strip()
    username = (username or "").strip()
    provider = (provider or "").strip()
    if kind not in RelayKind.values:
        errors["kind"] = "Choose how mail leaves: the in-app mailbox, an SMTP relay or a provider."
    with transaction.atomic():
        relay = Relay.objects.select_for_update().filter(pk=1).first() or relay_settings()
        if kind == RelayKind.SMTP:
            port, connections = _check_smtp(
                relay, host, port, security, username, password, clear_password, connections, errors
            )
            timeout_seconds = _int_in(
                timeout_seconds,
                1,
                MAX_TIMEOUT_SECONDS,
                "timeout_seconds",
                f"The timeout is 1 to {MAX_TIMEOUT_SECONDS} seconds.",
                errors,
            )
        else:
            # The SMTP fields are hidden for the other kinds: what was stored stays, whatever the form sent.
            host, port, security, connections = relay.host, relay.port, relay.security, relay.connections
            username, password, clear_password = relay.username, "", False
            timeout_seconds = relay.timeout_seconds
        if kind == RelayKind.PROVIDER:
            if provider not in PROVIDERS:
                errors["provider"] = "Choose a provider."
            has_key = bool(provider_api_key) or (relay.provider == provider and bool(relay.provider_api_key))
            if provider in PROVIDERS and not has_key:
                errors["provider_api_key"] = f"Enter the {PROVIDERS[provider]} API key."
            if provider in PROVIDERS_WITH_KEY_ID:
                if not provider_key_id.strip():
                    errors["provider_key_id"] = "Enter the access key ID."
                if not re.fullmatch(r"[a-z]{2}(-[a-z]+)+-\d", provider_region.strip()):
                    errors["provider_region"] = "Enter the AWS region, e.g. eu-west-1."
        if errors:
            raise ValidationError(errors)
        before = _snapshot(relay)
        relay.kind, relay.host, relay.port, relay.security = kind, host, port, security
        relay.username, relay.connections, relay.timeout_seconds = username, connections, timeout_seconds
        secrets_changed: dict[str, list[str]] = {}
        if clear_password and relay.password:
            relay.password = ""
            secrets_changed["password"] = ["set", "removed"]
        elif password and password != relay.password:
            secrets_changed["password"] = ["set" if relay.password else "not set", SECRET_CHANGED_LABEL]
            relay.password = password
        if kind == RelayKind.PROVIDER:
            stored = dict(relay.provider_settings) if relay.provider == provider else {}
            current_key = relay.provider_api_key if relay.provider == provider else ""
            if provider_api_key and provider_api_key != current_key:
                secrets_changed["provider_api_key"] = [
                    "set" if stored.get("api_key") else "not set",
                    SECRET_CHANGED_LABEL,
                ]
                # Encrypted at rest, like the password (tandem.core.secrets).
                stored["api_key"] = secrets.encrypt(provider_api_key)
            if provider in PROVIDERS_WITH_KEY_ID:
                stored["access_key_id"] = provider_key_id.strip()
                stored["region"] = provider_region.strip()
            relay.provider, relay.provider_settings = provider, stored
        relay.updated_at = timezone.now()
        relay.updated_by = actor if getattr(actor, "is_authenticated", False) else None
        # The row may have been written by the worker only to hold an alert for a relay configured in the
        # environment (TANDEM_SMTP_*); from now on the settings saved here are the relay.
        relay.from_environment = False
        relay.save()
        audit.record_changes(
            actor=actor,
            target=relay,
            before=before,
            after=_snapshot(relay),
            also=secrets_changed,
            event="mail_relay_changed",
            request=request,
        )
    return relay


def relay_description(relay: Relay) -> str:
    """How mail leaves, in a few words ("SMTP smtp.example.com:587", "Postmark (API)")."""
    if relay.kind == RelayKind.PROVIDER and relay.provider in PROVIDERS:
        return f"{PROVIDERS[relay.provider]} (API)"
    return str(relay)


def send_test_message(*, actor, request=None) -> Message:
    """Queue a transactional test message to the admin's own address, from the default identity when one is
    verified, and return its ledger row (the settings page shows its status as the worker hands it over)."""
    access.require_manage(actor)
    if not actor.email:
        raise ValidationError("Your account has no email address to send the test message to.")
    identity = default_identity()
    relay = relay_settings()
    context = {"relay": relay_description(relay)}
    with transaction.atomic():
        try:
            message = queue_message(
                key=f"relay-test:{uuid.uuid4().hex}",
                category=Category.TRANSACTIONAL,
                to=[actor.email],
                subject="Tandem test message",
                text=render_to_string("mail/email/relay_test.txt", context).strip() + "\n",
                html=render_to_string("mail/email/relay_test.html", context),
                identity=identity,
                sender=actor,
            )
        except InvalidMessage as error:
            raise ValidationError(error.messages) from error
        audit.record(
            actor=actor,
            action=audit.Action.CREATE,
            target=message,
            event="mail_test_sent",
            request=request,
            extra={"relay": relay.kind},
        )
    return message
