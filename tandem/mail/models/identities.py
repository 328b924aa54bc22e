"""Who mail comes from."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


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
