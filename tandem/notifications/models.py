"""Notifications: one row per thing a user should know about, read in the app (the bell) and, as each user
prefers per kind, by email."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Notification(models.Model):
    """Something that needs one user's attention: an import finished, a reply arrived, a lead was assigned."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # A kind registered by the app that notifies (tandem.notifications.kinds), e.g. "imports.import_finished".
    kind = models.CharField(max_length=100)
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    # Where the notification leads (a path inside the app), "" for nowhere.
    url = models.CharField(max_length=500, blank=True)
    # What the notification is about, so that telling someone twice about one thing writes one row
    # ("import:42:finished"); None when the caller does not care.
    key = models.CharField(max_length=200, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "key"],
                condition=models.Q(key__isnull=False),
                name="notification_once_per_key",
            )
        ]
        indexes = [
            # The bell's unread count and the list, newest first, by keyset.
            models.Index(fields=["user", "read_at", "-id"], name="notification_unread"),
            models.Index(fields=["user", "-id"], name="notification_newest"),
        ]

    def __str__(self) -> str:
        return self.title


class NotificationPreference(models.Model):
    """One user's choice for one kind: whether it also comes by email (in the app it always shows). A kind
    without a row follows its `email_by_default`."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=100)
    email = models.BooleanField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_once_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {'email' if self.email else 'in the app only'}"
