from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q


class PublicLink(models.Model):
    """A link handed to someone outside the app (in an email, on a quote): it names one purpose and the object
    it acts on, and carries a random token of which only the SHA-256 is stored. It may expire, be revoked, and
    (for single-use purposes) be spent."""

    purpose = models.CharField(max_length=64)
    target_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    target_id = models.PositiveBigIntegerField()
    # Hex SHA-256 of the token: a database copy or backup never holds a working link.
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    single_use = models.BooleanField(default=False)
    used_at = models.DateTimeField(null=True, blank=True)
    # Any GET counts, a mail scanner's too: "opened", not "read by a person".
    last_opened_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["target_type", "target_id", "purpose"], name="public_link_target")]
        constraints = [
            models.CheckConstraint(
                condition=Q(used_at__isnull=True) | Q(single_use=True),
                name="public_link_used_only_if_single_use",
            )
        ]

    def __str__(self) -> str:
        return f"{self.purpose} link #{self.pk}"
