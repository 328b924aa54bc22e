"""What people write mail from: saved templates and their signatures (1:1 email)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

TEMPLATE_NAME_MAX_LENGTH = 200
SUBJECT_MAX_LENGTH = 300
BODY_MAX_LENGTH = 20_000
SIGNATURE_MAX_LENGTH = 2_000


class MailTemplate(models.Model):
    """A saved subject and body with merge fields (tandem.core.sandbox), picked on the compose page. Private
    to its owner unless shared with everyone; only its owner (or an admin, for a shared one) changes it."""

    name = models.CharField(max_length=TEMPLATE_NAME_MAX_LENGTH)
    subject = models.CharField(max_length=SUBJECT_MAX_LENGTH)
    # Plain text with merge fields; the HTML part is made from it when the message is built.
    body = models.TextField(max_length=BODY_MAX_LENGTH)
    # Kept when its owner leaves: a shared template is the team's.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_shared = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["owner", "name"], name="mail_template_owner")]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="mail_template_has_name"),
        ]

    def __str__(self) -> str:
        return self.name


class MailSignature(models.Model):
    """A user's signature under the 1:1 emails they write: plain text, its line breaks kept (escaped in the
    HTML part)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    text = models.TextField(max_length=SIGNATURE_MAX_LENGTH, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Signature of user {self.user_id}"
