"""The send ledger: one row per message Tandem sends (ARCHITECTURE §7)."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from tandem.mail.models.identities import Identity


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
    # Where the message went: "mailbox" (kept in the in-app mailbox, nothing left the machine),
    # "smtp:relay.example.com" or "provider:postmark". Empty until it is handed over.
    delivered_via = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [
            # The worker's claim: due rows in order.
            models.Index(fields=["status", "send_after_at", "id"], name="mail_message_due"),
            # The mailbox, newest first, by keyset.
            models.Index(fields=["-created_at", "-id"], name="mail_message_newest"),
            models.Index(fields=["contact", "-created_at"], name="mail_message_contact"),
            # What a message is about (a company, a deal): that record's emails panel and timeline.
            models.Index(fields=["about_type", "about_id"], name="mail_message_about"),
        ]

    def __str__(self) -> str:
        return f"{self.subject or '(no subject)'} → {', '.join(self.recipients)}"
