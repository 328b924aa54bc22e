"""API tokens: how a script or integration acts as one user, within scopes, through the REST API."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from tandem.core.records import registry


class Scopes:
    """The scopes a token can have, in the order the token form and the docs list them: read and write for
    every record type with an API (`<url_prefix>:read`, `<url_prefix>:write`, from the registry, so a new type's
    scopes exist as soon as its API does), then the scopes of the operations that are not a record type's.
    `values` and `choices` as on Django's choices, read when asked (types register from ready())."""

    OTHER = (
        ("activities:read", "Read timelines"),
        ("activities:write", "Add notes"),
        ("properties:read", "Read custom property definitions"),
        ("properties:write", "Define custom properties (admins)"),
        ("imports:read", "Read imports and their progress"),
        ("imports:write", "Upload, run and undo imports"),
    )

    @property
    def choices(self) -> list[tuple[str, str]]:
        record_scopes = [
            scope
            for record_type in registry.all_types()
            if record_type.api is not None
            for scope in (
                (f"{record_type.url_prefix}:read", f"Read {record_type.verbose_name_plural}"),
                (
                    f"{record_type.url_prefix}:write",
                    f"Create, change and delete {record_type.verbose_name_plural}",
                ),
            )
        ]
        return [*record_scopes, *self.OTHER]

    @property
    def values(self) -> list[str]:
        return [value for value, _label in self.choices]


ApiScope = Scopes()


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
