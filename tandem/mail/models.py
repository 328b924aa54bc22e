"""The mail layer's tables: how mail leaves (the relay), who it comes from (identities), and the ledger of every
message Tandem sends (ARCHITECTURE §7: the ledger row is the truth, written in the transaction that decides to
send, handed to the relay by a worker after commit)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


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
    password = models.CharField(max_length=254, blank=True)
    # How many SMTP connections the worker keeps open at once.
    connections = models.PositiveSmallIntegerField(default=1)
    timeout_seconds = models.PositiveSmallIntegerField(default=30)
    # The django-anymail ESP name ("postmark", "sendgrid", …) and its settings (API key, sender domain).
    provider = models.CharField(max_length=50, blank=True)
    provider_settings = models.JSONField(default=dict, blank=True)
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


class Identity(models.Model):
    """A sender: the name and address messages come from, where replies go, and the DKIM key that signs
    them. Mail is sent from an identity only once its address is verified."""

    from_name = models.CharField(max_length=200)
    address = models.EmailField(max_length=254, unique=True)
    reply_to = models.EmailField(max_length=254, blank=True)
    is_default = models.BooleanField(default=False)
    verified_at = models.DateTimeField(null=True, blank=True)
    verification_sent_at = models.DateTimeField(null=True, blank=True)
    # The DKIM key Tandem generated for the address's domain; the public half is published in DNS at
    # <selector>._domainkey.<domain>.
    dkim_selector = models.CharField(max_length=63, blank=True)
    dkim_private_key = models.TextField(blank=True)
    dkim_public_key = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name_plural = "identities"
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="mail_one_default_identity"
            )
        ]

    def __str__(self) -> str:
        return f"{self.from_name} <{self.address}>"

    @property
    def domain(self) -> str:
        return self.address.rpartition("@")[2].lower()


class Category(models.TextChoices):
    # Password resets, verifications, notifications: labelled as such, and sent even to a suppressed address.
    TRANSACTIONAL = "transactional", "Transactional"
    # One person writing to another (1:1 email from a record page).
    PERSONAL = "personal", "1:1"
    # Campaigns and nurture: the suppression list is checked right before hand-off.
    MARKETING = "marketing", "Marketing"


class Status(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    SUPPRESSED = "suppressed", "Not sent: the address is suppressed"
    CANCELLED = "cancelled", "Cancelled"


class Message(models.Model):
    """One message Tandem sends. The row is written in the transaction that decides to send, so a rollback
    sends nothing; a worker hands it to the relay after commit and records the answer in its own commit. Its
    `key` says what it is for ("notification:42", "campaign:7:contact:9"): one key is one message, ever."""

    key = models.CharField(max_length=200, unique=True)
    # Derived from the key, so a retry of the same row carries the same Message-ID and the receiving side (and
    # our tests) can count duplicates.
    message_id = models.CharField(max_length=255, unique=True)
    category = models.CharField(max_length=20, choices=Category.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    identity = models.ForeignKey(Identity, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    from_address = models.CharField(max_length=500)
    # The envelope recipients, as ASCII-domain or SMTPUTF8 addresses checked by email-validator.
    recipients = models.JSONField(default=list)
    subject = models.TextField(blank=True)
    # The MIME message as built (before DKIM signing at hand-off): what the mailbox shows and the relay gets.
    raw = models.BinaryField()
    # Who the message is to, when that is a contact (suppression, consent and the timeline follow it), and the
    # record it was written from ("company", 12; later "deal", 3; "ticket", 9).
    contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    about_type = models.CharField(max_length=50, blank=True)
    about_id = models.BigIntegerField(null=True, blank=True)
    # The user who wrote it (1:1 email); None for what the system sends.
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Not handed over before this time (scheduled sends, and the backoff after a transient failure).
    send_after_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    # The worker holding the row while it talks to the relay (tandem.core.leases), so two never send one row.
    worker = models.CharField(max_length=100, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    # The relay's last answer ("250 2.0.0 queued as 4F2…", "550 5.1.1 no such user") or the connection error.
    last_response = models.TextField(blank=True)

    class Meta:
        indexes = [
            # The worker's claim: due rows in order.
            models.Index(fields=["status", "send_after_at", "id"], name="mail_message_due"),
            # The mailbox, newest first, by keyset.
            models.Index(fields=["-created_at", "-id"], name="mail_message_newest"),
            models.Index(fields=["contact", "-created_at"], name="mail_message_contact"),
        ]

    def __str__(self) -> str:
        return f"{self.subject or '(no subject)'} → {', '.join(self.recipients)}"
