"""The quote as a PDF, drawn by WeasyPrint from an HTML template in the brand kit's look (logo, colours,
name and address when the kit has them; plain otherwise).

WeasyPrint needs Pango at run time (a system library). Without it the import fails with OSError: the quote
pages then say so in a sentence (`unavailable_reason`) instead of failing."""

import base64
import functools
import re

from django.template.loader import render_to_string

from tandem.brand.selectors import brand_context
from tandem.sales.quotes import money, selectors


class PdfUnavailable(Exception):
    pass


@functools.cache
def unavailable_reason() -> str:
    """ "" when PDFs can be drawn, else a sentence saying why not (read once per process)."""
    try:
        import weasyprint  # noqa: F401
        from PIL import ImageFile

        # WeasyPrint switches Pillow to accept truncated images for the whole process when it is imported;
        # the brand kit's logo check relies on Pillow refusing them (a quote's images are checked ones).
        ImageFile.LOAD_TRUNCATED_IMAGES = False
    except ImportError:
        return "PDF downloads need WeasyPrint, which is not installed on this server."
    except OSError:
        return (
            "PDF downloads need the Pango text library on the server (Debian: apt-get install "
            "libpango-1.0-0 libpangoft2-1.0-0), which is missing. Ask your administrator to install it."
        )
    return ""


def _logo_data_uri() -> str:
    """The kit's logo as a data: URI: WeasyPrint draws offline, never fetching our own URLs."""
    from tandem.brand.models import BrandKit

    kit = BrandKit.objects.filter(pk=1).only("logo_png").first()
    if kit is None or not kit.logo_png:
        return ""
    return "data:image/png;base64," + base64.b64encode(bytes(kit.logo_png)).decode()


def filename(quote) -> str:
    return f"{quote.number}.pdf"


def render_pdf(quote) -> bytes:
    """The quote's PDF as bytes; PdfUnavailable when WeasyPrint cannot run here."""
    problem = unavailable_reason()
    if problem:
        raise PdfUnavailable(problem)
    import weasyprint

    brand = brand_context(absolute_base_url="")
    lines = selectors.quote_lines(quote)
    html = render_to_string(
        "quotes/pdf.html",
        {
            "quote": quote,
            "deal": quote.deal,
            "company": quote.deal.company if quote.deal.company_id else None,
            "buyer": _buyer(quote),
            "lines": selectors.priced(lines),
            "totals": money.totals(lines, quote.discount_percent, quote.tax_rate),
            "money": money,
            "brand": brand,
            "logo": _logo_data_uri(),
            "has_kit": bool(brand.get("version")),
            "style": _style(brand),
        },
    )
    # No base URL and a fetcher that refuses everything: the document is self-contained (data: URIs only).
    fetcher = weasyprint.urls.URLFetcher(allowed_protocols=["data"])
    return weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf()


HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
SAFE_FONT_STACK = re.compile(r"[A-Za-z0-9 ,'\"-]+")


def _style(brand: dict) -> dict:
    """The kit's colours and fonts for the PDF's stylesheet, each checked against its shape (a value that is
    not one falls back to the plain look), so nothing from the kit can break out of the CSS."""
    saved = bool(brand.get("version"))
    primary = brand["colours"]["primary"] if saved else ""
    fonts = brand["fonts"] if saved else {}
    return {
        "primary": (primary if HEX_COLOUR.fullmatch(primary or "") else "#1f2329"),
        "body_font": (
            fonts.get("body") if SAFE_FONT_STACK.fullmatch(fonts.get("body") or "") else "sans-serif"
        ),
        "heading_font": (
            fonts.get("heading") if SAFE_FONT_STACK.fullmatch(fonts.get("heading") or "") else "sans-serif"
        ),
    }


def _buyer(quote):
    from tandem.sales.quotes.services.responses import primary_contact

    return primary_contact(quote.deal)
