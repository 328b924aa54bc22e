"""Line items: a deal's (what the deal is about, from the catalog or free) and a quote's (copied from the
deal's, then its own). Both are written through the same cleaning: a product must be live, active, visible
to the actor and priced in the deal's currency."""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from tandem.contacts.services.fields import raise_if
from tandem.core import access, audit
from tandem.core.access import Verb
from tandem.core.events import publish
from tandem.sales.catalog.models import Product
from tandem.sales.catalog.records import price_text
from tandem.sales.deals.models import Deal
from tandem.sales.quotes import events, money
from tandem.sales.quotes.models import DealLine, Quote, QuoteLine
from tandem.sales.quotes.services.cleaning import clean_line_name, parse_percent, parse_price, parse_quantity

LINE_FIELDS = ("product", "name", "quantity", "unit_price", "discount_percent")
MAX_LINES = 200


def _product(actor, raw: Any, errors: dict[str, str]) -> Product | None:
    if raw in (None, ""):
        return None
    if isinstance(raw, Product):
        product = raw
    else:
        try:
            product = Product.objects.filter(pk=int(raw), deleted_at__isnull=True).first()
        except (TypeError, ValueError):
            product = None
    if (
        product is None
        or product.deleted_at is not None
        or (actor is not None and not access.can(actor, Verb.VIEW, product))
    ):
        errors["product"] = "Choose a product from the catalog."
        return None
    return product


def clean_line(actor, values: Mapping[str, Any], *, currency: str, line=None) -> dict[str, Any]:
    """The columns of a new line (`line` None) or the changed ones of `line`, from a form or the API.

    A product fills the name and unit price unless they are given; it must be active (an inactive one
    stays on old lines, but is not offered on new ones) and priced in `currency`."""
    errors: dict[str, str] = {}
    unknown = sorted(set(values) - set(LINE_FIELDS))
    if unknown:
        errors[unknown[0]] = f"“{unknown[0]}” cannot be set on a line."
    cleaned: dict[str, Any] = {}
    product = None
    if "product" in values:
        product = _product(actor, values["product"], errors)
        if product is not None and (line is None or line.product_id != product.pk):
            if not product.active:
                errors["product"] = f"{product.name} is inactive; reactivate it in the catalog to offer it."
            elif product.currency != currency:
                errors["product"] = (
                    f"{product.name} is priced in {product.currency} ({price_text(product)}), but this is in "
                    f"{currency}. Add it as a free line with a {currency} price, or change the currency."
                )
        cleaned["product"] = product
    name = values.get("name")
    if name not in (None, "") or line is None or "name" in values:
        if name in (None, "") and product is not None:
            name = product.name
        cleaned["name"] = clean_line_name(name, errors)
    if "quantity" in values or line is None:
        cleaned["quantity"] = parse_quantity(values.get("quantity", "1"), errors)
    price = values.get("unit_price")
    if price in (None, "") and product is not None and (line is None or "product" in values):
        price = product.price
    if price not in (None, "") or line is None or "unit_price" in values:
        cleaned["unit_price"] = parse_price(price, errors)
    if "discount_percent" in values or line is None:
        cleaned["discount_percent"] = parse_percent(
            values.get("discount_percent"), errors, name="discount_percent", label="discount"
        )
    raise_if(errors)
    return cleaned


def line_total(line) -> money.Decimal:
    return money.line_total(line.quantity, line.unit_price, line.discount_percent)


def _describe(line) -> str:
    return f"{line.name}: {line.quantity} × {line.unit_price} − {line.discount_percent} %"


# --- a deal's lines ------------------------------------------------------------------------------------


def _lock_deal(actor, deal: Deal) -> Deal:
    """The deal's row locked, refused when the actor may not change it or it is in the trash. Lines are
    the deal's content, so they follow its change permission."""
    if actor is not None:
        access.require(actor, Verb.CHANGE, deal)
    current = Deal.objects.select_for_update().filter(pk=deal.pk).first()
    if current is None or current.deleted_at is not None:
        raise ValidationError("This deal is in the trash. Restore it before changing its products.")
    return current


def deal_lines(deal: Deal) -> list[DealLine]:
    return list(DealLine.objects.filter(deal=deal).select_related("product").order_by("position", "id"))


@transaction.atomic
def add_deal_line(*, actor, deal: Deal, values: Mapping[str, Any], request=None) -> DealLine:
    current = _lock_deal(actor, deal)
    cleaned = clean_line(actor, values, currency=current.currency)
    existing = DealLine.objects.filter(deal=current).aggregate(count=Max("position"))["count"]
    if DealLine.objects.filter(deal=current).count() >= MAX_LINES:
        raise ValidationError(f"A deal can have at most {MAX_LINES} lines.")
    line = DealLine.objects.create(deal=current, position=(existing or 0) + 1, **cleaned)
    audit.record(
        actor=actor, action=audit.Action.UPDATE, target=current, request=request,
        changes={"line": [None, _describe(line)]}, event="deal_line_added",
    )  # fmt: skip
    publish(events.DEAL_LINES_CHANGED, deal_id=current.pk)
    return line


