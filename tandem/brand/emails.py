"""The brand's header and footer for emails, as plain functions of `brand_context`'s dict.

Mail clients ignore stylesheets, so the markup carries inline styles; every value from the dict is escaped,
and colours and URLs are re-checked here, since the dict may come from anywhere (a test, a cached copy)."""

from typing import Any

from django.utils.html import format_html, format_html_join

from tandem.brand.colours import normalise_hex, text_colour_on

FALLBACK_PRIMARY = "#3d4fd1"
FALLBACK_FONT = "Arial, sans-serif"


def checked_colour(value: Any, fallback: str = FALLBACK_PRIMARY) -> str:
    """`value` as "#rrggbb" when it is a colour, else `fallback`: safe inside a style attribute."""
    return normalise_hex(str(value or "")) or fallback


def _https(url: Any) -> str:
    text = str(url or "")
    return text if text.startswith("https://") else ""


def checked_font(value: Any) -> str:
    """`value` when it is a font stack we could have written, else the fallback: safe inside a style."""
    # Our stacks hold only letters, spaces, commas, hyphens and quotes; anything else falls back.
    text = str(value or "")
    return (
        text
        if text and all(character.isalnum() or character in ' ,-"' for character in text)
        else FALLBACK_FONT
    )


def email_header_html(brand: dict[str, Any]) -> str:
    """The header as a table: with a logo, the logo on white under a band of the primary colour (a logo is
    drawn for a light background); without one, the name in the heading font on the primary colour."""
    colours = brand.get("colours", {})
    primary = checked_colour(colours.get("primary"))
    fonts = brand.get("fonts", {})
    logo_url = str(brand.get("logo_url") or "")
    tagline = brand.get("tagline") or ""
    if logo_url.startswith(("https://", "http://")):
        # Shown at half its stored width at most: sharp on high-density screens.
        width = min(int(brand.get("logo_width") or 200) // 2 or 1, 300)
        mark = format_html(
            '<img src="{}" alt="{}" width="{}" style="display:block;max-width:100%;height:auto;border:0">',
            logo_url,
            brand.get("name", ""),
            width,
        )
        background, text, band = "#ffffff", "#5d6b7e", format_html("border-top:6px solid {};", primary)
    else:
        text = text_colour_on(primary)
        mark = format_html(
            '<span style="font-family:{};font-size:22px;font-weight:700;color:{}">{}</span>',
            checked_font(fonts.get("heading")),
            text,
            brand.get("name", ""),
        )
        background, band = primary, ""
    tagline_html = (
        format_html(
            '<div style="margin-top:8px;font-family:{};font-size:13px;color:{}">{}</div>',
            checked_font(fonts.get("body")),
            text,
            tagline,
        )
        if tagline
        else ""
    )
    return format_html(
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="border-collapse:collapse">'
        '<tr><td style="{}background:{};padding:24px 32px">{}{}</td></tr></table>',
        band,
        background,
        mark,
        tagline_html,
    )


def email_footer_html(brand: dict[str, Any], *, unsubscribe_url: str = "") -> str:
    """The footer: social links in the accent colour, the sender's name and postal address, and (for
    marketing mail, which must have one) the unsubscribe link."""
    colours = brand.get("colours", {})
    accent = checked_colour(colours.get("accent"), "#13795b")
    font = checked_font(brand.get("fonts", {}).get("body"))
    links = [link for link in brand.get("social_links", []) if _https(link.get("url"))]
    social = (
        format_html(
            '<p style="margin:0 0 12px">{}</p>',
            format_html_join(
                " · ",
                '<a href="{}" style="color:{};font-weight:600;text-decoration:none">{}</a>',
                ((link["url"], accent, link.get("label", "")) for link in links),
            ),
        )
        if links
        else ""
    )
    address_lines = [str(line) for line in brand.get("postal_address", [])]
    address = format_html(
        '<p style="margin:0 0 8px"><strong>{}</strong>{}</p>',
        brand.get("name", ""),
        format_html_join("", "<br>{}", ((line,) for line in address_lines)),
    )
    # The caller's own link, but checked all the same: only a web address (or "#" in the preview) is a link.
    if not (unsubscribe_url.startswith(("https://", "http://")) or unsubscribe_url == "#"):
        unsubscribe_url = ""
    unsubscribe = (
        format_html(
            '<p style="margin:0">You receive this email because you subscribed. '
            '<a href="{}" style="color:#5d6b7e;text-decoration:underline">Unsubscribe</a></p>',
            unsubscribe_url,
        )
        if unsubscribe_url
        else ""
    )
    return format_html(
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="border-collapse:collapse">'
        '<tr><td style="padding:24px 32px;border-top:1px solid #e4e7ec;font-family:{};font-size:12px;'
        'line-height:1.6;color:#5d6b7e">{}{}{}</td></tr></table>',
        font,
        social,
        address,
        unsubscribe,
    )


def email_footer_text(brand: dict[str, Any], *, unsubscribe_url: str = "") -> str:
    """The footer of the plain-text part: name, postal address, social links, and the unsubscribe link."""
    lines = ["--", str(brand.get("name", ""))]
    lines += [str(line) for line in brand.get("postal_address", [])]
    links = [link for link in brand.get("social_links", []) if _https(link.get("url"))]
    if links:
        lines.append("")
        lines += [f"{link.get('label', '')}: {link['url']}" for link in links]
    if unsubscribe_url.startswith(("https://", "http://")):
        lines += ["", f"Unsubscribe: {unsubscribe_url}"]
    return "\n".join(lines)


def preview_document(brand: dict[str, Any]) -> str:
    """A whole sample email (header, a paragraph and a button, footer) for the settings page's preview."""
    colours = brand.get("colours", {})
    primary = checked_colour(colours.get("primary"))
    fonts = brand.get("fonts", {})
    body = format_html(
        '<tr><td style="padding:28px 32px;font-family:{body};font-size:15px;line-height:1.6;color:#17202e">'
        '<h1 style="margin:0 0 12px;font-family:{heading};font-size:22px;line-height:1.3;color:#17202e">'
        "Hello Alex,</h1>"
        '<p style="margin:0 0 20px">This is how your emails look with the brand kit: the header and footer '
        "below come from it, the words in between from each message.</p>"
        '<a href="#" style="display:inline-block;padding:12px 20px;border-radius:6px;background:{primary};'
        'color:{text};font-weight:600;text-decoration:none">Read more</a></td></tr>',
        body=checked_font(fonts.get("body")),
        heading=checked_font(fonts.get("heading")),
        primary=primary,
        text=text_colour_on(primary),
    )
    return format_html(
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{}</title></head>'
        '<body style="margin:0;padding:16px;background:#f5f6f8">'
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:600px;'
        'margin:0 auto;background:#ffffff;border-radius:8px;overflow:hidden;border-collapse:separate">'
        "<tr><td>{}</td></tr>{}<tr><td>{}</td></tr></table></body></html>",
        f"Email preview: {brand.get('name', '')}",
        email_header_html(brand),
        body,
        email_footer_html(brand, unsubscribe_url="#"),
    )
