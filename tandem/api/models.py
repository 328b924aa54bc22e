"""API tokens: how a script or integration acts as one user, within scopes, through the REST API."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class ApiScope(models.TextChoices):
    CONTACTS_READ = "contacts:read", "Read contacts"
    CONTACTS_WRITE = "contacts:write", "Create, change and delete contacts"
    COMPANIES_READ = "companies:read", "Read companies"
    COMPANIES_WRITE = "companies:write", "Create, change and delete companies"
    ACTIVITIES_READ = "activities:read", "Read timelines"
    ACTIVITIES_WRITE = "activities:write", "Add notes"
    PROPERTIES_READ = "properties:read", "Read custom property definitions"
    PROPERTIES_WRITE = "properties:write", "Define custom properties (admins)"
    IMPORTS_READ = "imports:read", "Read imports and their progress"
    IMPORTS_WRITE = "imports:write", "Upload, run and undo imports"


class ApiToken(models.Model):
    """A bearer token of one user, limited to scopes; only its SHA-256 is stored, the token is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    # The public part of the token, shown in lists so people can tell their tokens apart, and the lookup key.
    prefix = models.CharField(max_length=8, unique=True)
    secret_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="apitoken_user_created")]

    def __str__(self) -> str:
        return f"{self.name} (tdm_{self.prefix}…)"

    def is_active_at(self, moment) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > moment)

    @property
    def is_active(self) -> bool:
        return self.is_active_at(timezone.now())

    @property
    def status(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= timezone.now():
            return "expired"
        return "active"
