"""The quote page's header (deal, status, total, the buyer's link), a fragment of its own so that a write on
the quote's panel can send it again out of band."""

from django import template
from django.utils import timezone

from tandem.sales.quotes import money, selectors
from tandem.sales.quotes.models import QuoteStatus

register = template.Library()


@register.simple_tag
def quote_header(quote) -> dict:
    link = selectors.current_link(quote)
    return {
        "expired": quote.status == QuoteStatus.SENT and quote.valid_until < timezone.localdate(),
        "total": money.money(quote.total, quote.currency),
        "link": link,
        "link_expired": bool(link and link.expires_at and link.expires_at < timezone.now()),
    }