@transaction.atomic
def update_deal_line(*, actor, line: DealLine, values: Mapping[str, Any], request=None) -> DealLine:
    current = _lock_deal(actor, line.deal)
    line = DealLine.objects.get(pk=line.pk, deal=current)
    before = _describe(line)
    cleaned = clean_line(actor, values, currency=current.currency, line=line)
    for name, value in cleaned.items():
        setattr(line, name, value)
    line.save()
    if _describe(line) != before:
        audit.record(
            actor=actor, action=audit.Action.UPDATE, target=current, request=request,
            changes={"line": [before, _describe(line)]}, event="deal_line_changed",
        )  # fmt: skip
        publish(events.DEAL_LINES_CHANGED, deal_id=current.pk)
    return line


@transaction.atomic
def remove_deal_line(*, actor, line: DealLine, request=None) -> None:
    current = _lock_deal(actor, line.deal)
    if not DealLine.objects.filter(pk=line.pk, deal=current).delete()[0]:
        return
    audit.record(
        actor=actor, action=audit.Action.UPDATE, target=current, request=request,
        changes={"line": [_describe(line), None]}, event="deal_line_removed",
    )  # fmt: skip
    publish(events.DEAL_LINES_CHANGED, deal_id=current.pk)


def set_amount_from_lines(*, actor, deal: Deal, request=None) -> Deal:
    """Make the deal's amount the total of its lines, through the deals service (its checks, audit and
    event). Refused when the deal has no lines."""
    from tandem.sales.deals import services as deal_services

    lines = deal_lines(deal)
    if not lines:
        raise ValidationError("Add products to the deal before setting its amount from them.")
    total = money.totals(lines).total
    return deal_services.update_deal(actor=actor, deal=deal, values={"amount": total}, request=request)


# --- a quote's lines -------------------------------------------------------------------------------------


def lock_quote(actor, quote: Quote, *, editing: bool = True) -> Quote:
    """The quote's row locked; refused when the actor may not change it, or (`editing`) when the buyer has
    answered or it expired: what was accepted stays as it was."""
    if actor is not None:
        access.require(actor, Verb.CHANGE, quote)
    current = Quote.objects.select_for_update().filter(pk=quote.pk).first()
    if current is None or current.deleted_at is not None:
        raise ValidationError("This quote is in the trash. Restore it before changing it.")
    if editing and not current.is_editable:
        raise ValidationError(
            f"This quote is {current.get_status_display().lower()}; it can no longer be changed. "
            "Create a new quote from the deal instead."
        )
    return current


def store_totals(quote: Quote) -> Quote:
    """Recompute the quote's totals from its lines and store them (the only place they are written)."""
    result = money.totals(list(QuoteLine.objects.filter(quote=quote)), quote.discount_percent, quote.tax_rate)
    quote.subtotal, quote.discount_amount = result.subtotal, result.discount
    quote.tax_amount, quote.total = result.tax, result.total
    Quote.objects.filter(pk=quote.pk).update(
        subtotal=result.subtotal, discount_amount=result.discount, tax_amount=result.tax, total=result.total
    )
    return quote


def _touch(quote: Quote) -> None:
    from tandem.contacts.services.writes import next_updated_at

    quote.updated_at = next_updated_at(quote.updated_at)
    Quote.objects.filter(pk=quote.pk).update(updated_at=quote.updated_at)


@transaction.atomic
def add_quote_line(*, actor, quote: Quote, values: Mapping[str, Any], request=None) -> QuoteLine:
    current = lock_quote(actor, quote)
    cleaned = clean_line(actor, values, currency=current.currency)
    if QuoteLine.objects.filter(quote=current).count() >= MAX_LINES:
        raise ValidationError(f"A quote can have at most {MAX_LINES} lines.")
    last = QuoteLine.objects.filter(quote=current).aggregate(last=Max("position"))["last"]
    line = QuoteLine.objects.create(quote=current, position=(last or 0) + 1, **cleaned)
    store_totals(current)
    _touch(current)
    audit.record(
        actor=actor, action=audit.Action.UPDATE, target=current, request=request,
        changes={"line": [None, _describe(line)]}, event="quote_line_added",
    )  # fmt: skip
    return line


@transaction.atomic
def update_quote_line(*, actor, line: QuoteLine, values: Mapping[str, Any], request=None) -> QuoteLine:
    current = lock_quote(actor, line.quote)
    line = QuoteLine.objects.get(pk=line.pk, quote=current)
    before = _describe(line)
    for name, value in clean_line(actor, values, currency=current.currency, line=line).items():
        setattr(line, name, value)
    line.save()
    if _describe(line) != before:
        store_totals(current)
        _touch(current)
        audit.record(
            actor=actor, action=audit.Action.UPDATE, target=current, request=request,
            changes={"line": [before, _describe(line)]}, event="quote_line_changed",
        )  # fmt: skip
    return line


@transaction.atomic
def remove_quote_line(*, actor, line: QuoteLine, request=None) -> None:
    current = lock_quote(actor, line.quote)
    if not QuoteLine.objects.filter(pk=line.pk, quote=current).delete()[0]:
        return
    store_totals(current)
    _touch(current)
    audit.record(
        actor=actor, action=audit.Action.UPDATE, target=current, request=request,
        changes={"line": [_describe(line), None]}, event="quote_line_removed",
    )  # fmt: skip
