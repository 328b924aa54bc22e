"""The product catalog."""

from django.db import models
from django.db.models import Q


class Product(models.Model):
    """Something the business sells: its price and billing, and what a rep says about it."""

    access_object_type = "product"

    class Billing(models.TextChoices):
        ONE_OFF = "one_off", "One-off"
        MONTHLY = "monthly", "Monthly"
        YEARLY = "yearly", "Yearly"

    class Currency(models.TextChoices):
        EUR = "EUR", "EUR (€)"
        USD = "USD", "USD ($)"
        GBP = "GBP", "GBP (£)"
        CHF = "CHF", "CHF"
        SEK = "SEK", "SEK"

    name = models.CharField(max_length=200)
    sku = models.CharField(max_length=64)
    price = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    currency = models.CharField(max_length=3, choices=Currency.choices, default=Currency.EUR)
    billing = models.CharField(max_length=10, choices=Billing.choices, default=Billing.ONE_OFF)
    description = models.TextField(blank=True)
    value_proposition = models.TextField(blank=True)
    key_features = models.JSONField(default=list, blank=True)  # a list of short sentences
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # A SKU names one live product; a product in the trash frees its SKU.
            models.UniqueConstraint(
                fields=["sku"], condition=Q(deleted_at__isnull=True), name="catalog_product_sku"
            )
        ]
        indexes = [
            models.Index(fields=["name", "id"], name="catalog_product_name"),
            models.Index(fields=["-created_at", "-id"], name="catalog_product_newest"),
            models.Index(fields=["price", "id"], name="catalog_product_price"),
        ]

    def __str__(self) -> str:
        return self.name
