"""Reads of the brand kit. `brand_context` is what everything outside this app uses: a plain dict of plain
values (strings, numbers, lists of dicts), safe to hand to a sandboxed Jinja2 template or a public page."""

from typing import Any

from django.urls import reverse

from tandem.brand.colours import contrast_ratio, contrast_warning, text_colour_on
from tandem.brand.fonts import font_stack
from tandem.brand.models import BrandKit

SOCIAL_LABELS = (
    ("linkedin_url", "linkedin", "LinkedIn"),
    ("x_url", "x", "X"),
    ("facebook_url", "facebook", "Facebook"),
    ("instagram_url", "instagram", "Instagram"),
    ("youtube_url", "youtube", "YouTube"),
    ("website_url", "website", "Website"),
)


def brand_kit() -> BrandKit:
    """The kit's row, or an unsaved kit with the defaults when nobody has saved one yet (version 0). The
    logo's bytes are not loaded (the logo view reads them)."""
    return BrandKit.objects.defer("logo_png").filter(pk=1).first() or BrandKit(pk=1)


def logo_png(content_hash: str) -> bytes | None:
    """The stored logo's PNG bytes if `content_hash` names the current logo, else None."""
    if not content_hash:
        return None
    row = BrandKit.objects.filter(pk=1, logo_hash=content_hash).values_list("logo_png", flat=True).first()
    return bytes(row) if row is not None else None


def positioning_statement(kit: BrandKit | dict[str, Any], name: str) -> str:
    """The classic statement in one or two sentences from the parts that are filled in ("" if none)."""
    get = kit.get if isinstance(kit, dict) else lambda key, default="": getattr(kit, key, default)
    target, category, benefit = get("target_customer", ""), get("category", ""), get("key_benefit", "")
    alternative, differentiator = get("main_alternative", ""), get("differentiator", "")
    sentences = []
    if target or category or benefit:
        first = f"For {target}, " if target else ""
        subject = name or "we"
        first += f"{subject} is {_article(category)} {category}" if category else f"{subject}"
        first += f" that {benefit}" if benefit else ""
        sentences.append(first[0].upper() + first[1:] + ".")
    if alternative or differentiator:
        second = f"Unlike {alternative}, " if alternative else ""
        second += f"we {differentiator}" if differentiator else "we are different"
        sentences.append(second[0].upper() + second[1:] + ".")
    return " ".join(sentences)


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def brand_context(*, absolute_base_url: str, kit: BrandKit | None = None) -> dict[str, Any]:
    """The brand kit as plain values for templates (emails, public pages, later quote PDFs).

    `absolute_base_url` ("https://crm.example.com") prefixes the logo's URL, since mail clients need absolute
    addresses. Keys: name, tagline, logo_url ("" without a logo), logo_width, logo_height, colours (primary,
    accent, text_on_primary, text_on_accent, primary_contrast_warning), fonts (heading, body: CSS font-family
    values), postal_address (list of lines), social_links (list of {key, label, url}, filled ones only),
    website_url, positioning (target_customer, category, key_benefit, main_alternative, differentiator,
    statement), pillars (list of {title, sentence}), version. `kit` is for previews of unsaved input."""
    kit = kit if kit is not None else brand_kit()
    logo_url = ""
    if kit.logo_hash:
        logo_url = absolute_base_url.rstrip("/") + reverse("brand:logo", args=[kit.logo_hash])
    name = kit.name or "Our company"
    return {
        "name": name,
        "tagline": kit.tagline,
        "logo_url": logo_url,
        "logo_width": kit.logo_width,
        "logo_height": kit.logo_height,
        "colours": {
            "primary": kit.primary_colour,
            "accent": kit.accent_colour,
            "text_on_primary": text_colour_on(kit.primary_colour),
            "text_on_accent": text_colour_on(kit.accent_colour),
            "primary_contrast": round(
                contrast_ratio(kit.primary_colour, text_colour_on(kit.primary_colour)), 1
            ),
            "primary_contrast_warning": contrast_warning(kit.primary_colour),
        },
        "fonts": {"heading": font_stack(kit.heading_font), "body": font_stack(kit.body_font)},
        "postal_address": [line for line in kit.postal_address.splitlines() if line.strip()],
        "social_links": [
            {"key": key, "label": label, "url": getattr(kit, attribute)}
            for attribute, key, label in SOCIAL_LABELS
            if getattr(kit, attribute)
        ],
        "website_url": kit.website_url,
        "positioning": {
            "target_customer": kit.target_customer,
            "category": kit.category,
            "key_benefit": kit.key_benefit,
            "main_alternative": kit.main_alternative,
            "differentiator": kit.differentiator,
            "statement": positioning_statement(kit, name),
        },
        "pillars": [{"title": pillar["title"], "sentence": pillar["sentence"]} for pillar in kit.pillars],
        "version": kit.version,
    }


def missing_for_marketing_mail() -> list[str]:
    """What the kit still lacks before marketing mail may go out, in words ([] when nothing). The mail app
    asks this before it starts a campaign: the law wants the sender's postal address in every message."""
    kit = brand_kit()
    missing = []
    if not kit.name.strip():
        missing.append("the business name")
    if not kit.postal_address.strip():
        missing.append("the sender's postal address")
    return missing
