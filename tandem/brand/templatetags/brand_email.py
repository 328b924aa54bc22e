"""The brand kit in the transactional emails Tandem writes from templates (notifications, sender
verification, the relay test, allauth's password reset): `{% load brand_email %}`, then

- `{% brand_email_header %}` / `{% brand_email_footer %}`: the kit's header and footer tables (HTML part);
- `{% brand_email_footer_text %}`: the footer of the plain-text part;
- `{% brand_email_button url label %}`: a call-to-action link in the primary colour, its text in the colour
  that reads on it.

The kit is read once per rendering (kept in the render context), with absolute URLs from SITE_URL, since
mail clients need them. Marketing mail adds its unsubscribe link through `tandem.brand.emails` directly;
these emails have none (they are not marketing)."""

from typing import Any

from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.safestring import SafeString

from tandem.brand import emails
from tandem.brand.colours import text_colour_on
from tandem.brand.selectors import brand_context, brand_kit

register = template.Library()

_CACHE_KEY = "tandem.brand.email_context"


def _brand(context: template.Context) -> dict[str, Any]:
    cached = context.render_context.get(_CACHE_KEY)
    if cached is None:
        kit = brand_kit()
        cached = brand_context(absolute_base_url=settings.SITE_URL, kit=kit)
        if not kit.name:
            # Before anyone names the business, the mail says it comes from Tandem (the preview's "Our
            # company" placeholder would read as a real name in someone's inbox).
            cached["name"] = "Tandem"
        context.render_context[_CACHE_KEY] = cached
    return cached


@register.simple_tag(takes_context=True)
def brand_email_header(context: template.Context) -> SafeString:
    return SafeString(emails.email_header_html(_brand(context)))


@register.simple_tag(takes_context=True)
def brand_email_footer(context: template.Context) -> SafeString:
    return SafeString(emails.email_footer_html(_brand(context)))


@register.simple_tag(takes_context=True)
def brand_email_footer_text(context: template.Context) -> str:
    # Plain text: the templates that use it turn autoescaping off, as a text part must.
    return emails.email_footer_text(_brand(context))


@register.simple_tag(takes_context=True)
def brand_email_button(context: template.Context, url: str, label: str) -> SafeString:
    brand = _brand(context)
    primary = emails.checked_colour(brand.get("colours", {}).get("primary"))
    return format_html(
        '<a href="{}" style="display:inline-block;padding:10px 18px;border-radius:6px;background:{};color:{};'
        'font-weight:600;text-decoration:none">{}</a>',
        url,
        primary,
        text_colour_on(primary),
        label,
    )


@register.simple_tag(takes_context=True)
def brand_email_font(context: template.Context) -> str:
    """The kit's body font as a CSS font-family value (checked: letters, spaces, commas, hyphens, quotes)."""
    return emails.checked_font(_brand(context).get("fonts", {}).get("body"))
