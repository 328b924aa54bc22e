"""Mail that comes back: the IMAP mailboxes Tandem reads, and the messages it kept from them (replies to what
Tandem sent, and, when a mailbox opts in, other mail from known contacts)."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from tandem.core.secrets import EncryptedTextField
from tandem.mail.models.identities import Identity
from tandem.mail.models.ledger import Message


class InboundSecurity(models.TextChoices):
    TLS = "tls", "TLS (IMAPS, port 993)"
    STARTTLS = "starttls", "STARTTLS (port 143)"
    NONE = "none", "None (this machine only)"


class PollResult(models.TextChoices):
    NEVER = "", "Not checked yet"
    OK = "ok", "Checked"
    FAILED = "failed", "Failed"


class InboundMailbox(models.Model):
    """An IMAP mailbox Tandem reads for replies. Linked to one sending identity (the address replies come back
    to), or shared by all of them; each message is handled once, by (UIDVALIDITY, UID), across restarts."""

    name = models.CharField(max_length=100)
    host = models.CharField(max_length=253)
    port = models.PositiveIntegerField(default=993)
    security = models.CharField(max_length=20, choices=InboundSecurity.choices, default=InboundSecurity.TLS)
    username = models.CharField(max_length=254)
    # Write-only: forms never show it back, the audit log records only that it changed. Encrypted at rest
    # (tandem.core.secrets); an UnreadableSecret when the encryption key changed: the page asks for it again.
    password = EncryptedTextField()
    folder = models.CharField(max_length=200, default="INBOX")
    identity = models.ForeignKey(Identity, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    enabled = models.BooleanField(default=True)
    # Optional: the address this mailbox receives ("reply@example.com"). With it, outgoing 1:1 mail sets its
    # Reply-To to reply+<token>@example.com, which threads a reply even when the mail program drops
    # In-Reply-To and References (tandem.mail.services.inbound.reply_address_for).
    reply_address = models.EmailField(max_length=254, blank=True)
    # Opt-in: keep mail from a known contact that answers nothing Tandem sent (off by default, because a
    # shared inbox holds much that is not the CRM's business).
    log_unsolicited = models.BooleanField(default=False)
    # Where the last poll stopped: the folder's UIDVALIDITY and the highest UID handled under it. A new
    # UIDVALIDITY means the server renumbered the folder, so the poll starts over (the Message-ID constraint
    # of InboundMessage keeps a message seen again from being stored twice).
    uidvalidity = models.BigIntegerField(null=True, blank=True)
    last_uid = models.BigIntegerField(default=0)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    # When an admin last asked for "Check now": the check is pending until a poll ends after this time.
    check_requested_at = models.DateTimeField(null=True, blank=True)
    last_result = models.CharField(
        max_length=20, choices=PollResult.choices, blank=True, default=PollResult.NEVER
    )
    # What the last poll said: "3 new, 1 reply" or the server's error, shown on the settings page.
    last_message = models.TextField(blank=True)
    # The poller holding the mailbox (tandem.core.leases), so two workers never read one mailbox at once.
    worker = models.CharField(max_length=100, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name_plural = "inbound mailboxes"
        constraints = [
            models.UniqueConstraint(
                fields=["host", "port", "username", "folder"], name="mail_inbound_mailbox_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.username}@{self.host})"


class InboundKind(models.TextChoices):
    REPLY = "reply", "Reply"
    UNSOLICITED = "unsolicited", "Mail from a contact"


class InboundMessage(models.Model):
    """One message kept from a mailbox: a reply to a ledger Message, or mail from a known contact."""

    mailbox = models.ForeignKey(InboundMailbox, on_delete=models.CASCADE, related_name="messages")
    uidvalidity = models.BigIntegerField()
    uid = models.BigIntegerField()
    kind = models.CharField(max_length=20, choices=InboundKind.choices, default=InboundKind.REPLY)
    message_id = models.CharField(max_length=998)
    in_reply_to = models.CharField(max_length=998, blank=True)
    from_address = models.CharField(max_length=254)
    from_name = models.CharField(max_length=200, blank=True)
    subject = models.TextField(blank=True)
    # The plain part, or the HTML part reduced to text; empty when the message was too large to fetch whole.
    text = models.TextField(blank=True)
    received_at = models.DateTimeField()
    size = models.BigIntegerField(default=0)
    # Only the headers were read: the message was above TANDEM_INBOUND_MAX_BYTES.
    too_large = models.BooleanField(default=False)
    is_auto_reply = models.BooleanField(default=False)
    # Why it counts as automatic ("Auto-Submitted: auto-replied"), for the conversation page.
    auto_reply_reason = models.CharField(max_length=200, blank=True)
    answers = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="replies"
    )
    # The conversation's contact: who the answered message was sent to (else the contact who wrote it).
    contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # When someone other than the conversation's contact wrote it (a colleague copied in, someone the mail was
    # forwarded to): the contact that address belongs to, if any (the reply is on their timeline too), and
    # the Tandem user it belongs to, if any (then the reply is internal: one of our own people answered).
    from_contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_internal = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["mailbox", "uidvalidity", "uid"], name="mail_inbound_uid_once"),
            models.UniqueConstraint(fields=["mailbox", "message_id"], name="mail_inbound_message_id_once"),
        ]
        indexes = [
            models.Index(fields=["answers", "received_at"], name="mail_inbound_thread"),
            models.Index(fields=["contact", "-received_at"], name="mail_inbound_contact"),
        ]

    def __str__(self) -> str:
        return f"{self.subject or '(no subject)'} ← {self.from_address}"

    @property
    def written_by_contact(self) -> bool:
        """Whether the conversation's contact wrote it (their address is the sender's)."""
        return self.contact is not None and (self.contact.email or "").lower() == self.from_address.lower()

    @property
    def sender_name(self) -> str:
        """Who wrote it, as pages say it: the conversation's contact by name when they wrote it; anyone else
        by the name and address their mail program gave, so a colleague's reply never reads as the contact's."""
        if self.written_by_contact:
            return self.contact.display_name
        if self.from_name and self.from_name.lower() != self.from_address.lower():
            return f"{self.from_name} <{self.from_address}>"
        return self.from_address


class SkippedMessage(models.Model):
    """A message the poller could not read (broken MIME, no headers) or chose not to keep: its UID, so it is
    never tried again, and why, for the settings page."""

    mailbox = models.ForeignKey(InboundMailbox, on_delete=models.CASCADE, related_name="skipped")
    uidvalidity = models.BigIntegerField()
    uid = models.BigIntegerField()
    reason = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["mailbox", "uidvalidity", "uid"], name="mail_inbound_skip_once")
        ]

    def __str__(self) -> str:
        return f"UID {self.uid}: {self.reason[:80]}"
