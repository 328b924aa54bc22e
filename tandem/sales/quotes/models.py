"""Line items on a deal, quotes (numbered, with their own lines and totals) and the counter that numbers them."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

LIVE = Q(deleted_at__isnull=True)


class LineFields(models.Model):
    """What a line of a deal and a line of a quote share: a product (or none, for a free line), the name
    as it was when the line was written, and quantity × unit price less a discount in percent."""

    product = models.ForeignKey(
        "catalog.Product", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The product's name when the line was added: renaming a product does not rewrite a quote already sent.
    name = models.CharField(max_length=200)
    quantity = models.DecimalField(max_digits=12, decimal_places=2, default=1)
    unit_price = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    discount_percent = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True


def _line_checks(prefix: str) -> list[models.CheckConstraint]:
    return [
        models.CheckConstraint(condition=Q(quantity__gt=0), name=f"{prefix}_quantity_positive"),
        models.CheckConstraint(condition=Q(unit_price__gte=0), name=f"{prefix}_price_not_negative"),
        models.CheckConstraint(
            condition=Q(discount_percent__gte=0) & Q(discount_percent__lte=100),
            name=f"{prefix}_discount_range",
        ),
    ]


class DealLine(LineFields):
    """A product (or a free line) a deal is about, priced in the deal's currency."""

    deal = models.ForeignKey("deals.Deal", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = _line_checks("quotes_deal_line")
        indexes = [models.Index(fields=["deal", "position", "id"], name="quotes_deal_line_deal")]

    def __str__(self) -> str:
        return f"{self.name} on deal {self.deal_id}"


class QuoteStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SENT = "sent", "Sent"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    EXPIRED = "expired", "Expired"


# A quote can change until the buyer answers (or it expires); then it is the record of what was agreed.
EDITABLE_STATUSES = (QuoteStatus.DRAFT, QuoteStatus.SENT)


class Quote(models.Model):
    """An offer to a deal's buyer: its lines copied from the deal, a discount on the total, tax, terms and a
    validity date, under a number that is never reused. Owner and team mirror the deal's, so a quote is seen
    and changed by whoever may see and change its deal."""

    access_object_type = "quote"

    number = models.CharField(max_length=20, unique=True)
    deal = models.ForeignKey("deals.Deal", on_delete=models.CASCADE, related_name="+")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    team = models.ForeignKey("core.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=10, choices=QuoteStatus.choices, default=QuoteStatus.DRAFT)
    discount_percent = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    tax_rate = models.DecimalField(max_digits=6, decimal_places=3, default=0)
    terms = models.TextField(blank=True)
    valid_until = models.DateField()
    close_deal_on_accept = models.BooleanField(default=True)
    # Totals, always computed by the server from the lines (quotes.money), stored for lists and the API.
    subtotal = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    discount_amount = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    tax_amount = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    total = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The buyer's answer, through the public link: who typed their name, when, and from which address.
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_name = models.CharField(max_length=200, blank=True)
    accepted_ip = models.GenericIPAddressField(null=True, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField(blank=True)
    declined_ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(discount_percent__gte=0) & Q(discount_percent__lte=100),
                name="quotes_quote_discount",
            ),
            models.CheckConstraint(
                condition=Q(tax_rate__gte=0) & Q(tax_rate__lte=100), name="quotes_quote_tax_rate"
            ),
        ]
        indexes = [
            models.Index(fields=["-created_at", "-id"], condition=LIVE, name="quote_live_created"),
            models.Index(fields=["number", "id"], condition=LIVE, name="quote_live_number"),
            models.Index(fields=["-total", "-id"], condition=LIVE, name="quote_live_total"),
            models.Index(fields=["valid_until", "id"], condition=LIVE, name="quote_live_valid"),
            models.Index(
                fields=["status", "-created_at", "-id"], condition=LIVE, name="quote_status_created"
            ),
            models.Index(fields=["deal", "-created_at", "-id"], name="quote_deal"),
            models.Index(fields=["owner", "-created_at", "-id"], condition=LIVE, name="quote_owner_created"),
            models.Index(fields=["team", "-created_at", "-id"], condition=LIVE, name="quote_team_created"),
            models.Index(fields=["deleted_at"], condition=~LIVE, name="quote_trash"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES and self.deleted_at is None


class QuoteLine(LineFields):
    """A line of a quote: copied from the deal's lines when the quote is made, then its own."""

    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")

    class Meta:
        constraints = _line_checks("quotes_quote_line")
        indexes = [models.Index(fields=["quote", "position", "id"], name="quotes_quote_line_quote")]

    def __str__(self) -> str:
        return f"{self.name} on {self.quote_id}"


class QuoteNumberCounter(models.Model):
    """The last quote number given out in a year. Its row is locked while a number is taken, so two people
    creating quotes at once get consecutive numbers, and it only ever goes up: a deleted quote's number is
    never given again."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"
