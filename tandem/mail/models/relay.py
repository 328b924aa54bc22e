"""How mail leaves this installation."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from tandem.core import secrets
from tandem.core.secrets import EncryptedTextField


class RelayKind(models.TextChoices):
    MAILBOX = "mailbox", "Keep mail in the in-app mailbox"
    SMTP = "smtp", "SMTP relay"
    PROVIDER = "provider", "Email provider (API)"


class Security(models.TextChoices):
    STARTTLS = "starttls", "STARTTLS"
    TLS = "tls", "TLS from the start (SMTPS)"
    NONE = "none", "None (only for a relay on this machine)"


class Relay(models.Model):
    """How messages leave this installation: kept in the in-app mailbox (the default, and always in the demo),
    handed to an SMTP relay, or to a provider's API through django-anymail. There is one row."""

    kind = models.CharField(max_length=20, choices=RelayKind.choices, default=RelayKind.MAILBOX)
    host = models.CharField(max_length=253, blank=True)
    port = models.PositiveIntegerField(default=587)
    security = models.CharField(max_length=20, choices=Security.choices, default=Security.STARTTLS)
    username = models.CharField(max_length=254, blank=True)
    # Encrypted at rest (tandem.core.secrets), like the provider's API key in provider_settings["api_key"].
    password = EncryptedTextField(blank=True)
    # How many SMTP connections the worker keeps open at once.
    connections = models.PositiveSmallIntegerField(default=1)
    timeout_seconds = models.PositiveSmallIntegerField(default=30)
    # The django-anymail ESP name ("postmark", "sendgrid", …) and its settings (API key, sender domain).
    provider = models.CharField(max_length=50, blank=True)
    provider_settings = models.JSONField(default=dict, blank=True)
    # True when this row only carries the alert of the relay the TANDEM_SMTP_* settings describe (an
    # installation configured by its environment has no row until that relay needs a person); the settings
    # page sets it to False when someone saves a relay here, which then replaces the environment's.
    from_environment = models.BooleanField(default=False)
    # The last failure that needs a person (authentication or TLS refused): shown as an alert until it works.
    alert = models.TextField(blank=True)
    alert_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="mail_relay_single_row")]

    def __str__(self) -> str:
        return self.get_kind_display() if self.kind != RelayKind.SMTP else f"SMTP {self.host}:{self.port}"

    @property
    def provider_api_key(self) -> str:
        """The provider's API key, decrypted ("" for none; an UnreadableSecret when the key changed)."""
        return secrets.decrypt((self.provider_settings or {}).get("api_key", ""))
