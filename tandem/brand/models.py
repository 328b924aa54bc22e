"""The brand kit's one row."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from tandem.brand.fonts import DEFAULT_BODY_FONT, DEFAULT_HEADING_FONT, FONT_CHOICES


class BrandKit(models.Model):
    """How the business looks and what it says about itself (name, logo, colours, fonts, postal address,
    social links, positioning and message pillars), read by every email and public page. There is one row."""

    access_object_type = "brand_kit"

    name = models.CharField("business name", max_length=120, blank=True)
    tagline = models.CharField(max_length=160, blank=True)
    primary_colour = models.CharField(max_length=7, default="#3d4fd1")
    accent_colour = models.CharField(max_length=7, default="#13795b")
    heading_font = models.CharField(max_length=30, choices=FONT_CHOICES, default=DEFAULT_HEADING_FONT)
    body_font = models.CharField(max_length=30, choices=FONT_CHOICES, default=DEFAULT_BODY_FONT)
    # Several lines (street, town, country): marketing mail must carry it (CAN-SPAM, GDPR).
    postal_address = models.TextField(max_length=500, blank=True)

    linkedin_url = models.URLField("LinkedIn", max_length=300, blank=True)
    x_url = models.URLField("X", max_length=300, blank=True)
    facebook_url = models.URLField("Facebook", max_length=300, blank=True)
    instagram_url = models.URLField("Instagram", max_length=300, blank=True)
    youtube_url = models.URLField("YouTube", max_length=300, blank=True)
    website_url = models.URLField("website", max_length=300, blank=True)

    # The positioning statement in its classic form: "For <target customer> who …, <name> is the <category>
    # that <key benefit>. Unlike <main alternative>, we <differentiator>."
    target_customer = models.CharField("for whom", max_length=300, blank=True)
    category = models.CharField(max_length=160, blank=True)
    key_benefit = models.CharField(max_length=300, blank=True)
    main_alternative = models.CharField(max_length=300, blank=True)
    differentiator = models.CharField("how we differ", max_length=300, blank=True)
    # [{"title": str, "sentence": str}, …]: none yet, or three to five (the service checks).
    pillars = models.JSONField(default=list, blank=True)

    # The logo as stored: PNG bytes, already checked, stripped of metadata and resized (the web tier keeps
    # no files). `logo_hash` names this version in the logo's URL, so it can be cached for ever.
    logo_png = models.BinaryField(null=True, blank=True, editable=False)
    logo_hash = models.CharField(max_length=64, blank=True)
    logo_width = models.PositiveIntegerField(default=0)
    logo_height = models.PositiveIntegerField(default=0)

    # Optimistic concurrency: every save adds one; a save that read an older version is refused.
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "brand kit"
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="brand_brandkit_single_row")]

    def __str__(self) -> str:
        return self.name or "Brand kit"
