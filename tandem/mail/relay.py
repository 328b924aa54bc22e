"""Which relay mail leaves through, and the alert it raised (for the pages that show it).

`current_relay()` resolves, in order: TANDEM_MAIL_KEEP_IN_MAILBOX (the demo) keeps everything in the in-app
mailbox; the Relay row saved on the mail settings page; the TANDEM_SMTP_* settings (an installation
configured by its environment); else the mailbox. The answer is a plain value, read once per worker run.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings

from tandem.core import secrets
from tandem.mail.models import Relay, RelayKind, Security


@dataclass(frozen=True)
class RelaySettings:
    kind: str
    host: str = ""
    port: int = 0
    security: str = Security.STARTTLS
    username: str = ""
    password: str = ""
    connections: int = 1
    timeout_seconds: int = 30
    provider: str = ""
    provider_settings: dict = field(default_factory=dict)
    from_environment: bool = False
    # "password" or "API key" when the stored secret cannot be decrypted (the encryption key changed): the
    # worker must not log in with it, and holds the mail until it is entered again.
    unreadable: str = ""

    @property
    def label(self) -> str:
        """What a message's `delivered_via` records: "mailbox", "smtp:relay.example.com", "provider:postmark"."""
        if self.kind == RelayKind.SMTP:
            return f"smtp:{self.host}"
        if self.kind == RelayKind.PROVIDER:
            return f"provider:{self.provider}"
        return "mailbox"


MAILBOX = RelaySettings(kind=RelayKind.MAILBOX)


def _environment_relay() -> RelaySettings | None:
    if not settings.TANDEM_SMTP_HOST:
        return None
    return RelaySettings(
        kind=RelayKind.SMTP,
        host=settings.TANDEM_SMTP_HOST,
        port=settings.TANDEM_SMTP_PORT,
        security=Security.STARTTLS if settings.TANDEM_SMTP_STARTTLS else Security.NONE,
        username=settings.TANDEM_SMTP_USER,
        password=settings.TANDEM_SMTP_PASSWORD,
        from_environment=True,
    )


def current_relay() -> RelaySettings:
    """The relay the worker hands mail to now."""
    if settings.TANDEM_MAIL_KEEP_IN_MAILBOX:
        return MAILBOX
    row = Relay.objects.filter(pk=1).first()
    if row is None or row.from_environment:
        return _environment_relay() or MAILBOX
    if row.kind == RelayKind.SMTP and row.host:
        return RelaySettings(
            kind=RelayKind.SMTP,
            host=row.host,
            port=row.port,
            security=row.security,
            username=row.username,
            password=row.password,
            connections=max(1, row.connections),
            timeout_seconds=max(1, row.timeout_seconds),
            unreadable="password" if row.username and secrets.is_unreadable(row.password) else "",
        )
    if row.kind == RelayKind.PROVIDER and row.provider:
        api_key = row.provider_api_key
        return RelaySettings(
            kind=RelayKind.PROVIDER,
            provider=row.provider,
            # The API key is stored encrypted; the worker gets it in the clear, like the password above.
            provider_settings={**(row.provider_settings or {}), "api_key": api_key},
            connections=max(1, row.connections),
            timeout_seconds=max(1, row.timeout_seconds),
            unreadable="API key" if secrets.is_unreadable(api_key) else "",
        )
    return MAILBOX


@dataclass(frozen=True)
class RelayAlert:
    message: str
    since: datetime


def relay_alert() -> RelayAlert | None:
    """The relay's standing alert (authentication or TLS refused), or None when mail flows."""
    row = Relay.objects.filter(pk=1).exclude(alert="").only("alert", "alert_at").first()
    if row is None:
        return None
    return RelayAlert(message=row.alert, since=row.alert_at)
