"""Page-shaped reads of quotes, scoped by the access policy (a quote's owner and team are its deal's): the
list, one quote, the trash, a deal's lines and quotes, and a quote for its public page."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Q

from tandem.core import access
from tandem.core.access import Verb
from tandem.core.pagination import SortKey, paginate
from tandem.sales.catalog.models import Product
from tandem.sales.quotes import money
from tandem.sales.quotes.models import DealLine, Quote, QuoteLine

SORTS = {
    "newest": ("Newest first", SortKey(("created_at", "id"), descending=True)),
    "oldest": ("Oldest first", SortKey(("created_at", "id"), descending=False)),
    "number": ("Number", SortKey(("number", "id"), descending=False)),
    "total": ("Largest total", SortKey(("total", "id"), descending=True)),
    "valid": ("Valid until, soonest", SortKey(("valid_until", "id"), descending=False)),
}


@dataclass
class QuoteFilters:
    search: str = ""
    owner_ids: list[int] = field(default_factory=list)
    unowned: bool = False
    team_ids: list[int] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    deal_ids: list[int] = field(default_factory=list)
    valid_from: datetime.date | None = None
    valid_to: datetime.date | None = None
    properties: list = field(default_factory=list)


def visible_quotes(user):
    return access.scope_queryset(
        user, Verb.VIEW, Quote.objects.filter(deleted_at__isnull=True, deal__deleted_at__isnull=True)
    )


def filter_quotes(queryset, filters: QuoteFilters):
    if filters.search:
        text = filters.search.strip()
        queryset = queryset.filter(
            Q(number__icontains=text) | Q(deal__name__icontains=text) | Q(deal__company__name__icontains=text)
        )
    if filters.owner_ids or filters.unowned:
        condition = Q(owner_id__in=filters.owner_ids)
        if filters.unowned:
            condition |= Q(owner__isnull=True)
        queryset = queryset.filter(condition)
    if filters.team_ids:
        queryset = queryset.filter(team_id__in=filters.team_ids)
    if filters.statuses:
        queryset = queryset.filter(status__in=filters.statuses)
    if filters.deal_ids:
        queryset = queryset.filter(deal_id__in=filters.deal_ids)
    if filters.valid_from:
        queryset = queryset.filter(valid_until__gte=filters.valid_from)
    if filters.valid_to:
        queryset = queryset.filter(valid_until__lte=filters.valid_to)
    return queryset


def filtered_quotes(user, filters: QuoteFilters):
    return filter_quotes(visible_quotes(user), filters).select_related("deal", "deal__company", "owner")


def quote_detail(user, pk) -> Quote:
    queryset = Quote.objects.filter(deleted_at__isnull=True).select_related(
        "deal", "deal__company", "owner", "team", "sent_by", "created_by"
    )
    return access.get_object_or_deny(user, Verb.VIEW, queryset, pk=pk)


def quote_trash(user, cursor=None):
    queryset = access.scope_queryset(user, Verb.DELETE, Quote.objects.filter(deleted_at__isnull=False))
    return paginate(
        queryset.select_related("deal"), SortKey(("deleted_at", "id"), descending=True), cursor, 50
    )


@dataclass
class PricedLine:
    line: object
    total: money.Decimal


def priced(lines) -> list[PricedLine]:
    return [
        PricedLine(line, money.line_total(line.quantity, line.unit_price, line.discount_percent))
        for line in lines
    ]


def deal_lines(deal) -> list[DealLine]:
    return list(DealLine.objects.filter(deal=deal).select_related("product").order_by("position", "id"))


def quote_lines(quote) -> list[QuoteLine]:
    return list(QuoteLine.objects.filter(quote=quote).select_related("product").order_by("position", "id"))


def deal_quotes(user, deal, limit: int = 20) -> list[Quote]:
    return list(visible_quotes(user).filter(deal=deal).order_by("-created_at", "-id")[:limit])


def offered_products(user, currency: str) -> list[Product]:
    """The active products the user may see, the deal's currency first (the others are listed so a rep
    sees why they cannot be added), by name."""
    products = access.scope_queryset(
        user, Verb.VIEW, Product.objects.filter(deleted_at__isnull=True, active=True)
    ).order_by("name", "id")[:500]
    return sorted(products, key=lambda product: product.currency != currency)


def current_link(quote: Quote):
    """The buyer's link in force (sharing revokes the older ones, so at most one), or None. Only its dates:
    the token itself is never stored."""
    from django.contrib.contenttypes.models import ContentType

    from tandem.public.models import PublicLink

    return (
        PublicLink.objects.filter(
            purpose="quote",
            target_type=ContentType.objects.get_for_model(Quote),
            target_id=quote.pk,
            revoked_at__isnull=True,
        )
        .order_by("-created_at", "-id")
        .first()
    )
