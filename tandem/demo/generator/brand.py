"""The demo company's brand kit: Northwind Analytics' name, colours, fonts, address, positioning, pillars,
and a logo drawn with Pillow (the same pixels on every run, so the same content hash)."""

import io

from PIL import Image, ImageDraw, ImageFont

from tandem.brand.logos import normalise_logo
from tandem.brand.models import BrandKit
from tandem.demo.generator.context import COMPANY_NAME, GeneratorContext

PRIMARY = "#1f3a93"
ACCENT = "#0e7c66"
INK = "#17202e"


def draw_logo() -> bytes:
    """A mark (three rising bars, the last in green, on a rounded square in the primary colour) and the
    name beside it."""
    image = Image.new("RGBA", (720, 200), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((10, 20, 170, 180), radius=36, fill=PRIMARY)
    for index, (height, colour) in enumerate(((44, "#ffffff"), (78, "#ffffff"), (112, "#34d3a6"))):
        left = 44 + index * 34
        draw.rounded_rectangle((left, 152 - height, left + 22, 152), radius=6, fill=colour)
    # Pillow's own bundled font: the same glyphs on every machine with this Pillow.
    draw.text((200, 36), "Northwind", font=ImageFont.load_default(size=72), fill=INK)
    draw.text((204, 126), "ANALYTICS", font=ImageFont.load_default(size=34), fill=ACCENT)
    image = image.crop(image.getbbox())  # no empty margin: the logo fills the space it is given
    output = io.BytesIO()
    image.save(output, format="PNG")
    return output.getvalue()


def create_brand_kit(context: GeneratorContext) -> None:
    """The kit's one row, replaced if a kit exists (a demo rebuilt keeps no older kit)."""
    logo = normalise_logo(draw_logo())
    admin = context.users.get("marketing")
    BrandKit.objects.filter(pk=1).delete()
    BrandKit.objects.create(
        pk=1,
        name=COMPANY_NAME,
        tagline="Forecasts your whole company can trust",
        primary_colour=PRIMARY,
        accent_colour=ACCENT,
        heading_font="georgia",
        body_font="helvetica",
        postal_address="Northwind Analytics Ltd\n12 Harbour Street\nBristol BS1 4XX\nUnited Kingdom",
        linkedin_url="https://www.linkedin.com/company/northwind-analytics-demo",
        x_url="https://x.com/northwind_demo",
        youtube_url="https://www.youtube.com/@northwind-analytics-demo",
        website_url="https://northwind.example",
        target_customer="finance and revenue teams at mid-sized B2B companies who plan from spreadsheets",
        category="forecasting and dashboard platform",
        key_benefit="turns CRM and billing data into a forecast the board trusts",
        main_alternative="spreadsheets stitched together every month",
        differentiator="refresh every forecast overnight, with each number traceable to its source",
        pillars=[
            {
                "title": "Trust every number",
                "sentence": "Each figure links back to the deal or invoice it came from.",
            },
            {
                "title": "Ready by morning",
                "sentence": "Forecasts refresh overnight, so Monday starts with answers.",
            },
            {
                "title": "One page for the board",
                "sentence": "The plan, the forecast and the gap on one readable page.",
            },
            {
                "title": "Live in a week",
                "sentence": "Connect the CRM and billing system; no data team needed.",
            },
        ],
        logo_png=logo.png,
        logo_hash=logo.content_hash,
        logo_width=logo.width,
        logo_height=logo.height,
        version=1,
        updated_at=context.end_at,
        updated_by=admin,
    )
